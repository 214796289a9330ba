import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { KernelError, type ErrorCode, type FieldError } from '@cinatra/kernel';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

const TITLES: Record<ErrorCode, string> = {
  validation_failed: 'Invalid request',
  unauthenticated: 'Authentication required',
  invalid_credentials: 'Invalid credentials',
  forbidden: 'Forbidden',
  not_found: 'Not found',
  conflict: 'Conflict',
  rate_limited: 'Too many requests',
  csrf_failed: 'CSRF check failed',
  setup_unavailable: 'Setup unavailable',
  payload_too_large: 'Payload too large',
  unsupported_media_type: 'Unsupported media type',
  internal_error: 'Internal error',
  llm_provider_error: 'Model provider failed',
  llm_timeout: 'Model call timed out',
  llm_budget_exceeded: 'LLM budget exceeded',
  llm_invalid_output: 'Model output invalid',
  llm_cancelled: 'Model call cancelled',
};

export function sendProblem(request: FastifyRequest, reply: FastifyReply, error: KernelError): FastifyReply {
  if (error.details.retryAfterSeconds !== undefined)
    reply.header('retry-after', String(error.details.retryAfterSeconds));
  return reply.code(error.status).type(PROBLEM_CONTENT_TYPE).send(problemDetails(error, request.url));
}

/** Members of every problem; a `details.data` field of the same name goes under `data` instead. */
const STANDARD_MEMBERS = new Set(['type', 'title', 'status', 'detail', 'code', 'instance', 'errors', 'data']);

/**
 * The problem details of `error`. Its `details.data` (an LLM call's provider, kind and attempts;
 * a budget's limit and spend…) become extension members (RFC 9457 §3.2) beside the standard ones;
 * a field named like a standard member (the vendor's HTTP `status` of a provider error) is sent
 * in the extension member `data`, so it never replaces one.
 */
export function problemDetails(error: KernelError, instance: string): Record<string, unknown> {
  const members: Record<string, unknown> = {};
  const clashing: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(error.details.data ?? {})) {
    (STANDARD_MEMBERS.has(name) ? clashing : members)[name] = value;
  }
  return {
    ...members,
    ...(Object.keys(clashing).length > 0 ? { data: clashing } : {}),
    type: `https://cinatra.dev/problems/${error.code.replaceAll('_', '-')}`,
    title: TITLES[error.code],
    status: error.status,
    detail: error.message,
    code: error.code,
    instance,
    ...(error.details.errors ? { errors: error.details.errors } : {}),
  };
}

/** Maps everything a route can throw to one problem+json shape with a stable code. */
export function toKernelError(error: FastifyError | KernelError | Error): KernelError {
  if (error instanceof KernelError) return error;
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) {
    const errors: FieldError[] = fastifyError.validation.map((v) => ({
      path: `/${fastifyError.validationContext ?? 'body'}${v.instancePath}${missingProperty(v.params)}`,
      message: v.message ?? 'is invalid',
    }));
    const first = errors[0];
    return new KernelError(
      'validation_failed',
      first ? `${first.path} ${first.message}.` : 'The request is invalid.',
      { errors },
    );
  }
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new KernelError('payload_too_large', 'The request body is larger than this server accepts.');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new KernelError('unsupported_media_type', 'Send the request body as application/json.');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new KernelError('validation_failed', 'The request body is empty; send a JSON object.', {
        errors: [{ path: '/body', message: 'must be a JSON object' }],
      });
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new KernelError('validation_failed', 'The request body is not valid JSON.', {
        errors: [{ path: '/body', message: 'must be valid JSON' }],
      });
  }
  if (fastifyError.statusCode === 400 && error instanceof SyntaxError) {
    return new KernelError('validation_failed', 'The request body is not valid JSON.', {
      errors: [{ path: '/body', message: 'must be valid JSON' }],
    });
  }
  if (fastifyError.statusCode === 413)
    return new KernelError('payload_too_large', 'The request body is larger than this server accepts.');
  if (fastifyError.statusCode === 415)
    return new KernelError('unsupported_media_type', 'Send the request body as application/json.');
  if (fastifyError.statusCode && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    return new KernelError('validation_failed', fastifyError.message);
  }
  return new KernelError('internal_error', 'Something went wrong on our side; the error was logged.');
}

function missingProperty(params: Record<string, unknown> | undefined): string {
  const missing = params?.missingProperty ?? params?.additionalProperty;
  return typeof missing === 'string' ? `/${missing}` : '';
}
