import { expect } from 'vitest';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { Platform } from '@cinatra/host';

/** Small HTTP helpers over `server.inject` so the API tests read like what a client does. */

export type Response = LightMyRequestResponse;
export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
type Headers = Record<string, string>;

export const PASSWORD = 'correct horse battery staple';

export interface UserJson {
  id: string;
  email: string;
  displayName: string;
  kind: string;
  platformRole: string;
  disabled: boolean;
  createdAt: string;
}

export interface ProblemJson {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance?: string;
  errors?: Array<{ path: string; message: string }>;
}

export interface AuditEventJson {
  seq: number;
  id: string;
  actorId: string | null;
  actorType: string;
  authSource: string;
  organizationId: string | null;
  resourceType: string;
  resourceId: string | null;
  operation: string;
  decision: 'allow' | 'deny' | null;
  reason: string | null;
  requestId: string | null;
  metadata: Record<string, unknown>;
}

export interface ApiClient {
  /** A string body is sent as-is (set the content-type yourself); anything else is sent as JSON. */
  request(method: Method, url: string, body?: unknown, headers?: Headers): Promise<Response>;
  get(url: string, headers?: Headers): Promise<Response>;
  post(url: string, body?: unknown, headers?: Headers): Promise<Response>;
  put(url: string, body?: unknown, headers?: Headers): Promise<Response>;
  patch(url: string, body?: unknown, headers?: Headers): Promise<Response>;
  delete(url: string, headers?: Headers): Promise<Response>;
}

export interface SessionClient extends ApiClient {
  readonly user: UserJson;
  /** `cinatra_session=<token>`, ready for a Cookie header. */
  readonly cookie: string;
  readonly csrfToken: string;
}

function client(server: FastifyInstance, baseHeaders: Headers): ApiClient {
  const request = (method: Method, url: string, body?: unknown, headers: Headers = {}) =>
    server.inject({
      method,
      url,
      headers: { ...baseHeaders, ...headers },
      ...(body === undefined ? {} : { payload: typeof body === 'string' ? body : (body as object) }),
    });
  return {
    request,
    get: (url, headers) => request('GET', url, undefined, headers),
    post: (url, body, headers) => request('POST', url, body, headers),
    put: (url, body, headers) => request('PUT', url, body, headers),
    patch: (url, body, headers) => request('PATCH', url, body, headers),
    delete: (url, headers) => request('DELETE', url, undefined, headers),
  };
}

/** No credentials at all. */
export function anonymous(server: FastifyInstance): ApiClient {
  return client(server, {});
}

/** Authenticates every request with `Authorization: Bearer <token>`. */
export function withToken(server: FastifyInstance, token: string): ApiClient {
  return client(server, { authorization: `Bearer ${token}` });
}

/** Signs in with a password; requests carry the session cookie and the CSRF header. */
export async function signIn(
  server: FastifyInstance,
  email: string,
  password = PASSWORD,
): Promise<SessionClient> {
  const res = await server.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password } });
  expect(res.statusCode, `login as ${email}: ${res.body}`).toBe(200);
  const cookie = sessionCookie(res);
  const { user, csrfToken } = res.json<{ user: UserJson; csrfToken: string }>();
  return { ...client(server, { cookie, 'x-csrf-token': csrfToken }), user, cookie, csrfToken };
}

/** `cinatra_session=<token>` from a login response's Set-Cookie header. */
export function sessionCookie(res: Response): string {
  const setCookie = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
  const session = setCookie.find((c) => c.startsWith('cinatra_session='));
  expect(session, 'a cinatra_session cookie').toBeDefined();
  return session!.split(';')[0]!;
}

/** Creates the first platform admin with the platform's setup token and signs in. */
export async function setUpAdmin(
  platform: Platform,
  admin: { email: string; displayName: string; password: string } = {
    email: 'admin@example.com',
    displayName: 'Admin',
    password: PASSWORD,
  },
): Promise<SessionClient> {
  const res = await platform.server.inject({
    method: 'POST',
    url: '/api/auth/setup',
    payload: { setupToken: platform.setupToken, ...admin },
  });
  expect(res.statusCode, `setup: ${res.body}`).toBe(201);
  return signIn(platform.server, admin.email, admin.password);
}

/** Creates a human user with the standard test password (as a platform admin). */
export async function createUser(admin: ApiClient, email: string, displayName: string): Promise<UserJson> {
  const res = await admin.post('/api/users', { email, displayName, password: PASSWORD });
  expect(res.statusCode, `create user ${email}: ${res.body}`).toBe(201);
  return res.json<UserJson>();
}

/** Creates an API token and returns its secret and id. */
export async function createToken(
  as: ApiClient,
  input: { name: string; scopes: string[]; expiresAt?: string; userId?: string },
): Promise<{ token: string; id: string }> {
  const res = await as.post('/api/tokens', input);
  expect(res.statusCode, `create token: ${res.body}`).toBe(201);
  const body = res.json<{ token: string; apiToken: { id: string } }>();
  return { token: body.token, id: body.apiToken.id };
}

/**
 * Asserts an RFC 9457 problem response: status, content type, the standard fields and
 * the stable `code`. Returns the parsed problem.
 */
export function expectProblem(res: Response, status: number, code: string): ProblemJson {
  const context = `${res.statusCode} ${res.body}`;
  expect(res.statusCode, context).toBe(status);
  expect(res.headers['content-type'], context).toMatch(/^application\/problem\+json\b/);
  const problem = res.json<ProblemJson>();
  expect(problem, context).toMatchObject({
    type: expect.stringMatching(/^https:\/\//),
    title: expect.any(String),
    status,
    detail: expect.any(String),
    code,
  });
  expect(problem.detail.length, context).toBeGreaterThan(0);
  return problem;
}

/** Audit events matching the filters, newest first (as a platform admin). */
export async function auditEvents(
  auditor: ApiClient,
  filters: Partial<Record<'actorId' | 'operation' | 'decision' | 'resourceType' | 'resourceId', string>>,
): Promise<AuditEventJson[]> {
  const query = new URLSearchParams({ ...filters, limit: '500' });
  const res = await auditor.get(`/api/audit/events?${query}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ events: AuditEventJson[] }>().events;
}

/**
 * Asserts that the request behind `res` left an audit event with the expected fields;
 * events are matched to the request through its `x-request-id`.
 */
export async function expectAudited(
  auditor: ApiClient,
  res: Response,
  expected: Partial<Omit<AuditEventJson, 'operation'>> & { operation: string },
): Promise<AuditEventJson> {
  const requestId = res.headers['x-request-id'];
  expect(requestId, 'the response carries x-request-id').toEqual(expect.any(String));
  const filters: Record<string, string> = { operation: expected.operation };
  if (expected.decision) filters.decision = expected.decision;
  if (expected.actorId) filters.actorId = expected.actorId;
  const events = (await auditEvents(auditor, filters)).filter((e) => e.requestId === requestId);
  const match = events.find((e) =>
    Object.entries(expected).every(([key, value]) => e[key as keyof AuditEventJson] === value),
  );
  expect(
    match,
    `audit event ${JSON.stringify(expected)} for request ${String(requestId)}; found ${JSON.stringify(events)}`,
  ).toBeDefined();
  return match!;
}
