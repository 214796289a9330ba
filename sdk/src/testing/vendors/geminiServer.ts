import {
  delay,
  isRecord,
  roughTokens,
  startVendorServer,
  textDeltas,
  writeStream,
  type Exchange,
  type ScriptedCompletionBase,
  type ScriptedDrop,
  type ScriptedHttpError,
  type ScriptedToolCall,
  type VendorServer,
} from './vendorServer.js';

/**
 * A local server speaking the Gemini API's `generateContent` (`POST
 * /v1/models/{model}:generateContent`, `/v1beta/…` too) and its streamed form
 * (`:streamGenerateContent?alt=sse`,
 * `data: {GenerateContentResponse}` events), for testing provider extensions offline: candidates
 * with `text` and `functionCall` parts (with `thoughtSignature` when scripted), `finishReason`,
 * `usageMetadata` (incl. `cachedContentTokenCount` and `thoughtsTokenCount`) and
 * `promptFeedback.blockReason`. Errors come as `{ error: { code, message, status, details } }`,
 * 429 with a `google.rpc.RetryInfo` detail, an invalid key as 400 `API_KEY_INVALID`.
 */

/** Gemini's `usageMetadata` (`promptTokenCount` includes the cached, `candidatesTokenCount` excludes the thoughts tokens). */
export interface GeminiUsage {
  promptTokenCount: number;
  candidatesTokenCount: number;
  cachedContentTokenCount?: number;
  thoughtsTokenCount?: number;
  toolUsePromptTokenCount?: number;
}

export interface GeminiToolCall extends ScriptedToolCall {
  /** Sent on the `functionCall` part, as Gemini 3 models do. */
  thoughtSignature?: string;
}

export interface GeminiCompletionReply extends Omit<ScriptedCompletionBase, 'toolCalls'> {
  toolCalls?: GeminiToolCall[];
  /** Default `STOP` (Gemini reports `STOP` for function calls too). */
  finishReason?: 'STOP' | 'MAX_TOKENS' | 'SAFETY' | 'RECITATION' | 'OTHER' | 'MALFORMED_FUNCTION_CALL';
  /** The prompt was blocked: no candidates, `promptFeedback.blockReason` set. */
  blockReason?: 'SAFETY' | 'OTHER' | 'BLOCKLIST' | 'PROHIBITED_CONTENT';
  /** Default: a rough count from the request and answer sizes. */
  usage?: GeminiUsage;
}

export interface GeminiHttpError extends ScriptedHttpError {
  /** For 429: the `google.rpc.RetryInfo` `retryDelay`, e.g. `"2s"`. */
  retryDelay?: string;
}

export type GeminiReply = GeminiCompletionReply | { error: GeminiHttpError } | ScriptedDrop;

export interface GeminiServerOptions {
  replies?: GeminiReply[];
  /** When set, requests without `x-goog-api-key: <apiKey>` get Gemini's 400 `API_KEY_INVALID`. */
  apiKey?: string;
}

const STATUSES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

/** The Gemini API serves both versions; @google/genai 3.1 calls `v1`. */
const PATH = /^\/(?:v1|v1beta)\/models\/([^/:]+):(generateContent|streamGenerateContent)$/;

/** Starts a Gemini API server on 127.0.0.1; `baseUrl` is the origin, as the SDK's `httpOptions.baseUrl`. */
export async function startGeminiServer(
  options: GeminiServerOptions = {},
): Promise<VendorServer<GeminiReply>> {
  let sequence = 0;
  const exhausted = (exchange: Exchange) =>
    sendError(exchange, { status: 500, message: 'The vendor test server has no scripted reply left.' });
  return startVendorServer<GeminiReply>({
    replies: options.replies,
    async answer(exchange, next) {
      const { request } = exchange;
      const route = PATH.exec(request.path);
      if (request.method !== 'POST' || !route) {
        return sendError(exchange, { status: 404, message: `Method not found: ${request.path}` });
      }
      const streaming = route[2] === 'streamGenerateContent';
      if (options.apiKey !== undefined && request.headers['x-goog-api-key'] !== options.apiKey) {
        return sendError(exchange, {
          status: 400,
          message: 'API key not valid. Please pass a valid API key.',
          body: {
            error: {
              code: 400,
              message: 'API key not valid. Please pass a valid API key.',
              status: 'INVALID_ARGUMENT',
              details: [
                {
                  '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
                  reason: 'API_KEY_INVALID',
                  domain: 'googleapis.com',
                  metadata: { service: 'generativelanguage.googleapis.com' },
                },
              ],
            },
          },
        });
      }
      if (streaming && request.query.alt !== 'sse') {
        return sendError(exchange, {
          status: 400,
          message: 'streamGenerateContent is served as SSE with alt=sse only here.',
        });
      }
      const invalid = validate(request.body);
      if (invalid) return sendError(exchange, { status: 400, message: invalid });

      const reply = next();
      if (reply === undefined) return exhausted(exchange);
      if ('drop' in reply) return exchange.drop();
      if ('error' in reply) return sendError(exchange, reply.error);
      await delay(reply.delayMs);
      const body = request.body as Record<string, unknown>;
      const n = ++sequence;
      const envelope = {
        modelVersion: reply.model ?? decodeURIComponent(route[1]!),
        responseId: `resp-test${n}`,
      };
      const callParts = (reply.toolCalls ?? []).map((call) => ({
        functionCall: { ...(call.id ? { id: call.id } : {}), name: call.name, args: call.arguments },
        ...(call.thoughtSignature ? { thoughtSignature: call.thoughtSignature } : {}),
      }));
      const deltas = textDeltas(reply.text);
      const usage = usageObject(
        reply.usage ?? {
          promptTokenCount: roughTokens([body.systemInstruction, body.contents]),
          candidatesTokenCount:
            roughTokens(deltas.join('')) + (callParts.length > 0 ? roughTokens(callParts) : 0),
        },
      );
      const finishReason = reply.finishReason ?? 'STOP';
      const candidate = (parts: unknown[], finish: boolean) => ({
        content: { parts, role: 'model' },
        ...(finish ? { finishReason } : {}),
        index: 0,
      });

      if (reply.blockReason) {
        const blocked = {
          promptFeedback: { blockReason: reply.blockReason, safetyRatings: [] },
          usageMetadata: usageObject({ promptTokenCount: usage.promptTokenCount, candidatesTokenCount: 0 }),
          ...envelope,
        };
        if (!streaming) return exchange.json(200, blocked);
        return writeStream(exchange, [frame(blocked)], {}, () => '');
      }

      if (!streaming) {
        const text = deltas.join('');
        const full = {
          candidates: [candidate([...(text === '' ? [] : [{ text }]), ...callParts], true)],
          usageMetadata: usage,
          ...envelope,
        };
        if (reply.dropAfterEvents !== undefined) return exchange.dropMidBody(200, full);
        return exchange.json(200, full);
      }

      const partial = usageObject({ promptTokenCount: usage.promptTokenCount, candidatesTokenCount: 0 });
      const chunks: unknown[][] = deltas.map((delta) => [{ text: delta }]);
      if (callParts.length > 0) chunks.push(callParts);
      if (chunks.length === 0) chunks.push([{ text: '' }]);
      const frames = chunks.map((parts, index) =>
        index === chunks.length - 1
          ? frame({ candidates: [candidate(parts, true)], usageMetadata: usage, ...envelope })
          : frame({ candidates: [candidate(parts, false)], usageMetadata: partial, ...envelope }),
      );
      await writeStream(exchange, frames, reply, (error) =>
        frame({ error: { code: 500, message: error.message, status: error.type } }),
      );
    },
  });
}

const frame = (data: unknown) => `data: ${JSON.stringify(data)}\r\n\r\n`;

function sendError(exchange: Exchange, error: GeminiHttpError): Promise<void> {
  const status =
    error.type ?? STATUSES[error.status] ?? (error.status >= 500 ? 'INTERNAL' : 'FAILED_PRECONDITION');
  const message = error.message ?? `Scripted error ${error.status}`;
  const details = error.retryDelay
    ? [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: error.retryDelay }]
    : undefined;
  const body = error.body ?? {
    error: { code: error.status, message, status, ...(details ? { details } : {}) },
  };
  return exchange.json(error.status, body, error.headers);
}

function usageObject(usage: GeminiUsage) {
  const total =
    usage.promptTokenCount +
    usage.candidatesTokenCount +
    (usage.thoughtsTokenCount ?? 0) +
    (usage.toolUsePromptTokenCount ?? 0);
  return {
    promptTokenCount: usage.promptTokenCount,
    candidatesTokenCount: usage.candidatesTokenCount,
    totalTokenCount: total,
    ...(usage.cachedContentTokenCount ? { cachedContentTokenCount: usage.cachedContentTokenCount } : {}),
    ...(usage.thoughtsTokenCount ? { thoughtsTokenCount: usage.thoughtsTokenCount } : {}),
    ...(usage.toolUsePromptTokenCount ? { toolUsePromptTokenCount: usage.toolUsePromptTokenCount } : {}),
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: usage.promptTokenCount }],
  };
}

/** The checks of the Gemini API that a translation mistake would trip, with its messages. */
function validate(body: unknown): string | null {
  if (!isRecord(body)) return 'Invalid JSON payload received.';
  if (!Array.isArray(body.contents) || body.contents.length === 0) {
    return '* GenerateContentRequest.contents: contents is not specified';
  }
  for (const [index, content] of body.contents.entries()) {
    if (!isRecord(content) || (content.role !== 'user' && content.role !== 'model')) {
      return `Please use a valid role: user, model. (contents[${index}])`;
    }
    if (!Array.isArray(content.parts) || content.parts.length === 0) {
      return `* GenerateContentRequest.contents[${index}].parts: contents.parts must not be empty.`;
    }
    for (const part of content.parts) {
      if (!isRecord(part)) return `* GenerateContentRequest.contents[${index}].parts: invalid part`;
      if (isRecord(part.functionCall) && content.role !== 'model') {
        return `* GenerateContentRequest.contents[${index}]: function calls must come from the model`;
      }
      if (isRecord(part.functionResponse)) {
        if (content.role !== 'user')
          return `* GenerateContentRequest.contents[${index}]: function responses must come from the user`;
        if (!isRecord(part.functionResponse.response)) {
          return `* GenerateContentRequest.contents[${index}].parts.function_response.response: must be an object`;
        }
      }
    }
  }
  if (body.systemInstruction !== undefined && !isRecord(body.systemInstruction)) {
    return "Invalid value at 'system_instruction': expected a Content object";
  }
  if (body.tools !== undefined) {
    if (!Array.isArray(body.tools)) return "Invalid value at 'tools'";
    for (const tool of body.tools) {
      if (!isRecord(tool)) return "Invalid value at 'tools'";
      for (const declaration of Array.isArray(tool.functionDeclarations) ? tool.functionDeclarations : []) {
        if (!isRecord(declaration) || typeof declaration.name !== 'string') {
          return '* GenerateContentRequest.tools[0].function_declarations[0].name: Name cannot be empty.';
        }
      }
    }
  }
  return null;
}
