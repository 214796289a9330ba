import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestDatabase, testConfig, type TestDatabase } from '@cinatra/kernel/testing';
import { createPlatform, type Platform } from '@cinatra/host';
import { PASSWORD, setUpAdmin } from './support/apiClient.js';

interface Schema {
  $ref?: string;
  required?: string[];
  properties?: Record<string, unknown>;
}
interface MediaType {
  schema?: Schema;
}
interface ResponseObject {
  description?: string;
  content?: Record<string, MediaType>;
}
interface Operation {
  summary?: string;
  responses?: Record<string, ResponseObject>;
}
interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema>; securitySchemes: Record<string, unknown> };
}

/** `scripts/apiTypes.js` (plain JS, shared with `npm run api:types`): the admin UI's API types. */
interface ApiTypesModule {
  API_TYPES_PATH: string;
  renderApiTypes(document: unknown): Promise<string>;
}
const API_TYPES_MODULE = new URL('../../scripts/apiTypes.js', import.meta.url).href;

let db: TestDatabase;
let platform: Platform;
let doc: OpenApiDocument;

beforeAll(async () => {
  db = await createTestDatabase();
  platform = await createPlatform(testConfig({ databaseUrl: db.url }));
  const res = await platform.server.inject({ method: 'GET', url: '/api/openapi.json' });
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  doc = res.json<OpenApiDocument>();
});

afterAll(async () => {
  await platform?.stop();
  await db?.drop();
});

function apiOperations(): Array<[string, Operation]> {
  return Object.entries(doc.paths)
    .filter(([path]) => path.startsWith('/api/') && path !== '/api/openapi.json')
    .flatMap(([path, ops]) =>
      Object.entries(ops).map(
        ([method, op]) => [`${method.toUpperCase()} ${path}`, op] as [string, Operation],
      ),
    );
}

describe('the OpenAPI document', () => {
  test('is OpenAPI 3.1, served without signing in, and describes the API', () => {
    expect(doc.openapi).toMatch(/^3\.1\./);
    expect(doc.info.title).toBeTruthy();
    expect(doc.components.securitySchemes).toHaveProperty('bearerToken');
    expect(doc.components.securitySchemes).toHaveProperty('sessionCookie');
    const labels = apiOperations().map(([label]) => label);
    for (const expected of [
      'POST /api/auth/login',
      'GET /api/users',
      'POST /api/organizations',
      'PUT /api/teams/{teamId}/members/{userId}',
      'POST /api/tokens',
      'GET /api/audit/events',
      'GET /api/instance',
      'GET /api/extensions/{extensionId}/logs',
      'GET /api/agents',
      'GET /api/agents/{vendor}/{slug}',
    ]) {
      expect(labels).toContain(expected);
    }
    expect(doc.paths).not.toHaveProperty(['/api/openapi.json']);
  });

  test('every operation has a summary, a documented success response and a problem response', () => {
    const operations = apiOperations();
    expect(operations.length).toBeGreaterThan(20);
    for (const [label, op] of operations) {
      expect(op.summary?.trim(), `${label} summary`).toBeTruthy();
      const responses = op.responses ?? {};
      const success = Object.keys(responses).filter((code) => /^2\d\d$/.test(code));
      expect(success, `${label} has exactly one success code`).toHaveLength(1);
      const code = success[0]!;
      if (code === '204') {
        expect(responses[code]!.content, `${label} 204 has no body`).toBeUndefined();
      } else {
        const media = Object.values(responses[code]!.content ?? {});
        expect(media.length, `${label} ${code} content`).toBeGreaterThan(0);
        for (const m of media) expect(m.schema, `${label} ${code} schema`).toBeDefined();
      }

      const problem = responses['4XX'] ?? responses['4xx'];
      expect(problem, `${label} 4xx response`).toBeDefined();
      expect(
        problem!.content?.['application/problem+json']?.schema,
        `${label} 4xx is application/problem+json`,
      ).toEqual({
        $ref: '#/components/schemas/Problem',
      });
    }
  });

  test('shared schemas live in components and every reference resolves', () => {
    const schemas = doc.components.schemas;
    for (const name of [
      'Problem',
      'User',
      'Organization',
      'Team',
      'OrganizationMember',
      'TeamMember',
      'ApiToken',
      'AuditEvent',
      'Instance',
      'Extension',
      'ExtensionLogs',
      'AgentCatalog',
      'AgentSummary',
      'AgentDetail',
    ]) {
      expect(schemas, name).toHaveProperty([name]);
    }
    expect(schemas.Problem!.required).toEqual(
      expect.arrayContaining(['type', 'title', 'status', 'detail', 'code']),
    );
    expect(Object.keys(schemas.User!.properties ?? {})).not.toContain('passwordHash');

    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of new Set(refs)) {
      expect(ref, 'a local component reference').toMatch(/^#\/components\/schemas\//);
      expect(schemas, ref).toHaveProperty([ref.split('/').at(-1)!]);
    }
  });
});

describe("the admin UI's API types", () => {
  test('ui/src/api/schema.d.ts is generated from this document', async () => {
    const { API_TYPES_PATH, renderApiTypes } = (await import(API_TYPES_MODULE)) as ApiTypesModule;
    const committed = await readFile(API_TYPES_PATH, 'utf8');
    expect(
      committed,
      'ui/src/api/schema.d.ts is out of date with the routes: run `npm run api:types` and commit the result',
    ).toBe(await renderApiTypes(doc));
  });
});

describe('sign-in over a real socket', () => {
  test('login sets the session cookie, the session works with it, logout ends it', async () => {
    const admin = await setUpAdmin(platform);
    const { url } = await platform.start();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);

    const wrong = await fetch(`${url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: admin.user.email, password: 'not the password' }),
    });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await wrong.json()).toMatchObject({ code: 'invalid_credentials' });
    expect(wrong.headers.getSetCookie()).toEqual([]);

    const login = await fetch(`${url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: admin.user.email, password: PASSWORD }),
    });
    expect(login.status).toBe(200);
    const { csrfToken, user } = (await login.json()) as { csrfToken: string; user: { id: string } };
    expect(user.id).toBe(admin.user.id);
    const setCookie = login.headers.getSetCookie().find((c) => c.startsWith('cinatra_session='));
    expect(setCookie).toBeDefined();
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    expect(setCookie).toMatch(/Path=\//);
    const cookie = setCookie!.split(';')[0]!;

    const session = await fetch(`${url}/api/auth/session`, { headers: { cookie } });
    expect(session.status).toBe(200);
    expect(session.headers.get('x-request-id')).toBeTruthy();
    expect(await session.json()).toMatchObject({
      user: { id: admin.user.id },
      authSource: 'session',
      csrfToken,
      roles: ['platform_admin'],
    });

    const withoutCsrf = await fetch(`${url}/api/auth/logout`, { method: 'POST', headers: { cookie } });
    expect(withoutCsrf.status).toBe(403);
    expect(await withoutCsrf.json()).toMatchObject({ code: 'csrf_failed' });

    const logout = await fetch(`${url}/api/auth/logout`, {
      method: 'POST',
      headers: { cookie, 'x-csrf-token': csrfToken },
    });
    expect(logout.status).toBe(204);
    expect(logout.headers.getSetCookie().find((c) => c.startsWith('cinatra_session='))).toMatch(
      /cinatra_session=;|Expires=Thu, 01 Jan 1970/,
    );

    const after = await fetch(`${url}/api/auth/session`, { headers: { cookie } });
    expect(after.status).toBe(401);
    expect(after.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await after.json()).toMatchObject({ code: 'unauthenticated' });

    // The other session (the helper's) is untouched by this logout.
    const other = await fetch(`${url}/api/auth/session`, { headers: { cookie: admin.cookie } });
    expect(other.status).toBe(200);

    await platform.stop();
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });
});
