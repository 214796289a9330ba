import { request as httpRequest, type IncomingMessage } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { Type } from 'typebox';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_STREAMS, type Kernel, type StreamEvent } from '@cinatra/kernel';
import {
  createTestDatabase,
  testConfig,
  testRedisKeyPrefix,
  testRedisUrl,
  type TestDatabase,
} from '@cinatra/kernel/testing';
import {
  createPlatform,
  sendEventStream,
  SSE_RESPONSE,
  type CinatraServer,
  type Platform,
  type SseEvent,
} from '@cinatra/host';
import { openEventStream, SseParser, type SseFrame } from './support/sseClient.js';

const redisUrl = testRedisUrl();

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

/** What the test routes saw of their sources, to check the helper's side of a close. */
interface SourceProbe {
  opened: number;
  returned: number;
  pulled: number;
}

/**
 * Test-only routes: `/test/streams/:key` serves an EVENT_STREAMS key through
 * `sendEventStream` (the terminal event is sent as `event: end`); `/test/firehose`
 * serves an endless source of 64 KiB events, counting how many the helper pulled.
 */
function streamRoutes(probe: SourceProbe, heartbeatMs: number) {
  return (app: CinatraServer, kernel: Kernel) => {
    const streams = kernel.resolve(EVENT_STREAMS);
    app.get(
      '/test/streams/:key',
      {
        config: { public: true },
        schema: {
          params: Type.Object({ key: Type.String() }),
          querystring: Type.Object({ lastEventId: Type.Optional(Type.String()) }),
          response: { 200: SSE_RESPONSE },
        },
      },
      (request, reply) =>
        sendEventStream(request, reply, {
          parseId: (text) => streams.parseId(text),
          heartbeatMs,
          source: (after, signal) =>
            probed(
              probe,
              streams.subscribe(request.params.key, { after, signal }),
              (e: StreamEvent): SseEvent => ({
                id: e.id,
                event: e.terminal ? 'end' : undefined,
                data: e.data,
              }),
            ),
        }),
    );
    app.get('/test/firehose', { config: { public: true } }, (request, reply) =>
      sendEventStream(request, reply, {
        parseId: (text) => (/^\d+$/.test(text) ? Number(text) : null),
        source: () => {
          let n = 0;
          const payload = 'x'.repeat(64 * 1024);
          return probed(
            probe,
            { [Symbol.asyncIterator]: () => ({ next: async () => ({ done: false, value: n++ }) }) },
            (i: number) => ({ id: String(i), data: { i, payload } }),
          );
        },
      }),
    );
  };
}

/** Maps `source` to SSE events, counting pulls and `return()` calls in `probe`. */
function probed<T>(
  probe: SourceProbe,
  source: AsyncIterable<T>,
  map: (item: T) => SseEvent,
): AsyncIterable<SseEvent> {
  return {
    [Symbol.asyncIterator]() {
      probe.opened += 1;
      const inner = source[Symbol.asyncIterator]();
      return {
        async next() {
          const result = await inner.next();
          if (result.done) return { done: true, value: undefined };
          probe.pulled += 1;
          return { done: false, value: map(result.value) };
        },
        async return() {
          probe.returned += 1;
          await inner.return?.();
          return { done: true, value: undefined };
        },
      };
    },
  };
}

async function eventually(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let attempt = 0; attempt < 300; attempt += 1) {
    if (await check()) return;
    await sleep(50);
  }
  throw new Error(`timed out waiting until ${what}`);
}

/** Reads frames until the `end` event (or the response ends). */
async function readToEnd(frames: AsyncGenerator<SseFrame>): Promise<SseFrame[]> {
  const got: SseFrame[] = [];
  for await (const frame of frames) {
    got.push(frame);
    if (frame.event === 'end') break;
  }
  return got;
}

/** A small deterministic PRNG (mulberry32) so a failing run can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const drivers = [
  { name: 'postgres' as const, enabled: true },
  { name: 'redis' as const, enabled: redisUrl !== undefined },
];

describe.each(drivers)('SSE over event streams ($name)', ({ name, enabled }) => {
  async function startPlatform(heartbeatMs = 15_000) {
    const probe: SourceProbe = { opened: 0, returned: 0, pulled: 0 };
    const config = testConfig({
      databaseUrl: database.url,
      ...(name === 'redis' ? { redisUrl, redisKeyPrefix: testRedisKeyPrefix() } : {}),
      streams: { driver: name },
    });
    const platform: Platform = await createPlatform(config, { plugins: [streamRoutes(probe, heartbeatMs)] });
    let stopped = false;
    const stop = async () => {
      if (!stopped) await platform.stop();
      stopped = true;
    };
    cleanups.push(stop);
    const { url } = await platform.start();
    return { platform, probe, url, stop, streams: platform.kernel.resolve(EVENT_STREAMS) };
  }

  let keySeq = 0;
  const freshKey = () => `sse-${name}-${process.pid}-${Date.now()}-${(keySeq += 1)}`;

  it.skipIf(!enabled)('sends an id on every frame and resumes after Last-Event-ID', async () => {
    const { url, streams } = await startPlatform();
    const key = freshKey();
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) ids.push(await streams.append(key, { i }));
    ids.push(await streams.append(key, { done: true }, { terminal: true }));

    const first = await openEventStream(`${url}/test/streams/${key}`);
    expect(first.response.status).toBe(200);
    expect(first.response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const all = await readToEnd(first.frames);
    expect(all.map((f) => f.id)).toEqual(ids);
    expect(all.map((f) => JSON.parse(f.data))).toEqual([
      ...[0, 1, 2, 3, 4].map((i): unknown => ({ i })),
      { done: true },
    ]);

    const resumed = await openEventStream(`${url}/test/streams/${key}`, { lastEventId: ids[2] });
    expect((await readToEnd(resumed.frames)).map((f) => f.id)).toEqual(ids.slice(3));
    // Clients that cannot set headers pass the id in the query string.
    const byQuery = await openEventStream(`${url}/test/streams/${key}?lastEventId=${ids[4]}`);
    expect((await readToEnd(byQuery.frames)).map((f) => f.id)).toEqual(ids.slice(5));
  });

  it.skipIf(!enabled)('refuses a malformed Last-Event-ID with a validation problem', async () => {
    const { url, probe } = await startPlatform();
    for (const attempt of [
      { lastEventId: 'not-an-id' },
      { lastEventId: 'x'.repeat(500) },
      { query: '?lastEventId=12.5' },
    ]) {
      const res = await fetch(`${url}/test/streams/${freshKey()}${attempt.query ?? ''}`, {
        headers: attempt.lastEventId ? { 'last-event-id': attempt.lastEventId } : {},
      });
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await res.json()).toMatchObject({ status: 400, code: 'validation_failed' });
    }
    expect(probe.opened).toBe(0);
  });

  it.skipIf(!enabled)('sends heartbeats while no event goes out', async () => {
    const { url } = await startPlatform(40);
    const controller = new AbortController();
    cleanups.push(async () => controller.abort());
    const { response, parser } = await openEventStream(`${url}/test/streams/${freshKey()}`, {
      signal: controller.signal,
    });
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    while (parser.comments.filter((c) => c === 'heartbeat').length < 3) {
      const { done, value } = await reader.read();
      expect(done).toBe(false);
      expect(parser.push(decoder.decode(value, { stream: true }))).toEqual([]); // no events, only comments
    }
    controller.abort();
  });

  it.skipIf(!enabled)('client disconnect returns the source and releases the subscription', async () => {
    const { url, streams, probe } = await startPlatform();
    const key = freshKey();
    await streams.append(key, 'first');
    const controller = new AbortController();
    const { frames } = await openEventStream(`${url}/test/streams/${key}`, { signal: controller.signal });
    expect(JSON.parse((await frames.next()).value!.data)).toBe('first');
    await eventually(() => streams.activeSubscriptions === 1, 'the route subscribed');
    controller.abort();
    await eventually(() => probe.returned === 1, 'the helper returned the source');
    await eventually(() => streams.activeSubscriptions === 0, 'the subscription was released');
  });

  it.skipIf(!enabled)('stopping the platform ends open streams and returns their sources', async () => {
    const { url, streams, probe, stop } = await startPlatform();
    const key = freshKey();
    await streams.append(key, 'only');
    const { frames } = await openEventStream(`${url}/test/streams/${key}`);
    expect(JSON.parse((await frames.next()).value!.data)).toBe('only');
    const rest = (async () => {
      const more: SseFrame[] = [];
      for await (const frame of frames) more.push(frame);
      return more;
    })();
    await stop();
    expect(await rest).toEqual([]); // the response ended cleanly: no error, nothing more
    expect(probe.returned).toBe(1);
  });

  it.skipIf(!enabled)('pulls from the source only as fast as a slow client reads', async () => {
    const { url, probe } = await startPlatform();
    const response = await new Promise<IncomingMessage>((resolve, reject) =>
      httpRequest(`${url}/test/firehose`, resolve).on('error', reject).end(),
    );
    cleanups.push(async () => void response.destroy());
    response.pause(); // the client stops reading
    // Socket buffers fill up, then the helper stops pulling: the count settles.
    let settled = -1;
    await eventually(async () => {
      const before = probe.pulled;
      await sleep(300);
      const stable = before > 0 && probe.pulled === before;
      if (stable) settled = before;
      return stable;
    }, 'the server stopped pulling');
    // 64 KiB per event: without backpressure this would grow without bound (memory, not sockets).
    expect(settled * 64 * 1024).toBeLessThan(64 * 1024 * 1024);

    // Reading again resumes the flow, in order, with nothing lost.
    const parser = new SseParser();
    const seen: number[] = [];
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      for (const frame of parser.push(chunk)) seen.push(Number(frame.id));
    });
    response.resume();
    await eventually(() => seen.length > settled + 10, 'more events arrived after reading resumed');
    expect(seen.slice(0, settled + 10)).toEqual(Array.from({ length: settled + 10 }, (_, i) => i));
    response.destroy();
  });

  it.skipIf(!enabled)(
    'a client that disconnects at random points and resumes gets 10,000 events exactly once, in order',
    { timeout: 180_000 },
    async () => {
      const { url, streams } = await startPlatform();
      const key = freshKey();
      const TOTAL = 10_000;
      const APPENDERS = 4;
      const producer = (async () => {
        await Promise.all(
          Array.from({ length: APPENDERS }, async (_, a) => {
            for (let i = a; i < TOTAL; i += APPENDERS) await streams.append(key, { a, i });
          }),
        );
        return streams.append(key, { done: true }, { terminal: true });
      })();

      const next = random(0x5eed);
      const received: SseFrame[] = [];
      let lastId: string | undefined;
      let connections = 0;
      for (let ended = false; !ended;) {
        const controller = new AbortController();
        connections += 1;
        const { response, frames } = await openEventStream(`${url}/test/streams/${key}`, {
          lastEventId: lastId,
          signal: controller.signal,
        });
        expect(response.status).toBe(200);
        // Disconnect after a random number of events (the rest of that chunk is dropped unread).
        const budget = 1 + Math.floor(next() * 1500);
        try {
          for await (const frame of frames) {
            received.push(frame);
            lastId = frame.id;
            if (frame.event === 'end') {
              ended = true;
              break;
            }
            if (received.length % budget === 0) break;
          }
        } finally {
          controller.abort();
        }
      }
      const terminalId = await producer;

      const stored: StreamEvent[] = [];
      for (;;) {
        const page = await streams.read(key, { after: stored.at(-1)?.id, limit: 5000 });
        stored.push(...page);
        if (page.length < 5000) break;
      }
      expect(stored).toHaveLength(TOTAL + 1);
      expect(received.map((f) => f.id)).toEqual(stored.map((e) => e.id));
      expect(received.at(-1)!.id).toBe(terminalId);
      const data = received.slice(0, -1).map((f) => JSON.parse(f.data) as { a: number; i: number });
      expect(new Set(data.map((d) => d.i)).size).toBe(TOTAL);
      // Each appender appended in order, so its events arrive in order.
      for (let a = 0; a < APPENDERS; a += 1) {
        const mine = data.filter((d) => d.a === a).map((d) => d.i);
        expect(mine).toEqual([...mine].sort((x, y) => x - y));
      }
      expect(connections).toBeGreaterThan(5);
    },
  );
});
