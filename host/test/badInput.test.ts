import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runAsActor } from '@cinatra/kernel';
import { createTestDatabase, testConfig } from '@cinatra/kernel/testing';
import { generateSigningKey, packExtension, signExtension } from '@cinatra/sdk';
import { createPlatform, EXTENSION_MANAGER } from '@cinatra/host';
import {
  PASSWORD,
  anonymous,
  auditEvents,
  createToken,
  createUser,
  expectProblem,
  setUpAdmin,
  signIn,
  withToken,
  type Method,
  type SessionClient,
} from './support/apiClient.js';
import { adminActorOf, writeHelloExtension } from './support/extensionSetup.js';

/**
 * Bad input against every route of the OpenAPI document: a route added later is swept
 * by these tests automatically (and fails loudly if it needs an example body below).
 */

interface JsonSchema {
  type?: string;
  format?: string;
  const?: string;
  enum?: string[];
  anyOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
}

interface Operation {
  summary?: string;
  parameters?: Array<{ name: string; in: string; schema?: JsonSchema }>;
  requestBody?: { content: Record<string, { schema: JsonSchema }> };
}

interface Route {
  method: Method;
  /** OpenAPI path, e.g. `/api/users/{userId}`. */
  path: string;
  label: string;
  pathParams: string[];
  /** Path parameters that name a record by UUID (others are e.g. enums such as `granteeType`). */
  idParams: string[];
  /** A valid value for each enum path parameter. */
  enumValues: Record<string, string>;
  body?: JsonSchema;
}

const BODY_LIMIT = 2048;
const LOGIN_MAX_FAILURES = 3;

const db = await createTestDatabase();
const platform = await createPlatform(
  testConfig({
    databaseUrl: db.url,
    server: { bodyLimitBytes: BODY_LIMIT },
    auth: { loginMaxFailures: LOGIN_MAX_FAILURES },
  }),
);
const openapi = (await platform.server.inject({ method: 'GET', url: '/api/openapi.json' })).json<{
  paths: Record<string, Record<string, Operation>>;
}>();
const routes: Route[] = Object.entries(openapi.paths).flatMap(([path, operations]) =>
  Object.entries(operations).map(([method, op]) => {
    const params = (op.parameters ?? []).filter((p) => p.in === 'path');
    const enumOf = (schema?: JsonSchema): string | undefined =>
      schema && (schema.const ?? schema.enum?.[0] ?? enumOf(schema.anyOf?.[0]));
    return {
      method: method.toUpperCase() as Method,
      path,
      label: `${method.toUpperCase()} ${path}`,
      pathParams: params.map((p) => p.name),
      idParams: params.filter((p) => p.schema?.format === 'uuid').map((p) => p.name),
      enumValues: Object.fromEntries(
        params.flatMap((p) => (enumOf(p.schema) ? [[p.name, enumOf(p.schema)!]] : [])),
      ),
      body: op.requestBody?.content['application/json']?.schema,
    };
  }),
);
const withParams = routes.filter((r) => r.pathParams.length > 0);
const withBody = routes.filter((r) => r.body);

/** Reachable without credentials; every other route must refuse anonymous callers. */
const PUBLIC_ROUTES = new Set([
  'GET /healthz',
  'GET /readyz',
  'GET /api/auth/setup',
  'POST /api/auth/setup',
  'POST /api/auth/login',
]);
const UNSAFE = new Set<Method>(['POST', 'PUT', 'PATCH', 'DELETE']);

/** A body each route accepts (given ids that exist); every route with a body needs one. */
const VALID_BODIES: Record<string, () => Record<string, unknown>> = {
  'POST /api/auth/setup': () => ({
    setupToken: 'setup_wrong',
    email: 'setup@example.com',
    displayName: 'Setup',
    password: PASSWORD,
  }),
  'POST /api/auth/login': () => ({ email: 'nobody@example.com', password: PASSWORD }),
  'POST /api/users': () => ({
    email: `new-${randomUUID()}@example.com`,
    displayName: 'New user',
    password: PASSWORD,
  }),
  'PATCH /api/users/{userId}': () => ({ displayName: 'Renamed' }),
  'POST /api/organizations': () => ({ slug: `org-${randomUUID().slice(0, 8)}`, name: 'New org' }),
  'PATCH /api/organizations/{organizationId}': () => ({ name: 'Renamed org' }),
  'POST /api/organizations/{organizationId}/members': () => ({
    email: 'candidate@example.com',
    role: 'member',
  }),
  'PUT /api/organizations/{organizationId}/members/{userId}': () => ({ role: 'member' }),
  'POST /api/organizations/{organizationId}/teams': () => ({
    slug: `team-${randomUUID().slice(0, 8)}`,
    name: 'New team',
  }),
  'PATCH /api/teams/{teamId}': () => ({ name: 'Renamed team' }),
  'PUT /api/teams/{teamId}/members/{userId}': () => ({ role: 'member' }),
  'POST /api/tokens': () => ({ name: 'new token', scopes: ['*'] }),
  'POST /api/secrets': () => ({
    name: `secret-${randomUUID().slice(0, 8)}`,
    owner: { tier: 'workspace' },
    value: 's3cret-value',
  }),
  'PUT /api/secrets/{secretId}/value': () => ({ value: 'next-value' }),
  'POST /api/secrets/{secretId}/grants': () => ({ granteeType: 'user', granteeId: realIds.userId! }),
  'POST /api/notifications/read': () => ({ all: true }),
  'PUT /api/extensions/{extensionId}/grants': () => ({ permissions: [] }),
  'PUT /api/extensions/{extensionId}/settings': () => ({ values: {} }),
  'PUT /api/extensions/{extensionId}/connectors/{connectorId}/setup': () => ({ values: {} }),
  'POST /api/extensions/install': () => ({ name: '@acme/none', approvePermissions: [] }),
  'POST /api/extensions/{extensionId}/update': () => ({ range: 'latest' }),
  'POST /api/extensions/install/github': () => ({ url: 'https://github.com/acme/none', tag: 'v1.0.0' }),
  'POST /api/extensions/{extensionId}/uninstall': () => ({ data: 'keep' }),
  'POST /api/extension-operations/{operationId}/approve': () => ({ permissions: [] }),
  'POST /api/trust/keys': () => ({
    publicKeyPem: generateSigningKey().publicKeyPem,
    publisher: 'acme',
    tier: 'community',
  }),
  'POST /api/trust/key-revocations': () => ({ keyId: `sha256:${'0'.repeat(64)}`, reason: 'leaked' }),
  'POST /api/trust/version-revocations': () => ({ name: '@acme/tool', version: '1.0.0', reason: 'broken' }),
  'POST /api/registry/promotions': () => ({ name: '@acme/tool', version: '1.0.0' }),
  'POST /api/registry/demotions': () => ({ name: '@acme/tool', version: '1.0.0' }),
  'PUT /api/registry/destinations/public': () => ({ url: 'https://npm.example.com/', tokenSecretId: null }),
  'POST /api/primitives/call': () => ({ name: 'marketplace.destination.get', input: {} }),
  'PATCH /api/llm/settings': () => ({ maxAttempts: 3 }),
  'PUT /api/llm/prices': () => ({ provider: 'openai', model: 'gpt-test', inputPerMTok: 1, outputPerMTok: 2 }),
  'PUT /api/llm/budgets/{organizationId}/{period}': () => ({ limitUsd: 10 }),
  'POST /api/llm/generate': () => ({ messages: [{ role: 'user', content: 'hello' }] }),
};

function validBody(route: Route): Record<string, unknown> | undefined {
  if (!route.body) return undefined;
  const make = VALID_BODIES[route.label];
  if (!make) throw new Error(`Add an example body for ${route.label} to VALID_BODIES.`);
  return make();
}

function fillPath(route: Route, ids: Record<string, string>): string {
  return route.path.replace(
    /\{(\w+)\}/g,
    (_, name: string) => ids[name] ?? route.enumValues[name] ?? randomUUID(),
  );
}

/** Every path parameter filled with a fresh, valid, unknown UUID. */
const unknownIds = (route: Route) => fillPath(route, {});

const TABLES = [
  'users',
  'organizations',
  'organization_members',
  'teams',
  'team_members',
  'api_tokens',
  'secrets',
  'secret_grants',
  'notifications',
  'trust_keys',
  'trust_revoked_versions',
] as const;
async function rowCounts(): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of TABLES) {
    const [row] = await platform.kernel.db.knex(table).count<Array<{ count: number }>>('* as count');
    counts[table] = Number(row!.count);
  }
  return counts;
}

/** A value of the wrong JSON type for a schema: a number for strings, a string otherwise. */
function wrongValue(schema: JsonSchema): unknown {
  const types = new Set([schema.type, ...(schema.anyOf ?? []).map((s) => s.type)]);
  if (types.has('string')) return 12345;
  if (types.has('boolean')) return 'true';
  if (types.has('integer') || types.has('number')) return '7';
  return 'not-the-right-type';
}

let admin: SessionClient;
let realIds: Record<string, string>;
let work: string | undefined;

/** An installed extension (signed by a key trusted for its publisher), for routes under an extension. */
async function installExtension(): Promise<string> {
  work = await mkdtemp(join(tmpdir(), 'cinatra-bad-input-'));
  const key = generateSigningKey();
  const trusted = await admin.post('/api/trust/keys', {
    publicKeyPem: key.publicKeyPem,
    publisher: 'acme',
    tier: 'private',
  });
  expect(trusted.statusCode, trusted.body).toBe(201);
  const { tarball } = await packExtension(await writeHelloExtension(work, { name: '@acme/bad-input' }));
  const bundle = await signExtension({ tarball, privateKeyPem: key.privateKeyPem });
  const installed = await runAsActor(adminActorOf(admin), () =>
    platform.kernel.resolve(EXTENSION_MANAGER).install(tarball, bundle),
  );
  return installed.id;
}

beforeAll(async () => {
  admin = await setUpAdmin(platform);
  const member = await createUser(admin, 'member@example.com', 'Member');
  // Not a member of anything: the example body adds them by email.
  await createUser(admin, 'candidate@example.com', 'Candidate');
  const org = (await admin.post('/api/organizations', { slug: 'acme', name: 'Acme' })).json<{ id: string }>();
  const team = (await admin.post(`/api/organizations/${org.id}/teams`, { slug: 'red', name: 'Red' })).json<{
    id: string;
  }>();
  expect(
    (await admin.put(`/api/organizations/${org.id}/members/${member.id}`, { role: 'member' })).statusCode,
  ).toBe(200);
  expect((await admin.put(`/api/teams/${team.id}/members/${member.id}`, { role: 'member' })).statusCode).toBe(
    200,
  );
  const token = await createToken(admin, { name: 'fixture', scopes: ['*'] });
  const secret = (
    await admin.post('/api/secrets', {
      name: 'fixture',
      owner: { tier: 'workspace' },
      value: 'fixture-value',
    })
  ).json<{ id: string }>();
  realIds = { organizationId: org.id, teamId: team.id, userId: member.id, tokenId: token.id };
  realIds.secretId = secret.id;
  realIds.granteeId = member.id;
  realIds.extensionId = await installExtension();
  expect(
    (await admin.post(`/api/secrets/${secret.id}/grants`, { granteeType: 'user', granteeId: member.id }))
      .statusCode,
  ).toBe(201);
});

afterAll(async () => {
  await platform?.stop();
  await db?.drop();
  if (work) await rm(work, { recursive: true, force: true });
});

test('the OpenAPI document lists the routes this sweep relies on', () => {
  expect(withParams.length).toBeGreaterThanOrEqual(10);
  expect(withBody.length).toBeGreaterThanOrEqual(Object.keys(VALID_BODIES).length);
  for (const route of withBody)
    expect(VALID_BODIES, `example body for ${route.label}`).toHaveProperty([route.label]);
});

describe('unknown ids', () => {
  test.each(withParams.map((r) => [r.label, r] as const))(
    '%s with unknown ids → 404 not_found',
    async (_label, route) => {
      const res = await admin.request(route.method, unknownIds(route), validBody(route));
      expectProblem(res, 404, 'not_found');
    },
  );

  test.each(
    withParams
      .filter((r) => r.pathParams.length > 1)
      .flatMap((r) => r.idParams.map((p) => [r.label, p, r] as const)),
  )('%s with only {%s} unknown → 404 not_found', async (_label, param, route) => {
    for (const name of route.idParams) expect(realIds, `a real id for {${name}}`).toHaveProperty([name]);
    const res = await admin.request(
      route.method,
      fillPath(route, { ...realIds, [param]: randomUUID() }),
      validBody(route),
    );
    expectProblem(res, 404, 'not_found');
  });

  test('an unknown route is a 404 problem too', async () => {
    expectProblem(await admin.get('/api/nothing-here'), 404, 'not_found');
  });
});

describe('malformed ids', () => {
  test.each(withParams.flatMap((r) => r.pathParams.map((p) => [r.label, p, r] as const)))(
    '%s with a malformed {%s} → 400 naming the parameter',
    async (_label, param, route) => {
      // Other parameters (enums; names such as an agent's vendor and slug) refuse what their
      // enum or pattern does not allow.
      const malformed = route.idParams.includes(param)
        ? ['not-a-uuid', '12345', '00000000-0000-0000-0000-00000000000g']
        : ['Not_Valid'];
      for (const bad of malformed) {
        const res = await admin.request(route.method, fillPath(route, { [param]: bad }), validBody(route));
        const problem = expectProblem(res, 400, 'validation_failed');
        expect(problem.errors?.map((e) => e.path)).toContain(`/params/${param}`);
      }
    },
  );

  test('query parameters are validated as well', async () => {
    let problem = expectProblem(await admin.get('/api/tokens?userId=not-a-uuid'), 400, 'validation_failed');
    expect(problem.errors?.map((e) => e.path)).toContain('/querystring/userId');
    problem = expectProblem(await admin.get('/api/audit/events?decision=maybe'), 400, 'validation_failed');
    expect(problem.errors?.[0]?.path).toMatch(/^\/querystring\/decision/);
    problem = expectProblem(await admin.get('/api/audit/events?limit=0'), 400, 'validation_failed');
    expect(problem.errors?.map((e) => e.path)).toContain('/querystring/limit');
    problem = expectProblem(await admin.get('/api/tokens?surprise=1'), 400, 'validation_failed');
    expect(problem.errors?.map((e) => e.path)).toContain('/querystring/surprise');
  });
});

describe('request bodies', () => {
  let before: Record<string, number>;
  beforeAll(async () => {
    before = await rowCounts();
  });

  // Real ids, so that only the body stands between the request and a change.
  const url = (route: Route) => fillPath(route, realIds);

  test.each(withBody.flatMap((r) => (r.body!.required ?? []).map((field) => [r.label, field, r] as const)))(
    '%s without required %s → 400 naming it',
    async (_label, field, route) => {
      const body = validBody(route)!;
      delete body[field];
      const problem = expectProblem(
        await admin.request(route.method, url(route), body),
        400,
        'validation_failed',
      );
      expect(problem.errors?.map((e) => e.path)).toContain(`/body/${field}`);
    },
  );

  test.each(
    withBody.flatMap((r) =>
      Object.entries(r.body!.properties ?? {}).map(([field, schema]) => [r.label, field, r, schema] as const),
    ),
  )('%s with %s of the wrong type → 400, not coerced', async (_label, field, route, schema) => {
    const body = { ...validBody(route), [field]: wrongValue(schema) };
    const problem = expectProblem(
      await admin.request(route.method, url(route), body),
      400,
      'validation_failed',
    );
    expect(problem.errors?.map((e) => e.path)).toContain(`/body/${field}`);
  });

  test.each(withBody.map((r) => [r.label, r] as const))(
    '%s with an unknown field → 400 naming it',
    async (_label, route) => {
      const body = { ...validBody(route), unexpectedField: 'x' };
      const problem = expectProblem(
        await admin.request(route.method, url(route), body),
        400,
        'validation_failed',
      );
      expect(problem.errors?.map((e) => e.path)).toContain('/body/unexpectedField');
    },
  );

  test.each(withBody.map((r) => [r.label, r] as const))(
    '%s with a body that is not an object → 400',
    async (_label, route) => {
      for (const payload of ['[]', 'null', '"text"', '42']) {
        const res = await admin.request(route.method, url(route), payload, {
          'content-type': 'application/json',
        });
        expectProblem(res, 400, 'validation_failed');
      }
      expectProblem(await admin.request(route.method, url(route)), 400, 'validation_failed');
    },
  );

  test.each(withBody.map((r) => [r.label, r] as const))(
    '%s with invalid JSON → 400',
    async (_label, route) => {
      for (const payload of ['{"name": ', "{'name': 'x'}", '{"a":1}}']) {
        const res = await admin.request(route.method, url(route), payload, {
          'content-type': 'application/json',
        });
        const problem = expectProblem(res, 400, 'validation_failed');
        expect(problem.errors?.map((e) => e.path)).toEqual(['/body']);
      }
    },
  );

  test.each(withBody.map((r) => [r.label, r] as const))(
    '%s with a body over the limit → 413',
    async (_label, route) => {
      const body = JSON.stringify({ ...validBody(route), padding: 'x'.repeat(BODY_LIMIT) });
      const res = await admin.request(route.method, url(route), body, { 'content-type': 'application/json' });
      expectProblem(res, 413, 'payload_too_large');
    },
  );

  test.each(withBody.map((r) => [r.label, r] as const))(
    '%s with a non-JSON content type → 415',
    async (_label, route) => {
      const json = JSON.stringify(validBody(route));
      for (const contentType of [
        'text/plain',
        'text/plain; charset=utf-8',
        'application/x-www-form-urlencoded',
        'application/xml',
      ]) {
        const res = await admin.request(route.method, url(route), json, { 'content-type': contentType });
        expectProblem(res, 415, 'unsupported_media_type');
      }
    },
  );

  test('no rejected request wrote anything', async () => {
    expect(await rowCounts()).toEqual(before);
  });
});

describe('nothing is half-written', () => {
  test('an organization with an unknown owner is not created', async () => {
    const before = await rowCounts();
    const created = await auditEvents(admin, { operation: 'organization.created' });
    const res = await admin.post('/api/organizations', {
      slug: 'orphan',
      name: 'Orphan',
      ownerId: randomUUID(),
    });
    expectProblem(res, 404, 'not_found');
    expect(await rowCounts()).toEqual(before);
    expect(await platform.kernel.db.knex('organizations').where('slug', 'orphan').first()).toBeUndefined();
    expect(await auditEvents(admin, { operation: 'organization.created' })).toEqual(created);
    // The slug is still free.
    expect((await admin.post('/api/organizations', { slug: 'orphan', name: 'Orphan' })).statusCode).toBe(201);
  });

  test('a user with a taken email is refused with 409 and nothing is written', async () => {
    const before = await rowCounts();
    for (const email of ['member@example.com', 'MEMBER@Example.com']) {
      const res = await admin.post('/api/users', { email, displayName: 'Twin', password: PASSWORD });
      expectProblem(res, 409, 'conflict');
    }
    expect(await rowCounts()).toEqual(before);
  });

  test('a taken organization or team slug is refused with 409 and nothing is written', async () => {
    const before = await rowCounts();
    expectProblem(
      await admin.post('/api/organizations', { slug: 'acme', name: 'Acme again' }),
      409,
      'conflict',
    );
    expectProblem(
      await admin.post(`/api/organizations/${realIds.organizationId}/teams`, {
        slug: 'red',
        name: 'Red again',
      }),
      409,
      'conflict',
    );
    expect(await rowCounts()).toEqual(before);
  });

  test('a team member who is not in the organization is refused with 409 and nothing is written', async () => {
    const outsider = await createUser(admin, 'outsider@example.com', 'Outsider');
    const before = await rowCounts();
    const res = await admin.put(`/api/teams/${realIds.teamId}/members/${outsider.id}`, { role: 'member' });
    expectProblem(res, 409, 'conflict');
    expect(await rowCounts()).toEqual(before);
    const members = await admin.get(`/api/teams/${realIds.teamId}/members`);
    expect(members.json<Array<{ userId: string }>>().map((m) => m.userId)).not.toContain(outsider.id);
  });

  test('the last org owner cannot be demoted and stays owner', async () => {
    const org = (await admin.post('/api/organizations', { slug: 'solo', name: 'Solo' })).json<{
      id: string;
    }>();
    const res = await admin.put(`/api/organizations/${org.id}/members/${admin.user.id}`, { role: 'member' });
    expectProblem(res, 409, 'conflict');
    const members = await admin.get(`/api/organizations/${org.id}/members`);
    expect(members.json<Array<{ userId: string; role: string }>>()).toEqual([
      expect.objectContaining({ userId: admin.user.id, role: 'org_owner' }),
    ]);
  });

  test('the audit chain still verifies after all of it', async () => {
    const res = await admin.post('/api/audit/verify');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ ok: true });
  });
});

describe('authentication', () => {
  const anon = () => anonymous(platform.server);

  test('every public route exists in the document, and the rest are protected', () => {
    const protectedCount = routes.filter((r) => !PUBLIC_ROUTES.has(r.label)).length;
    expect(protectedCount).toBeGreaterThan(0);
    for (const label of PUBLIC_ROUTES) expect(routes.map((r) => r.label)).toContain(label);
  });

  test.each(routes.filter((r) => !PUBLIC_ROUTES.has(r.label)).map((r) => [r.label, r] as const))(
    '%s without credentials → 401 unauthenticated',
    async (_label, route) => {
      const before = await rowCounts();
      expectProblem(
        await anon().request(route.method, unknownIds(route), validBody(route)),
        401,
        'unauthenticated',
      );
      expect(await rowCounts()).toEqual(before);
    },
  );

  test('credentials are checked before the body, so an anonymous caller learns nothing about its shape', async () => {
    const res = await anon().request('POST', '/api/organizations', { slug: 42, unexpected: true });
    expectProblem(res, 401, 'unauthenticated');
  });

  test.each([...PUBLIC_ROUTES].map((label) => [label, routes.find((r) => r.label === label)!] as const))(
    '%s is reachable without credentials',
    async (_label, route) => {
      const res = await anon().request(route.method, route.path, validBody(route));
      expect(res.statusCode).toBeLessThan(500);
      if (res.statusCode >= 400) expect(res.json<{ code: string }>().code).not.toBe('unauthenticated');
    },
  );

  test('a malformed Authorization header or a stale session cookie is refused', async () => {
    for (const authorization of ['Basic YWRtaW46YWRtaW4=', 'Bearer', 'Bearer a b', 'Token cin_x']) {
      expectProblem(await anon().get('/api/organizations', { authorization }), 401, 'unauthenticated');
    }
    const res = await anon().get('/api/organizations', { cookie: 'cinatra_session=forged' });
    expectProblem(res, 401, 'unauthenticated');
  });

  test.each(
    routes
      .filter((r) => UNSAFE.has(r.method) && !PUBLIC_ROUTES.has(r.label))
      .map((r) => [r.label, r] as const),
  )('%s with the session cookie but no CSRF token → 403 csrf_failed', async (_label, route) => {
    const before = await rowCounts();
    const headers = { cookie: admin.cookie };
    expectProblem(
      await anon().request(route.method, unknownIds(route), validBody(route), headers),
      403,
      'csrf_failed',
    );
    const wrong = { ...headers, 'x-csrf-token': `${admin.csrfToken.slice(0, -1)}x` };
    expectProblem(
      await anon().request(route.method, unknownIds(route), validBody(route), wrong),
      403,
      'csrf_failed',
    );
    expect(await rowCounts()).toEqual(before);
  });

  test('API tokens need no CSRF token', async () => {
    const { token } = await createToken(admin, { name: 'csrf-free', scopes: ['*'] });
    const res = await withToken(platform.server, token).post('/api/audit/verify');
    expect(res.statusCode, res.body).toBe(200);
  });
});

describe('login rate limiting', () => {
  test(`after ${LOGIN_MAX_FAILURES} failures the account is locked out with 429 and Retry-After`, async () => {
    await createUser(admin, 'limited@example.com', 'Limited');
    const login = (password: string) =>
      anonymous(platform.server).post('/api/auth/login', { email: 'limited@example.com', password });

    for (let i = 0; i < LOGIN_MAX_FAILURES; i++) {
      expectProblem(await login('wrong password!'), 401, 'invalid_credentials');
    }
    for (const password of ['wrong password!', PASSWORD]) {
      const res = await login(password);
      expectProblem(res, 429, 'rate_limited');
      const retryAfter = Number(res.headers['retry-after']);
      expect(Number.isInteger(retryAfter)).toBe(true);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(900);
    }
    const denied = await auditEvents(admin, { operation: 'auth.login', decision: 'deny' });
    expect(denied.filter((e) => e.metadata.email === 'limited@example.com').map((e) => e.reason)).toEqual([
      'rate limited',
      'rate limited',
      'wrong password',
      'wrong password',
      'wrong password',
    ]);

    // The lock-out is per account: others still sign in.
    await signIn(platform.server, 'member@example.com');
  });
});
