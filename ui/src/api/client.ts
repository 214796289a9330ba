import createClient, { type Middleware } from 'openapi-fetch';
import { ApiProblem } from './problem';
import type { components, paths } from './schema';

export type Schemas = components['schemas'];

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Answers that mean "not signed in" without the session having expired. */
const AUTH_PATHS = ['/api/auth/login', '/api/auth/setup', '/api/auth/session'];

let csrfToken: string | null = null;
let onSessionExpired: () => void = () => {};

/** The session's CSRF token, sent on every change (the session store keeps it current). */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Called once per 401 on a signed-in call: the session ended (expired, revoked, signed out elsewhere). */
export function setSessionExpiredHandler(handler: () => void): void {
  onSessionExpired = handler;
}

const session: Middleware = {
  onRequest({ request }) {
    if (csrfToken && UNSAFE.has(request.method)) request.headers.set('x-csrf-token', csrfToken);
    return request;
  },
  onResponse({ request, response }) {
    const path = new URL(request.url).pathname;
    if (response.status === 401 && !AUTH_PATHS.includes(path)) onSessionExpired();
    return response;
  },
};

/**
 * The typed platform API (types generated from its OpenAPI document). `fetch` is looked up
 * on every call so tests can replace it.
 */
export const api = createClient<paths>({
  baseUrl: globalThis.location?.origin ?? '',
  credentials: 'same-origin',
  fetch: (request) => globalThis.fetch(request),
});
api.use(session);

/** The answer's data, or an `ApiProblem` thrown with the server's words. */
export async function unwrap<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) throw ApiProblem.from(response.status, error);
  return data as T;
}
