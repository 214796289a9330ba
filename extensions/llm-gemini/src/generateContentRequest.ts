import type { LlmMessage, LlmRequest, LlmToolChoice } from '@cinatra/sdk';
import {
  FunctionCallingConfigMode,
  type Content,
  type GenerateContentConfig,
  type Part,
  type ToolConfig,
} from '@google/genai';
import { UNKNOWN_THOUGHT_SIGNATURE, type ThoughtSignatures } from './thoughtSignatures.js';

/**
 * `LlmRequest` → `generateContent` contents and config. The system prompt (with any system
 * messages of the conversation, in order) is `systemInstruction`; assistant turns are `model`
 * contents whose tool calls are `functionCall` parts (id, and the thought signature Gemini gave
 * the call); tool results are `functionResponse` parts of the next `user` content (`{ output }`,
 * or `{ error }` for a failed tool, as Gemini documents); consecutive contents of one role are
 * merged. Tool schemas go as `parametersJsonSchema` and `responseFormat` as
 * `responseMimeType: application/json` + `responseJsonSchema`: plain JSON Schema, no conversion.
 */
export function toGenerateContent(
  request: LlmRequest,
  signatures: ThoughtSignatures,
): { model: string; contents: Content[]; config: GenerateContentConfig } {
  const system = [
    request.system,
    ...request.messages.filter((m) => m.role === 'system').map((m) => m.content),
  ]
    .filter((text): text is string => typeof text === 'string' && text !== '')
    .join('\n\n');
  const contents: Content[] = [];
  for (const message of request.messages) {
    if (message.role === 'system') continue;
    const role = message.role === 'assistant' ? 'model' : 'user';
    const parts = toParts(message, signatures);
    if (parts.length === 0) continue; // Gemini refuses a content without parts
    const previous = contents.at(-1);
    if (previous && previous.role === role) previous.parts!.push(...parts);
    else contents.push({ role, parts });
  }
  const tools = request.tools ?? [];
  const config: GenerateContentConfig = {
    ...(system ? { systemInstruction: system } : {}),
    ...(tools.length > 0
      ? {
          tools: [
            {
              functionDeclarations: tools.map((tool) => ({
                name: tool.name,
                description: tool.description,
                parametersJsonSchema: tool.inputSchema,
              })),
            },
          ],
        }
      : {}),
    ...(request.toolChoice ? { toolConfig: toToolConfig(request.toolChoice) } : {}),
    ...(request.responseFormat
      ? { responseMimeType: 'application/json', responseJsonSchema: request.responseFormat.schema }
      : {}),
    ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
    ...(request.maxOutputTokens !== undefined ? { maxOutputTokens: request.maxOutputTokens } : {}),
    ...(request.stop && request.stop.length > 0 ? { stopSequences: request.stop } : {}),
  };
  return { model: request.model, contents, config };
}

function toParts(message: Exclude<LlmMessage, { role: 'system' }>, signatures: ThoughtSignatures): Part[] {
  switch (message.role) {
    case 'user':
      return [{ text: message.content }];
    case 'assistant':
      return [
        ...(message.content === '' ? [] : [{ text: message.content }]),
        ...(message.toolCalls ?? []).map((call, index) => {
          // Gemini signs the first call of a step; a first call whose signature is unknown gets
          // the documented placeholder rather than a refused request.
          const signature =
            signatures.recall(call.id) ?? (index === 0 ? UNKNOWN_THOUGHT_SIGNATURE : undefined);
          return {
            functionCall: { id: call.id, name: call.name, args: call.arguments },
            ...(signature ? { thoughtSignature: signature } : {}),
          };
        }),
      ];
    case 'tool':
      return [
        {
          functionResponse: {
            id: message.toolCallId,
            name: message.name,
            response: message.isError ? { error: message.content } : { output: message.content },
          },
        },
      ];
  }
}

function toToolConfig(choice: LlmToolChoice): ToolConfig {
  if (typeof choice === 'object') {
    return {
      functionCallingConfig: { mode: FunctionCallingConfigMode.ANY, allowedFunctionNames: [choice.name] },
    };
  }
  const mode = {
    auto: FunctionCallingConfigMode.AUTO,
    none: FunctionCallingConfigMode.NONE,
    required: FunctionCallingConfigMode.ANY,
  }[choice];
  return { functionCallingConfig: { mode } };
}
