import type { LlmMessage, LlmRequest, LlmToolChoice } from '@cinatra/sdk';
import type {
  ChatCompletionCreateParamsBase,
  ChatCompletionMessageParam,
  ChatCompletionToolChoiceOption,
} from 'openai/resources/chat/completions';

/**
 * `LlmRequest` → Chat Completions request body (without `stream`). The system prompt is the first
 * message (`role: system`, which OpenAI also accepts for reasoning models and every
 * OpenAI-compatible server does); tool results are `role: tool` messages answering the assistant
 * message's `tool_calls` by id; `responseFormat` is `response_format: json_schema`, strict when the
 * schema meets Structured Outputs' rules (every object closed and all its properties required),
 * so a schema outside them still works, unenforced.
 */
export function toChatCompletionParams(request: LlmRequest): ChatCompletionCreateParamsBase {
  const messages: ChatCompletionMessageParam[] = [];
  if (request.system) messages.push({ role: 'system', content: request.system });
  for (const message of request.messages) messages.push(toMessage(message));
  return {
    model: request.model,
    messages,
    ...(request.tools && request.tools.length > 0
      ? {
          tools: request.tools.map((tool) => ({
            type: 'function' as const,
            function: { name: tool.name, description: tool.description, parameters: tool.inputSchema },
          })),
        }
      : {}),
    ...(request.toolChoice ? { tool_choice: toToolChoice(request.toolChoice) } : {}),
    ...(request.responseFormat
      ? {
          response_format: {
            type: 'json_schema' as const,
            json_schema: {
              name: request.responseFormat.name,
              schema: request.responseFormat.schema,
              strict: isStrictSchema(request.responseFormat.schema),
            },
          },
        }
      : {}),
    ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
    // `max_tokens` is deprecated and refused by reasoning models.
    ...(request.maxOutputTokens !== undefined ? { max_completion_tokens: request.maxOutputTokens } : {}),
    ...(request.stop && request.stop.length > 0 ? { stop: request.stop } : {}),
  };
}

function toMessage(message: LlmMessage): ChatCompletionMessageParam {
  switch (message.role) {
    case 'system':
    case 'user':
      return { role: message.role, content: message.content };
    case 'assistant': {
      const calls = message.toolCalls ?? [];
      if (calls.length === 0) return { role: 'assistant', content: message.content };
      return {
        role: 'assistant',
        content: message.content === '' ? null : message.content,
        tool_calls: calls.map((call) => ({
          id: call.id,
          type: 'function' as const,
          function: { name: call.name, arguments: JSON.stringify(call.arguments) },
        })),
      };
    }
    case 'tool':
      // Chat Completions has no error flag on a tool result: the content says it.
      return { role: 'tool', tool_call_id: message.toolCallId, content: message.content };
  }
}

function toToolChoice(choice: LlmToolChoice): ChatCompletionToolChoiceOption {
  return typeof choice === 'string' ? choice : { type: 'function', function: { name: choice.name } };
}

/** Keywords whose value is a map of name → schema. */
const SCHEMA_MAPS = ['properties', '$defs', 'definitions', 'patternProperties'];
/** Keywords whose value is a schema or a list of schemas. */
const SCHEMA_LISTS = ['items', 'prefixItems', 'anyOf', 'allOf', 'oneOf', 'not', 'additionalProperties'];

/**
 * Whether Structured Outputs' strict mode accepts `schema`: every object schema lists all its
 * properties in `required` and sets `additionalProperties: false`, all the way down.
 */
export function isStrictSchema(schema: unknown): boolean {
  if (typeof schema !== 'object' || schema === null) return true;
  if (Array.isArray(schema)) return schema.every(isStrictSchema);
  const node = schema as Record<string, unknown>;
  const properties = isMap(node.properties) ? node.properties : undefined;
  if (node.type === 'object' || properties) {
    const required = Array.isArray(node.required) ? node.required : [];
    if (node.additionalProperties !== false) return false;
    if (!Object.keys(properties ?? {}).every((name) => required.includes(name))) return false;
  }
  return (
    SCHEMA_MAPS.every((key) => !isMap(node[key]) || Object.values(node[key]).every(isStrictSchema)) &&
    SCHEMA_LISTS.every((key) => isStrictSchema(node[key]))
  );
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
