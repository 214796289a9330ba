import type { LlmMessage, LlmRequest, LlmToolChoice } from '@cinatra/sdk';
import type {
  ContentBlockParam,
  MessageCreateParamsBase,
  MessageParam,
  ToolChoice,
} from '@anthropic-ai/sdk/resources/messages';

/**
 * The answer length asked for when the request sets none: Anthropic requires `max_tokens`, and
 * the SDK refuses a non-streaming call whose `max_tokens` could take longer than ten minutes.
 */
export const DEFAULT_MAX_TOKENS = 8192;

/**
 * `LlmRequest` → Messages API request body (without `stream`). The system prompt (with any system
 * messages of the conversation, in order) is the top-level `system`; an assistant's tool calls
 * are `tool_use` blocks and the tool results that follow are `tool_result` blocks of the next user
 * message, all results of one turn in one message, before any text; consecutive messages of one
 * role are merged, as Anthropic requires turns to alternate. `responseFormat` is
 * `output_config.format` (structured outputs).
 */
export function toMessageParams(request: LlmRequest): MessageCreateParamsBase {
  const system = [
    request.system,
    ...request.messages.filter((m) => m.role === 'system').map((m) => m.content),
  ]
    .filter((text): text is string => typeof text === 'string' && text !== '')
    .join('\n\n');
  const messages: MessageParam[] = [];
  for (const message of request.messages) {
    if (message.role === 'system') continue;
    const role = message.role === 'assistant' ? 'assistant' : 'user';
    const blocks = toBlocks(message);
    if (blocks.length === 0) continue; // an empty assistant turn: Anthropic refuses empty content
    const previous = messages.at(-1);
    if (previous && previous.role === role) {
      const merged = previous.content as ContentBlockParam[];
      // A turn's tool results come first in its user message.
      const firstOther = message.role === 'tool' ? merged.findIndex((b) => b.type !== 'tool_result') : -1;
      merged.splice(firstOther === -1 ? merged.length : firstOther, 0, ...blocks);
    } else {
      messages.push({ role, content: blocks });
    }
  }
  const tools = request.tools ?? [];
  return {
    model: request.model,
    max_tokens: request.maxOutputTokens ?? DEFAULT_MAX_TOKENS,
    messages,
    ...(system ? { system } : {}),
    ...(tools.length > 0
      ? {
          tools: tools.map((tool) => ({
            name: tool.name,
            description: tool.description,
            input_schema: { ...tool.inputSchema, type: 'object' as const },
          })),
        }
      : {}),
    ...(request.toolChoice ? { tool_choice: toToolChoice(request.toolChoice) } : {}),
    ...(request.responseFormat
      ? { output_config: { format: { type: 'json_schema' as const, schema: request.responseFormat.schema } } }
      : {}),
    ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
    ...(request.stop && request.stop.length > 0 ? { stop_sequences: request.stop } : {}),
  };
}

function toBlocks(message: Exclude<LlmMessage, { role: 'system' }>): ContentBlockParam[] {
  switch (message.role) {
    case 'user':
      return [{ type: 'text', text: message.content }];
    case 'assistant':
      return [
        // Anthropic refuses empty text blocks.
        ...(message.content === '' ? [] : [{ type: 'text' as const, text: message.content }]),
        ...(message.toolCalls ?? []).map((call) => ({
          type: 'tool_use' as const,
          id: call.id,
          name: call.name,
          input: call.arguments,
        })),
      ];
    case 'tool':
      return [
        {
          type: 'tool_result',
          tool_use_id: message.toolCallId,
          content: message.content,
          ...(message.isError ? { is_error: true } : {}),
        },
      ];
  }
}

function toToolChoice(choice: LlmToolChoice): ToolChoice {
  if (typeof choice === 'object') return { type: 'tool', name: choice.name };
  return choice === 'required' ? { type: 'any' } : { type: choice };
}
