import {
  failureDescription,
  isNetworkFailure,
  llmErrorKindOfStatus,
  LlmProviderError,
  retryAfterMs,
  type LlmErrorKind,
} from '@cinatra/sdk';
import { ApiError } from '@google/genai';

/** Gemini's error body: `{ error: { code, message, status, details } }`. */
interface GeminiErrorBody {
  code?: number;
  message?: string;
  status?: string;
  details?: Array<{ '@type'?: string; reason?: string; retryDelay?: string }>;
}

/**
 * What a failed Gemini call becomes. Cancellation (the call's signal) stays what it is, so the
 * platform sees a cancelled call, not a vendor failure; everything from the vendor or the network
 * becomes `LlmProviderError`. The SDK's `ApiError` carries only the status and the body as text,
 * so the body is read back for Gemini's status name, its `ErrorInfo` reason (an invalid key is a
 * 400 `API_KEY_INVALID`) and its `RetryInfo` delay; a `retry-after` header (`headers`, seen by
 * the provider's fetch) wins over the delay.
 */
export function toProviderError(error: unknown, signal: AbortSignal, headers: Headers | undefined): unknown {
  if (signal.aborted) return signal.reason;
  if (error instanceof LlmProviderError) return error;
  if (error instanceof ApiError) {
    const body = errorBody(error.message);
    const reason = body?.details?.find((detail) => detail.reason)?.reason;
    const vendorCode = reason ?? body?.status;
    const retryAfter = retryAfterMs(headers) ?? retryDelayMs(body);
    return new LlmProviderError(`Gemini: ${body?.message ?? error.message}`, {
      kind: kindOf(error.status, body?.status, reason),
      status: error.status,
      ...(retryAfter !== undefined ? { retryAfterMs: retryAfter } : {}),
      ...(vendorCode ? { vendorCode } : {}),
    });
  }
  if (isNetworkFailure(error)) {
    return new LlmProviderError(`The connection to Gemini failed: ${failureDescription(error)}`, {
      kind: /timeout/i.test(failureDescription(error)) ? 'timeout' : 'connection',
    });
  }
  return error;
}

function kindOf(status: number, name: string | undefined, reason: string | undefined): LlmErrorKind {
  if (reason === 'API_KEY_INVALID' || name === 'UNAUTHENTICATED' || name === 'PERMISSION_DENIED')
    return 'authentication';
  if (name === 'RESOURCE_EXHAUSTED') return 'rate_limited';
  if (name === 'DEADLINE_EXCEEDED') return 'timeout';
  if (name === 'NOT_FOUND') return 'not_found';
  return llmErrorKindOfStatus(status);
}

/** The JSON body inside the SDK's message: the body itself, or `got status: …. {…}` for a stream chunk. */
function errorBody(message: string): GeminiErrorBody | undefined {
  const start = message.indexOf('{');
  if (start < 0) return undefined;
  try {
    const parsed = JSON.parse(message.slice(start)) as { error?: GeminiErrorBody };
    return typeof parsed.error === 'object' && parsed.error !== null ? parsed.error : undefined;
  } catch {
    return undefined;
  }
}

/** `google.rpc.RetryInfo.retryDelay`, a protobuf Duration in JSON (`"37s"`, `"1.500s"`). */
function retryDelayMs(body: GeminiErrorBody | undefined): number | undefined {
  const delay = body?.details?.find((detail) =>
    detail['@type']?.endsWith('google.rpc.RetryInfo'),
  )?.retryDelay;
  const seconds = delay ? /^(\d+(?:\.\d+)?)s$/.exec(delay)?.[1] : undefined;
  return seconds === undefined ? undefined : Math.round(Number(seconds) * 1000);
}
