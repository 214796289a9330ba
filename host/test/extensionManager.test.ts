import { randomUUID } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestDatabase, testConfig } from '@cinatra/kernel/testing';
import { runAsActor, systemActor, type ActorContext } from '@cinatra/kernel';
import { generateSigningKey, packExtension, RpcError, signExtension, type SigningKey } from '@cinatra/sdk';
import { createPlatform, EXTENSION_MANAGER, PACKAGE_STORE, type ExtensionView } from '@cinatra/host';
import { TRUST_STORE } from '../src/extensions/trust/TrustStore.js';
import { auditEvents, expectProblem, setUpAdmin, signIn, type SessionClient } from './support/apiClient.js';
import { adminActorOf } from './support/extensionSetup.js';

/**
 * The extension manager against real extension processes: signed fixture packages installed
 * into the platform's data directory, verified at every load, started lazily, supervised.
 */

const FIXTURES = resolve(import.meta.dirname, 'fixtures/manager');
const TOOLS = '@cinatra-test/tools';
const OTHER = '@cinatra-test/other';

const db = await createTestDatabase();
const platform = await createPlatform(testConfig({ databaseUrl: db.url }));
const manager = platform.kernel.resolve(EXTENSION_MANAGER);
const packages = platform.kernel.resolve(PACKAGE_STORE);
const trust = platform.kernel.resolve(TRUST_STORE);
const system = systemActor();
const asSystem = <T>(fn: () => Promise<T>) => runAsActor(system, fn);

let admin: SessionClient;
let adminActor: ActorContext;
let publisher: SigningKey;
const work = mkdtempSync(join(tmpdir(), 'cinatra-manager-'));

/** Packs and signs a fixture directory (optionally with a changed copy of one file). */
async function signedPackage(dir: string, key: SigningKey, edit?: (copy: string) => void) {
  const copy = mkdtempSync(join(work, 'pkg-'));
  cpSync(dir, copy, { recursive: true });
  edit?.(copy);
  const packed = await packExtension(copy);
  return {
    tarball: packed.tarball,
    bundle: await signExtension({ tarball: packed.tarball, privateKeyPem: key.privateKeyPem }),
  };
}

async function install(dir: string, key = publisher, edit?: (copy: string) => void): Promise<ExtensionView> {
  const { tarball, bundle } = await signedPackage(dir, key, edit);
  return asSystem(() => manager.install(tarball, bundle));
}

const api = {
  get: async (name: string) => {
    const res = await admin.get(`/api/extensions?name=${encodeURIComponent(name)}`);
    expect(res.statusCode, res.body).toBe(200);
    const [view] = res.json<ExtensionView[]>();
    return view!;
  },
  post: async (name: string, action: string) => {
    const { id } = await api.get(name);
    const res = await admin.post(`/api/extensions/${id}/${action}`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json<ExtensionView>();
  },
  put: async (name: string, what: 'grants' | 'settings', body: unknown) => {
    const { id } = await api.get(name);
    return admin.put(`/api/extensions/${id}/${what}`, body);
  },
};

/** Calls a tool as the signed-in admin and returns its structured content. */
async function call(name: string, tool: string, args: Record<string, unknown> = {}) {
  const result = await runAsActor(adminActor, () => manager.callTool(name, tool, args));
  return result.structuredContent as Record<string, unknown>;
}

async function callError(name: string, tool: string): Promise<RpcError> {
  const error = await runAsActor(adminActor, () => manager.callTool(name, tool, {})).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RpcError);
  return error as RpcError;
}

beforeAll(async () => {
  admin = await setUpAdmin(platform);
  adminActor = adminActorOf(admin);
  publisher = generateSigningKey();
  await asSystem(() =>
    trust.addKey({ publicKeyPem: publisher.publicKeyPem, publisher: 'cinatra-test', tier: 'private' }),
  );
  await install(join(FIXTURES, 'tools'));
  await install(join(FIXTURES, 'other'));
}, 60_000);

afterAll(async () => {
  await platform?.stop();
  await db?.drop();
  rmSync(work, { recursive: true, force: true });
});

describe('lazy activation', () => {
  test('an installed extension is disabled and lists its contributions without running', async () => {
    const view = await api.get(TOOLS);
    expect(view).toMatchObject({ enabled: false, state: 'installed', pid: null, grantedPermissions: [] });
    expect(view.requestedPermissions).toEqual(['secrets.read:api-token', 'queue.enqueue:jobs', 'storage']);
    expect(view.contributions.mcpTools.map((t) => t.name)).toEqual([
      'echo',
      'secret',
      'raw',
      'crash',
      'escape',
    ]);
    expect(view.contributions.mcpTools[0]!.inputSchema).toMatchObject({
      properties: { message: { type: 'string' } },
    });
  });

  test('enabling verifies the package but starts nothing until the first tool call', async () => {
    const enabled = await api.post(TOOLS, 'enable');
    expect(enabled).toMatchObject({ enabled: true, state: 'inactive', pid: null, lastError: null });
    await api.post(OTHER, 'enable');

    const echoed = await call(TOOLS, 'echo', { message: 'hi' });
    expect(echoed).toMatchObject({
      args: { message: 'hi' },
      settings: { greeting: 'hello' },
      actor: { principalId: admin.user.id, principalType: 'user' },
    });
    const active = await api.get(TOOLS);
    expect(active).toMatchObject({ state: 'active', pid: echoed.pid });
    expect((await api.get(OTHER)).pid).toBeNull();

    const activated = await auditEvents(admin, { operation: 'extension.activated', resourceId: TOOLS });
    expect(activated[0]).toMatchObject({
      actorId: admin.user.id,
      metadata: { from: 'inactive', to: 'active' },
    });
  });

  test('reload stops the process; the next use verifies and starts it again', async () => {
    const before = (await call(TOOLS, 'echo')).pid;
    const reloaded = await api.post(TOOLS, 'reload');
    expect(reloaded).toMatchObject({ state: 'inactive', pid: null });
    const after = (await call(TOOLS, 'echo')).pid;
    expect(after).not.toBe(before);
    expect((await api.get(TOOLS)).state).toBe('active');
  });

  test('settings reach the process at its next start', async () => {
    const res = await api.put(TOOLS, 'settings', { values: { greeting: 'ahoy' } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<ExtensionView>()).toMatchObject({ settings: { greeting: 'ahoy' }, pid: null });
    expect((await call(TOOLS, 'echo')).settings).toEqual({ greeting: 'ahoy' });
    const wrong = await api.put(TOOLS, 'settings', { values: { greeting: 3 } });
    expect(expectProblem(wrong, 400, 'validation_failed').errors?.[0]?.path).toBe('/body/values/greeting');
    expectProblem(await api.put(TOOLS, 'settings', { values: { nope: 'x' } }), 400, 'validation_failed');
  });

  test('arguments that break a tool input schema are refused before they reach the extension', async () => {
    const refused = await runAsActor(adminActor, () => manager.callTool(TOOLS, 'echo', { message: 42 })).then(
      () => null,
      (e: unknown) => e as RpcError,
    );
    expect(refused).toMatchObject({ code: 'invalid_params', data: { path: '/message' } });
    expect(refused?.message).toMatch(/input schema: \/message must be string/);
    const missing = await runAsActor(adminActor, () => manager.callTool(TOOLS, 'escape', {})).then(
      () => null,
      (e: unknown) => e as RpcError,
    );
    expect(missing).toMatchObject({ code: 'invalid_params' });
    expect((await call(TOOLS, 'echo', { message: 'fine' })).args).toEqual({ message: 'fine' });
  });

  test('disable and enable take effect without restarting the platform', async () => {
    expect((await call(OTHER, 'ping')) ?? null).toBeNull(); // text-only result
    expect((await api.get(OTHER)).pid).not.toBeNull();
    const disabled = await api.post(OTHER, 'disable');
    expect(disabled).toMatchObject({ enabled: false, state: 'disabled', pid: null });
    expect((await callError(OTHER, 'ping')).code).toBe('not_found');
    await api.post(OTHER, 'enable');
    const result = await runAsActor(adminActor, () => manager.callTool(OTHER, 'ping', {}));
    expect(result.content).toEqual([{ type: 'text', text: 'pong' }]);
  });
});

describe('permissions', () => {
  test('a host call outside the grants fails with permission_denied and is audited', async () => {
    const answer = await call(TOOLS, 'raw', {
      method: 'queue.enqueue',
      params: { queue: 'jobs', payload: {} },
    });
    expect(answer).toMatchObject({ error: { code: 'permission_denied' } });
    const [denied] = await auditEvents(admin, { operation: 'extension.queue.enqueue', decision: 'deny' });
    expect(denied).toMatchObject({
      actorId: TOOLS,
      actorType: 'extension',
      authSource: 'extension',
      resourceType: 'extension',
      resourceId: TOOLS,
      reason: 'not granted: queue.enqueue:jobs',
      metadata: {
        version: '1.0.0',
        traceId: expect.stringMatching(/^[0-9a-f]{32}$/),
        onBehalfOf: { principalId: admin.user.id, principalType: 'user' },
      },
    });
    // Through the SDK the extension learns the same, before anything leaves its process.
    expect(
      (await call(TOOLS, 'raw', { method: 'secrets.read', params: { name: 'api-token' } })).error,
    ).toMatchObject({
      code: 'permission_denied',
    });
  });

  test('a sandbox refusal inside the extension (a write outside its data dir) is audited and attributed', async () => {
    const path = join(tmpdir(), `cinatra-escape-${randomUUID()}.txt`);
    expect(await call(TOOLS, 'escape', { path })).toEqual({ ok: false, code: 'ERR_ACCESS_DENIED' });
    expect(existsSync(path)).toBe(false);
    // The refusal reaches the audit log through the process's report, just after the answer.
    let events: Awaited<ReturnType<typeof auditEvents>> = [];
    for (let attempt = 0; attempt < 100 && events.length === 0; attempt += 1) {
      events = await auditEvents(admin, { operation: 'extension.sandbox', actorId: TOOLS });
      if (events.length === 0) await sleep(20);
    }
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      actorType: 'extension',
      decision: 'deny',
      resourceType: 'extension',
      resourceId: TOOLS,
      metadata: { permission: 'FileSystemWrite', resource: path, version: '1.0.0' },
    });
  });

  test('grants must be requested; a granted secret is readable, audited and attributed', async () => {
    const created = await admin.post('/api/secrets', {
      name: 'api-token',
      owner: { tier: 'workspace' },
      value: 'tok-123',
    });
    expect(created.statusCode, created.body).toBe(201);
    const notRequested = await api.put(TOOLS, 'grants', { permissions: ['notifications.send'] });
    expect(expectProblem(notRequested, 400, 'validation_failed').errors?.[0]?.path).toBe(
      '/body/permissions/0',
    );

    const granted = await api.put(TOOLS, 'grants', { permissions: ['secrets.read:api-token'] });
    expect(granted.statusCode, granted.body).toBe(200);
    expect(granted.json<ExtensionView>()).toMatchObject({
      grantedPermissions: ['secrets.read:api-token'],
      pid: null,
    });
    expect(await call(TOOLS, 'secret')).toEqual({ value: 'tok-123' });

    const [reveal] = await auditEvents(admin, { operation: 'secret.reveal', actorId: TOOLS });
    expect(reveal).toMatchObject({ actorType: 'extension', decision: 'allow' });
    const [allowed] = await auditEvents(admin, { operation: 'extension.secrets.read', decision: 'allow' });
    expect(allowed).toMatchObject({ actorId: TOOLS, metadata: { qualifier: 'api-token', version: '1.0.0' } });

    // Revoking takes effect at once: the process is stopped and restarts without the grant.
    await api.put(TOOLS, 'grants', { permissions: [] });
    expect(
      (await call(TOOLS, 'raw', { method: 'secrets.read', params: { name: 'api-token' } })).error,
    ).toMatchObject({
      code: 'permission_denied',
    });
  });
});

describe('verification at every load', () => {
  test('a file changed on disk refuses the load with the reason in the API and in audit', async () => {
    const file = join(packages.packageDir(OTHER, '1.0.0'), 'index.js');
    const original = readFileSync(file);
    writeFileSync(file, `${original}\n// tampered\n`);
    try {
      await api.post(OTHER, 'reload');
      const view = await api.get(OTHER);
      expect(view).toMatchObject({
        state: 'failed',
        pid: null,
        lastError: { code: 'file_modified', path: 'index.js' },
      });
      const [refused] = await auditEvents(admin, { operation: 'extension.load_refused', resourceId: OTHER });
      expect(refused).toMatchObject({
        decision: 'deny',
        reason: 'file_modified',
        metadata: { path: 'index.js' },
      });
      const refusedCall = await callError(OTHER, 'ping');
      expect(refusedCall.code).toBe('extension_unavailable');
      expect(refusedCall.message).toContain('file_modified');
    } finally {
      writeFileSync(file, original);
    }
    await api.post(OTHER, 'reload');
    expect((await api.get(OTHER)).state).toBe('inactive');
  });

  test('a file added to the package refuses the load', async () => {
    const extra = join(packages.packageDir(OTHER, '1.0.0'), 'extra.js');
    writeFileSync(extra, 'export {}\n');
    try {
      const view = await api.post(OTHER, 'reload');
      expect(view.lastError).toMatchObject({ code: 'file_added', path: 'extra.js' });
    } finally {
      rmSync(extra);
    }
    await api.post(OTHER, 'reload');
  });

  test('a package whose key was revoked after install no longer loads', async () => {
    const other = generateSigningKey();
    const key = await asSystem(() =>
      trust.addKey({ publicKeyPem: other.publicKeyPem, publisher: 'cinatra-test', tier: 'community' }),
    );
    const name = '@cinatra-test/revoked';
    await install(join(FIXTURES, 'other'), other, (copy) => {
      const manifest = JSON.parse(readFileSync(join(copy, 'package.json'), 'utf8'));
      writeFileSync(join(copy, 'package.json'), JSON.stringify({ ...manifest, name }));
    });
    await api.post(name, 'enable');
    await asSystem(() => trust.revokeKey(key.keyId, 'compromised'));
    const error = await callError(name, 'ping');
    expect(error.code).toBe('extension_unavailable');
    expect(error.message).toContain('key_revoked');
    expect((await api.get(name)).lastError).toMatchObject({ code: 'key_revoked' });
    const [refused] = await auditEvents(admin, { operation: 'extension.load_refused', resourceId: name });
    expect(refused).toMatchObject({ reason: 'key_revoked', actorId: admin.user.id });
  });

  test('a tarball signed by an unknown key is not installed', async () => {
    const stranger = generateSigningKey();
    const { tarball, bundle } = await signedPackage(join(FIXTURES, 'other'), stranger);
    await expect(asSystem(() => manager.install(tarball, bundle))).rejects.toMatchObject({
      code: 'unknown_key',
    });
  });
});

describe('supervision', () => {
  test('a crash loop quarantines the extension while the platform and other extensions keep serving', async () => {
    for (let crash = 1; crash <= 3; crash++) {
      await call(TOOLS, 'crash');
      await expect.poll(async () => (await api.get(TOOLS)).recentCrashes, { timeout: 10_000 }).toBe(crash);
    }
    const quarantined = await api.get(TOOLS);
    expect(quarantined).toMatchObject({ state: 'quarantined', pid: null, lastError: { code: 'crashed' } });
    expect(quarantined.quarantinedAt).not.toBeNull();
    const unavailable = await callError(TOOLS, 'echo');
    expect(unavailable.code).toBe('extension_unavailable');
    expect(unavailable.message).toContain('quarantined');

    expect((await platform.server.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    const pong = await runAsActor(adminActor, () => manager.callTool(OTHER, 'ping', {}));
    expect(pong.content).toEqual([{ type: 'text', text: 'pong' }]);

    const [event] = await auditEvents(admin, { operation: 'extension.quarantined', resourceId: TOOLS });
    expect(event).toMatchObject({ actorType: 'system', metadata: { to: 'quarantined' } });
    const feed = await admin.get('/api/notifications');
    expect(feed.body).toContain(`Extension ${TOOLS} was quarantined`);
  }, 30_000);

  test('a hung call ends with deadline_exceeded and the extension keeps serving', async () => {
    const hung = await runAsActor(adminActor, () =>
      manager.callTool(OTHER, 'hang', {}, { deadlineMs: 300 }),
    ).then(
      () => null,
      (e: unknown) => e as RpcError,
    );
    expect(hung).toMatchObject({ code: 'deadline_exceeded' });
    const pong = await runAsActor(adminActor, () => manager.callTool(OTHER, 'ping', {}));
    expect(pong.content).toEqual([{ type: 'text', text: 'pong' }]);
  });

  test('a memory blow-up kills the process, counts as a crash, and the next use starts it again', async () => {
    const before = await api.get(OTHER);
    const error = await runAsActor(adminActor, () => manager.callTool(OTHER, 'hog', {})).then(
      () => null,
      (e: unknown) => e as RpcError,
    );
    expect(error).toBeInstanceOf(RpcError);
    await expect
      .poll(async () => (await api.get(OTHER)).recentCrashes, { timeout: 10_000 })
      .toBe(before.recentCrashes + 1);
    expect((await api.get(OTHER)).lastError).toMatchObject({ code: 'memory_limit' });
    const pong = await runAsActor(adminActor, () => manager.callTool(OTHER, 'ping', {}));
    expect(pong.content).toEqual([{ type: 'text', text: 'pong' }]);
  }, 30_000);

  test('after a quarantine reset the extension restarts lazily on its next use', async () => {
    const reset = await api.post(TOOLS, 'quarantine/reset');
    expect(reset).toMatchObject({ state: 'inactive', pid: null, recentCrashes: 0, quarantinedAt: null });
    const echoed = await call(TOOLS, 'echo', { message: 'back' });
    expect(echoed).toMatchObject({ args: { message: 'back' } });
    expect((await api.get(TOOLS)).state).toBe('active');
  });
});

describe('HTTP API', () => {
  test('only platform admins may see or manage extensions', async () => {
    const created = await admin.post('/api/users', {
      email: 'm@example.com',
      displayName: 'M',
      password: 'correct horse battery staple',
    });
    expect(created.statusCode).toBe(201);
    const member = await signIn(platform.server, 'm@example.com');
    expectProblem(await member.get('/api/extensions'), 403, 'forbidden');
    const { id } = await api.get(TOOLS);
    expectProblem(await member.post(`/api/extensions/${id}/disable`), 403, 'forbidden');
  });
});
