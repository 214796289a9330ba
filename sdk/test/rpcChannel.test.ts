import { describe, expect, it } from 'vitest';
import { RpcError, type CallMeta, type WireMessage } from '../src/index.js';
import { RpcChannel, type RpcHandler } from '../src/process/RpcChannel.js';

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
