import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestDatabase, testConfig } from '@cinatra/kernel/testing';
import {
  generateSigningKey,
  packExtension,
  PublishError,
  publishPackage,
  signExtension,
  verifyPackageTarball,
  type SigningKey,
} from '@cinatra/sdk';
import {
  EMBEDDED_REGISTRY,
  fetchPackage,
  RegistryClient,
  startVerdaccio,
  type VerdaccioHandle,
} from '@cinatra/registry';
import { createPlatform, type Platform } from '@cinatra/host';
import { runExtCli } from '../../sdk/src/cli/runExtCli.js';
import {
  auditEvents,
  createToken,
  createUser,
  expectProblem,
  setUpAdmin,
  signIn,
  type SessionClient,
} from './support/apiClient.js';
import { writeHelloExtension } from './support/extensionSetup.js';

/**
 * The registry end to end on real processes: two platform instances (two databases, two data
 * directories, two embedded Verdaccio children) and one shared public Verdaccio playing the
 * public marketplace. Publishing with the real `npm` client and with `cinatra-ext publish`,
 * immutability, instance-private visibility, one-way audited promotion, the catalogue.
 */

const work = await mkdtemp(join(tmpdir(), 'cinatra-registry-'));
const NPM_ENV = {
  // npm runs on the same Node as the tests; nothing from the caller's npm config leaks in.
  PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`,
  HOME: work,
  npm_config_update_notifier: 'false',
  npm_config_fund: 'false',
};

interface Instance {
  platform: Platform;
  admin: SessionClient;
  url: string;
  registryUrl: string;
}

let publicRegistry: VerdaccioHandle;
let a: Instance;
let b: Instance;
let key: SigningKey;
let publishToken: string; // A's admin token with registry_package:write

async function startInstance(): Promise<Instance> {
  const db = await createTestDatabase();
  const platform = await createPlatform(testConfig({ databaseUrl: db.url }));
  const { url } = await platform.start();
  const admin = await setUpAdmin(platform);
  const registryUrl = platform.kernel.resolve(EMBEDDED_REGISTRY).endpoint().url;
  return { platform, admin, url, registryUrl };
}

/** A Verdaccio account on the public marketplace and its token (Verdaccio's own user API). */
async function publicAccount(name: string): Promise<string> {
  const res = await fetch(`${publicRegistry.url}-/user/org.couchdb.user:${name}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, password: `${name}-password-123` }),
  });
  expect(res.status, await res.clone().text()).toBe(201);
  return ((await res.json()) as { token: string }).token;
}

/** Writes a small valid extension package and returns its directory. */
async function extensionDir(name: string, version: string, permissions: string[] = []): Promise<string> {
  return writeHelloExtension(work, { name, version, permissions });
}

/** Packs and signs; writes the tarball and bundle to files as an author would have them. */
async function signedFiles(dir: string) {
  const packed = await packExtension(dir);
  const bundle = await signExtension({ tarball: packed.tarball, privateKeyPem: key.privateKeyPem });
  const tarballPath = join(dir, '..', `${packed.name.replace(/[@/]/g, '-')}-${packed.version}.tgz`);
  const bundlePath = tarballPath.replace(/\.tgz$/, '.sigstore.json');
  await writeFile(tarballPath, packed.tarball);
  await writeFile(bundlePath, JSON.stringify(bundle));
  return { tarball: packed.tarball, bundle, tarballPath, bundlePath };
}

/** Runs the real npm client with a private .npmrc carrying `token` for `registryUrl`. */
async function npm(
  cwd: string,
  registryUrl: string,
  token: string | null,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const npmrc = join(cwd, '.npmrc');
  const host = registryUrl.replace(/^https?:/, '');
  await writeFile(npmrc, token ? `${host}:_authToken=${token}\n` : '');
  const cache = join(work, 'npm-cache');
  return new Promise((resolve) => {
    execFile(
      'npm',
      [
        ...args,
        '--registry',
        registryUrl,
        '--userconfig',
        npmrc,
        '--cache',
        cache,
        '--ignore-scripts',
        '--no-audit',
      ],
      { cwd, env: NPM_ENV },
      (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

async function configurePublicDestination(instance: Instance, token: string): Promise<void> {
  const secret = await instance.admin.post('/api/secrets', {
    name: 'public-registry-token',
    owner: { tier: 'workspace' },
    value: token,
  });
  expect(secret.statusCode, secret.body).toBe(201);
  const secretId = secret.json<{ id: string }>().id;
  const grant = await instance.admin.post(`/api/secrets/${secretId}/grants`, {
    granteeType: 'user',
    granteeId: instance.admin.user.id,
  });
  expect(grant.statusCode, grant.body).toBeLessThan(300);
  const res = await instance.admin.put('/api/registry/destinations/public', {
    url: publicRegistry.url,
    tokenSecretId: secretId,
  });
  expect(res.statusCode, res.body).toBe(200);
}

interface EntryJson {
  name: string;
  source: 'instance' | 'public';
  visibility: string;
  latest: string;
  versions: string[];
  publisher: string | null;
  tier: string | null;
  signature: { status: string; keyId: string | null };
  permissions: string[];
  promotedVersions: string[];
}

async function catalogue(instance: Instance, query = ''): Promise<EntryJson[]> {
  const res = await instance.admin.get(
    `/api/registry/packages${query ? `?q=${encodeURIComponent(query)}` : ''}`,
  );
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ packages: EntryJson[] }>().packages;
}

beforeAll(async () => {
  publicRegistry = await startVerdaccio({
    dir: await mkdtemp(join(work, 'public-')),
    auth: { kind: 'htpasswd' },
  });
  [a, b] = [await startInstance(), await startInstance()];
  key = generateSigningKey();
  for (const instance of [a, b]) {
    const res = await instance.admin.post('/api/trust/keys', {
      publicKeyPem: key.publicKeyPem,
      publisher: 'acme',
      tier: 'community',
    });
    expect(res.statusCode, res.body).toBe(201);
  }
  publishToken = (await createToken(a.admin, { name: 'publish', scopes: ['registry_package:write'] })).token;
});

afterAll(async () => {
  await Promise.all([a?.platform.stop(), b?.platform.stop(), publicRegistry?.stop()]);
});

describe('publishing to the instance registry', () => {
  test('cinatra-ext publish sends the signed tarball and its bundle', async () => {
    const files = await signedFiles(await extensionDir('@acme/alpha', '1.0.0', ['notifications.send']));
    const out: string[] = [];
    const err: string[] = [];
    const code = await runExtCli(
      [
        'publish',
        files.tarballPath,
        '--bundle',
        files.bundlePath,
        '--registry',
        a.registryUrl,
        '--token',
        publishToken,
      ],
      {
        stdout: { write: (t: string) => out.push(t) },
        stderr: { write: (t: string) => err.push(t) },
        cwd: work,
      },
    );
    expect(code, err.join('')).toBe(0);
    expect(out.join('')).toContain('Published @acme/alpha@1.0.0');

    // The instance reads it back with its own identity: same bytes, bundle kept, signature valid.
    const endpoint = a.platform.kernel.resolve(EMBEDDED_REGISTRY).endpoint();
    const fetched = await fetchPackage(endpoint.url, '@acme/alpha', '^1.0.0', endpoint.token);
    expect(fetched.version).toBe('1.0.0');
    expect(fetched.tarball.equals(files.tarball)).toBe(true);
    expect(fetched.bundle).toEqual(files.bundle);
    const trust = {
      key: () => ({
        publicKeyPem: key.publicKeyPem,
        publisher: 'acme',
        tier: 'community' as const,
        revoked: false,
      }),
      versionRevoked: () => false,
    };
    await expect(verifyPackageTarball(fetched.tarball, fetched.bundle, trust)).resolves.toMatchObject({
      name: '@acme/alpha',
    });
  });

  test('the real npm client publishes to it and installs from it', async () => {
    const dir = await extensionDir('@acme/beta', '1.0.0');
    const published = await npm(dir, a.registryUrl, publishToken, ['publish']);
    expect(published.code, published.stderr).toBe(0);

    const project = await mkdtemp(join(work, 'project-'));
    await writeFile(
      join(project, 'package.json'),
      JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }),
    );
    const installed = await npm(project, a.registryUrl, publishToken, [
      'install',
      '@acme/alpha@^1.0.0',
      '@acme/beta',
    ]);
    expect(installed.code, installed.stderr).toBe(0);
    const alpha = JSON.parse(await readFile(join(project, 'node_modules/@acme/alpha/package.json'), 'utf8'));
    expect(alpha.version).toBe('1.0.0');
    await expect(readFile(join(project, 'node_modules/@acme/beta/index.js'), 'utf8')).resolves.toContain(
      'hello',
    );
  });

  test('published versions are immutable: re-publish and unpublish are refused', async () => {
    const files = await signedFiles(await extensionDir('@acme/alpha', '1.0.0', ['storage']));
    const error = await publishPackage({
      registryUrl: a.registryUrl,
      token: publishToken,
      tarball: files.tarball,
      bundle: files.bundle,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PublishError);
    expect((error as PublishError).code).toBe('version_exists');

    const dir = await extensionDir('@acme/beta', '1.0.0');
    const again = await npm(dir, a.registryUrl, publishToken, ['publish']);
    expect(again.code).not.toBe(0);
    const unpublish = await npm(dir, a.registryUrl, publishToken, [
      'unpublish',
      '@acme/beta@1.0.0',
      '--force',
    ]);
    expect(unpublish.code).not.toBe(0);
    expect(unpublish.stderr).toMatch(/immutable|403/);

    const endpoint = a.platform.kernel.resolve(EMBEDDED_REGISTRY).endpoint();
    const packument = await new RegistryClient(endpoint.url, endpoint.token).packument('@acme/beta');
    expect(Object.keys(packument!.versions)).toEqual(['1.0.0']);
    // The first alpha is still the one served (its permissions, not the second attempt's).
    const alpha = await new RegistryClient(endpoint.url, endpoint.token).packument('@acme/alpha');
    expect(alpha!.versions['1.0.0']!.cinatra!.permissions).toEqual(['notifications.send']);
  });

  test('publishing without a valid token, or without the scope or the role, is refused', async () => {
    const files = await signedFiles(await extensionDir('@acme/gamma', '1.0.0'));
    const attempt = (token: string) =>
      publishPackage({
        registryUrl: a.registryUrl,
        token,
        tarball: files.tarball,
        bundle: files.bundle,
      }).then(
        () => new PublishError('failed', 'it was published'),
        (e: unknown) => e as PublishError,
      );
    expect((await attempt('cin_not-a-real-token')).code).toMatch(/unauthorized|forbidden/);
    const readOnly = (await createToken(a.admin, { name: 'read', scopes: ['registry_package:read'] })).token;
    expect((await attempt(readOnly)).code).toMatch(/unauthorized|forbidden/);
    const member = await createUser(a.admin, 'author@example.com', 'Author');
    const memberClient = await signIn(a.platform.server, member.email);
    const memberToken = (
      await createToken(memberClient, { name: 'mine', scopes: ['registry_package:write'] })
    ).token;
    expect((await attempt(memberToken)).code).toMatch(/unauthorized|forbidden/);
    const denied = await auditEvents(a.admin, { operation: 'registry_package.publish', decision: 'deny' });
    expect(denied.some((e) => e.actorId === member.id && e.resourceId === '@acme/gamma')).toBe(true);

    // npm without any token gets nothing, not even whether a package exists.
    const dir = await extensionDir('@acme/gamma', '1.0.0');
    const anonymous = await npm(dir, a.registryUrl, null, ['publish']);
    expect(anonymous.code).not.toBe(0);
    expect((await fetch(`${a.registryUrl}@acme%2falpha`)).status).toBe(403);
    expect((await fetch(`${a.registryUrl}@acme%2fnothing`)).status).toBe(403);
  });
});

describe('visibility and promotion', () => {
  beforeAll(async () => {
    await configurePublicDestination(a, await publicAccount('instance-a'));
    await configurePublicDestination(b, await publicAccount('instance-b'));
  });

  test("A's private packages are invisible to B, on the server", async () => {
    expect((await catalogue(b)).map((e) => e.name)).not.toContain('@acme/alpha');
    // B's own credentials mean nothing to A's registry.
    const bToken = (await createToken(b.admin, { name: 'b', scopes: ['*'] })).token;
    const res = await fetch(`${a.registryUrl}@acme%2falpha`, {
      headers: { authorization: `Bearer ${bToken}` },
    });
    expect(res.status).toBe(403);
    const bEndpoint = b.platform.kernel.resolve(EMBEDDED_REGISTRY).endpoint();
    expect(await new RegistryClient(bEndpoint.url, bEndpoint.token).packument('@acme/alpha')).toBeNull();
  });

  test('the catalogue shows the instance packages with signature status, tier and permissions', async () => {
    const entries = await catalogue(a);
    const alpha = entries.find((e) => e.name === '@acme/alpha')!;
    expect(alpha).toMatchObject({
      source: 'instance',
      visibility: 'private',
      latest: '1.0.0',
      publisher: 'acme',
      tier: 'community',
      permissions: ['notifications.send'],
      signature: { status: 'verified', keyId: key.keyId },
    });
    expect(entries.find((e) => e.name === '@acme/beta')!.signature.status).toBe('unsigned');
  });

  test('promotion is admin-only, audited, and makes the version visible to B', async () => {
    const member = await signIn(a.platform.server, 'author@example.com');
    expectProblem(
      await member.post('/api/registry/promotions', { name: '@acme/alpha', version: '1.0.0' }),
      403,
      'forbidden',
    );

    const res = await a.admin.post('/api/registry/promotions', { name: '@acme/alpha', version: '1.0.0' });
    expect(res.statusCode, res.body).toBe(201);
    const promoted = await auditEvents(a.admin, { operation: 'registry_package.promoted' });
    expect(promoted.map((e) => e.resourceId)).toContain('@acme/alpha@1.0.0');

    const seenByB = (await catalogue(b, 'alpha')).find((e) => e.name === '@acme/alpha');
    expect(seenByB).toMatchObject({
      source: 'public',
      visibility: 'public',
      tier: 'community',
      signature: { status: 'verified' },
    });
    // The exact bytes travelled: same integrity on both sides.
    const fromA = await fetchPackage(
      a.registryUrl,
      '@acme/alpha',
      '1.0.0',
      a.platform.kernel.resolve(EMBEDDED_REGISTRY).endpoint().token,
    );
    const bDestination = (await b.admin.get('/api/registry/destinations')).json<{
      public: { url: string };
    }>();
    expect(bDestination.public.url).toBe(publicRegistry.url);
    const bPublicToken = await publicAccount('reader');
    const fromPublic = await fetchPackage(publicRegistry.url, '@acme/alpha', '1.0.0', bPublicToken);
    expect(fromPublic.integrity).toBe(fromA.integrity);
    expect(fromPublic.bundle).toEqual(fromA.bundle);

    // Unsigned packages are not promoted.
    expectProblem(
      await a.admin.post('/api/registry/promotions', { name: '@acme/beta', version: '1.0.0' }),
      409,
      'conflict',
    );
  });

  test('promotion cannot be reversed or repeated', async () => {
    expectProblem(
      await a.admin.post('/api/registry/demotions', { name: '@acme/alpha', version: '1.0.0' }),
      409,
      'conflict',
    );
    const refused = await auditEvents(a.admin, { operation: 'registry_package.demote', decision: 'deny' });
    expect(refused.length).toBeGreaterThan(0);
    expectProblem(
      await a.admin.post('/api/registry/promotions', { name: '@acme/alpha', version: '1.0.0' }),
      409,
      'conflict',
    );

    // The public registry itself refuses to take the version back.
    const dir = await mkdtemp(join(work, 'unpub-'));
    await mkdir(dir, { recursive: true });
    const unpublish = await npm(dir, publicRegistry.url, await publicAccount('instance-a2'), [
      'unpublish',
      '@acme/alpha@1.0.0',
      '--force',
    ]);
    expect(unpublish.code).not.toBe(0);
    expect((await catalogue(b, 'alpha')).some((e) => e.name === '@acme/alpha' && e.source === 'public')).toBe(
      true,
    );
  });

  test('search spans both registries with each signature status', async () => {
    const entries = await catalogue(a, 'acme');
    const alpha = entries.filter((e) => e.name === '@acme/alpha').map((e) => [e.source, e.signature.status]);
    expect(alpha).toEqual([
      ['instance', 'verified'],
      ['public', 'verified'],
    ]);
    expect(
      entries.find((e) => e.name === '@acme/alpha' && e.source === 'instance')!.promotedVersions,
    ).toEqual(['1.0.0']);
    expect(entries.some((e) => e.name === '@acme/beta' && e.source === 'instance')).toBe(true);
    expect(entries.some((e) => e.name === '@acme/beta' && e.source === 'public')).toBe(false);
  });
});
