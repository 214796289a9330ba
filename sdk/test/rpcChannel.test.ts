import { describe, expect, it } from 'vitest';
import { RpcError, type CallMeta, type WireMessage } from '../src/index.js';
import { RpcChannel, type RpcHandler } from '../src/process/RpcChannel.js';
import { streamedCall } from '../src/process/streamedCall.js';

interface Methods {
  wait: { params: { key: string }; result: { key: string } };
}

const META: CallMeta = {
  extensionId: '@test/ext',
  extensionVersion: '1.0.0',
  actor: null,
  traceId: '0'.repeat(32),
};

/** Two channels wired back to back through a macrotask, like the two ends of an IPC pipe. */
function pair(serve: RpcHandler) {
  const sent: WireMessage[] = [];
  const client: RpcChannel<Methods> = new RpcChannel<Methods>(
    (message) => {
      sent.push(message);
      setImmediate(() => server.receive(message));
    },
    () => Promise.reject(new Error('the client serves nothing')),
  );
  const server: RpcChannel<Methods> = new RpcChannel<Methods>(
    (message) => setImmediate(() => client.receive(message)),
    serve,
  );
  return { client, server, sent };
}

/** A handler that answers a key when `release(key)` is called, and reports how its signal ended. */
function heldHandler() {
  const releases = new Map<string, () => void>();
  const aborted = new Map<string, unknown>();
  const handler: RpcHandler = (_method, params, _meta, signal) => {
    const { key } = params as { key: string };
    return new Promise((resolve) => {
      releases.set(key, () => resolve({ key }));
      signal.addEventListener('abort', () => aborted.set(key, signal.reason), { once: true });
    });
  };
  return { handler, release: (key: string) => releases.get(key)?.(), aborted, releases };
}

describe('RpcChannel deadlines', () => {
  it('rejects only the call whose deadline passed, cancels it on the other side, and keeps the others', async () => {
    const held = heldHandler();
    const { client, sent } = pair(held.handler);

    const late = client.request('wait', { key: 'late' }, META, 60_000);
    const short = client.request('wait', { key: 'short' }, META, 20);
    const expired = await short.then(
      () => null,
      (error: unknown) => error,
    );
    expect(expired).toBeInstanceOf(RpcError);
    expect((expired as RpcError).code).toBe('deadline_exceeded');
    expect((expired as RpcError).message).toContain('wait did not answer within 20 ms');
    // The server was told; its handler's signal aborted (by the cancel or by its own copy of
    // the deadline, whichever came first).
    expect(sent.some((message) => message.kind === 'cancel')).toBe(true);
    await expect.poll(() => held.aborted.has('short')).toBe(true);
    expect(['cancelled', 'deadline_exceeded']).toContain((held.aborted.get('short') as RpcError).code);

    // The call with the later deadline is still waiting and is answered normally.
    expect(held.aborted.has('late')).toBe(false);
    held.release('late');
    await expect(late).resolves.toEqual({ key: 'late' });
    expect(client.inFlight).toBe(0);
  });

  it("aborts the handler's signal at the caller's deadline on the serving side too", async () => {
    const held = heldHandler();
    const server = new RpcChannel<Methods>(() => undefined, held.handler);
    // A request arriving with a 20 ms deadline whose caller never sends `cancel`.
    server.receive({
      kind: 'request',
      id: 1,
      method: 'wait',
      params: { key: 'a' },
      meta: META,
      deadlineMs: 20,
    });
    server.receive({
      kind: 'request',
      id: 2,
      method: 'wait',
      params: { key: 'b' },
      meta: META,
      deadlineMs: 60_000,
    });
    await expect.poll(() => held.aborted.has('a')).toBe(true);
    expect((held.aborted.get('a') as RpcError).code).toBe('deadline_exceeded');
    expect(held.aborted.has('b')).toBe(false);
    held.release('b');
  });

  it('an earlier deadline arriving after a later one still fires first', async () => {
    const held = heldHandler();
    const { client } = pair(held.handler);
    const long = client.request('wait', { key: 'long' }, META, 60_000);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const error = await client.request('wait', { key: 'quick' }, META, 10).catch((e: unknown) => e);
    expect((error as RpcError).code).toBe('deadline_exceeded');
    held.release('long');
    await expect(long).resolves.toEqual({ key: 'long' });
  });

  it('runs onSettled once per call, however it ends', async () => {
    const held = heldHandler();
    const { client } = pair(held.handler);
    const ended: string[] = [];
    const answered = client.request('wait', { key: 'x' }, META, 60_000, undefined, () => ended.push('x'));
    const timedOut = client
      .request('wait', { key: 'y' }, META, 10, undefined, () => ended.push('y'))
      .catch((error: unknown) => error);
    const controller = new AbortController();
    const cancelled = client.request('wait', { key: 'z' }, META, 60_000, controller.signal, () =>
      ended.push('z'),
    );
    await expect.poll(() => held.releases.size).toBe(3);
    controller.abort();
    await expect(cancelled).rejects.toMatchObject({ code: 'cancelled' });
    await expect(timedOut).resolves.toMatchObject({ code: 'deadline_exceeded' });
    held.release('x');
    await expect(answered).resolves.toEqual({ key: 'x' });
    client.close(new RpcError('extension_unavailable', 'gone'));
    await expect(
      client.request('wait', { key: 'w' }, META, 60_000, undefined, () => ended.push('w')),
    ).rejects.toMatchObject({ code: 'extension_unavailable' });
    expect(ended.sort()).toEqual(['w', 'x', 'y', 'z']);
  });
});

interface StreamingMethods {
  count: { params: { to: number }; result: { total: number }; chunk: { n: number } };
}

/** Like `pair`, for a method that streams chunks; the server's handler gets the `ChunkSink`. */
function streamingPair(serve: RpcHandler) {
  const sent: WireMessage[] = [];
  const client: RpcChannel<StreamingMethods> = new RpcChannel<StreamingMethods>(
    (message) => setImmediate(() => server.receive(message)),
    () => Promise.reject(new Error('the client serves nothing')),
  );
  const server: RpcChannel<StreamingMethods> = new RpcChannel<StreamingMethods>((message) => {
    sent.push(message);
    setImmediate(() => client.receive(message));
  }, serve);
  return { client, server, sent };
}

describe('RpcChannel chunks', () => {
  it('delivers the chunks of a call in order, all before its result', async () => {
    const { client } = streamingPair(async (_method, params, _meta, _signal, chunks) => {
      const { to } = params as { to: number };
      for (let n = 1; n <= to; n++) {
        chunks.emit({ n });
        await new Promise((resolve) => setImmediate(resolve));
      }
      return { total: to };
    });
    const seen: string[] = [];
    const result = await client.request('count', { to: 3 }, META, 60_000, undefined, undefined, (chunk) =>
      seen.push(`chunk ${chunk.n}`),
    );
    seen.push(`result ${result.total}`);
    expect(seen).toEqual(['chunk 1', 'chunk 2', 'chunk 3', 'result 3']);
  });

  it('sends no chunk after the response, and drops chunks of unknown or finished calls', async () => {
    let sink: { emit(data: unknown): boolean } | undefined;
    const { client, sent } = streamingPair(async (_method, _params, _meta, _signal, chunks) => {
      sink = chunks;
      return { total: 0 };
    });
    const seen: unknown[] = [];
    await client.request('count', { to: 0 }, META, 60_000, undefined, undefined, (chunk) => seen.push(chunk));
    expect(sink!.emit({ n: 99 })).toBe(false);
    expect(sent.filter((message) => message.kind === 'chunk')).toEqual([]);
    // A chunk whose call is over or was never made goes nowhere.
    expect(client.receive({ kind: 'chunk', id: 1, data: { n: 1 } })).toBe(true);
    expect(client.receive({ kind: 'chunk', id: 4242, data: { n: 1 } })).toBe(true);
    expect(seen).toEqual([]);
  });

  it('stops sending chunks once the caller cancelled, and the caller sees none after it stopped waiting', async () => {
    const emitted: boolean[] = [];
    let cancelled!: () => void;
    const aborted = new Promise<void>((resolve) => (cancelled = resolve));
    const { client, sent } = streamingPair((_method, _params, _meta, signal, chunks) => {
      emitted.push(chunks.emit({ n: 1 }));
      signal.addEventListener('abort', () => {
        emitted.push(chunks.emit({ n: 2 }));
        cancelled();
      });
      return new Promise(() => undefined);
    });
    const controller = new AbortController();
    const seen: unknown[] = [];
    const call = client.request('count', { to: 2 }, META, 60_000, controller.signal, undefined, (chunk) => {
      seen.push(chunk);
      controller.abort();
    });
    await expect(call).rejects.toMatchObject({ code: 'cancelled' });
    await aborted;
    expect(emitted).toEqual([true, false]);
    expect(seen).toEqual([{ n: 1 }]);
    expect(sent.filter((message) => message.kind === 'chunk')).toHaveLength(1);
  });

  it('sends no chunk after the channel closed', async () => {
    let sink: { emit(data: unknown): boolean } | undefined;
    const { client, server, sent } = streamingPair((_method, _params, _meta, _signal, chunks) => {
      sink = chunks;
      return new Promise(() => undefined);
    });
    const call = client.request('count', { to: 1 }, META, 60_000, undefined, undefined, () => undefined);
    await expect.poll(() => sink).toBeDefined();
    server.close(new RpcError('extension_unavailable', 'gone'));
    expect(sink!.emit({ n: 1 })).toBe(false);
    expect(sent).toEqual([]);
    client.close(new RpcError('extension_unavailable', 'gone'));
    await expect(call).rejects.toMatchObject({ code: 'extension_unavailable' });
  });

  it('a throwing onChunk abandons the call with its error and cancels it on the other side', async () => {
    let signal: AbortSignal | undefined;
    const { client } = streamingPair((_method, _params, _meta, callSignal, chunks) => {
      signal = callSignal;
      chunks.emit({ n: 1 });
      return new Promise(() => undefined);
    });
    const call = client.request('count', { to: 1 }, META, 60_000, undefined, undefined, () => {
      throw new Error('consumer failed');
    });
    await expect(call).rejects.toThrow('consumer failed');
    await expect.poll(() => signal?.aborted).toBe(true);
    expect(client.inFlight).toBe(0);
  });
});

describe('streamedCall', () => {
  const counting: RpcHandler = async (_method, params, _meta, signal, chunks) => {
    const { to } = params as { to: number };
    for (let n = 1; n <= to && !signal.aborted; n++) {
      chunks.emit({ n });
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    if (signal.aborted) throw signal.reason;
    return { total: to };
  };

  it('yields the chunks as they come, then the last event built from the result', async () => {
    const { client } = streamingPair(counting);
    const events: unknown[] = [];
    for await (const event of streamedCall(
      (onChunk, signal) => client.request('count', { to: 3 }, META, 60_000, signal, undefined, onChunk),
      (result) => ({ done: result.total }),
    )) {
      events.push(event);
    }
    expect(events).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }, { done: 3 }]);
  });

  it('a consumer that stops reading cancels the call on the serving side', async () => {
    let serverSignal: AbortSignal | undefined;
    const { client } = streamingPair((method, params, meta, signal, chunks) => {
      serverSignal = signal;
      return counting(method, params, meta, signal, chunks);
    });
    for await (const event of streamedCall(
      (onChunk, signal) => client.request('count', { to: 1000 }, META, 60_000, signal, undefined, onChunk),
      (result) => result,
    )) {
      expect(event).toEqual({ n: 1 });
      break;
    }
    await expect.poll(() => serverSignal?.aborted).toBe(true);
    expect((serverSignal!.reason as RpcError).code).toBe('cancelled');
    expect(client.inFlight).toBe(0);
  });

  it("throws the call's error, and the caller's abort as cancelled", async () => {
    const { client } = streamingPair(counting);
    const controller = new AbortController();
    const events: unknown[] = [];
    const failure = await (async () => {
      for await (const event of streamedCall(
        (onChunk, signal) => client.request('count', { to: 1000 }, META, 60_000, signal, undefined, onChunk),
        (result) => result,
        controller.signal,
      )) {
        events.push(event);
        if (events.length === 2) controller.abort();
      }
    })().catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'cancelled' });
    expect(events).toEqual([{ n: 1 }, { n: 2 }]);

    const refused = streamedCall(
      () => Promise.reject(new RpcError('extension_unavailable', 'crashed')),
      (result) => result,
    );
    await expect(refused.next()).rejects.toMatchObject({ code: 'extension_unavailable' });
  });
});
