import { defineExtension, providerApiKey } from '@cinatra/sdk';
import Anthropic from '@anthropic-ai/sdk';
import { toProviderError } from './anthropicError.js';
import { toMessageParams } from './messagesRequest.js';
import { fromMessage, streamEvents } from './messagesResponse.js';

/**
 * The `anthropic` LLM provider: the platform's `LlmRequest` over Anthropic's Messages API with
 * the official SDK. The base URL is the `baseUrl` setting, the only host the extension can reach
 * (`network:${settings.baseUrl}`); the API key is a kernel secret, reused for a minute and read
 * again at once when Anthropic refuses it (`providerApiKey`). The SDK never retries (`maxRetries: 0`): the platform's
 * orchestrator does, from the `LlmProviderError` kinds.
 */
export default defineExtension({
  activate(host) {
    const apiKey = providerApiKey(host, 'Anthropic', 'anthropic-api-key');
    const client = apiKey.client(
      (key) => new Anthropic({ apiKey: key, baseURL: String(host.settings.baseUrl), maxRetries: 0 }),
    );
    const failed = (error: unknown, signal: AbortSignal) => apiKey.checked(toProviderError(error, signal));
    return {
      llmProviders: {
        anthropic: {
          async generate(request, call) {
            try {
              const message = await (
                await client()
              ).messages.create({ ...toMessageParams(request), stream: false }, { signal: call.signal });
              return fromMessage(message);
            } catch (error) {
              throw failed(error, call.signal);
            }
          },
          async *stream(request, call) {
            try {
              const events = await (
                await client()
              ).messages.create({ ...toMessageParams(request), stream: true }, { signal: call.signal });
              yield* streamEvents(events, call.signal);
            } catch (error) {
              throw failed(error, call.signal);
            }
          },
        },
      },
    };
  },
});
