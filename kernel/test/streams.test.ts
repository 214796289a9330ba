import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createKernel,
  EVENT_STREAMS,
  KernelError,
  type CinatraConfig,
  type ConfiguredEventStreams,
  type DeepPartial,
  type Kernel,
  type StreamEvent,
} from '../src/index.js';
import {
  createTestDatabase,
  testConfig,
  testRedisKeyPrefix,
  testRedisUrl,
  type TestDatabase,
} from '../src/testing/index.js';

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

/** Both id formats (Postgres `n`, Redis `ms-seq`) compared numerically. */
function compareIds(a: string, b: string): number {
  const [a1, a2 = 0n] = a.split('-').map(BigInt);
  const [b1, b2 = 0n] = b.split('-').map(BigInt);
  if (a1 !== b1) return a1! < b1! ? -1 : 1;
  return a2 === b2 ? 0 : a2 < b2 ? -1 : 1;
}

function expectStrictlyIncreasing(ids: string[]): void {
  for (let i = 1; i < ids.length; i += 1) {
    if (compareIds(ids[i - 1]!, ids[i]!) >= 0) {
      throw new Error(`ids not strictly increasing at ${i}: ${ids[i - 1]} then ${ids[i]}`);
    }
  }
}

/** Every event of `key`, oldest first, paging through `read`. */
async function readAll(streams: ConfiguredEventStreams, key: string): Promise<StreamEvent[]> {
  const all: StreamEvent[] = [];
  for (;;) {
    const page = await streams.read(key, { after: all.at(-1)?.id, limit: 1000 });
    all.push(...page);
    if (page.length < 1000) return all;
  }
}

/** Collects a subscription until it ends (terminal event) or `count` events arrived. */
async function collect(iterable: AsyncIterable<StreamEvent>, count = Infinity): Promise<StreamEvent[]> {
  const events: StreamEvent[] = [];
  if (count === 0) return events;
  for await (const event of iterable) {
    events.push(event);
    if (events.length >= count) break;
  }
  return events;
}

/** Polls `check` until it returns true (the expiry tests wait for a TTL to pass). */
async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    if (await check()) return;
    await sleep(50);
  }
  throw new Error(`timed out waiting until ${what}`);
}

const drivers = [
  { name: 'postgres' as const, enabled: true },
  { name: 'redis' as const, enabled: redisUrl !== undefined },
];

describe.each(drivers)('event streams on $name', ({ name, enabled }) => {
  async function streamsFor(
    streams: DeepPartial<CinatraConfig['streams']> = {},
  ): Promise<{ kernel: Kernel; streams: ConfiguredEventStreams; config: CinatraConfig }> {
    const config = testConfig({
      databaseUrl: database.url,
      ...(name === 'redis' ? { redisUrl, redisKeyPrefix: testRedisKeyPrefix() } : {}),
      streams: { driver: name, ...streams },
    });
    const kernel = await createKernel(config);
    cleanups.push(() => kernel.close());
    const service = kernel.resolve(EVENT_STREAMS);
    expect(service.driverName).toBe(name);
    return { kernel, streams: service, config };
  }

  let keySeq = 0;
  const freshKey = () => `run:${name}:${process.pid}:${Date.now()}:${(keySeq += 1)}`;

  it.skipIf(!enabled)('appends, reads pages after an id, and validates keys, ids and data', async () => {
    const { streams } = await streamsFor();
    const key = freshKey();
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) ids.push(await streams.append(key, { n: i, text: `line ${i}` }));
    expectStrictlyIncreasing(ids);
    for (const id of ids) expect(streams.parseId(id)).toBe(id);

    const all = await streams.read(key);
    expect(all.map((e) => e.id)).toEqual(ids);
    expect(all.map((e) => e.data)).toEqual([0, 1, 2, 3, 4].map((n) => ({ n, text: `line ${n}` })));
    expect(all.every((e) => !e.terminal)).toBe(true);
    expect((await streams.read(key, { after: ids[1], limit: 2 })).map((e) => e.id)).toEqual(ids.slice(2, 4));
    expect(await streams.read(key, { after: ids[4] })).toEqual([]);
    expect(await streams.read(freshKey())).toEqual([]);

    for (const bad of ['', 'abc', '1.5', '-1', '1-2-3', '9'.repeat(40), 'x\ny']) {
      expect(streams.parseId(bad)).toBeNull();
    }
    await expect(streams.read(key, { after: 'nope' })).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(streams.append('bad key!', {})).rejects.toBeInstanceOf(KernelError);
    await expect(streams.append(key, undefined)).rejects.toMatchObject({ code: 'validation_failed' });
    expect(() => streams.subscribe('', {})).toThrow(KernelError);
  });

  it.skipIf(!enabled)(
    'concurrent appenders get strictly increasing ids; subscribers see every event once, in order',
    async () => {
      const { streams } = await streamsFor();
      const key = freshKey();
      const [APPENDERS, EACH] = [20, 100];
      // One subscriber from the start, one that joins once some events exist.
      const early = collect(streams.subscribe(key), APPENDERS * EACH);
      const appended = new Map<string, string>();
      const appenders = Array.from({ length: APPENDERS }, async (_, a) => {
        const mine: string[] = [];
        for (let i = 0; i < EACH; i += 1) {
          const id = await streams.append(key, { a, i });
          mine.push(id);
          appended.set(id, `${a}:${i}`);
        }
        expectStrictlyIncreasing(mine);
      });
      await eventually(async () => appended.size >= 200, 'some events were appended');
      const late = collect(streams.subscribe(key), APPENDERS * EACH);
      await Promise.all(appenders);

      expect(appended.size).toBe(APPENDERS * EACH);
      const stored = await readAll(streams, key);
      expect(stored).toHaveLength(APPENDERS * EACH);
      const storedIds = stored.map((e) => e.id);
      expectStrictlyIncreasing(storedIds);
      expect(new Set(storedIds)).toEqual(new Set(appended.keys()));
      for (const event of stored) {
        const { a, i } = event.data as { a: number; i: number };
        expect(appended.get(event.id)).toBe(`${a}:${i}`);
      }
      expect((await early).map((e) => e.id)).toEqual(storedIds);
      expect((await late).map((e) => e.id)).toEqual(storedIds);
    },
  );

  it.skipIf(!enabled)(
    'a subscription from an id in the middle of an append storm has no gap and no duplicate',
    async () => {
      const { streams } = await streamsFor();
      const key = freshKey();
      const storm = Promise.all(
        Array.from({ length: 4 }, async (_, a) => {
          for (let i = 0; i < 500; i += 1) await streams.append(key, { a, i });
        }),
      );
      let middle: StreamEvent[] = [];
      await eventually(
        async () => (middle = await streams.read(key, { limit: 10_000 })).length >= 300,
        'mid-storm',
      );
      const after = middle.at(-1)!.id;
      const resumed = collect(streams.subscribe(key, { after }));
      await storm;
      const last = await streams.append(key, { done: true }, { terminal: true });

      const stored = await readAll(streams, key);
      const expected = stored.slice(stored.findIndex((e) => e.id === after) + 1);
      const got = await resumed; // ends by itself after the terminal event
      expect(got.map((e) => e.id)).toEqual(expected.map((e) => e.id));
      expect(got.at(-1)).toMatchObject({ id: last, terminal: true, data: { done: true } });
    },
  );

  it.skipIf(!enabled)('keeps about the newest maxLength events of a key', async () => {
    const { streams } = await streamsFor({ maxLength: 100 });
    const key = freshKey();
    const ids: string[] = [];
    for (let i = 0; i < 600; i += 1) ids.push(await streams.append(key, i));
    const kept = await readAll(streams, key);
    // Postgres trims exactly; Redis `MAXLEN ~` drops whole internal nodes (100 entries by default).
    expect(kept.length).toBeGreaterThanOrEqual(100);
    expect(kept.length).toBeLessThanOrEqual(name === 'postgres' ? 100 : 250);
    expect(kept.map((e) => e.id)).toEqual(ids.slice(-kept.length));
    expect(kept.at(-1)!.data).toBe(599);
  });

  it.skipIf(!enabled)(
    'a terminal event ends subscribers, refuses later appends, and the stream expires',
    async () => {
      const { streams, kernel } = await streamsFor({ terminalTtlSeconds: 1 });
      const key = freshKey();
      const live = collect(streams.subscribe(key));
      const first = await streams.append(key, 'a');
      await streams.append(key, 'b');
      const end = await streams.append(key, 'end', { terminal: true });
      expect((await live).map((e) => [e.data, e.terminal])).toEqual([
        ['a', false],
        ['b', false],
        ['end', true],
      ]);
      await expect(streams.append(key, 'late')).rejects.toMatchObject({ code: 'conflict' });
      // A subscriber that arrives afterwards gets the rest and ends too; one already past the end ends at once.
      expect((await collect(streams.subscribe(key, { after: first }))).map((e) => e.data)).toEqual([
        'b',
        'end',
      ]);
      expect(await collect(streams.subscribe(key, { after: end }))).toEqual([]);

      await eventually(async () => (await streams.read(key)).length === 0, 'the terminal stream expired');
      if (name === 'postgres') {
        // The sweep (every second with this TTL) deletes the rows too.
        await eventually(async () => {
          const rows = await kernel.db.knex('streamEvents').where({ key }).count('* as n').first();
          const heads = await kernel.db.knex('streamHeads').where({ key }).count('* as n').first();
          return Number(rows!.n) === 0 && Number(heads!.n) === 0;
        }, 'the sweep removed the stream');
      } else {
        const redis = new Redis(redisUrl!);
        cleanups.push(async () => void (await redis.quit()));
        expect(await redis.exists(`${kernel.config.redisKeyPrefix}:stream:${key}`)).toBe(0);
      }
      // The key can be used again: a new stream, with ids above the old ones.
      const again = await streams.append(key, 'again');
      expect(compareIds(again, end)).toBe(1);
      expect((await streams.read(key)).map((e) => e.data)).toEqual(['again']);
    },
  );

  it.skipIf(!enabled)(
    'aborting or returning an idle subscription ends it and releases its resources',
    async () => {
      const { streams } = await streamsFor();
      const key = freshKey();
      await streams.append(key, 1);
      const controller = new AbortController();
      const iterator = streams.subscribe(key, { signal: controller.signal })[Symbol.asyncIterator]();
      expect((await iterator.next()).value).toMatchObject({ data: 1 });
      const pending = iterator.next(); // waits: nothing more is appended
      await eventually(async () => streams.activeSubscriptions === 1, 'the subscription is open');
      controller.abort();
      expect(await pending).toEqual({ done: true, value: undefined });
      await eventually(async () => streams.activeSubscriptions === 0, 'the subscription was released');

      // `return()` while a `next()` is pending (what an HTTP handler does when its client leaves).
      const second = streams.subscribe(key)[Symbol.asyncIterator]();
      expect((await second.next()).value).toMatchObject({ data: 1 });
      const waiting = second.next();
      await eventually(async () => streams.activeSubscriptions === 1, 'the second subscription is open');
      await second.return!();
      expect((await waiting).done).toBe(true);
      expect(streams.activeSubscriptions).toBe(0);

      if (name === 'redis') {
        const admin = new Redis(redisUrl!);
        cleanups.push(async () => void (await admin.quit()));
        const clients = (await admin.client('LIST')) as string;
        const readers = clients.split('\n').filter((line) => line.includes('name=cinatra:stream-reader'));
        expect(readers.filter((line) => line.includes('cmd=xread'))).toEqual([]);
      }
    },
  );
});
