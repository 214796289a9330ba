import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  KernelError,
  PRIMITIVE_REGISTRY,
  runAsActor,
  type ActorContext,
  type PrimitiveRegistry,
} from '@cinatra/kernel';
import { createTestDatabase, testConfig, type TestDatabase } from '@cinatra/kernel/testing';
import { generateSigningKey } from '@cinatra/sdk';
import { EMBEDDED_REGISTRY } from '@cinatra/registry';
import { createPlatform, type Platform } from '@cinatra/host';
import {
  auditEvents,
  createToken,
  createUser,
  expectProblem,
  setUpAdmin,
  signIn,
  type SessionClient,
} from './support/apiClient.js';
import { adminActorOf, publishToEmbeddedRegistry, writeHelloExtension } from './support/extensionSetup.js';

/**
 * The marketplace and lifecycle primitives on a running platform with its embedded registry:
 * called in-process through `PRIMITIVE_REGISTRY.call` and over `POST /api/primitives/call`,
 * listed per caller, refused and audited for members, bad input named by path.
 */

const MARKETPLACE_PRIMITIVES = [
  'extensions.approve',
  'extensions.archive',
  'extensions.get',
  'extensions.install',
  'extensions.list',
  'extensions.restore',
  'extensions.uninstall',
  'extensions.update',
  'marketplace.destination.get',
  'marketplace.destination.set',
  'marketplace.get',
  'marketplace.list',
  'marketplace.promote',
  'marketplace.search',
];

const work = await mkdtemp(join(tmpdir(), 'cinatra-primitives-'));
const key = generateSigningKey();

let db: TestDatabase;
let platform: Platform;
let primitives: PrimitiveRegistry;
let admin: SessionClient;
let member: SessionClient;
let adminActor: ActorContext;
let memberActor: ActorContext;

interface Operation {
  id: string;
  kind: string;
  extension: string;
  toVersion: string | null;
  status: string;
  requestedPermissions: string[];
}

/** Packs, signs and publishes `name@version` to the platform's embedded registry. */
async function publish(name: string, version: string, permissions: string[], token: string): Promise<void> {
  const dir = await writeHelloExtension(work, { name, version, permissions });
  await publishToEmbeddedRegistry(platform, dir, token, key);
}

/** `PRIMITIVE_REGISTRY.call` in-process, as `actor`. */
const call = <T>(actor: ActorContext, name: string, input: unknown) =>
  runAsActor(actor, () => primitives.call(name, input, { via: 'in-process' })) as Promise<T>;

beforeAll(async () => {
  db = await createTestDatabase();
  platform = await createPlatform(testConfig({ databaseUrl: db.url }));
  await platform.start();
  primitives = platform.kernel.resolve(PRIMITIVE_REGISTRY);
  admin = await setUpAdmin(platform);
  adminActor = adminActorOf(admin);
  const user = await createUser(admin, 'member@example.com', 'Member');
  member = await signIn(platform.server, 'member@example.com');
  memberActor = { ...adminActor, principalId: user.id, displayName: 'Member', platformRole: 'member' };
  const trusted = await admin.post('/api/trust/keys', {
    publicKeyPem: key.publicKeyPem,
    publisher: 'acme',
    tier: 'community',
  });
  expect(trusted.statusCode, trusted.body).toBe(201);
  const publisher = await createToken(admin, { name: 'publish', scopes: ['registry_package:write'] });
  await publish('@acme/prim-tool', '1.0.0', ['notifications.send'], publisher.token);
  await publish('@acme/prim-held', '1.0.0', ['notifications.send'], publisher.token);
}, 120_000);

afterAll(async () => {
  await platform?.stop();
  await db?.drop();
});

describe('listing', () => {
  test('a platform admin may call every marketplace and lifecycle primitive; a member none of them', () => {
    const names = (list: Array<{ name: string }>) => list.map((p) => p.name);
    expect(names(primitives.list())).toEqual(expect.arrayContaining(MARKETPLACE_PRIMITIVES));
    expect(names(primitives.listFor(adminActor))).toEqual(expect.arrayContaining(MARKETPLACE_PRIMITIVES));
    for (const name of MARKETPLACE_PRIMITIVES)
      expect(names(primitives.listFor(memberActor))).not.toContain(name);
  });

  test('GET /api/primitives lists what the caller may call, with schemas and classification', async () => {
    const res = await admin.get('/api/primitives');
    expect(res.statusCode, res.body).toBe(200);
    const list = res.json<{ primitives: Array<Record<string, unknown> & { name: string }> }>().primitives;
    const install = list.find((p) => p.name === 'extensions.install');
    expect(install).toMatchObject({
      title: 'Install an extension',
      classification: { resourceType: 'extension', action: 'install' },
      annotations: { destructiveHint: false, openWorldHint: true },
      inputSchema: { type: 'object', properties: { name: { type: 'string' }, github: { type: 'object' } } },
      outputSchema: { type: 'object', properties: { status: expect.any(Object) } },
    });
    const asMember = await member.get('/api/primitives');
    expect(asMember.statusCode, asMember.body).toBe(200);
    const memberNames = asMember
      .json<{ primitives: Array<{ name: string }> }>()
      .primitives.map((p) => p.name);
    for (const name of MARKETPLACE_PRIMITIVES) expect(memberNames).not.toContain(name);
  });
});

describe('as a platform admin, in-process', () => {
  test('marketplace.search and marketplace.get find the signed package with its details', async () => {
    const { packages } = await call<{ packages: Array<Record<string, unknown>> }>(
      adminActor,
      'marketplace.search',
      {
        query: 'prim-tool',
      },
    );
    expect(packages).toEqual([
      expect.objectContaining({
        name: '@acme/prim-tool',
        source: 'instance',
        visibility: 'private',
        latest: '1.0.0',
        versions: ['1.0.0'],
        publisher: 'acme',
        tier: 'community',
        signature: expect.objectContaining({ status: 'verified' }),
        permissions: ['notifications.send'],
      }),
    ]);
    const got = await call<{ packages: Array<{ name: string }> }>(adminActor, 'marketplace.get', {
      name: '@acme/prim-tool',
    });
    expect(got.packages.map((p) => p.name)).toEqual(['@acme/prim-tool']);
    const listed = await call<{ packages: Array<{ name: string }> }>(adminActor, 'marketplace.list', {});
    expect(listed.packages.map((p) => p.name)).toEqual(['@acme/prim-held', '@acme/prim-tool']);
    expect(await call(adminActor, 'marketplace.destination.get', {})).toEqual({ public: null });
  });

  test('extensions.install with approval installs it; archive, restore and uninstall follow', async () => {
    const installed = await call<Operation>(adminActor, 'extensions.install', {
      name: '@acme/prim-tool',
      range: '^1.0.0',
      approvePermissions: ['notifications.send'],
    });
    expect(installed).toMatchObject({ kind: 'install', toVersion: '1.0.0', status: 'succeeded' });
    expect(await call(adminActor, 'extensions.get', { name: '@acme/prim-tool' })).toMatchObject({
      version: '1.0.0',
      enabled: true,
      grantedPermissions: ['notifications.send'],
    });

    expect(await call(adminActor, 'extensions.archive', { name: '@acme/prim-tool' })).toMatchObject({
      kind: 'archive',
      status: 'succeeded',
    });
    expect(await call(adminActor, 'extensions.get', { name: '@acme/prim-tool' })).toMatchObject({
      state: 'archived',
      enabled: false,
    });
    expect(await call(adminActor, 'extensions.restore', { name: '@acme/prim-tool' })).toMatchObject({
      kind: 'restore',
      status: 'succeeded',
    });
    expect(await call(adminActor, 'extensions.get', { name: '@acme/prim-tool' })).toMatchObject({
      enabled: true,
    });

    expect(
      await call(adminActor, 'extensions.uninstall', { name: '@acme/prim-tool', deleteData: true }),
    ).toMatchObject({ kind: 'uninstall', status: 'succeeded' });
    expect(await call(adminActor, 'extensions.list', { name: '@acme/prim-tool' })).toEqual({
      extensions: [],
    });
    await expect(call(adminActor, 'extensions.get', { name: '@acme/prim-tool' })).rejects.toMatchObject({
      code: 'not_found',
    });

    // Each call's authorization decision names the primitive and the surface.
    const archived = await auditEvents(admin, { operation: 'extension.archive', decision: 'allow' });
    expect(archived.map((e) => e.metadata)).toContainEqual({
      primitive: 'extensions.archive',
      via: 'in-process',
      sessionId: null,
    });
  });

  test('without approval an install is held for consent; extensions.approve continues it', async () => {
    const held = await call<Operation>(adminActor, 'extensions.install', { name: '@acme/prim-held' });
    expect(held).toMatchObject({ status: 'pending_consent', requestedPermissions: ['notifications.send'] });
    const approved = await call<Operation>(adminActor, 'extensions.approve', {
      operationId: held.id,
      permissions: ['notifications.send'],
    });
    expect(approved).toMatchObject({ id: held.id, status: 'succeeded', toVersion: '1.0.0' });
  });
});

describe('publish destinations and promotion', () => {
  test('marketplace.destination.set sets and clears the public registry; promote needs one', async () => {
    await expect(
      call(adminActor, 'marketplace.promote', { name: '@acme/prim-tool', version: '1.0.0' }),
    ).rejects.toMatchObject({ code: 'conflict' });
    const set = await call<{ public: { url: string } }>(adminActor, 'marketplace.destination.set', {
      url: 'https://npm.example.com',
      tokenSecretId: null,
    });
    expect(set.public).toMatchObject({ url: 'https://npm.example.com/', tokenSecretId: null });
    expect(await call(adminActor, 'marketplace.destination.get', {})).toEqual(set);
    expect(await call(adminActor, 'marketplace.destination.set', { url: null })).toEqual({ public: null });
    expect(await call(adminActor, 'marketplace.destination.get', {})).toEqual({ public: null });
  });
});

describe('over HTTP', () => {
  test('POST /api/primitives/call runs a primitive and audits it as via http', async () => {
    const res = await admin.post('/api/primitives/call', {
      name: 'extensions.archive',
      input: { name: '@acme/prim-held' },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<{ output: Operation }>().output).toMatchObject({
      kind: 'archive',
      extension: '@acme/prim-held',
      status: 'succeeded',
    });
    const events = await auditEvents(admin, {
      operation: 'extension.archive',
      resourceId: '@acme/prim-held',
    });
    expect(events.map((e) => e.metadata)).toContainEqual({
      primitive: 'extensions.archive',
      via: 'http',
      sessionId: null,
    });
    const restored = await admin.post('/api/primitives/call', {
      name: 'extensions.restore',
      input: { name: '@acme/prim-held' },
    });
    expect(restored.statusCode, restored.body).toBe(200);
  });

  test('an unknown primitive is a 404 problem', async () => {
    expectProblem(
      await admin.post('/api/primitives/call', { name: 'marketplace.nothing', input: {} }),
      404,
      'not_found',
    );
  });
});

describe('as a member', () => {
  test('calling an admin primitive is forbidden and audited, in-process and over HTTP', async () => {
    await expect(
      call(memberActor, 'extensions.uninstall', { name: '@acme/prim-held', deleteData: true }),
    ).rejects.toMatchObject({ code: 'forbidden' });
    const res = await member.post('/api/primitives/call', {
      name: 'marketplace.search',
      input: { query: 'prim' },
    });
    expectProblem(res, 403, 'forbidden');

    const uninstall = await auditEvents(admin, { operation: 'extension.uninstall', decision: 'deny' });
    expect(uninstall).toContainEqual(
      expect.objectContaining({
        actorId: memberActor.principalId,
        resourceId: '@acme/prim-held',
        reason: 'requires platform_admin',
        metadata: { primitive: 'extensions.uninstall', via: 'in-process', sessionId: null },
      }),
    );
    const search = await auditEvents(admin, { operation: 'registry_package.list', decision: 'deny' });
    expect(search).toContainEqual(
      expect.objectContaining({
        actorId: memberActor.principalId,
        metadata: expect.objectContaining({ primitive: 'marketplace.search', via: 'http' }),
      }),
    );
    // Nothing happened to the extension.
    expect(await call(adminActor, 'extensions.get', { name: '@acme/prim-held' })).toMatchObject({
      enabled: true,
    });
  });
});

describe('bad input', () => {
  const failure = (name: string, input: unknown) =>
    call(adminActor, name, input).then(
      () => {
        throw new Error(`${name} accepted ${JSON.stringify(input)}`);
      },
      (error: unknown) => {
        expect(error).toBeInstanceOf(KernelError);
        expect((error as KernelError).code).toBe('validation_failed');
        return (error as KernelError).details.errors!.map((e) => e.path);
      },
    );

  test('names the offending path under /input, in-process', async () => {
    expect(await failure('extensions.install', { name: 'Not A Package!' })).toEqual(['/input/name']);
    expect(await failure('extensions.uninstall', { name: '@acme/prim-held' })).toEqual(['/input/deleteData']);
    expect(await failure('extensions.archive', { name: '@acme/prim-held', force: true })).toEqual([
      '/input/force',
    ]);
    expect(await failure('extensions.approve', { operationId: 'nope', permissions: [] })).toEqual([
      '/input/operationId',
    ]);
    // Exactly one of name and github (the schema's oneOf): each missing alternative is named.
    expect(await failure('extensions.install', { range: '^1.0.0' })).toEqual([
      '/input/name',
      '/input/github',
      '/input',
    ]);
    expect(
      await failure('extensions.install', {
        name: '@acme/prim-tool',
        github: { url: 'https://github.com/acme/prim-tool' },
      }),
    ).toEqual(['/input']);
    // A release is named by its tag; a range with github is refused before anything is fetched.
    expect(
      await failure('extensions.install', {
        github: { url: 'https://github.com/acme/prim-tool' },
        range: '^1.0.0',
      }),
    ).toEqual(['/input/range']);
    // The service's own check (the instance registry cannot be its own public destination),
    // named as the primitive's input rather than the HTTP body.
    const self = platform.kernel.resolve(EMBEDDED_REGISTRY).endpoint().url;
    expect(await failure('marketplace.destination.set', { url: self })).toEqual(['/input/url']);
  });

  test('names the offending path under /input over HTTP', async () => {
    const problem = expectProblem(
      await admin.post('/api/primitives/call', { name: 'extensions.install', input: { name: 42 } }),
      400,
      'validation_failed',
    );
    expect(problem.errors?.map((e) => e.path)).toEqual(['/input/name']);
    expect(problem.detail).toContain('/input/name');
  });
});
