import {
  failureDescription,
  isNetworkFailure,
  llmErrorKindOfStatus,
  LlmProviderError,
  retryAfterMs,
  type LlmErrorKind,
} from '@cinatra/sdk';
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
    return new LlmProviderError(`Could not reach OpenAI: ${failureDescription(error)}`, {
      kind: 'connection',
    });
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
    return new LlmProviderError(`The connection to OpenAI failed: ${failureDescription(error)}`, {
      kind: 'connection',
    });
  }
  return error;
}

function kindOf(status: number | undefined, code: string | undefined): LlmErrorKind {
  if (code === 'content_filter' || code === 'content_policy_violation') return 'content_filter';
  // An error event inside a stream has no status: the vendor failed mid-answer.
  if (status === undefined) return code === 'rate_limit_exceeded' ? 'rate_limited' : 'server_error';
  return llmErrorKindOfStatus(status);
}
