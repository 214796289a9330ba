import { LlmProviderError, retryAfterMs, type LlmErrorKind } from '@cinatra/sdk';
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';

/**
 * What a failed OpenAI call becomes. Cancellation (the call's signal) stays what it is, so the
 * platform sees a cancelled call, not a vendor failure; everything from the vendor or the network
 * becomes `LlmProviderError` with the kind the orchestrator acts on and the `retry-after` /
 * `retry-after-ms` of a 429 or 5xx.
 */
export function toProviderError(error: unknown, signal: AbortSignal): unknown {
  if (signal.aborted) return signal.reason;
  if (error instanceof LlmProviderError) return error;
  if (error instanceof APIUserAbortError)
    return new LlmProviderError('OpenAI call aborted', { kind: 'timeout' });
  if (error instanceof APIConnectionTimeoutError) {
    return new LlmProviderError('OpenAI did not answer in time', { kind: 'timeout' });
  }
  if (error instanceof APIConnectionError) {
    return new LlmProviderError(`Could not reach OpenAI: ${causeOf(error)}`, { kind: 'connection' });
  }
  if (error instanceof APIError) {
    const body = (error.error ?? {}) as { type?: unknown; code?: unknown; message?: unknown };
    const vendorCode =
      typeof body.code === 'string' ? body.code : typeof body.type === 'string' ? body.type : undefined;
    const message = typeof body.message === 'string' ? body.message : error.message;
    const retryAfter = retryAfterMs(error.headers);
    return new LlmProviderError(`OpenAI: ${message}`, {
      kind: kindOf(error.status, vendorCode),
      ...(error.status !== undefined ? { status: error.status } : {}),
      ...(retryAfter !== undefined ? { retryAfterMs: retryAfter } : {}),
      ...(vendorCode ? { vendorCode } : {}),
    });
  }
  if (isNetworkFailure(error)) {
    return new LlmProviderError(`The connection to OpenAI failed: ${causeOf(error)}`, { kind: 'connection' });
  }
  return error;
}

function kindOf(status: number | undefined, code: string | undefined): LlmErrorKind {
  if (code === 'content_filter' || code === 'content_policy_violation') return 'content_filter';
  // An error event inside a stream has no status: the vendor failed mid-answer.
  if (status === undefined) return code === 'rate_limit_exceeded' ? 'rate_limited' : 'server_error';
  if (status === 429) return 'rate_limited';
  if (status === 401 || status === 403) return 'authentication';
  if (status === 404) return 'not_found';
  if (status === 408) return 'timeout';
  if (status >= 500) return 'server_error';
  return 'invalid_request';
}

/** A failure of the connection itself (reset, cut mid-body), as fetch reports it. */
function isNetworkFailure(error: unknown): error is Error {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code ?? (error.cause as { code?: unknown } | undefined)?.code;
  return (
    (error.name === 'TypeError' && /terminated|fetch failed|network/i.test(error.message)) ||
    (typeof code === 'string' && /^(UND_ERR|ECONN|EPIPE|ENETUNREACH|ETIMEDOUT)/.test(code))
  );
}

function causeOf(error: Error): string {
  const cause = error.cause instanceof Error ? error.cause : undefined;
  const deeper = cause?.cause instanceof Error ? cause.cause : undefined;
  return [error.message, cause?.message, deeper?.message].filter(Boolean).join(': ');
}
