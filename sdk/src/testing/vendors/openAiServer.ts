import {
  delay,
  isRecord,
  joinedText,
  jsonPieces,
  roughTokens,
  startVendorServer,
  textDeltas,
  writeStream,
  type Exchange,
  type ScriptedCompletionBase,
  type ScriptedDrop,
  type ScriptedErrorReply,
  type ScriptedHttpError,
  type VendorServer,
} from './vendorServer.js';

/**
 * A local server speaking OpenAI's Chat Completions API (`POST /v1/chat/completions`), for testing
 * provider extensions offline: `chat.completion` bodies, and for `stream: true` the
 * `chat.completion.chunk` server-sent events (`data: {…}` … `data: [DONE]`) with tool-call
 * argument fragments and, with `stream_options.include_usage`, the final usage chunk (empty
 * `choices`). Errors come as `{ error: { message, type, param, code } }`.
 */

/** OpenAI's `usage` object (`prompt_tokens` includes the cached, `completion_tokens` the reasoning tokens). */
export interface OpenAiUsage {
  prompt_tokens: number;
  completion_tokens: number;
  prompt_tokens_details?: { cached_tokens?: number; audio_tokens?: number };
  completion_tokens_details?: { reasoning_tokens?: number; audio_tokens?: number };
}

export interface OpenAiCompletionReply extends ScriptedCompletionBase {
  /** Default: `tool_calls` when there are tool calls, else `stop`. */
  finishReason?: 'stop' | 'length' | 'tool_calls' | 'content_filter';
  /** The model refused: `message.refusal` instead of content. */
  refusal?: string;
  /** Default: a rough count from the request and answer sizes. */
  usage?: OpenAiUsage;
}

export type OpenAiReply = OpenAiCompletionReply | ScriptedErrorReply | ScriptedDrop;

export interface OpenAiServerOptions {
  replies?: OpenAiReply[];
  /** When set, requests without `Authorization: Bearer <apiKey>` get OpenAI's 401. */
  apiKey?: string;
}

const ERROR_TYPES: Record<number, [type: string, code: string | null]> = {
  400: ['invalid_request_error', null],
  401: ['invalid_request_error', 'invalid_api_key'],
  403: ['invalid_request_error', 'unsupported_country_region_territory'],
  404: ['invalid_request_error', 'model_not_found'],
  429: ['requests', 'rate_limit_exceeded'],
  500: ['server_error', null],
  503: ['server_error', null],
};

/** Starts an OpenAI Chat Completions server on 127.0.0.1; `baseUrl` ends in `/v1`, as the SDK's `baseURL`. */
export async function startOpenAiServer(
  options: OpenAiServerOptions = {},
): Promise<VendorServer<OpenAiReply>> {
  let sequence = 0;
  const exhausted = (exchange: Exchange) =>
    sendError(exchange, { status: 500, message: 'The vendor test server has no scripted reply left.' });
  return startVendorServer<OpenAiReply>({
    replies: options.replies,
    basePath: '/v1',
    async answer(exchange, next) {
      const { request } = exchange;
      if (request.method !== 'POST' || request.path !== '/v1/chat/completions') {
        return sendError(exchange, {
          status: 404,
          code: 'unknown_url',
          message: `Invalid URL (${request.method} ${request.path})`,
        });
      }
      if (options.apiKey !== undefined && request.headers.authorization !== `Bearer ${options.apiKey}`) {
        return sendError(exchange, {
          status: 401,
          message:
            'Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.',
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
      const completion = {
        id: `chatcmpl-test${n}`,
        created: 1_767_225_600 + n,
        model: reply.model ?? String(body.model),
        system_fingerprint: 'fp_cinatra_test',
      };
      const toolCalls = (reply.toolCalls ?? []).map((call, index) => ({
        id: call.id ?? `call_test${n}_${index + 1}`,
        type: 'function' as const,
        function: { name: call.name, arguments: JSON.stringify(call.arguments) },
      }));
      const text = joinedText(reply.text);
      const finishReason = reply.finishReason ?? (toolCalls.length > 0 ? 'tool_calls' : 'stop');
      const usage = usageObject(reply.usage ?? roughUsage(body, text, toolCalls));

      if (body.stream !== true) {
        const message = {
          role: 'assistant',
          content: text === '' && (toolCalls.length > 0 || reply.refusal) ? null : text,
          refusal: reply.refusal ?? null,
          annotations: [],
          ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
        };
        const full = {
          ...completion,
          object: 'chat.completion',
          choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason }],
          usage,
          service_tier: 'default',
        };
        if (reply.dropAfterEvents !== undefined) return exchange.dropMidBody(200, full);
        return exchange.json(200, full, { 'x-request-id': `req_test${n}` });
      }

      const includeUsage = isRecord(body.stream_options) && body.stream_options.include_usage === true;
      const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
        frame({
          ...completion,
          object: 'chat.completion.chunk',
          service_tier: 'default',
          choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
          ...(includeUsage ? { usage: null } : {}),
        });
      const frames = [chunk({ role: 'assistant', content: '', refusal: null })];
      for (const delta of textDeltas(reply.text)) frames.push(chunk({ content: delta }));
      if (reply.refusal) frames.push(chunk({ refusal: reply.refusal }));
      toolCalls.forEach((call, index) => {
        frames.push(
          chunk({
            tool_calls: [
              { index, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } },
            ],
          }),
        );
        for (const piece of jsonPieces(call.function.arguments)) {
          frames.push(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }));
        }
      });
      frames.push(chunk({}, finishReason));
      if (includeUsage) {
        frames.push(
          frame({
            ...completion,
            object: 'chat.completion.chunk',
            service_tier: 'default',
            choices: [],
            usage,
          }),
        );
      }
      frames.push('data: [DONE]\n\n');
      await writeStream(exchange, frames, reply, (error) =>
        frame({ error: { message: error.message, type: error.type, param: null, code: null } }),
      );
    },
  });
}

const frame = (data: unknown) => `data: ${JSON.stringify(data)}\n\n`;

function sendError(exchange: Exchange, error: ScriptedHttpError): Promise<void> {
  const [type, code] =
    ERROR_TYPES[error.status] ??
    (error.status >= 500 ? ['server_error', null] : ['invalid_request_error', null]);
  const body = error.body ?? {
    error: {
      message: error.message ?? `Scripted error ${error.status}`,
      type: error.type ?? type,
      param: null,
      code: error.code ?? code,
    },
  };
  return exchange.json(error.status, body, error.headers);
}

function usageObject(usage: OpenAiUsage) {
  return {
    prompt_tokens: usage.prompt_tokens,
    completion_tokens: usage.completion_tokens,
    total_tokens: usage.prompt_tokens + usage.completion_tokens,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0, ...usage.prompt_tokens_details },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
      ...usage.completion_tokens_details,
    },
  };
}

function roughUsage(body: Record<string, unknown>, text: string, toolCalls: unknown[]): OpenAiUsage {
  return {
    prompt_tokens: roughTokens(body.messages),
    completion_tokens: roughTokens(text) + (toolCalls.length > 0 ? roughTokens(toolCalls) : 0),
  };
}

/** The checks of OpenAI's API that a translation mistake would trip, with its messages. */
function validate(body: unknown): string | null {
  if (!isRecord(body)) return 'We could not parse the JSON body of your request.';
  if (typeof body.model !== 'string' || body.model === '') return "Missing required parameter: 'model'.";
  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    return "Invalid 'messages': empty array. Expected an array with minimum length 1.";
  }
  const answered = new Set<string>();
  for (const [index, message] of body.messages.entries()) {
    if (
      !isRecord(message) ||
      !['system', 'developer', 'user', 'assistant', 'tool'].includes(String(message.role))
    ) {
      return `Invalid value for 'messages[${index}].role'.`;
    }
    if (message.role === 'assistant' && Array.isArray(message.tool_calls)) {
      for (const call of message.tool_calls) {
        if (!isRecord(call) || typeof call.id !== 'string' || !isRecord(call.function)) {
          return `Invalid 'messages[${index}].tool_calls'.`;
        }
        if (typeof call.function.arguments !== 'string') {
          return `Invalid type for 'messages[${index}].tool_calls[0].function.arguments': expected a string.`;
        }
        answered.add(call.id);
      }
    }
    if (message.role === 'tool' && !answered.has(String(message.tool_call_id))) {
      return "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.";
    }
  }
  if (body.tools !== undefined) {
    if (!Array.isArray(body.tools)) return "Invalid type for 'tools': expected an array.";
    for (const [index, tool] of body.tools.entries()) {
      if (
        !isRecord(tool) ||
        tool.type !== 'function' ||
        !isRecord(tool.function) ||
        typeof tool.function.name !== 'string'
      ) {
        return `Missing required parameter: 'tools[${index}].function'.`;
      }
    }
  }
  if (isRecord(body.response_format) && body.response_format.type === 'json_schema') {
    const format = body.response_format.json_schema;
    if (!isRecord(format) || typeof format.name !== 'string') {
      return "Missing required parameter: 'response_format.json_schema.name'.";
    }
  }
  return null;
}
