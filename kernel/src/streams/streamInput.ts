import { KernelError } from '../errors/KernelError.js';

const STREAM_KEY = /^[A-Za-z0-9][A-Za-z0-9:._-]{0,199}$/;
const DEFAULT_READ_LIMIT = 1000;
const MAX_READ_LIMIT = 10_000;

/** Events fetched per round trip while a subscriber catches up. */
export const SUBSCRIBE_PAGE = 1000;

export function assertStreamKey(key: string): void {
  if (typeof key !== 'string' || !STREAM_KEY.test(key)) {
    throw new KernelError('validation_failed', 'The stream key is not valid.', {
      errors: [
        { path: 'key', message: 'must be 1-200 characters of [A-Za-z0-9:._-], starting alphanumeric' },
      ],
    });
  }
}

export function readLimit(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_READ_LIMIT;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_READ_LIMIT) {
    throw new KernelError('validation_failed', 'The read limit is not valid.', {
      errors: [{ path: 'limit', message: `must be an integer from 1 to ${MAX_READ_LIMIT}` }],
    });
  }
  return limit;
}

/** `text` parsed by the driver's `parseId`, or a `validation_failed` error naming `path`. */
export function requireId<Id>(parse: (text: string) => Id | null, text: string, path: string): Id {
  const id = typeof text === 'string' ? parse(text) : null;
  if (id === null) {
    throw new KernelError('validation_failed', 'The stream event id is not valid.', {
      errors: [{ path, message: 'must be an id returned by this stream' }],
    });
  }
  return id;
}

export function encodeData(data: unknown): string {
  const json = data === undefined ? undefined : JSON.stringify(data);
  if (json === undefined) {
    throw new KernelError('validation_failed', 'A stream event must be a JSON value.', {
      errors: [{ path: 'data', message: 'must be JSON-serialisable' }],
    });
  }
  return json;
}

export function terminatedError(key: string): KernelError {
  return new KernelError('conflict', `Stream ${key} has ended: its terminal event was already appended.`);
}
