import {
  failureDescription,
  isNetworkFailure,
  llmErrorKindOfStatus,
  LlmProviderError,
  retryAfterMs,
  type LlmErrorKind,
} from '@cinatra/sdk';
import {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
} from '@anthropic-ai/sdk';

/**
 * What a failed Anthropic call becomes. Cancellation (the call's signal) stays what it is, so the
 * platform sees a cancelled call, not a vendor failure; everything from the vendor or the network
 * becomes `LlmProviderError` with the kind the orchestrator acts on and the `retry-after` of a
 * 429 or 529. Anthropic's error `type` decides where the status does not (an `error` event inside
 * a stream has none): `overloaded_error` and `api_error` are server errors.
 */
export function toProviderError(error: unknown, signal: AbortSignal): unknown {
  if (signal.aborted) return signal.reason;
  if (error instanceof LlmProviderError) return error;
  if (error instanceof APIUserAbortError)
    return new LlmProviderError('Anthropic call aborted', { kind: 'timeout' });
  if (error instanceof APIConnectionTimeoutError) {
    return new LlmProviderError('Anthropic did not answer in time', { kind: 'timeout' });
  }
  if (error instanceof APIConnectionError) {
    return new LlmProviderError(`Could not reach Anthropic: ${failureDescription(error)}`, {
      kind: 'connection',
    });
  }
  if (error instanceof APIError) {
    const type = typeof error.type === 'string' ? error.type : undefined;
    const retryAfter = retryAfterMs(error.headers);
    return new LlmProviderError(`Anthropic: ${error.apiMessage ?? error.message}`, {
      kind: kindOf(error.status, type),
      ...(error.status !== undefined ? { status: error.status } : {}),
      ...(retryAfter !== undefined ? { retryAfterMs: retryAfter } : {}),
      ...(type ? { vendorCode: type } : {}),
    });
  }
  if (isNetworkFailure(error)) {
    return new LlmProviderError(`The connection to Anthropic failed: ${failureDescription(error)}`, {
      kind: 'connection',
    });
  }
  return error;
}

function kindOf(status: number | undefined, type: string | undefined): LlmErrorKind {
  switch (type) {
    case 'rate_limit_error':
      return 'rate_limited';
    case 'overloaded_error':
    case 'api_error':
      return 'server_error';
    case 'authentication_error':
    case 'permission_error':
      return 'authentication';
    case 'not_found_error':
      return 'not_found';
    case 'timeout_error':
      return 'timeout';
  }
  if (status === undefined) return 'server_error';
  return llmErrorKindOfStatus(status); // 529 overloaded is a server error
}
