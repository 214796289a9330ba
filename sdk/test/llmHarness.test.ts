import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  LlmProviderError,
  RpcError,
  startExtension,
  TEST_ACTOR,
  type LlmRequest,
  type LlmStreamEvent,
  type TestExtension,
} from '@cinatra/sdk/testing';

/** LLM providers through the harness: the same `llm.generate` / `llm.stream` calls the platform makes. */

const FIXTURE = fileURLToPath(new URL('./fixtures/llm-provider', import.meta.url));
const ask = (content: string): LlmRequest => ({ model: 'echo-1', messages: [{ role: 'user', content }] });

let ext: TestExtension;
beforeAll(async () => {
  ext = await startExtension(FIXTURE);
});
afterAll(async () => {
  await ext?.stop();
});

async function collect(events: AsyncIterable<LlmStreamEvent>): Promise<LlmStreamEvent[]> {
  const seen: LlmStreamEvent[] = [];
  for await (const event of events) seen.push(event);
  return seen;
}

describe('harness.llm', () => {
  it('lists the providers activate returned and answers generate with the call actor', async () => {
    expect(ext.llmProviders).toEqual(['echo']);
    const response = await ext.llm.generate('echo', ask('hello'));
    expect(response).toMatchObject({
      model: 'echo-1',
      text: `echo: hello (for ${TEST_ACTOR.principalId})`,
      finishReason: 'stop',
      usage: { inputTokens: 3, outputTokens: 2 },
    });
    expect((await ext.llm.generate('echo', ask('hi'), { actor: null })).text).toBe('echo: hi (for nobody)');
  });

  it('streams the deltas and tool calls in order, then one finish with the response', async () => {
    const events = await collect(ext.llm.stream('echo', ask('one two three')));
    expect(events).toEqual([
      { type: 'text-delta', text: 'one' },
      { type: 'text-delta', text: 'two' },
      { type: 'text-delta', text: 'three' },
      { type: 'tool-call', toolCall: { id: 'call-1', name: 'lookup', arguments: { q: 'one two three' } } },
      { type: 'finish', response: expect.objectContaining({ text: 'one two three', responseId: 'resp-1' }) },
    ]);
  });

  it("a provider's LlmProviderError arrives with its kind and retry-after, streamed or not", async () => {
    const generated = await ext.llm.generate('echo', ask('fail:rate_limited')).catch((e: unknown) => e);
    const streamed = await collect(ext.llm.stream('echo', ask('fail:rate_limited'))).catch((e: unknown) => e);
    for (const error of [generated, streamed]) {
      expect(error).toBeInstanceOf(RpcError);
      expect(error).toMatchObject({ code: 'provider_error', message: 'vendor says slow down' });
      const provider = LlmProviderError.from(error)!;
      expect(provider.kind).toBe('rate_limited');
      expect(provider.retryable).toBe(true);
      expect(provider.data).toEqual({ kind: 'rate_limited', status: 429, retryAfterMs: 1500 });
    }
    // Thrown by a copy of the SDK bundled into the extension: another class, the same error.
    const bundled = await ext.llm.generate('echo', ask('bundled:server_error')).catch((e: unknown) => e);
    expect(LlmProviderError.from(bundled)?.data).toEqual({ kind: 'server_error', status: 503 });
  });

  it('a stream without finish fails naming the provider; unknown providers are not_found', async () => {
    await expect(collect(ext.llm.stream('echo', ask('nofinish')))).rejects.toMatchObject({
      code: 'extension_error',
      message: 'LLM provider "echo" ended its stream without a finish event',
    });
    await expect(ext.llm.generate('nope', ask('x'))).rejects.toMatchObject({ code: 'not_found' });
    // Declared in the manifest, but activate returned no handler for it.
    await expect(ext.llm.generate('undeclared-handler', ask('x'))).rejects.toMatchObject({
      code: 'not_found',
      message: 'the extension has no LLM provider "undeclared-handler"',
    });
  });

  it("aborting the caller's signal ends the provider's iteration in the extension", async () => {
    const controller = new AbortController();
    const deltas: string[] = [];
    const failure = await (async () => {
      for await (const event of ext.llm.stream('echo', ask('endless'), { signal: controller.signal })) {
        if (event.type === 'text-delta') deltas.push(event.text);
        if (deltas.length === 3) controller.abort();
      }
    })().catch((e: unknown) => e);
    expect(failure).toMatchObject({ code: 'cancelled' });
    expect(deltas).toEqual(['0 ', '1 ', '2 ']);
    await expect
      .poll(() => ext.logs.find((line) => line.message === 'stream closed'))
      .toMatchObject({ fields: { aborted: true } });
    // The process keeps serving.
    expect((await ext.llm.generate('echo', ask('still here'))).text).toContain('still here');
  });
});
