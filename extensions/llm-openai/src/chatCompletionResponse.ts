import {
  LlmProviderError,
  type LlmFinishReason,
  type LlmResponse,
  type LlmStreamEvent,
  type LlmToolCall,
  type LlmUsage,
} from '@cinatra/sdk';
import type { ChatCompletion, ChatCompletionChunk } from 'openai/resources/chat/completions';
import type { CompletionUsage } from 'openai/resources/completions';

/**
 * Chat Completions answer → `LlmResponse`: the first choice's text (or refusal), its function
 * tool calls with their JSON arguments parsed, the finish reason and the usage. OpenAI's usage is
 * already in the platform's terms: `prompt_tokens` includes the cached tokens and
 * `completion_tokens` the reasoning tokens.
 */
export function fromChatCompletion(completion: ChatCompletion): LlmResponse {
  const choice = completion.choices[0];
  const message = choice?.message;
  const calls = (message?.tool_calls ?? []).flatMap((call) =>
    call.type === 'function'
      ? [{ id: call.id, name: call.function.name, arguments: call.function.arguments }]
      : [],
  );
  const reason = choice?.finish_reason ?? null;
  return {
    model: completion.model,
    text: message?.refusal ? message.refusal : (message?.content ?? ''),
    toolCalls: parseToolCalls(calls, reason),
    finishReason: message?.refusal ? 'content_filter' : finishReason(reason, calls.length > 0),
    usage: usage(completion.usage),
    responseId: completion.id,
  };
}

/**
 * Chat Completions chunks → stream events. Text deltas pass through; a tool call's argument
 * fragments are assembled and the call is yielded once complete (when the next call starts, or at
 * the finish reason); the `finish` event waits for the usage chunk that
 * `stream_options.include_usage` adds after the finish reason. A stream that ends before its
 * finish reason was cut short: `LlmProviderError` `connection`.
 */
export async function* streamEvents(
  chunks: AsyncIterable<ChatCompletionChunk>,
  signal: AbortSignal,
): AsyncGenerator<LlmStreamEvent> {
  let id: string | undefined;
  let model = '';
  let text = '';
  let refusal = '';
  let reason: ChatCompletionChunk.Choice['finish_reason'] = null;
  let completionUsage: CompletionUsage | undefined;
  const pending = new Map<number, { id: string; name: string; arguments: string }>();
  const toolCalls: LlmToolCall[] = [];
  const complete = function* (below: number) {
    for (const index of [...pending.keys()].sort((a, b) => a - b)) {
      if (index >= below) break;
      const [call] = parseToolCalls([pending.get(index)!], null);
      pending.delete(index);
      toolCalls.push(call!);
      yield { type: 'tool-call' as const, toolCall: call! };
    }
  };

  for await (const chunk of chunks) {
    id ??= chunk.id;
    model = chunk.model || model;
    if (chunk.usage) completionUsage = chunk.usage;
    const choice = chunk.choices[0];
    if (!choice) continue;
    const delta = choice.delta;
    if (delta.content) {
      text += delta.content;
      yield { type: 'text-delta', text: delta.content };
    }
    if (delta.refusal) refusal += delta.refusal;
    for (const fragment of delta.tool_calls ?? []) {
      let call = pending.get(fragment.index);
      if (!call) {
        yield* complete(fragment.index);
        call = { id: fragment.id ?? '', name: '', arguments: '' };
        pending.set(fragment.index, call);
      }
      if (fragment.id) call.id = fragment.id;
      if (fragment.function?.name) call.name += fragment.function.name;
      if (fragment.function?.arguments) call.arguments += fragment.function.arguments;
    }
    if (choice.finish_reason) {
      reason = choice.finish_reason;
      if (reason === 'length') pending.clear(); // cut mid-arguments: not a call
      yield* complete(Infinity);
    }
  }
  if (reason === null) {
    if (signal.aborted) throw signal.reason;
    throw new LlmProviderError('OpenAI ended the stream before the answer was complete', {
      kind: 'connection',
      vendorCode: 'stream_incomplete',
    });
  }
  yield {
    type: 'finish',
    response: {
      model,
      text: refusal || text,
      toolCalls,
      finishReason: refusal ? 'content_filter' : finishReason(reason, toolCalls.length > 0),
      usage: usage(completionUsage),
      ...(id ? { responseId: id } : {}),
    },
  };
}

function finishReason(reason: string | null, hasToolCalls: boolean): LlmFinishReason {
  switch (reason) {
    case 'stop':
      // A forced tool choice ends with `stop` although the model called the tool.
      return hasToolCalls ? 'tool_calls' : 'stop';
    case 'length':
      return 'length';
    case 'tool_calls':
    case 'function_call':
      return 'tool_calls';
    case 'content_filter':
      return 'content_filter';
    default:
      return 'other';
  }
}

/**
 * Parses each call's JSON arguments. A call cut off by the token limit is dropped (the finish
 * reason says `length`); unparseable arguments otherwise are a faulty vendor answer, worth a retry.
 */
function parseToolCalls(
  calls: Array<{ id: string; name: string; arguments: string }>,
  reason: string | null,
): LlmToolCall[] {
  const parsed: LlmToolCall[] = [];
  for (const call of calls) {
    let args: unknown;
    try {
      args = call.arguments.trim() === '' ? {} : JSON.parse(call.arguments);
    } catch {
      args = undefined;
    }
    if (typeof args !== 'object' || args === null || Array.isArray(args)) {
      if (reason === 'length') continue;
      throw new LlmProviderError(`OpenAI returned arguments for ${call.name} that are not a JSON object`, {
        kind: 'server_error',
        vendorCode: 'malformed_tool_arguments',
      });
    }
    parsed.push({ id: call.id, name: call.name, arguments: args as Record<string, unknown> });
  }
  return parsed;
}

function usage(usage: CompletionUsage | null | undefined): LlmUsage {
  return {
    inputTokens: usage?.prompt_tokens ?? 0,
    outputTokens: usage?.completion_tokens ?? 0,
    cachedInputTokens: usage?.prompt_tokens_details?.cached_tokens ?? 0,
    reasoningTokens: usage?.completion_tokens_details?.reasoning_tokens ?? 0,
  };
}
