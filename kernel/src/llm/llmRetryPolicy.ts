import { LlmProviderError, RpcError } from '@cinatra/sdk';

/** First back-off ceiling; it doubles per attempt up to `RETRY_MAX_DELAY_MS`. */
export const RETRY_BASE_DELAY_MS = 500;
export const RETRY_MAX_DELAY_MS = 30_000;
/**
 * The longest `retry-after` the orchestrator waits for when the call has no `timeoutMs`.
 * A vendor asking for more is treated like one whose attempts are exhausted (fallback, or error).
 */
export const MAX_RETRY_AFTER_MS = 60_000;

/**
 * Exponential back-off with full jitter (uniform in [0, min(max, base·2^(attempt-1)))), but never
 * less than the vendor's `retry-after`. `attempt` is the attempt that just failed (1-based).
 */
export function retryDelay(attempt: number, retryAfterMs: number | undefined, random: number): number {
  const ceiling = Math.min(RETRY_MAX_DELAY_MS, RETRY_BASE_DELAY_MS * 2 ** (attempt - 1));
  return Math.max(Math.floor(random * ceiling), Math.ceil(retryAfterMs ?? 0));
}

/** A failed vendor request, in the terms the retry policy and the usage event need. */
export interface LlmFailure {
  /** An `LlmErrorKind`, or `deadline_exceeded`, `extension_unavailable`, `cancelled`, `unknown`… */
  kind: string;
  retryable: boolean;
  retryAfterMs?: number;
  status?: number;
  message: string;
}

/**
 * What went wrong with one attempt. `timedOut`: the orchestrator's per-attempt timer fired (the
 * provider may report that any way it likes, an AbortError say). Retryable: the provider error
 * kinds `rate_limited`, `server_error`, `timeout`, `connection`, the extension boundary's
 * `deadline_exceeded`, and the attempt timer.
 */
export function classifyFailure(error: unknown, timedOut: boolean): LlmFailure {
  if (timedOut) return { kind: 'timeout', retryable: true, message: 'the attempt timed out' };
  const providerError = LlmProviderError.from(error);
  if (providerError) {
    return {
      kind: providerError.kind,
      retryable: providerError.retryable,
      ...(providerError.data.retryAfterMs !== undefined
        ? { retryAfterMs: providerError.data.retryAfterMs }
        : {}),
      ...(providerError.data.status !== undefined ? { status: providerError.data.status } : {}),
      message: providerError.message,
    };
  }
  if (error instanceof RpcError) {
    return { kind: error.code, retryable: error.code === 'deadline_exceeded', message: error.message };
  }
  return {
    kind: 'unknown',
    retryable: false,
    message: error instanceof Error ? error.message : String(error),
  };
}
