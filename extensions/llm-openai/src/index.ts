import { defineExtension, providerApiKey } from '@cinatra/sdk';
import OpenAI from 'openai';
import { toChatCompletionParams } from './chatCompletionRequest.js';
import { fromChatCompletion, streamEvents } from './chatCompletionResponse.js';
import { toProviderError } from './openAiError.js';

/**
 * The `openai` LLM provider: the platform's `LlmRequest` over OpenAI's Chat Completions API with
 * the official SDK. The base URL is the `baseUrl` setting (an OpenAI-compatible server works too),
 * the only host the extension can reach (`network:${settings.baseUrl}`); the API key is a kernel
 * secret, reused for a minute and read again at once when OpenAI refuses it (`providerApiKey`). The SDK never retries
 * (`maxRetries: 0`): the platform's orchestrator does, from the `LlmProviderError` kinds.
 */
export default defineExtension({
  activate(host) {
    const apiKey = providerApiKey(host, 'OpenAI', 'openai-api-key');
    const client = apiKey.client(
      (key) => new OpenAI({ apiKey: key, baseURL: String(host.settings.baseUrl), maxRetries: 0 }),
    );
    const failed = (error: unknown, signal: AbortSignal) => apiKey.checked(toProviderError(error, signal));
    return {
      llmProviders: {
        openai: {
          async generate(request, call) {
            try {
              const completion = await (
                await client()
              ).chat.completions.create(
                { ...toChatCompletionParams(request), stream: false },
                { signal: call.signal },
              );
              return fromChatCompletion(completion);
            } catch (error) {
              throw failed(error, call.signal);
            }
          },
          async *stream(request, call) {
            try {
              const chunks = await (
                await client()
              ).chat.completions.create(
                { ...toChatCompletionParams(request), stream: true, stream_options: { include_usage: true } },
                { signal: call.signal },
              );
              yield* streamEvents(chunks, call.signal);
            } catch (error) {
              throw failed(error, call.signal);
            }
          },
        },
      },
    };
  },
});
