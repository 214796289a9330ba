import { RpcError } from './messages.js';

/**
 * The one shape of an LLM call across the platform: what the kernel's orchestrator hands a
 * provider extension, and what every provider extension (OpenAI, Anthropic, Gemini, scripted)
 * gives back, whatever its vendor's wire format. Provider extensions translate to and from their
 * official SDK; nothing above them knows a vendor's field names.
 */

export type LlmRole = 'system' | 'user' | 'assistant' | 'tool';

export interface LlmToolCall {
  /** The provider's id of the call (Gemini has none: the provider makes one up). */
  id: string;
  /** The function name exactly as it was offered in `LlmRequest.tools`. */
  name: string;
  arguments: Record<string, unknown>;
}

export type LlmMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string }
  /** `toolCalls` when the model asked for tools (text may then be empty). */
  | { role: 'assistant'; content: string; toolCalls?: LlmToolCall[] }
  /** The result of one tool call, answering `toolCallId` (of function `name`). */
  | { role: 'tool'; toolCallId: string; name: string; content: string; isError?: boolean };

/** A function the model may call. `name` matches `^[A-Za-z0-9_-]{1,64}$` (the strictest vendor rule). */
export interface LlmToolDefinition {
  name: string;
  description: string;
  /** JSON Schema of the arguments, top-level type `object`. */
  inputSchema: Record<string, unknown>;
}

export type LlmToolChoice = 'auto' | 'none' | 'required' | { name: string };

/** Ask for JSON matching `schema` (OpenAI json_schema, Anthropic forced tool, Gemini responseSchema). */
export interface LlmResponseFormat {
  type: 'json_schema';
  name: string;
  schema: Record<string, unknown>;
}

export interface LlmRequest {
  /** The vendor's model id, e.g. `gpt-5.4`, `claude-sonnet-4-5`, `gemini-2.5-pro`. */
  model: string;
  /** System prompt (instructions, injected skills); providers place it the vendor's way. */
  system?: string;
  messages: LlmMessage[];
  tools?: LlmToolDefinition[];
  toolChoice?: LlmToolChoice;
  responseFormat?: LlmResponseFormat;
  temperature?: number;
  maxOutputTokens?: number;
  stop?: string[];
}

/** Token counts, normalized: `inputTokens` includes `cachedInputTokens`, `outputTokens` includes `reasoningTokens`. */
export interface LlmUsage {
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  reasoningTokens: number;
}

export type LlmFinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'other';

export interface LlmResponse {
  /** The model as the vendor reported it (may be a dated snapshot of the requested one). */
  model: string;
  text: string;
  toolCalls: LlmToolCall[];
  finishReason: LlmFinishReason;
  usage: LlmUsage;
  /** The vendor's id of the response, when it gives one. */
  responseId?: string;
}

/**
 * A streamed call yields deltas, then exactly one `finish` carrying the whole response (text and
 * tool calls assembled, usage final). A tool call is yielded once, complete, when the vendor has
 * sent all of its arguments.
 */
export type LlmStreamEvent =
  | { type: 'text-delta'; text: string }
  | { type: 'tool-call'; toolCall: LlmToolCall }
  | { type: 'finish'; response: LlmResponse };

/**
 * Why a provider call failed, in words the orchestrator acts on: `rate_limited` and
 * `server_error`, `timeout` and `connection` are retried (honouring `retryAfterMs`) and may fall
 * back to another provider; the others are the caller's problem and are not retried.
 */
export type LlmErrorKind =
  | 'rate_limited'
  | 'server_error'
  | 'timeout'
  | 'connection'
  | 'authentication'
  | 'invalid_request'
  | 'content_filter'
  | 'not_found';

export const RETRYABLE_LLM_ERRORS: ReadonlySet<LlmErrorKind> = new Set([
  'rate_limited',
  'server_error',
  'timeout',
  'connection',
]);

export interface LlmErrorData {
  kind: LlmErrorKind;
  /** The vendor's HTTP status, when there was a response. */
  status?: number;
  /** From the vendor's `retry-after` (or `retry-after-ms`) header. */
  retryAfterMs?: number;
  /** The vendor's own error code or type, for the log. */
  vendorCode?: string;
}

/**
 * The error a provider extension throws for a failed vendor call. It crosses the process boundary
 * as an `RpcError` with code `provider_error` and `data` = `LlmErrorData`.
 */
export class LlmProviderError extends RpcError {
  declare readonly data: LlmErrorData;

  constructor(message: string, data: LlmErrorData) {
    super('provider_error', message, data);
  }

  get kind(): LlmErrorKind {
    return this.data.kind;
  }

  get retryable(): boolean {
    return RETRYABLE_LLM_ERRORS.has(this.data.kind);
  }

  /** The `LlmProviderError` an `RpcError` from the wire stands for, or null when it is another failure. */
  static from(error: unknown): LlmProviderError | null {
    if (error instanceof LlmProviderError) return error;
    if (error instanceof RpcError && error.code === 'provider_error' && isErrorData(error.data)) {
      return new LlmProviderError(error.message, error.data);
    }
    return null;
  }
}

function isErrorData(data: unknown): data is LlmErrorData {
  return typeof data === 'object' && data !== null && typeof (data as LlmErrorData).kind === 'string';
}

/** Parses a `retry-after` header (seconds or an HTTP date) or `retry-after-ms`; undefined when absent or unreadable. */
export function retryAfterMs(headers: { get(name: string): string | null } | undefined): number | undefined {
  if (!headers) return undefined;
  const ms = headers.get('retry-after-ms');
  if (ms !== null && ms.trim() !== '' && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const value = headers.get('retry-after');
  if (value === null || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/**
 * The kind of a vendor's HTTP error status, the way every provider reads it: 429 rate limited,
 * 401/403 authentication, 404 not found, 408/504 timeout, other 5xx (and 529 "overloaded") server
 * errors, the rest an invalid request. Providers check their vendor's own error codes first.
 */
export function llmErrorKindOfStatus(status: number): LlmErrorKind {
  if (status === 429) return 'rate_limited';
  if (status === 401 || status === 403) return 'authentication';
  if (status === 404) return 'not_found';
  if (status === 408 || status === 504) return 'timeout';
  if (status >= 500) return 'server_error';
  return 'invalid_request';
}

/** True for a failure of the connection itself (refused, reset, cut mid-body) as `fetch` reports it. */
export function isNetworkFailure(error: unknown): error is Error {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code ?? (error.cause as { code?: unknown } | undefined)?.code;
  return (
    (error.name === 'TypeError' && /terminated|fetch failed|network/i.test(error.message)) ||
    (typeof code === 'string' && /^(UND_ERR|ECONN|EPIPE|ENETUNREACH|ETIMEDOUT)/.test(code))
  );
}

/** An error's message with those of its causes (two levels): fetch hides the socket's reason there. */
export function failureDescription(error: Error): string {
  const cause = error.cause instanceof Error ? error.cause : undefined;
  const deeper = cause?.cause instanceof Error ? cause.cause : undefined;
  return [error.message, cause?.message, deeper?.message].filter(Boolean).join(': ');
}
