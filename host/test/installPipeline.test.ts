import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestDatabase, testConfig } from '@cinatra/kernel/testing';
import { KernelError, runAsActor, systemActor, type ActorContext } from '@cinatra/kernel';
import { EMBEDDED_REGISTRY } from '@cinatra/registry';
import {
  generateSigningKey,
  packExtension,
  publishPackage,
  signExtension,
  type SigningKey,
} from '@cinatra/sdk';
import {
  createPlatform,
  EXTENSION_MANAGER,
  PACKAGE_STORE,
  type ExtensionView,
  type Platform,
} from '@cinatra/host';
import { TRUST_STORE } from '../src/extensions/trust/TrustStore.js';
import { INSTALL_PIPELINE, type InstallRequest } from '../src/extensions/install/InstallPipeline.js';
import { LocalPackageSource } from '../src/extensions/install/PackageSource.js';
import type { OperationView } from '../src/extensions/install/InstallJournal.js';
import { runCli } from '../src/cli/runCli.js';
import {
  auditEvents,
  createToken,
  expectProblem,
  setUpAdmin,
  type SessionClient,
} from './support/apiClient.js';
import { bufferIo } from './support/cliIo.js';
import { adminActorOf, trustTestPublisher } from './support/extensionSetup.js';

/**
 * The install pipeline on a real platform with real extension processes: signed packages
 * built here with the SDK, installed, updated (a broken update rolls back while the old
 * version keeps serving), held for consent, archived, restored, uninstalled; dependencies;
 * a tampered tarball; an install interrupted mid-way and recovered by the next platform.
 */

const APP = '@cinatra-test/app';
const LIB = '@cinatra-test/lib';
const NEEDS_LIB = '@cinatra-test/needs-lib';

const work = mkdtempSync(join(tmpdir(), 'cinatra-install-'));
const db = await createTestDatabase();
const platform = await createPlatform(testConfig({ databaseUrl: db.url }));
const manager = platform.kernel.resolve(EXTENSION_MANAGER);
const pipeline = platform.kernel.resolve(INSTALL_PIPELINE);
const packages = platform.kernel.resolve(PACKAGE_STORE);

let admin: SessionClient;
let adminActor: ActorContext;
let publisher: SigningKey;

interface FixtureOptions {
  name: string;
  version: string;
  permissions?: string[];
  dependencies?: Record<string, string>;
  /** Makes `activate` throw: the version never starts. */
  broken?: boolean;
}

/** Writes an extension package, packs and signs it with the SDK. */
async function build(options: FixtureOptions, key = publisher) {
  const dir = mkdtempSync(join(work, 'pkg-'));
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({
      name: options.name,
      version: options.version,
      type: 'module',
      private: true,
      cinatra: {
        apiVersion: 1,
        kinds: ['mcp-tools'],
        displayName: options.name,
        publisher: 'cinatra-test',
        engine: '^1.0.0',
        entry: 'index.js',
        contributes: {
          mcpTools: [
            { name: 'version', description: 'Says which version answers', inputSchema: { type: 'object' } },
          ],
        },
        ...(options.permissions ? { permissions: options.permissions } : {}),
        ...(options.dependencies ? { extensionDependencies: options.dependencies } : {}),
        resources: { memoryMb: 64 },
      },
    }),
  );
  writeFileSync(
    join(dir, 'index.js'),
    `import { defineExtension } from '@cinatra/sdk';
export default defineExtension({
  activate() {
    ${options.broken ? "throw new Error('this version is broken');" : ''}
    return { tools: { version: async () => ({ content: [{ type: 'text', text: 'v' }], structuredContent: { version: '${options.version}', pid: process.pid } }) } };
  },
});
`,
  );
  const packed = await packExtension(dir);
  return {
    tarball: packed.tarball,
    bundle: await signExtension({ tarball: packed.tarball, privateKeyPem: key.privateKeyPem }),
  };
}

const as = <T>(fn: () => Promise<T>) => runAsActor(adminActor, fn);
const source = async (...fixtures: FixtureOptions[]) =>
  new LocalPackageSource(await Promise.all(fixtures.map((f) => build(f))));

async function callVersion(name: string): Promise<{ version: string; pid: number }> {
  const result = await as(() => manager.callTool(name, 'version', {}));
  return result.structuredContent as { version: string; pid: number };
}

async function refused(promise: Promise<unknown>): Promise<KernelError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(KernelError);
  return error as KernelError;
}

/** The admin's notifications about one extension operation (its dedupe key). */
async function operationNotifications(operationId: string) {
  const feed = await admin.get('/api/notifications?limit=200');
  expect(feed.statusCode, feed.body).toBe(200);
  return feed
    .json<{ notifications: Array<{ id: string; dedupeKey: string | null } & Record<string, unknown>> }>()
    .notifications.filter((n) => n.dedupeKey === `extension-operation:${operationId}`);
}

const view = (name: string): Promise<ExtensionView> => as(() => manager.get(name));
const idOf = async (name: string) => (await view(name)).id;
const installedVersions = (name: string) => {
  const dir = join(packages.versionDir(name, '0'), '..');
  return existsSync(dir) ? readdirSync(dir).sort() : [];
};

beforeAll(async () => {
  admin = await setUpAdmin(platform);
  adminActor = adminActorOf(admin);
  publisher = await trustTestPublisher(platform);
}, 60_000);

afterAll(async () => {
  await platform?.stop();
  await db?.drop();
  rmSync(work, { recursive: true, force: true });
});

describe('install → update → failed update → consent → archive → restore → uninstall', () => {
  test('an install that requests permissions waits for consent, then runs what was approved', async () => {
    const pkg = await build({ name: APP, version: '1.0.0', permissions: ['storage'] });
    const upload = { tarball: pkg.tarball.toString('base64'), bundle: pkg.bundle };
    const held = await admin.post('/api/extensions/install', { package: upload });
    expect(held.statusCode, held.body).toBe(200);
    const op = held.json<OperationView>();
    expect(op).toMatchObject({
      kind: 'install',
      extension: APP,
      toVersion: '1.0.0',
      status: 'pending_consent',
      stage: 'consent',
    });
    expect(op.requestedPermissions).toEqual(['storage']);
    expect(op.stages.map((s) => s.stage)).toEqual([
      'resolve',
      'fetch',
      'verify',
      'unpack',
      'check',
      'consent',
    ]);
    expect((await admin.get(`/api/extensions?name=${encodeURIComponent(APP)}`)).json()).toEqual([]);
    // The admin who started it is told it waits for them: one row for the operation.
    const [waiting] = await operationNotifications(op.id);
    expect(waiting).toMatchObject({
      level: 'warning',
      title: `${APP} 1.0.0 waits for your approval`,
      inProgress: false,
      link: '/marketplace/operations',
    });

    const wrong = await admin.post(`/api/extension-operations/${op.id}/approve`, { permissions: [] });
    expect(expectProblem(wrong, 400, 'validation_failed').detail).toMatch(
      /exactly the requested permissions: storage/,
    );

    const approved = await admin.post(`/api/extension-operations/${op.id}/approve`, {
      permissions: ['storage'],
    });
    expect(approved.statusCode, approved.body).toBe(200);
    expect(approved.json<OperationView>()).toMatchObject({
      status: 'succeeded',
      stage: 'cleanup',
      error: null,
    });
    expect(
      approved
        .json<OperationView>()
        .stages.map((s) => `${s.stage}:${s.status}`)
        .slice(-6),
    ).toEqual([
      'consent:succeeded',
      'persist:succeeded',
      'activate:succeeded',
      'commit:succeeded',
      'health:succeeded',
      'cleanup:succeeded',
    ]);
    expect(await view(APP)).toMatchObject({
      version: '1.0.0',
      enabled: true,
      state: 'active',
      grantedPermissions: ['storage'],
    });
    expect((await callVersion(APP)).version).toBe('1.0.0');
    // …and the same row now says it is done, linking to the extension.
    const done = await operationNotifications(op.id);
    expect(done).toHaveLength(1);
    expect(done[0]).toMatchObject({
      id: waiting!.id,
      level: 'success',
      title: `Installed ${APP} 1.0.0`,
      inProgress: false,
      link: `/extensions/${await idOf(APP)}`,
    });
    const [installed] = await auditEvents(admin, { operation: 'extension.installed', resourceId: APP });
    expect(installed).toMatchObject({
      actorId: admin.user.id,
      metadata: { version: '1.0.0', granted: ['storage'] },
    });
  });

  test('an update with the same permissions switches after the new version started beside the old one', async () => {
    const src = await source({ name: APP, version: '1.1.0', permissions: ['storage'] });
    const op = await as(() => pipeline.update({ source: src, name: APP }));
    expect(op).toMatchObject({
      kind: 'update',
      fromVersion: '1.0.0',
      toVersion: '1.1.0',
      status: 'succeeded',
    });
    expect(await view(APP)).toMatchObject({
      version: '1.1.0',
      state: 'active',
      grantedPermissions: ['storage'],
    });
    expect((await callVersion(APP)).version).toBe('1.1.0');
    expect(installedVersions(APP)).toEqual(['1.1.0']);
  });

  test('a failed update rolls back: the old version keeps running and serving', async () => {
    const before = await callVersion(APP);
    const src = await source({ name: APP, version: '1.2.0', permissions: ['storage'], broken: true });
    const error = await refused(as(() => pipeline.update({ source: src, name: APP })));
    expect(error.code).toBe('conflict');
    expect(error.message).toMatch(
      /refused at activate \(health_failed\).*this version is broken.*rolled back/,
    );
    const after = await callVersion(APP);
    expect(after).toEqual(before); // same version, same process: never stopped
    expect(await view(APP)).toMatchObject({ version: '1.1.0', state: 'active' });
    expect(installedVersions(APP)).toEqual(['1.1.0']);
    const [op] = await as(() => pipeline.listOperations({ extension: APP, limit: 1 }));
    expect(op).toMatchObject({ toVersion: '1.2.0', status: 'rolled_back', error: { code: 'health_failed' } });
    expect(op!.stages.at(-1)).toMatchObject({ stage: 'rollback', status: 'rolled_back' });
    const [failed] = await auditEvents(admin, { operation: 'extension.operation_failed', resourceId: APP });
    expect(failed).toMatchObject({
      reason: 'health_failed',
      metadata: { kind: 'update', toVersion: '1.2.0' },
    });
  });

  test('a failure injected after the switch puts the previous version back', async () => {
    pipeline.setFaultHook((stage) => {
      if (stage === 'health') throw new Error('injected health failure');
    });
    try {
      const src = await source({ name: APP, version: '1.3.0', permissions: ['storage'] });
      const error = await refused(as(() => pipeline.update({ source: src, name: APP })));
      expect(error.message).toMatch(/refused at health/);
    } finally {
      pipeline.setFaultHook(null);
    }
    expect(await view(APP)).toMatchObject({ version: '1.1.0' });
    expect((await callVersion(APP)).version).toBe('1.1.0');
    expect(installedVersions(APP)).toEqual(['1.1.0']);
    expect(
      await auditEvents(admin, { operation: 'extension.update_rolled_back', resourceId: APP }),
    ).toHaveLength(1);
  });

  test('an update that asks for more permissions is held; the old version keeps running until approved', async () => {
    const before = await callVersion(APP);
    const src = await source({ name: APP, version: '2.0.0', permissions: ['storage', 'notifications.send'] });
    const held = await as(() => pipeline.update({ source: src, name: APP }));
    expect(held).toMatchObject({ status: 'pending_consent', addedPermissions: ['notifications.send'] });
    expect(await callVersion(APP)).toEqual(before);
    expect(await view(APP)).toMatchObject({ version: '1.1.0', grantedPermissions: ['storage'] });

    const res = await admin.post(`/api/extension-operations/${held.id}/approve`, {
      permissions: ['notifications.send', 'storage'],
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<OperationView>().status).toBe('succeeded');
    expect(await view(APP)).toMatchObject({
      version: '2.0.0',
      grantedPermissions: ['storage', 'notifications.send'],
    });
    expect((await callVersion(APP)).version).toBe('2.0.0');
    const [consent] = await auditEvents(admin, { operation: 'extension.consent_requested', resourceId: APP });
    expect(consent).toMatchObject({ metadata: { added: ['notifications.send'], version: '2.0.0' } });
  });

  test('archive stops it and keeps its grants; restore brings it back', async () => {
    const id = await idOf(APP);
    const archived = await admin.post(`/api/extensions/${id}/archive`);
    expect(archived.statusCode, archived.body).toBe(200);
    expect(await view(APP)).toMatchObject({
      state: 'archived',
      enabled: false,
      pid: null,
      grantedPermissions: ['storage', 'notifications.send'],
    });
    await expect(as(() => manager.callTool(APP, 'version', {}))).rejects.toMatchObject({ code: 'not_found' });
    expectProblem(await admin.post(`/api/extensions/${id}/enable`), 409, 'conflict');
    expectProblem(await admin.post(`/api/extensions/${id}/archive`), 409, 'conflict');

    const restored = await admin.post(`/api/extensions/${id}/restore`);
    expect(restored.statusCode, restored.body).toBe(200);
    expect((await callVersion(APP)).version).toBe('2.0.0');
    expect(await view(APP)).toMatchObject({ state: 'active', enabled: true });
    for (const operation of ['extension.archived', 'extension.restored']) {
      expect(await auditEvents(admin, { operation, resourceId: APP })).toHaveLength(1);
    }
  });

  test('uninstall removes the code and, when asked, the data', async () => {
    const dataDir = packages.dataDir(APP);
    expect(existsSync(dataDir)).toBe(true); // granted storage
    const id = await idOf(APP);
    expectProblem(await admin.post(`/api/extensions/${id}/uninstall`, {}), 400, 'validation_failed');
    const res = await admin.post(`/api/extensions/${id}/uninstall`, { data: 'delete' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<OperationView>()).toMatchObject({ kind: 'uninstall', status: 'succeeded' });
    expect((await admin.get(`/api/extensions?name=${encodeURIComponent(APP)}`)).json()).toEqual([]);
    expect(installedVersions(APP)).toEqual([]);
    expect(existsSync(dataDir)).toBe(false);
    const [event] = await auditEvents(admin, { operation: 'extension.uninstalled', resourceId: APP });
    expect(event).toMatchObject({ metadata: { version: '2.0.0', data: 'delete', to: 'absent' } });
  });
});

describe('refusals', () => {
  test('a tampered tarball is refused at install with the reason, and nothing is left behind', async () => {
    const pkg = await build({ name: '@cinatra-test/tampered', version: '1.0.0' });
    const other = await build({ name: '@cinatra-test/tampered', version: '1.0.0', permissions: ['storage'] });
    // The bytes of a different build under the first build's signature.
    const res = await admin.post('/api/extensions/install', {
      package: { tarball: other.tarball.toString('base64'), bundle: pkg.bundle },
    });
    const problem = expectProblem(res, 400, 'validation_failed');
    expect(problem.detail).toMatch(/refused at verify \(tarball_digest_mismatch\)/);
    expect(installedVersions('@cinatra-test/tampered')).toEqual([]);
    const [op] = await as(() => pipeline.listOperations({ extension: '@cinatra-test/tampered' }));
    expect(op).toMatchObject({
      status: 'rolled_back',
      stage: 'verify',
      error: { code: 'tarball_digest_mismatch' },
    });
    expect(readdirSync(join(packages.versionDir('x', '0'), '../../../staging'))).toEqual([]);
  });

  test('a package signed by an unknown key is refused', async () => {
    const stranger = generateSigningKey();
    const pkg = await build({ name: '@cinatra-test/stranger', version: '1.0.0' }, stranger);
    const error = await refused(
      as(() => pipeline.install({ source: new LocalPackageSource([pkg]), name: '@cinatra-test/stranger' })),
    );
    expect(error.message).toMatch(/\(unknown_key\)/);
  });

  test('an injected failure at persist rolls the install back', async () => {
    pipeline.setFaultHook((stage) => {
      if (stage === 'activate') throw new Error('disk on fire');
    });
    try {
      const src = await source({ name: '@cinatra-test/faulty', version: '1.0.0' });
      const error = await refused(as(() => pipeline.install({ source: src, name: '@cinatra-test/faulty' })));
      expect(error.message).toMatch(/refused at activate \(internal_error\): disk on fire/);
    } finally {
      pipeline.setFaultHook(null);
    }
    expect(installedVersions('@cinatra-test/faulty')).toEqual([]);
    await expect(view('@cinatra-test/faulty')).rejects.toMatchObject({ code: 'not_found' });
  });
});

describe('dependencies', () => {
  test('a missing dependency is installed first, from the same source', async () => {
    const src = await source(
      { name: NEEDS_LIB, version: '1.0.0', dependencies: { [LIB]: '^1.0.0' } },
      { name: LIB, version: '1.0.0' },
      { name: LIB, version: '1.4.0' },
      { name: LIB, version: '2.0.0' },
    );
    const op = await as(() => pipeline.install({ source: src, name: NEEDS_LIB }));
    expect(op.status).toBe('succeeded');
    expect(await view(LIB)).toMatchObject({ version: '1.4.0', state: 'active' });
    const installs = (await auditEvents(admin, { operation: 'extension.installed' }))
      .filter((e) => e.resourceId === LIB || e.resourceId === NEEDS_LIB)
      .sort((a, b) => a.seq - b.seq);
    expect(installs.map((e) => e.resourceId)).toEqual([LIB, NEEDS_LIB]);
    expect((await callVersion(NEEDS_LIB)).version).toBe('1.0.0');
  });

  test('uninstalling or archiving a dependency is refused, naming its dependents', async () => {
    const id = await idOf(LIB);
    const uninstall = expectProblem(
      await admin.post(`/api/extensions/${id}/uninstall`, { data: 'keep' }),
      409,
      'conflict',
    );
    expect(uninstall.detail).toMatch(`Cannot uninstall ${LIB}: ${NEEDS_LIB}@1.0.0 depends on it`);
    const archive = expectProblem(await admin.post(`/api/extensions/${id}/archive`), 409, 'conflict');
    expect(archive.detail).toMatch(`${NEEDS_LIB}@1.0.0 depends on it`);
    expect(await view(LIB)).toMatchObject({ state: 'active' });
    // Once the dependent is gone, the dependency can go.
    await as(() => pipeline.uninstall(NEEDS_LIB, 'keep'));
    expect((await as(() => pipeline.uninstall(LIB, 'keep'))).status).toBe('succeeded');
  });

  test('a dependency out of range is refused at check', async () => {
    const lib = await source({ name: LIB, version: '2.0.0' });
    await as(() => pipeline.install({ source: lib, name: LIB }));
    const src = await source({ name: NEEDS_LIB, version: '1.0.0', dependencies: { [LIB]: '^1.0.0' } });
    const error = await refused(as(() => pipeline.install({ source: src, name: NEEDS_LIB })));
    expect(error.message).toMatch(
      /dependency_unsatisfied.*needs @cinatra-test\/lib@\^1\.0\.0; 2\.0\.0 is installed/,
    );
  });
});

describe('interrupted operations', () => {
  const ghost = '@cinatra-test/ghost';

  async function platformOn(dataDir: string, url: string): Promise<Platform> {
    return createPlatform(testConfig({ databaseUrl: url, dataDir }));
  }

  /** Starts an install that "dies" at `stage` (the hook never returns), then stops that platform. */
  async function killDuring(stage: string, url: string, dataDir: string): Promise<string> {
    const first = await platformOn(dataDir, url);
    const firstPipeline = first.kernel.resolve(INSTALL_PIPELINE);
    let reached: (id: string) => void;
    const atStage = new Promise<string>((resolve) => (reached = resolve));
    firstPipeline.setFaultHook((s, op) => {
      if (s !== stage) return;
      reached(op.id);
      return new Promise<never>(() => undefined); // the process is gone from here on
    });
    const request: InstallRequest = { source: await source({ name: ghost, version: '1.0.0' }), name: ghost };
    void runAsActor(systemActor(), () => firstPipeline.install(request)).catch(() => undefined);
    const id = await atStage;
    await first.stop();
    return id;
  }

  test('an install killed after persist is rolled back at the next start', async () => {
    const other = await createTestDatabase();
    const dataDir = mkdtempSync(join(work, 'data-'));
    try {
      const seed = await platformOn(dataDir, other.url);
      await runAsActor(systemActor(), () =>
        seed.kernel
          .resolve(TRUST_STORE)
          .addKey({ publicKeyPem: publisher.publicKeyPem, publisher: 'cinatra-test', tier: 'private' }),
      );
      await seed.stop();
      const id = await killDuring('activate', other.url, dataDir);
      const encoded = join(dataDir, 'extensions', 'packages', '@cinatra-test__ghost');
      expect(readdirSync(encoded)).toEqual(['1.0.0']); // persisted, never switched

      const next = await platformOn(dataDir, other.url);
      try {
        const op = await runAsActor(systemActor(), () =>
          next.kernel.resolve(INSTALL_PIPELINE).getOperation(id),
        );
        expect(op).toMatchObject({ status: 'rolled_back', error: { code: 'interrupted' } });
        expect(op.stages.at(-1)).toMatchObject({ stage: 'recovery', status: 'rolled_back' });
        expect(op.stages.find((s) => s.stage === 'activate')).toMatchObject({
          status: 'started',
          finishedAt: null,
        });
        expect(existsSync(join(encoded, '1.0.0'))).toBe(false);
        await expect(
          runAsActor(systemActor(), () => next.kernel.resolve(EXTENSION_MANAGER).get(ghost)),
        ).rejects.toMatchObject({ code: 'not_found' });
      } finally {
        await next.stop();
      }
    } finally {
      await other.drop();
    }
  });

  test('an install killed after its commit is finished at the next start', async () => {
    const other = await createTestDatabase();
    const dataDir = mkdtempSync(join(work, 'data-'));
    try {
      const seed = await platformOn(dataDir, other.url);
      await runAsActor(systemActor(), () =>
        seed.kernel
          .resolve(TRUST_STORE)
          .addKey({ publicKeyPem: publisher.publicKeyPem, publisher: 'cinatra-test', tier: 'private' }),
      );
      await seed.stop();
      const id = await killDuring('health', other.url, dataDir);
      const next = await platformOn(dataDir, other.url);
      try {
        const nextPipeline = next.kernel.resolve(INSTALL_PIPELINE);
        const op = await runAsActor(systemActor(), () => nextPipeline.getOperation(id));
        expect(op).toMatchObject({ status: 'succeeded' });
        expect(op.stages.at(-1)).toMatchObject({ stage: 'recovery', status: 'recovered' });
        const nextManager = next.kernel.resolve(EXTENSION_MANAGER);
        const result = await runAsActor(systemActor(), () => nextManager.callTool(ghost, 'version', {}));
        expect(result.structuredContent).toMatchObject({ version: '1.0.0' });
      } finally {
        await next.stop();
      }
    } finally {
      await other.drop();
    }
  });
});

describe('cinatra ext (in-process CLI)', () => {
  test('install waits for consent, approve continues it, list and uninstall', async () => {
    const other = await createTestDatabase();
    const dataDir = mkdtempSync(join(work, 'data-'));
    try {
      const seed = await createPlatform(testConfig({ databaseUrl: other.url, dataDir }));
      await runAsActor(systemActor(), () =>
        seed.kernel
          .resolve(TRUST_STORE)
          .addKey({ publicKeyPem: publisher.publicKeyPem, publisher: 'cinatra-test', tier: 'private' }),
      );
      await seed.stop();
      const pkg = await build({ name: '@cinatra-test/cli', version: '1.0.0', permissions: ['storage'] });
      const tgz = join(work, 'cinatra-test-cli-1.0.0.tgz');
      writeFileSync(tgz, pkg.tarball);
      writeFileSync(join(work, 'cinatra-test-cli-1.0.0.sigstore.json'), JSON.stringify(pkg.bundle));
      const env = { DATABASE_URL: other.url, CINATRA_DATA_DIR: dataDir, CINATRA_LOG_LEVEL: 'silent' };

      let io = bufferIo(env);
      expect(await runCli(['ext', 'install', tgz], io), io.err.join('')).toBe(0);
      const held = io.out.join('');
      expect(held).toContain(
        '@cinatra-test/cli@1.0.0 is staged and waits for consent to 1 permission:\n  storage\n',
      );
      const id = /Next: cinatra ext approve ([0-9a-f-]{36})\n$/.exec(held)?.[1];
      expect(id).toBeDefined();
      expect(io.err.join('')).toContain('@cinatra-test/cli: verify…');

      io = bufferIo(env);
      expect(await runCli(['ext', 'approve', id!], io), io.err.join('')).toBe(0);
      expect(io.out.join('')).toMatch(
        /✓ Installed @cinatra-test\/cli@1\.0\.0 \(operation .*\)\.\nNext: cinatra ext list\n$/,
      );
      expect(io.err.join('')).toContain('@cinatra-test/cli: health…');

      io = bufferIo(env);
      expect(await runCli(['ext', 'list'], io)).toBe(0);
      expect(io.out.join('')).toContain('  @cinatra-test/cli@1.0.0  inactive');

      io = bufferIo(env);
      expect(await runCli(['ext', 'install', tgz, '--approve'], io)).toBe(1);
      expect(io.err.join('')).toMatch(
        /\nCannot install @cinatra-test\/cli while it is inactive: it is installed already: update it instead\.\n$/,
      );

      io = bufferIo(env);
      expect(await runCli(['ext', 'uninstall', '@cinatra-test/cli'], io)).toBe(2);
      expect(io.err.join('')).toBe('Say what happens to its data: pass --keep-data or --delete-data.\n');
      io = bufferIo(env);
      expect(
        await runCli(['ext', 'uninstall', '@cinatra-test/cli', '--keep-data'], io),
        io.err.join(''),
      ).toBe(0);
      expect(io.out.join('')).toBe(
        '✓ Uninstalled @cinatra-test/cli; its data was kept.\nNext: cinatra ext list\n',
      );
    } finally {
      await other.drop();
    }
  });
});

describe('from the instance registry (embedded Verdaccio)', () => {
  const PUBLISHED = '@cinatra-test/published';
  let registryUrl: string;
  let token: string;

  beforeAll(async () => {
    await platform.start(); // starts the embedded registry
    registryUrl = platform.kernel.resolve(EMBEDDED_REGISTRY).endpoint().url;
    token = (await createToken(admin, { name: 'publish', scopes: ['registry_package:write'] })).token;
    for (const version of ['1.0.0', '1.1.0']) {
      const pkg = await build({ name: PUBLISHED, version });
      await publishPackage({ registryUrl, token, tarball: pkg.tarball, bundle: pkg.bundle as never });
    }
  }, 60_000);

  test('install by name and range resolves, fetches, verifies and runs the published version', async () => {
    const res = await admin.post('/api/extensions/install', { name: PUBLISHED, range: '~1.0.0' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<OperationView>()).toMatchObject({
      status: 'succeeded',
      toVersion: '1.0.0',
      source: `registry ${registryUrl}`,
    });
    expect((await callVersion(PUBLISHED)).version).toBe('1.0.0');
  });

  test('a tarball tampered with in the registry storage is refused at update, the old version keeps running', async () => {
    const storage = join(platform.kernel.config.dataDir, 'registry');
    const tarballs = readdirSync(storage, { recursive: true, encoding: 'utf8' }).filter((f) =>
      f.endsWith('-1.1.0.tgz'),
    );
    expect(tarballs).toHaveLength(1);
    const other = await build({ name: PUBLISHED, version: '1.1.0', permissions: ['storage'] });
    writeFileSync(join(storage, tarballs[0]!), other.tarball);

    const id = await idOf(PUBLISHED);
    const res = await admin.post(`/api/extensions/${id}/update`, {});
    const problem = expectProblem(res, 400, 'validation_failed');
    expect(problem.detail).toMatch(/refused at fetch \(integrity_mismatch\)/);
    expect((await callVersion(PUBLISHED)).version).toBe('1.0.0');
    expect(installedVersions(PUBLISHED)).toEqual(['1.0.0']);
  });

  test('a name the registry does not have is a 404 problem', async () => {
    const res = await admin.post('/api/extensions/install', { name: '@cinatra-test/nowhere' });
    expect(expectProblem(res, 404, 'not_found').detail).toMatch(/refused at resolve/);
  });
});
