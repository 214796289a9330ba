import { generateKeyPairSync } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAsActor, systemActor } from '@cinatra/kernel';
import { createTestDatabase, makeDataDir, testConfig, type TestDatabase } from '@cinatra/kernel/testing';
import {
  generateSigningKey,
  packExtension,
  signExtension,
  verifyPackageTarball,
  type SigningKey,
} from '@cinatra/sdk';
import { createPlatform, type Platform } from '@cinatra/host';
import { TRUST_STORE } from '../src/extensions/trust/TrustStore.js';
import { runCli } from '../src/cli/runCli.js';
import {
  anonymous,
  auditEvents,
  createUser,
  expectAudited,
  expectProblem,
  setUpAdmin,
  signIn,
  type SessionClient,
} from './support/apiClient.js';
import { bufferIo } from './support/cliIo.js';

let db: TestDatabase;
let platform: Platform;
let admin: SessionClient;
let member: SessionClient;
let key: SigningKey;
let tarball: Buffer;
let bundle: unknown;

async function writeExtension(dir: string): Promise<void> {
  const files: Record<string, string> = {
    'package.json': JSON.stringify({
      name: '@acme/hello',
      version: '1.0.0',
      cinatra: {
        apiVersion: 1,
        kinds: ['mcp-tools'],
        displayName: 'Hello',
        publisher: 'acme',
        engine: '^1.0.0',
        entry: 'index.js',
        contributes: { mcpTools: [{ name: 'hi', description: 'Hi', inputSchema: { type: 'object' } }] },
      },
    }),
    'index.js': 'export default {};\n',
  };
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
}

/** What the installer sees: verification against the current trust store. */
const verify = async () =>
  verifyPackageTarball(
    tarball,
    bundle,
    await runAsActor(systemActor(), () => platform.kernel.resolve(TRUST_STORE).lookup()),
  ).then(
    (verified) => verified.tier,
    (error: { code?: string }) => error.code,
  );

beforeAll(async () => {
  db = await createTestDatabase();
  platform = await createPlatform(testConfig({ databaseUrl: db.url }));
  admin = await setUpAdmin(platform);
  await createUser(admin, 'member@example.com', 'Member');
  member = await signIn(platform.server, 'member@example.com');
  key = generateSigningKey();
  const dir = join(makeDataDir(), 'ext');
  await writeExtension(dir);
  ({ tarball } = await packExtension(dir));
  bundle = await signExtension({ tarball, privateKeyPem: key.privateKeyPem });
});

afterAll(async () => {
  await platform?.stop();
  await db?.drop();
});

describe('trust store over HTTP', () => {
  it('starts empty: nothing verifies until an operator trusts a key', async () => {
    const res = await admin.get('/api/trust');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ keys: [], revokedVersions: [] });
    expect(await verify()).toBe('unknown_key');
  });

  it('only platform admins may list or change it, and denials are audited', async () => {
    expectProblem(await anonymous(platform.server).get('/api/trust'), 401, 'unauthenticated');
    const denied = await member.post('/api/trust/keys', {
      publicKeyPem: key.publicKeyPem,
      publisher: 'acme',
      tier: 'private',
    });
    expectProblem(denied, 403, 'forbidden');
    await expectAudited(admin, denied, { operation: 'trust_key.add', decision: 'deny' });
    expectProblem(await member.get('/api/trust'), 403, 'forbidden');
    expectProblem(
      await member.post('/api/trust/version-revocations', { name: 'x', version: '1.0.0', reason: 'r' }),
      403,
      'forbidden',
    );
  });

  it('adds a key (audited), after which the package verifies at that tier', async () => {
    const res = await admin.post('/api/trust/keys', {
      publicKeyPem: key.publicKeyPem,
      publisher: 'acme',
      tier: 'partner',
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({
      keyId: key.keyId,
      publisher: 'acme',
      tier: 'partner',
      revokedAt: null,
    });
    await expectAudited(admin, res, { operation: 'trust_key.added', resourceId: key.keyId });
    expect(await verify()).toBe('partner');
    expectProblem(
      await admin.post('/api/trust/keys', {
        publicKeyPem: key.publicKeyPem,
        publisher: 'acme',
        tier: 'partner',
      }),
      409,
      'conflict',
    );
  });

  it('refuses a key that is not an ECDSA P-256 public key, naming the field', async () => {
    const ed = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
    for (const publicKeyPem of [ed, 'not a key']) {
      const problem = expectProblem(
        await admin.post('/api/trust/keys', { publicKeyPem, publisher: 'acme', tier: 'community' }),
        400,
        'validation_failed',
      );
      expect(problem.errors?.map((e) => e.path)).toContain('/publicKeyPem');
    }
  });

  it('revokes a version, then the key; each refuses verification with its reason and is audited', async () => {
    const version = await admin.post('/api/trust/version-revocations', {
      name: '@acme/hello',
      version: '1.0.0',
      reason: 'leaks tokens',
    });
    expect(version.statusCode, version.body).toBe(201);
    await expectAudited(admin, version, {
      operation: 'extension_version.revoked',
      resourceId: '@acme/hello@1.0.0',
    });
    expect(await verify()).toBe('version_revoked');

    const revoked = await admin.post('/api/trust/key-revocations', {
      keyId: key.keyId,
      reason: 'key leaked',
    });
    expect(revoked.statusCode, revoked.body).toBe(200);
    expect(revoked.json()).toMatchObject({ revokedReason: 'key leaked', revokedAt: expect.any(String) });
    await expectAudited(admin, revoked, { operation: 'trust_key.revoked', resourceId: key.keyId });
    expect(await verify()).toBe('key_revoked');

    // Revoked keys stay listed (with who and why); they cannot be re-added.
    const listing = (await admin.get('/api/trust')).json<{ keys: Array<{ revokedBy: string }> }>();
    expect(listing.keys).toEqual([expect.objectContaining({ revokedBy: admin.user.id })]);
    expectProblem(
      await admin.post('/api/trust/key-revocations', { keyId: `sha256:${'0'.repeat(64)}`, reason: 'x' }),
      404,
      'not_found',
    );
  });
});

describe('cinatra trust', () => {
  it('adds, lists and revokes as the operator, audited as system:cli', async () => {
    const dataDir = makeDataDir();
    const env = { DATABASE_URL: db.url, CINATRA_DATA_DIR: dataDir, CINATRA_LOG_LEVEL: 'silent' };
    const own = generateSigningKey();
    const pemFile = join(dataDir, 'own.pub.pem');
    await writeFile(pemFile, own.publicKeyPem);

    let io = bufferIo(env);
    const add = ['trust', 'add-key', pemFile, '--publisher', 'ops', '--tier', 'private'];
    expect(await runCli(add, io), io.err.join('')).toBe(0);
    expect(io.out.join('')).toContain(`Trusted key ${own.keyId} for publisher ops (tier private).`);

    io = bufferIo(env);
    expect(await runCli(['trust', 'add-key', pemFile, '--publisher', 'ops', '--tier', 'root'], io)).toBe(2);
    expect(io.err.join('')).toMatch(/^--tier must be one of first-party, partner, community, private/);

    io = bufferIo(env);
    expect(await runCli(['trust', 'revoke-version', '@ops/tool', '2.0.0', '--reason', 'broken'], io)).toBe(0);
    io = bufferIo(env);
    expect(await runCli(['trust', 'revoke-key', own.keyId, '--reason', 'rotated'], io)).toBe(0);
    io = bufferIo(env);
    expect(await runCli(['trust', 'list'], io), io.err.join('')).toBe(0);
    const listed = io.out.join('');
    expect(listed).toMatch(new RegExp(`${own.keyId}  ops  private  REVOKED .* \\(rotated\\)`));
    expect(listed).toContain('@ops/tool@2.0.0');

    const events = await auditEvents(admin, { operation: 'trust_key.added', resourceId: own.keyId });
    expect(events).toEqual([expect.objectContaining({ actorId: 'system:cli' })]);
  });
});
