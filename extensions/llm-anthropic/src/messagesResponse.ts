import {
  LlmProviderError,
  type LlmFinishReason,
  type LlmResponse,
  type LlmStreamEvent,
  type LlmToolCall,
  type LlmUsage,
} from '@cinatra/sdk';
import type {
  Message,
  MessageDeltaUsage,
  RawMessageStreamEvent,
  StopReason,
  Usage,
} from '@anthropic-ai/sdk/resources/messages';

/**
 * Messages API answer → `LlmResponse`: the text blocks joined, the `tool_use` blocks as tool calls
 * (their `input` is already an object), the stop reason and the usage. Anthropic counts cache
 * reads and writes apart from `input_tokens`; the platform's `inputTokens` includes them, and
 * `cachedInputTokens` is the cache reads. `output_tokens` already includes the thinking tokens.
 */
export function fromMessage(message: Message): LlmResponse {
  let text = '';
  const toolCalls: LlmToolCall[] = [];
  for (const block of message.content) {
    if (block.type === 'text') text += block.text;
    else if (block.type === 'tool_use') {
      toolCalls.push({ id: block.id, name: block.name, arguments: block.input as Record<string, unknown> });
    }
  }
  return {
    model: message.model,
    text,
    toolCalls,
    finishReason: finishReason(message.stop_reason, toolCalls.length > 0),
    usage: usage(message.usage),
    responseId: message.id,
  };
}

/**
 * Messages API stream events → stream events: `text_delta`s pass through; a `tool_use` block's
 * `input_json_delta` fragments are assembled and the call is yielded at its `content_block_stop`;
 * `message_delta` brings the stop reason and the final usage, and `message_stop` ends the answer.
 * A stream that ends before `message_stop` was cut short: `LlmProviderError` `connection`.
 */
export async function* streamEvents(
  events: AsyncIterable<RawMessageStreamEvent>,
  signal: AbortSignal,
): AsyncGenerator<LlmStreamEvent> {
  let id = '';
  let model = '';
  let text = '';
  let stopReason: StopReason | null = null;
  let totals: Usage | MessageDeltaUsage | undefined;
  let stopped = false;
  const blocks = new Map<number, { id: string; name: string; json: string }>();
  const toolCalls: LlmToolCall[] = [];

  for await (const event of events) {
    switch (event.type) {
      case 'message_start':
        id = event.message.id;
        model = event.message.model;
        totals = event.message.usage;
        break;
      case 'content_block_start':
        if (event.content_block.type === 'tool_use') {
          blocks.set(event.index, { id: event.content_block.id, name: event.content_block.name, json: '' });
        }
        break;
      case 'content_block_delta':
        if (event.delta.type === 'text_delta') {
          text += event.delta.text;
          yield { type: 'text-delta', text: event.delta.text };
        } else if (event.delta.type === 'input_json_delta') {
          const block = blocks.get(event.index);
          if (block) block.json += event.delta.partial_json;
        }
        break;
      case 'content_block_stop': {
        const block = blocks.get(event.index);
        if (!block) break;
        blocks.delete(event.index);
        const call = { id: block.id, name: block.name, arguments: parseInput(block.name, block.json) };
        toolCalls.push(call);
        yield { type: 'tool-call', toolCall: call };
        break;
      }
      case 'message_delta':
        stopReason = event.delta.stop_reason;
        // Cumulative counts; the input counts are repeated there by newer API versions only.
        totals = {
          ...totals,
          ...Object.fromEntries(
            Object.entries(event.usage).filter(([, value]) => value !== null && value !== undefined),
          ),
        } as Usage;
        break;
      case 'message_stop':
        stopped = true;
        break;
    }
  }
  if (!stopped) {
    if (signal.aborted) throw signal.reason;
    throw new LlmProviderError('Anthropic ended the stream before the answer was complete', {
      kind: 'connection',
      vendorCode: 'stream_incomplete',
    });
  }
  yield {
    type: 'finish',
    response: {
      model,
      text,
      toolCalls,
      finishReason: finishReason(stopReason, toolCalls.length > 0),
      usage: usage(totals),
      ...(id ? { responseId: id } : {}),
    },
  };
}

function parseInput(name: string, json: string): Record<string, unknown> {
  if (json.trim() === '') return {};
  try {
    const input: unknown = JSON.parse(json);
    if (typeof input === 'object' && input !== null && !Array.isArray(input))
      return input as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new LlmProviderError(`Anthropic streamed an input for ${name} that is not a JSON object`, {
    kind: 'server_error',
    vendorCode: 'malformed_tool_input',
  });
}

function finishReason(reason: StopReason | null, hasToolCalls: boolean): LlmFinishReason {
  switch (reason) {
    case 'end_turn':
    case 'stop_sequence':
      return hasToolCalls ? 'tool_calls' : 'stop';
    case 'tool_use':
      return 'tool_calls';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'refusal':
      return 'content_filter';
    default:
      // `pause_turn` (a server tool's long turn) and reasons newer than this code.
      return 'other';
  }
}

function usage(usage: Partial<Usage | MessageDeltaUsage> | undefined): LlmUsage {
  const cacheReads = usage?.cache_read_input_tokens ?? 0;
  return {
    inputTokens: (usage?.input_tokens ?? 0) + cacheReads + (usage?.cache_creation_input_tokens ?? 0),
    outputTokens: usage?.output_tokens ?? 0,
    cachedInputTokens: cacheReads,
    reasoningTokens: usage?.output_tokens_details?.thinking_tokens ?? 0,
  };
}
