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
  | 'internal_error';

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
};

export class KernelError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: { errors?: FieldError[]; retryAfterSeconds?: number } = {},
  ) {
    super(message);
    this.name = 'KernelError';
    this.status = STATUS_BY_CODE[code];
  }
}

export const notFound = (what: string, id: string): KernelError =>
  new KernelError('not_found', `${what} ${id} does not exist or is not visible to you.`);
