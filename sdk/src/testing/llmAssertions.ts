import { LlmProviderError, type LlmStreamEvent } from '../protocol/llm.js';

/** Every event of a streamed LLM call, in order (the last one is `finish` when the stream completed). */
export async function collectStream(events: AsyncIterable<LlmStreamEvent>): Promise<LlmStreamEvent[]> {
  const all: LlmStreamEvent[] = [];
  for await (const event of events) all.push(event);
  return all;
}

/**
 * The `LlmProviderError` `call` rejects with (rebuilt from the wire if it crossed the process
 * boundary as an `RpcError`); throws when the call succeeds or fails with anything else.
 */
export async function providerErrorOf(call: Promise<unknown>): Promise<LlmProviderError> {
  const error = await call.then(
    () => null,
    (reason: unknown) => reason,
  );
  const providerError = LlmProviderError.from(error);
  if (!providerError) throw new Error(`expected an LlmProviderError, got ${String(error)}`);
  return providerError;
}
