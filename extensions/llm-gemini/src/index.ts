import { defineExtension, providerApiKey } from '@cinatra/sdk';
import { GoogleGenAI } from '@google/genai';
import { toGenerateContent } from './generateContentRequest.js';
import { fromGenerateContent, streamEvents } from './generateContentResponse.js';
import { toProviderError } from './geminiError.js';
import { ThoughtSignatures } from './thoughtSignatures.js';

/**
 * The `gemini` LLM provider: the platform's `LlmRequest` over the Gemini API's `generateContent`
 * with the official Google Gen AI SDK. The base URL is the `baseUrl` setting, the only host the
 * extension can reach (`network:${settings.baseUrl}`); the API key is a kernel secret, reused for
 * a minute and read again at once when Gemini refuses it (`providerApiKey`). The SDK does not retry (no `retryOptions`): the
 * platform's orchestrator does, from the `LlmProviderError` kinds.
 */
export default defineExtension({
  activate(host) {
    const signatures = new ThoughtSignatures();
    /** A client for one call, and the headers of the vendor's error answer once there is one. */
    const apiKey = providerApiKey(host, 'Gemini', 'gemini-api-key');
    const client = async () => {
      const failed: { headers?: Headers } = {};
      const genai = new GoogleGenAI({
        apiKey: await apiKey.get(),
        httpOptions: {
          baseUrl: String(host.settings.baseUrl),
          // The SDK's ApiError drops the headers: keep a failed answer's, for its retry-after.
          fetch: async (input, init) => {
            const response = await fetch(input, init);
            if (!response.ok) failed.headers = response.headers;
            return response;
          },
        },
      });
      return { models: genai.models, failed };
    };
    return {
      llmProviders: {
        gemini: {
          async generate(request, call) {
            let failed: { headers?: Headers } = {};
            try {
              const gemini = await client();
              failed = gemini.failed;
              const { model, contents, config } = toGenerateContent(request, signatures);
              const response = await gemini.models.generateContent({
                model,
                contents,
                config: { ...config, abortSignal: call.signal },
              });
              return fromGenerateContent(response, request.model, signatures);
            } catch (error) {
              throw apiKey.checked(toProviderError(error, call.signal, failed.headers));
            }
          },
          async *stream(request, call) {
            let failed: { headers?: Headers } = {};
            try {
              const gemini = await client();
              failed = gemini.failed;
              const { model, contents, config } = toGenerateContent(request, signatures);
              const chunks = await gemini.models.generateContentStream({
                model,
                contents,
                config: { ...config, abortSignal: call.signal },
              });
              yield* streamEvents(chunks, request.model, signatures, call.signal);
            } catch (error) {
              throw apiKey.checked(toProviderError(error, call.signal, failed.headers));
            }
          },
        },
      },
    };
  },
});
