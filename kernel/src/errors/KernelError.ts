/**
 * The one error shape the kernel raises for anything a caller did wrong or may not do.
 * The HTTP layer turns it into `application/problem+json` with the same `code`, and the
 * CLI prints its message as one line. Codes are part of the public contract: never
 * rename one, add a new one instead.
 */
export type ErrorCode =
  | 'validation_failed'
  | 'unauthenticated'
  | 'invalid_credentials'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'rate_limited'
  | 'csrf_failed'
  | 'setup_unavailable'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'internal_error'
  /** A model provider failed (after retries and fallback); `details.data` names provider, model, kind, attempts. */
  | 'llm_provider_error'
  /** An LLM call ran out of its time (`timeoutMs`, or every attempt timed out). */
  | 'llm_timeout'
  /** The organization's LLM spend reached a budget; `details.data` names limit, spend and period. */
  | 'llm_budget_exceeded'
  /** The model's answer did not match the requested JSON schema, even after one corrective retry. */
  | 'llm_invalid_output'
  /** The caller cancelled the LLM call (its `signal` was aborted). */
  | 'llm_cancelled';

export interface FieldError {
  /** JSON pointer or dotted path of the offending input, e.g. `/body/email`. */
  path: string;
  message: string;
}

const STATUS_BY_CODE: Record<ErrorCode, number> = {
  validation_failed: 400,
  unauthenticated: 401,
  invalid_credentials: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  rate_limited: 429,
  csrf_failed: 403,
  setup_unavailable: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  internal_error: 500,
  llm_provider_error: 502,
  llm_timeout: 504,
  llm_budget_exceeded: 402,
  llm_invalid_output: 502,
  // nginx's "client closed request": nobody is listening any more, but logs show why it ended.
  llm_cancelled: 499,
};

export class KernelError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: {
      errors?: FieldError[];
      retryAfterSeconds?: number;
      /** Machine-readable facts about the failure (e.g. an LLM call's provider, error kind and attempts). */
      data?: Record<string, unknown>;
    } = {},
  ) {
    super(message);
    this.name = 'KernelError';
    this.status = STATUS_BY_CODE[code];
  }
}

export const notFound = (what: string, id: string): KernelError =>
  new KernelError('not_found', `${what} ${id} does not exist or is not visible to you.`);
