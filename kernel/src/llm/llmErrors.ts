import type { FieldError } from '../errors/KernelError.js';
import { KernelError } from '../errors/KernelError.js';
import type { LlmFailure } from './llmRetryPolicy.js';
import type { LlmTarget } from './types.js';

const name = (target: LlmTarget): string => `${target.provider} (${target.model})`;
const tries = (attempts: number): string => `${attempts} attempt${attempts === 1 ? '' : 's'}`;

/** `llm_provider_error` (502): the provider failed, and retries and fallback did not help. */
export function llmProviderError(
  target: LlmTarget,
  failure: LlmFailure,
  attempts: number,
  why: 'not retryable' | 'exhausted' | 'output already streamed' | 'retry-after too long',
): KernelError {
  const explanation = {
    'not retryable': 'not retried',
    exhausted: 'retries exhausted',
    'output already streamed': 'not retried: output was already streamed',
    'retry-after too long': `the provider asked to wait ${Math.ceil((failure.retryAfterMs ?? 0) / 1000)} s, longer than the call can`,
  }[why];
  return new KernelError(
    'llm_provider_error',
    `${name(target)} failed: ${failure.message} [${failure.kind}]; ${explanation} after ${tries(attempts)}.`,
    {
      data: {
        provider: target.provider,
        model: target.model,
        kind: failure.kind,
        attempts,
        ...(failure.status !== undefined ? { status: failure.status } : {}),
      },
      ...(failure.retryAfterMs !== undefined
        ? { retryAfterSeconds: Math.ceil(failure.retryAfterMs / 1000) }
        : {}),
    },
  );
}

/** `llm_timeout` (504): the call's `timeoutMs` passed, or its last attempts timed out. */
export function llmTimeout(target: LlmTarget, attempts: number, timeoutMs?: number): KernelError {
  return new KernelError(
    'llm_timeout',
    timeoutMs !== undefined
      ? `The call to ${name(target)} did not finish within its timeout of ${timeoutMs} ms (${tries(attempts)}).`
      : `${name(target)} did not answer in time (${tries(attempts)}, each timed out or hit its deadline).`,
    {
      data: {
        provider: target.provider,
        model: target.model,
        kind: 'timeout',
        attempts,
        ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      },
    },
  );
}

/** `llm_cancelled` (499): the caller aborted the call. */
export function llmCancelled(target: LlmTarget | null, attempts: number): KernelError {
  return new KernelError(
    'llm_cancelled',
    `The call${target ? ` to ${name(target)}` : ''} was cancelled by its caller (${tries(attempts)}).`,
    {
      data: {
        ...(target ? { provider: target.provider, model: target.model } : {}),
        kind: 'cancelled',
        attempts,
      },
    },
  );
}

/** `llm_invalid_output` (502): the answer did not match `responseFormat`, even after a correction. */
export function llmInvalidOutput(target: LlmTarget, errors: FieldError[], attempts: number): KernelError {
  return new KernelError(
    'llm_invalid_output',
    `${name(target)} answered with JSON that does not match the requested schema, also after a correction: ${errors[0]!.path} ${errors[0]!.message}.`,
    { errors, data: { provider: target.provider, model: target.model, kind: 'invalid_output', attempts } },
  );
}
