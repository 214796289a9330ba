import { randomBytes } from 'node:crypto';
import {
  LlmProviderError,
  type LlmFinishReason,
  type LlmResponse,
  type LlmStreamEvent,
  type LlmToolCall,
  type LlmUsage,
} from '@cinatra/sdk';
import {
  FinishReason,
  type GenerateContentResponse,
  type GenerateContentResponseUsageMetadata,
} from '@google/genai';
import type { ThoughtSignatures } from './thoughtSignatures.js';

/** The parts of one answer chunk: its text (thoughts left out) and its function calls. */
interface ChunkParts {
  text: string;
  toolCalls: LlmToolCall[];
}

/**
 * `generateContent` answer → `LlmResponse`: the first candidate's text parts joined (thought
 * summaries left out), its `functionCall` parts as tool calls (with an id made up when Gemini
 * gives none, and the thought signature remembered for the replay), the finish reason and the
 * usage. Gemini counts the thoughts apart from `candidatesTokenCount`; the platform's
 * `outputTokens` includes them. A prompt Gemini blocked has no candidate: `LlmProviderError`
 * `content_filter`.
 */
export function fromGenerateContent(
  response: GenerateContentResponse,
  requestedModel: string,
  signatures: ThoughtSignatures,
): LlmResponse {
  blocked(response);
  const { text, toolCalls } = parts(response, signatures);
  const candidate = response.candidates?.[0];
  return {
    model: response.modelVersion ?? requestedModel,
    text,
    toolCalls,
    finishReason: finishReason(candidate?.finishReason, toolCalls.length > 0),
    usage: usage(response.usageMetadata),
    ...(response.responseId ? { responseId: response.responseId } : {}),
  };
}

/**
 * `streamGenerateContent` chunks → stream events. Gemini streams text in pieces and each function
 * call whole, so a call is yielded as it arrives; the last chunk carries the finish reason and
 * the final usage. A stream that ends without a finish reason was cut short:
 * `LlmProviderError` `connection`.
 */
export async function* streamEvents(
  chunks: AsyncIterable<GenerateContentResponse>,
  requestedModel: string,
  signatures: ThoughtSignatures,
  signal: AbortSignal,
): AsyncGenerator<LlmStreamEvent> {
  let text = '';
  const toolCalls: LlmToolCall[] = [];
  let last: GenerateContentResponse | undefined;
  let reason: FinishReason | undefined;
  for await (const chunk of chunks) {
    blocked(chunk);
    last = chunk;
    const piece = parts(chunk, signatures);
    if (piece.text !== '') {
      text += piece.text;
      yield { type: 'text-delta', text: piece.text };
    }
    for (const call of piece.toolCalls) {
      toolCalls.push(call);
      yield { type: 'tool-call', toolCall: call };
    }
    reason = chunk.candidates?.[0]?.finishReason ?? reason;
  }
  if (reason === undefined) {
    if (signal.aborted) throw signal.reason;
    throw new LlmProviderError('Gemini ended the stream before the answer was complete', {
      kind: 'connection',
      vendorCode: 'stream_incomplete',
    });
  }
  yield {
    type: 'finish',
    response: {
      model: last?.modelVersion ?? requestedModel,
      text,
      toolCalls,
      finishReason: finishReason(reason, toolCalls.length > 0),
      usage: usage(last?.usageMetadata),
      ...(last?.responseId ? { responseId: last.responseId } : {}),
    },
  };
}

function blocked(response: GenerateContentResponse): void {
  const reason = response.promptFeedback?.blockReason;
  if (reason && !response.candidates?.length) {
    throw new LlmProviderError(`Gemini blocked the prompt (${reason})`, {
      kind: 'content_filter',
      vendorCode: reason,
    });
  }
}

function parts(response: GenerateContentResponse, signatures: ThoughtSignatures): ChunkParts {
  let text = '';
  const toolCalls: LlmToolCall[] = [];
  for (const part of response.candidates?.[0]?.content?.parts ?? []) {
    if (part.thought) continue;
    if (typeof part.text === 'string') text += part.text;
    if (part.functionCall) {
      const id = part.functionCall.id || `call_${randomBytes(12).toString('hex')}`;
      if (part.thoughtSignature) signatures.remember(id, part.thoughtSignature);
      toolCalls.push({ id, name: part.functionCall.name ?? '', arguments: part.functionCall.args ?? {} });
    }
  }
  return { text, toolCalls };
}

function finishReason(reason: FinishReason | undefined, hasToolCalls: boolean): LlmFinishReason {
  switch (reason) {
    case FinishReason.STOP:
      // Gemini has no finish reason of its own for function calls.
      return hasToolCalls ? 'tool_calls' : 'stop';
    case FinishReason.MAX_TOKENS:
      return 'length';
    case FinishReason.SAFETY:
    case FinishReason.RECITATION:
    case FinishReason.BLOCKLIST:
    case FinishReason.PROHIBITED_CONTENT:
    case FinishReason.SPII:
    case FinishReason.IMAGE_SAFETY:
    case FinishReason.IMAGE_PROHIBITED_CONTENT:
      return 'content_filter';
    default:
      return hasToolCalls ? 'tool_calls' : 'other';
  }
}

function usage(metadata: GenerateContentResponseUsageMetadata | undefined): LlmUsage {
  const thoughts = metadata?.thoughtsTokenCount ?? 0;
  return {
    inputTokens: (metadata?.promptTokenCount ?? 0) + (metadata?.toolUsePromptTokenCount ?? 0),
    outputTokens: (metadata?.candidatesTokenCount ?? 0) + thoughts,
    cachedInputTokens: metadata?.cachedContentTokenCount ?? 0,
    reasoningTokens: thoughts,
  };
}
