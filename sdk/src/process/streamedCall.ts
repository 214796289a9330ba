import { RpcError } from '../protocol/messages.js';

/**
 * A call that reports partial results through `onChunk` before it settles (`llm.stream` over
 * `ExtensionProcess.call`), as the async iterable its consumer reads: each chunk as it arrives,
 * then `last(result)`; a failed call (the extension's error, a crash, the deadline) makes the
 * iterator throw that error. The platform's LLM providers and the test harness both read
 * streams this way.
 *
 * The call starts on the first `next()` and gets a signal of its own, which aborts when `signal`
 * does and when the consumer stops reading early (`break` out of `for await`): the call is then
 * abandoned and the extension told to cancel. Chunks wait in memory until read. The call's
 * promise always has a handler, so a consumer that stops reading leaves no unhandled rejection.
 */
export async function* streamedCall<Chunk, Result, Last>(
  start: (onChunk: (chunk: Chunk) => void, signal: AbortSignal) => Promise<Result>,
  last: (result: Result) => Last,
  signal?: AbortSignal,
): AsyncGenerator<Chunk | Last, void, undefined> {
  const chunks: Chunk[] = [];
  let read = 0;
  // Set by the call's callbacks; typed wide so the loop below does not narrow it to its initial null.
  let outcome = null as { ok: true; result: Result } | { ok: false; error: unknown } | null;
  let wake: (() => void) | null = null;
  const arrived = () => {
    wake?.();
    wake = null;
  };
  const controller = new AbortController();
  const follow = () => {
    controller.abort(signal!.reason);
    arrived(); // the reader stops now, whether or not `start` watches its signal
  };
  if (signal?.aborted) follow();
  else signal?.addEventListener('abort', follow, { once: true });
  let call: Promise<Result>;
  try {
    call = start((chunk) => {
      chunks.push(chunk);
      arrived();
    }, controller.signal);
  } catch (error) {
    call = Promise.reject(error as Error);
  }
  call.then(
    (result) => {
      outcome = { ok: true, result };
      arrived();
    },
    (error: unknown) => {
      outcome = { ok: false, error };
      arrived();
    },
  );

  try {
    for (;;) {
      // The caller gave up: chunks still buffered are not news to it any more.
      if (controller.signal.aborted) throw cancellation(controller.signal.reason);
      if (read < chunks.length) {
        yield chunks[read++]!;
        continue;
      }
      chunks.length = read = 0; // everything read: a long stream does not keep what it yielded
      // Chunks precede the response on the wire, so all of them were read once the call settled.
      if (outcome) {
        if (!outcome.ok) throw outcome.error;
        yield last(outcome.result);
        return;
      }
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    signal?.removeEventListener('abort', follow);
    if (!outcome) controller.abort(new RpcError('cancelled', 'the consumer stopped reading the stream'));
  }
}

/** What a cancelled call rejects with (see `RpcChannel`): the reason when it is an `RpcError`. */
function cancellation(reason: unknown): RpcError {
  return reason instanceof RpcError ? reason : new RpcError('cancelled', 'the caller cancelled the call');
}
