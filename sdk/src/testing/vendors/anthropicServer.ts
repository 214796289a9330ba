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
 * A local server speaking Anthropic's Messages API (`POST /v1/messages`), for testing provider
 * extensions offline: `message` bodies with `text` and `tool_use` content blocks, and for
 * `stream: true` the named server-sent events `message_start`, `content_block_start`, `ping`,
 * `content_block_delta` (`text_delta`, `input_json_delta`), `content_block_stop`,
 * `message_delta` (stop reason and usage) and `message_stop`. Errors come as
 * `{ type: 'error', error: { type, message }, request_id }` (529 `overloaded_error` included), and
 * inside a stream as an `error` event.
 */

/** Anthropic's `usage` (`input_tokens` excludes the cache reads and writes). */
export interface AnthropicUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens?: number;
  cache_read_input_tokens?: number;
  /** `thinking_tokens`: the part of `output_tokens` spent on reasoning. */
  output_tokens_details?: { thinking_tokens: number };
}

export interface AnthropicCompletionReply extends ScriptedCompletionBase {
  /** Default: `tool_use` when there are tool calls, else `end_turn`. */
  stopReason?: 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use' | 'refusal' | 'pause_turn';
  /** Default: a rough count from the request and answer sizes. */
  usage?: AnthropicUsage;
}

export type AnthropicReply = AnthropicCompletionReply | ScriptedErrorReply | ScriptedDrop;

export interface AnthropicServerOptions {
  replies?: AnthropicReply[];
  /** When set, requests without the key (`x-api-key: <apiKey>` or `Authorization: Bearer <apiKey>`) get Anthropic's 401. */
  apiKey?: string;
}

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

/** Starts an Anthropic Messages server on 127.0.0.1; `baseUrl` is the origin, as the SDK's `baseURL`. */
export async function startAnthropicServer(
  options: AnthropicServerOptions = {},
): Promise<VendorServer<AnthropicReply>> {
  let sequence = 0;
  const exhausted = (exchange: Exchange) =>
    sendError(exchange, { status: 500, message: 'The vendor test server has no scripted reply left.' });
  return startVendorServer<AnthropicReply>({
    replies: options.replies,
    async answer(exchange, next) {
      const { request } = exchange;
      if (request.method !== 'POST' || request.path !== '/v1/messages') {
        return sendError(exchange, { status: 404, message: 'Not found' });
      }
      if (
        options.apiKey !== undefined &&
        request.headers['x-api-key'] !== options.apiKey &&
        request.headers.authorization !== `Bearer ${options.apiKey}`
      ) {
        return sendError(exchange, { status: 401, message: 'invalid x-api-key' });
      }
      if (typeof request.headers['anthropic-version'] !== 'string') {
        return sendError(exchange, { status: 400, message: 'anthropic-version: header is required' });
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
      const text = joinedText(reply.text);
      const toolUses = (reply.toolCalls ?? []).map((call, index) => ({
        type: 'tool_use' as const,
        id: call.id ?? `toolu_test${n}_${index + 1}`,
        name: call.name,
        input: call.arguments,
      }));
      const stopReason = reply.stopReason ?? (toolUses.length > 0 ? 'tool_use' : 'end_turn');
      const usage = usageObject(
        reply.usage ?? {
          input_tokens: roughTokens([body.system, body.messages]),
          output_tokens: roughTokens(text) + (toolUses.length > 0 ? roughTokens(toolUses) : 0),
        },
      );
      const message = {
        id: `msg_test${n}`,
        type: 'message',
        role: 'assistant',
        model: reply.model ?? String(body.model),
      };

      if (body.stream !== true) {
        const full = {
          ...message,
          content: [...(text === '' ? [] : [{ type: 'text', text }]), ...toolUses],
          stop_reason: stopReason,
          stop_sequence: null,
          usage,
        };
        if (reply.dropAfterEvents !== undefined) return exchange.dropMidBody(200, full);
        return exchange.json(200, full, { 'request-id': `req_test${n}` });
      }

      const frames = [
        event('message_start', {
          type: 'message_start',
          message: {
            ...message,
            content: [],
            stop_reason: null,
            stop_sequence: null,
            usage: { ...usage, output_tokens: 1 },
          },
        }),
      ];
      let index = 0;
      const deltas = textDeltas(reply.text);
      if (deltas.length > 0) {
        frames.push(
          event('content_block_start', {
            type: 'content_block_start',
            index,
            content_block: { type: 'text', text: '' },
          }),
          event('ping', { type: 'ping' }),
        );
        for (const delta of deltas) {
          frames.push(
            event('content_block_delta', {
              type: 'content_block_delta',
              index,
              delta: { type: 'text_delta', text: delta },
            }),
          );
        }
        frames.push(event('content_block_stop', { type: 'content_block_stop', index }));
        index++;
      }
      for (const toolUse of toolUses) {
        frames.push(
          event('content_block_start', {
            type: 'content_block_start',
            index,
            content_block: { ...toolUse, input: {} },
          }),
        );
        for (const piece of ['', ...jsonPieces(JSON.stringify(toolUse.input))]) {
          frames.push(
            event('content_block_delta', {
              type: 'content_block_delta',
              index,
              delta: { type: 'input_json_delta', partial_json: piece },
            }),
          );
        }
        frames.push(event('content_block_stop', { type: 'content_block_stop', index }));
        index++;
      }
      frames.push(
        event('message_delta', {
          type: 'message_delta',
          delta: { stop_reason: stopReason, stop_sequence: null },
          usage,
        }),
        event('message_stop', { type: 'message_stop' }),
      );
      await writeStream(exchange, frames, reply, (error) =>
        event('error', { type: 'error', error: { type: error.type, message: error.message } }),
      );
    },
  });
}

const event = (name: string, data: unknown) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;

function sendError(exchange: Exchange, error: ScriptedHttpError): Promise<void> {
  const type =
    error.type ?? ERROR_TYPES[error.status] ?? (error.status >= 500 ? 'api_error' : 'invalid_request_error');
  const requestId = `req_test_error_${error.status}`;
  const body = error.body ?? {
    type: 'error',
    error: { type, message: error.message ?? `Scripted error ${error.status}` },
    request_id: requestId,
  };
  return exchange.json(error.status, body, { 'request-id': requestId, ...error.headers });
}

function usageObject(usage: AnthropicUsage) {
  return {
    input_tokens: usage.input_tokens,
    cache_creation_input_tokens: usage.cache_creation_input_tokens ?? 0,
    cache_read_input_tokens: usage.cache_read_input_tokens ?? 0,
    output_tokens: usage.output_tokens,
    ...(usage.output_tokens_details ? { output_tokens_details: usage.output_tokens_details } : {}),
    service_tier: 'standard',
  };
}

/** The checks of Anthropic's API that a translation mistake would trip, with its messages. */
function validate(body: unknown): string | null {
  if (!isRecord(body)) return 'There was an issue with the format of your request body.';
  if (typeof body.model !== 'string' || body.model === '') return 'model: Field required';
  if (typeof body.max_tokens !== 'number' || !Number.isInteger(body.max_tokens))
    return 'max_tokens: Field required';
  if (!Array.isArray(body.messages) || body.messages.length === 0)
    return 'messages: at least one message is required';
  if (body.system !== undefined && typeof body.system !== 'string' && !Array.isArray(body.system)) {
    return 'system: Input should be a valid string or list of text blocks';
  }
  let previousToolUses = new Set<string>();
  for (const [index, message] of body.messages.entries()) {
    if (!isRecord(message)) return `messages.${index}: Input should be an object`;
    if (message.role !== 'user' && message.role !== 'assistant') {
      return `messages.${index}.role: Unexpected role ${JSON.stringify(message.role)}. The Messages API accepts a top-level \`system\` parameter, not "system" as an input message role.`;
    }
    const blocks = typeof message.content === 'string' ? [] : message.content;
    if (!Array.isArray(blocks)) return `messages.${index}.content: Input should be a valid list`;
    const toolUses = new Set<string>();
    let seenOther = false;
    for (const [at, block] of blocks.entries()) {
      if (!isRecord(block) || typeof block.type !== 'string')
        return `messages.${index}.content.${at}: invalid block`;
      if (block.type === 'tool_use') {
        if (message.role !== 'assistant')
          return `messages.${index}.content.${at}: tool_use blocks are only allowed in assistant messages`;
        if (!isRecord(block.input))
          return `messages.${index}.content.${at}.tool_use.input: Input should be a valid dictionary`;
        toolUses.add(String(block.id));
      } else if (block.type === 'tool_result') {
        if (!previousToolUses.has(String(block.tool_use_id))) {
          return `messages.${index}.content.${at}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${String(block.tool_use_id)}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`;
        }
        if (seenOther)
          return `messages.${index}.content.${at}: tool_result blocks must come before any other content in a user message`;
      } else {
        seenOther = true;
      }
    }
    previousToolUses = toolUses;
  }
  if (body.tools !== undefined) {
    if (!Array.isArray(body.tools)) return 'tools: Input should be a valid list';
    for (const [index, tool] of body.tools.entries()) {
      if (!isRecord(tool) || typeof tool.name !== 'string' || !isRecord(tool.input_schema)) {
        return `tools.${index}.custom.input_schema: Field required`;
      }
    }
  }
  return null;
}
