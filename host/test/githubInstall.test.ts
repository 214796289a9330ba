import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestDatabase, testConfig } from '@cinatra/kernel/testing';
import { runAsActor, systemActor, type ActorContext } from '@cinatra/kernel';
import { packExtension, readTarball, signExtension, type SigningKey } from '@cinatra/sdk';
import { createPlatform, EXTENSION_MANAGER } from '@cinatra/host';
import { TRUST_STORE } from '../src/extensions/trust/TrustStore.js';
import type { OperationView } from '../src/extensions/install/InstallJournal.js';
import type { ReleaseView } from '../src/extensions/install/GitHubReleaseSource.js';
import { runCli } from '../src/cli/runCli.js';
import {
  auditEvents,
  createUser,
  expectProblem,
  setUpAdmin,
  signIn,
  PASSWORD,
  type SessionClient,
} from './support/apiClient.js';
import { bufferIo } from './support/cliIo.js';
import { adminActorOf, trustTestPublisher } from './support/extensionSetup.js';

/**
 * Installing from GitHub releases against a local server that speaks GitHub's REST API
 * shapes (release and asset objects, 302 from the asset endpoint to storage, GitHub's 404
 * body) and serves real tarballs packed and signed here with the SDK: an asset install, a
 * repository that is the package (source tarball with GitHub's `<owner>-<repo>-<sha>/`
 * prefix), malicious archives (`../` paths, links leaving the archive) refused with nothing
 * left behind, a release without a bundle, unknown repositories and tags, the CLI.
 */

const OWNER = 'acme';
const work = mkdtempSync(join(tmpdir(), 'cinatra-github-'));

// ------------------------------------------------------------------ a GitHub-shaped server

interface FakeAsset {
  id: number;
  name: string;
  bytes: Buffer;
  contentType: string;
}
interface FakeRelease {
  id: number;
  tag: string;
  prerelease?: boolean;
  assets: FakeAsset[];
  /** The source tarball GitHub builds for the tag. */
  source?: Buffer;
}

const repos = new Map<string, FakeRelease[]>();
const requests: Array<{ path: string; authorization: string | undefined }> = [];
let nextId = 1000;
let github: Server;
/** GitHub's storage hosts (objects.githubusercontent.com, codeload) are other origins: another port here. */
let storageServer: Server;
let base: string;
let storageBase: string;

const NOT_FOUND = {
  message: 'Not Found',
  documentation_url: 'https://docs.github.com/rest/releases/releases#get-a-release-by-tag-name',
  status: '404',
};

function releaseJson(owner: string, repo: string, r: FakeRelease) {
  return {
    url: `${base}/repos/${owner}/${repo}/releases/${r.id}`,
    html_url: `${base}/${owner}/${repo}/releases/tag/${r.tag}`,
    id: r.id,
    node_id: `RE_${r.id}`,
    tag_name: r.tag,
    target_commitish: 'main',
    name: `Release ${r.tag}`,
    draft: false,
    prerelease: r.prerelease ?? false,
    created_at: '2025-01-01T00:00:00Z',
    published_at: '2025-01-01T00:00:00Z',
    author: { login: owner, id: 1, type: 'User' },
    tarball_url: `${base}/repos/${owner}/${repo}/tarball/${r.tag}`,
    zipball_url: `${base}/repos/${owner}/${repo}/zipball/${r.tag}`,
    body: '',
    assets: r.assets.map((a) => ({
      url: `${base}/repos/${owner}/${repo}/releases/assets/${a.id}`,
      id: a.id,
      node_id: `RA_${a.id}`,
      name: a.name,
      label: null,
      content_type: a.contentType,
      state: 'uploaded',
      size: a.bytes.length,
      download_count: 0,
      created_at: '2025-01-01T00:00:00Z',
      updated_at: '2025-01-01T00:00:00Z',
      browser_download_url: `${base}/${owner}/${repo}/releases/download/${r.tag}/${a.name}`,
      uploader: { login: owner, id: 1, type: 'User' },
    })),
  };
}

function handle(req: IncomingMessage): {
  status: number;
  headers?: Record<string, string>;
  body?: Buffer | object;
} {
  const url = new URL(req.url!, base);
  requests.push({ path: url.pathname, authorization: req.headers.authorization });
  let m = /^\/repos\/([^/]+)\/([^/]+)\/(.*)$/.exec(url.pathname);
  if (m) {
    const [, owner, repo, rest] = m as unknown as [string, string, string, string];
    const releases = repos.get(`${owner}/${repo}`);
    if (!releases) return { status: 404, body: NOT_FOUND };
    if (rest === 'releases') return { status: 200, body: releases.map((r) => releaseJson(owner, repo, r)) };
    if (rest === 'releases/latest') {
      const latest = releases.find((r) => !r.prerelease);
      return latest
        ? { status: 200, body: releaseJson(owner, repo, latest) }
        : { status: 404, body: NOT_FOUND };
    }
    const tag = /^releases\/tags\/(.+)$/.exec(rest)?.[1];
    if (tag) {
      const r = releases.find((x) => x.tag === decodeURIComponent(tag));
      return r ? { status: 200, body: releaseJson(owner, repo, r) } : { status: 404, body: NOT_FOUND };
    }
    const assetId = /^releases\/assets\/(\d+)$/.exec(rest)?.[1];
    if (assetId) {
      const release = releases.find((r) => r.assets.some((a) => a.id === Number(assetId)));
      const asset = release?.assets.find((a) => a.id === Number(assetId));
      if (!asset) return { status: 404, body: NOT_FOUND };
      if (req.headers.accept === 'application/octet-stream') {
        // As GitHub does: a redirect to short-lived storage on another host.
        return { status: 302, headers: { location: `${storageBase}/storage/${asset.id}?sig=abc` } };
      }
      return { status: 200, body: releaseJson(owner, repo, release!).assets.find((a) => a.id === asset.id)! };
    }
    const tarballTag = /^tarball\/(.+)$/.exec(rest)?.[1];
    if (tarballTag) {
      return {
        status: 302,
        headers: { location: `${storageBase}/codeload/${owner}/${repo}/legacy.tar.gz/${tarballTag}` },
      };
    }
    return { status: 404, body: NOT_FOUND };
  }
  m = /^\/storage\/(\d+)$/.exec(url.pathname);
  if (m) {
    for (const releases of repos.values())
      for (const r of releases)
        for (const a of r.assets)
          if (a.id === Number(m[1]))
            return { status: 200, headers: { 'content-type': 'application/octet-stream' }, body: a.bytes };
  }
  m = /^\/codeload\/([^/]+)\/([^/]+)\/legacy\.tar\.gz\/(.+)$/.exec(url.pathname);
  if (m) {
    const r = repos.get(`${m[1]}/${m[2]}`)?.find((x) => x.tag === decodeURIComponent(m![3]!));
    if (r?.source) return { status: 200, headers: { 'content-type': 'application/x-gzip' }, body: r.source };
  }
  return { status: 404, body: NOT_FOUND };
}

function addRelease(
  repo: string,
  tag: string,
  assets: Array<{ name: string; bytes: Buffer }>,
  source?: Buffer,
) {
  const list = repos.get(`${OWNER}/${repo}`) ?? [];
  list.unshift({
    id: nextId++,
    tag,
    assets: assets.map((a) => ({
      id: nextId++,
      name: a.name,
      bytes: a.bytes,
      contentType: a.name.endsWith('.json') ? 'application/json' : 'application/gzip',
    })),
    ...(source ? { source } : {}),
  });
  repos.set(`${OWNER}/${repo}`, list);
}

// ------------------------------------------------------------------ packages and archives

let publisher: SigningKey;

/** A signed extension package, packed and signed with the SDK; its files too (for a source tarball). */
async function build(name: string, version: string) {
  const dir = mkdtempSync(join(work, 'pkg-'));
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({
      name,
      version,
      type: 'module',
      private: true,
      cinatra: {
        apiVersion: 1,
        kinds: ['mcp-tools'],
        displayName: name,
        publisher: 'cinatra-test',
        engine: '^1.0.0',
        entry: 'index.js',
        contributes: {
          mcpTools: [
            { name: 'version', description: 'Says which version answers', inputSchema: { type: 'object' } },
          ],
        },
        resources: { memoryMb: 64 },
      },
    }),
  );
  writeFileSync(
    join(dir, 'index.js'),
    `import { defineExtension } from '@cinatra/sdk';
export default defineExtension({
  activate() {
    return { tools: { version: async () => ({ content: [{ type: 'text', text: 'v' }], structuredContent: { version: '${version}' } }) } };
  },
});
`,
  );
  const packed = await packExtension(dir);
  const bundle = await signExtension({ tarball: packed.tarball, privateKeyPem: publisher.privateKeyPem });
  return { tarball: packed.tarball, bundle, files: readTarball(packed.tarball) };
}

interface Entry {
  name: string;
  data?: Buffer;
  /** ustar type flag: '0' file, '2' symlink, '5' directory, 'g' pax global header. */
  type?: string;
  link?: string;
}

/** Tar bytes written by hand, so an archive can hold what no packer writes (`../`, outward links). */
function tar(entries: Entry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const data = e.data ?? Buffer.alloc(0);
    const head = Buffer.alloc(512);
    head.write(e.name, 0, 100, 'utf8');
    head.write('0000644\0', 100, 8, 'latin1');
    head.write('0000000\0', 108, 8, 'latin1');
    head.write('0000000\0', 116, 8, 'latin1');
    head.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124, 12, 'latin1');
    head.write('14114720664\0', 136, 12, 'latin1');
    head.fill(' ', 148, 156);
    head.write(e.type ?? '0', 156, 1, 'latin1');
    if (e.link) head.write(e.link, 157, 100, 'utf8');
    head.write('ustar\u000000', 257, 8, 'latin1');
    let sum = 0;
    for (const b of head) sum += b;
    head.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'latin1');
    blocks.push(head, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}

/** A source tarball as GitHub builds it: a pax global header with the commit, then `<owner>-<repo>-<sha>/…`. */
function sourceTarball(top: string, files: Map<string, Buffer>, extra: Entry[] = []): Buffer {
  const comment = Buffer.from('52 comment=0123456789abcdef0123456789abcdef01234567\n');
  return tar([
    { name: 'pax_global_header', type: 'g', data: comment },
    { name: `${top}/`, type: '5' },
    ...[...files].map(([path, data]) => ({ name: `${top}/${path}`, data })),
    { name: `${top}/README.md`, data: Buffer.from('# the repository\n') },
    { name: `${top}/test/`, type: '5' },
    { name: `${top}/test/index.test.js`, data: Buffer.from('// not part of the package\n') },
    ...extra,
  ]);
}

// ------------------------------------------------------------------ the platform

const db = await createTestDatabase();
let platform: Awaited<ReturnType<typeof createPlatform>>;
const dataDir = mkdtempSync(join(work, 'platform-'));
let admin: SessionClient;
let adminActor: ActorContext;

const repoUrl = (repo: string) => `${base}/${OWNER}/${repo}`;
const install = (body: Record<string, unknown>) => admin.post('/api/extensions/install/github', body);

async function callVersion(name: string): Promise<string> {
  const manager = platform.kernel.resolve(EXTENSION_MANAGER);
  const result = await runAsActor(adminActor, () => manager.callTool(name, 'version', {}));
  return (result.structuredContent as { version: string }).version;
}

/** Nothing of a refused install may remain: no staging directory content, no package, no row. */
async function expectNothingLeft(name: string) {
  const staging = join(dataDir, 'extensions', 'staging');
  expect(existsSync(staging) ? readdirSync(staging) : []).toEqual([]);
  expect(existsSync(join(dataDir, 'extensions', 'packages', name))).toBe(false);
  expect(existsSync(join(dataDir, 'extensions', 'evil.js'))).toBe(false);
  expect(existsSync(join(dataDir, 'evil.js'))).toBe(false);
  expect((await admin.get(`/api/extensions?name=${encodeURIComponent(name)}`)).json()).toEqual([]);
}

beforeAll(async () => {
  const serve = (req: IncomingMessage, res: ServerResponse) => {
    const answer = handle(req);
    const isJson = answer.body !== undefined && !Buffer.isBuffer(answer.body);
    res.writeHead(answer.status, {
      ...(isJson ? { 'content-type': 'application/json; charset=utf-8' } : {}),
      ...answer.headers,
    });
    res.end(isJson ? JSON.stringify(answer.body) : answer.body);
  };
  github = createServer(serve);
  storageServer = createServer(serve);
  await new Promise<void>((resolve) => github.listen(0, '127.0.0.1', resolve));
  await new Promise<void>((resolve) => storageServer.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(github.address() as AddressInfo).port}`;
  storageBase = `http://127.0.0.1:${(storageServer.address() as AddressInfo).port}`;
  platform = await createPlatform(testConfig({ databaseUrl: db.url, dataDir, github: { apiUrl: base } }));
  admin = await setUpAdmin(platform);
  adminActor = adminActorOf(admin);
  publisher = await trustTestPublisher(platform);
}, 60_000);

afterAll(async () => {
  await platform?.stop();
  await new Promise((resolve) => github?.close(resolve));
  await new Promise((resolve) => storageServer?.close(resolve));
  await db?.drop();
  rmSync(work, { recursive: true, force: true });
});

describe('install from a GitHub release', () => {
  test('lists releases, installs the .tgz asset through the pipeline, the tool answers; the token stays on the API host', async () => {
    const v1 = await build('@cinatra-test/gh-tool', '1.0.0');
    const v2 = await build('@cinatra-test/gh-tool', '2.0.0');
    addRelease('gh-tool', 'v1.0.0', [
      { name: 'cinatra-test-gh-tool-1.0.0.tgz', bytes: v1.tarball },
      { name: 'cinatra-test-gh-tool-1.0.0.sigstore.json', bytes: Buffer.from(JSON.stringify(v1.bundle)) },
    ]);
    addRelease('gh-tool', 'v2.0.0', [
      { name: 'cinatra-test-gh-tool-2.0.0.tgz', bytes: v2.tarball },
      { name: 'bundle.sigstore.json', bytes: Buffer.from(JSON.stringify(v2.bundle)) },
    ]);

    const secret = await admin.post('/api/secrets', {
      name: 'github-token',
      owner: { tier: 'workspace' },
      value: 'ghp_testtoken',
    });
    expect(secret.statusCode, secret.body).toBe(201);
    const secretId = secret.json<{ id: string }>().id;
    const grant = await admin.post(`/api/secrets/${secretId}/grants`, {
      granteeType: 'user',
      granteeId: admin.user.id,
    });
    expect(grant.statusCode, grant.body).toBeLessThan(300);

    const list = await admin.get(
      `/api/extensions/github/releases?url=${encodeURIComponent(repoUrl('gh-tool'))}&tokenSecretId=${secretId}`,
    );
    expect(list.statusCode, list.body).toBe(200);
    expect(list.json<ReleaseView[]>()).toEqual([
      expect.objectContaining({
        tag: 'v2.0.0',
        packageAsset: { name: 'cinatra-test-gh-tool-2.0.0.tgz', size: v2.tarball.length },
        bundleAsset: 'bundle.sigstore.json',
        installable: true,
        reason: null,
      }),
      expect.objectContaining({
        tag: 'v1.0.0',
        bundleAsset: 'cinatra-test-gh-tool-1.0.0.sigstore.json',
        installable: true,
      }),
    ]);

    requests.length = 0;
    const res = await install({ url: repoUrl('gh-tool'), tag: 'v1.0.0', tokenSecretId: secretId });
    expect(res.statusCode, res.body).toBe(200);
    const op = res.json<OperationView>();
    expect(op).toMatchObject({
      kind: 'install',
      extension: '@cinatra-test/gh-tool',
      toVersion: '1.0.0',
      status: 'succeeded',
      source: `github ${OWNER}/gh-tool@v1.0.0 (cinatra-test-gh-tool-1.0.0.tgz)`,
    });
    expect(op.stages.map((s) => s.stage)).toEqual([
      'resolve',
      'fetch',
      'verify',
      'unpack',
      'check',
      'consent',
      'persist',
      'activate',
      'commit',
      'health',
      'cleanup',
    ]);
    expect(await callVersion('@cinatra-test/gh-tool')).toBe('1.0.0');
    // The API calls carried the token; the redirected storage downloads did not.
    const api = requests.filter((r) => r.path.startsWith('/repos/'));
    const storage = requests.filter((r) => r.path.startsWith('/storage/'));
    expect(api.length).toBeGreaterThanOrEqual(3);
    expect(api.every((r) => r.authorization === 'Bearer ghp_testtoken')).toBe(true);
    expect(storage).toHaveLength(2);
    expect(storage.every((r) => r.authorization === undefined)).toBe(true);
    const [installed] = await auditEvents(admin, {
      operation: 'extension.installed',
      resourceId: '@cinatra-test/gh-tool',
    });
    expect(installed).toMatchObject({
      actorId: admin.user.id,
      metadata: expect.objectContaining({ version: '1.0.0' }),
    });
  });

  test('a repository that is the package: the source tarball (owner-repo-sha/ prefix) with the bundle asset', async () => {
    const pkg = await build('@cinatra-test/gh-source', '1.0.0');
    addRelease(
      'gh-source',
      'v1.0.0',
      [{ name: 'bundle.sigstore.json', bytes: Buffer.from(JSON.stringify(pkg.bundle)) }],
      sourceTarball(`${OWNER}-gh-source-0123456`, pkg.files),
    );
    const [release] = (
      await admin.get(`/api/extensions/github/releases?url=${encodeURIComponent(repoUrl('gh-source'))}`)
    ).json<ReleaseView[]>();
    expect(release).toMatchObject({
      packageAsset: null,
      bundleAsset: 'bundle.sigstore.json',
      installable: true,
    });

    const res = await install({ url: `${repoUrl('gh-source')}.git` });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<OperationView>()).toMatchObject({
      status: 'succeeded',
      toVersion: '1.0.0',
      source: `github ${OWNER}/gh-source@v1.0.0 (source tarball)`,
    });
    expect(await callVersion('@cinatra-test/gh-source')).toBe('1.0.0');
    // Only the signed files were taken from the repository.
    const dir = join(dataDir, 'extensions', 'packages');
    expect(readdirSync(dir).some((d) => d.includes('gh-source'))).toBe(true);
  });

  test('a release asset with ../ paths is refused and leaves nothing behind', async () => {
    const pkg = await build('@cinatra-test/gh-evil', '1.0.0');
    const evil = tar([
      ...[...pkg.files].map(([path, data]) => ({ name: `package/${path}`, data })),
      { name: 'package/../../evil.js', data: Buffer.from('process.exit(1)') },
    ]);
    addRelease('gh-evil', 'v1.0.0', [
      { name: 'gh-evil-1.0.0.tgz', bytes: evil },
      { name: 'gh-evil-1.0.0.sigstore.json', bytes: Buffer.from(JSON.stringify(pkg.bundle)) },
    ]);
    const problem = expectProblem(await install({ url: repoUrl('gh-evil') }), 409, 'conflict');
    expect(problem.detail).toMatch(
      /gh-evil-1\.0\.0\.tgz of acme\/gh-evil@v1\.0\.0 is refused: .*evil\.js.* is not a plain relative path/,
    );
    await expectNothingLeft('@cinatra-test/gh-evil');
    const [failed] = await auditEvents(admin, {
      operation: 'extension.operation_failed',
      resourceId: `github:${OWNER}/gh-evil`,
    });
    expect(failed).toMatchObject({ actorId: admin.user.id, reason: 'archive_unsafe' });
  });

  test('a source tarball with ../ paths, an absolute path or a link leaving the archive is refused', async () => {
    const pkg = await build('@cinatra-test/gh-evil-src', '1.0.0');
    const top = `${OWNER}-gh-evil-src-abcdef0`;
    const cases: Array<[string, Entry, RegExp]> = [
      ['v1', { name: `${top}/../evil.js`, data: Buffer.from('x') }, /not a plain relative path/],
      ['v2', { name: '/tmp/evil.js', data: Buffer.from('x') }, /not a plain relative path/],
      [
        'v3',
        { name: `${top}/lib/passwd`, type: '2', link: '../../../etc/passwd' },
        /link .* leaves the archive/,
      ],
      ['v4', { name: `${top}/abs`, type: '2', link: '/etc/passwd' }, /link .* leaves the archive/],
      ['v5', { name: `${top}/hard`, type: '1', link: 'elsewhere/file' }, /link .* leaves the archive/],
    ];
    for (const [tag, entry] of cases) {
      addRelease(
        'gh-evil-src',
        tag,
        [{ name: 'bundle.sigstore.json', bytes: Buffer.from(JSON.stringify(pkg.bundle)) }],
        sourceTarball(top, pkg.files, [entry]),
      );
    }
    for (const [tag, , reason] of cases) {
      const problem = expectProblem(await install({ url: repoUrl('gh-evil-src'), tag }), 409, 'conflict');
      expect(problem.detail).toMatch(/The source tarball is refused/);
      expect(problem.detail).toMatch(reason);
    }
    await expectNothingLeft('@cinatra-test/gh-evil-src');
  });

  test('a release without a bundle asset is refused with the reason', async () => {
    const pkg = await build('@cinatra-test/gh-unsigned', '1.0.0');
    addRelease('gh-unsigned', 'v1.0.0', [{ name: 'gh-unsigned-1.0.0.tgz', bytes: pkg.tarball }]);
    const [release] = (
      await admin.get(`/api/extensions/github/releases?url=${encodeURIComponent(repoUrl('gh-unsigned'))}`)
    ).json<ReleaseView[]>();
    expect(release).toMatchObject({ installable: false, bundleAsset: null });
    expect(release!.reason).toMatch(/no signature bundle asset/);
    const problem = expectProblem(await install({ url: repoUrl('gh-unsigned') }), 409, 'conflict');
    expect(problem.detail).toMatch(
      /acme\/gh-unsigned: release v1\.0\.0 has no signature bundle asset \(bundle\.sigstore\.json or gh-unsigned-1\.0\.0\.sigstore\.json\); only signed packages install/,
    );
    await expectNothingLeft('@cinatra-test/gh-unsigned');
  });

  test('an unknown repository or tag is a 404 problem; another host is a 400; non-admins are refused', async () => {
    let problem = expectProblem(
      await admin.get(`/api/extensions/github/releases?url=${encodeURIComponent(repoUrl('nothing-here'))}`),
      404,
      'not_found',
    );
    expect(problem.detail).toMatch(/GitHub answers 404 for acme\/nothing-here/);
    expectProblem(await install({ url: repoUrl('nothing-here') }), 404, 'not_found');
    problem = expectProblem(await install({ url: repoUrl('gh-tool'), tag: 'v9.9.9' }), 404, 'not_found');
    expect(problem.detail).toMatch(/acme\/gh-tool has no release v9\.9\.9/);
    problem = expectProblem(
      await install({ url: 'https://gitlab.com/acme/gh-tool' }),
      400,
      'validation_failed',
    );
    expect(problem.detail).toMatch(/is not a repository on 127\.0\.0\.1:\d+/);

    await createUser(admin, 'member@example.com', 'Member');
    const member = await signIn(platform.server, 'member@example.com', PASSWORD);
    requests.length = 0;
    expectProblem(
      await member.post('/api/extensions/install/github', { url: repoUrl('gh-tool') }),
      403,
      'forbidden',
    );
    expectProblem(
      await member.get(`/api/extensions/github/releases?url=${encodeURIComponent(repoUrl('gh-tool'))}`),
      403,
      'forbidden',
    );
    expect(requests).toEqual([]); // refused before anything was fetched
  });
});

describe('cinatra ext install <github-url>', () => {
  test('installs a release by tag with progress, refuses an unknown one in one line', async () => {
    const other = await createTestDatabase();
    const cliDataDir = mkdtempSync(join(work, 'data-'));
    try {
      const seed = await createPlatform(testConfig({ databaseUrl: other.url, dataDir: cliDataDir }));
      await runAsActor(systemActor(), () =>
        seed.kernel
          .resolve(TRUST_STORE)
          .addKey({ publicKeyPem: publisher.publicKeyPem, publisher: 'cinatra-test', tier: 'private' }),
      );
      await seed.stop();
      const env = {
        DATABASE_URL: other.url,
        CINATRA_DATA_DIR: cliDataDir,
        CINATRA_LOG_LEVEL: 'silent',
        CINATRA_GITHUB_API_URL: base,
      };
      let io = bufferIo(env);
      expect(
        await runCli(['ext', 'install', repoUrl('gh-tool'), '--tag', 'v2.0.0'], io),
        io.err.join(''),
      ).toBe(0);
      expect(io.out.join('')).toMatch(
        /✓ Installed @cinatra-test\/gh-tool@2\.0\.0 \(operation .*\)\.\nNext: cinatra ext list\n$/,
      );
      expect(io.err.join('')).toContain(`Installing from ${repoUrl('gh-tool')} (release v2.0.0)…`);
      expect(io.err.join('')).toContain('@cinatra-test/gh-tool: verify…');

      io = bufferIo(env);
      expect(await runCli(['ext', 'install', repoUrl('gh-tool'), '--tag', 'v0.0.1'], io)).toBe(1);
      expect(io.err.join('')).toMatch(/acme\/gh-tool has no release v0\.0\.1/);

      io = bufferIo(env);
      expect(await runCli(['ext', 'install', './x.tgz', '--tag', 'v1'], io)).toBe(2);
      expect(io.err.join('')).toMatch(/--tag and --token-secret are for GitHub repository URLs/);
    } finally {
      await other.drop();
    }
  }, 120_000);
});
