import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ANONYMOUS_ACTOR,
  AUTHENTICATOR,
  createKernel,
  encodeMasterKey,
  generateMasterKey,
  masterKeyPaths,
  parseMasterKey,
  runAsActor,
  SECRET_STORE,
  type CinatraConfig,
} from '@cinatra/kernel';
import { createTestDatabase, makeDataDir, testConfig, type TestDatabase } from '@cinatra/kernel/testing';
import { createPlatform, hostMigrations, type Platform } from '@cinatra/host';
import { runCli } from '../src/cli/runCli.js';
import {
  createToken,
  createUser,
  expectAudited,
  expectProblem,
  setUpAdmin,
  signIn,
  type ApiClient,
  type Response,
  type SessionClient,
  type UserJson,
} from './support/apiClient.js';
import { bufferIo } from './support/cliIo.js';

const VALUE = 'pg-password-7c1e9b02d4';
const UNKNOWN = '00000000-0000-4000-8000-000000000000';

let db: TestDatabase;
let platform: Platform;
let admin: SessionClient;
let alice: SessionClient;
let bob: SessionClient;
let dave: SessionClient;
const users: Record<'alice' | 'bob' | 'dave', UserJson> = {} as never;
let acmeId: string;
/** Every response a test received, to check that none ever carried a secret value. */
const responses: Response[] = [];

interface SecretJson {
  id: string;
  name: string;
  owner: Record<string, string>;
  version: number;
}

/** Records every response of `client` for the no-plaintext check. */
function recorded(client: SessionClient): SessionClient {
  const keep = async (res: Promise<Response>) => {
    const response = await res;
    responses.push(response);
    return response;
  };
  return {
    ...client,
    request: (method, url, body, headers) => keep(client.request(method, url, body, headers)),
    get: (url, headers) => keep(client.get(url, headers)),
    post: (url, body, headers) => keep(client.post(url, body, headers)),
    put: (url, body, headers) => keep(client.put(url, body, headers)),
    patch: (url, body, headers) => keep(client.patch(url, body, headers)),
    delete: (url, headers) => keep(client.delete(url, headers)),
  };
}

async function createSecret(as: ApiClient, body: unknown): Promise<SecretJson> {
  const res = await as.post('/api/secrets', body);
  expect(res.statusCode, res.body).toBe(201);
  return res.json<SecretJson>();
}

beforeAll(async () => {
  db = await createTestDatabase();
  platform = await createPlatform(testConfig({ databaseUrl: db.url }));
  admin = recorded(await setUpAdmin(platform));
  for (const name of ['alice', 'bob', 'dave'] as const) {
    users[name] = await createUser(admin, `${name}@example.com`, name[0]!.toUpperCase() + name.slice(1));
  }
  let res = await admin.post('/api/organizations', { slug: 'acme', name: 'Acme' });
  acmeId = res.json<{ id: string }>().id;
  for (const [name, role] of [
    ['alice', 'org_admin'],
    ['bob', 'member'],
  ] as const) {
    res = await admin.put(`/api/organizations/${acmeId}/members/${users[name].id}`, { role });
    expect(res.statusCode, res.body).toBe(200);
  }
  res = await admin.post('/api/organizations', { slug: 'globex', name: 'Globex', ownerId: users.dave.id });
  expect(res.statusCode, res.body).toBe(201);
  alice = recorded(await signIn(platform.server, 'alice@example.com'));
  bob = recorded(await signIn(platform.server, 'bob@example.com'));
  dave = recorded(await signIn(platform.server, 'dave@example.com'));
});

afterAll(async () => {
  await platform?.stop();
  await db?.drop();
});

describe('secrets API', () => {
  let secret: SecretJson;

  beforeAll(async () => {
    secret = await createSecret(alice, {
      name: 'warehouse.password',
      owner: { tier: 'organization', id: acmeId },
      value: VALUE,
    });
  });

  it('creates a secret and answers with metadata only, audited', async () => {
    expect(secret).toMatchObject({
      name: 'warehouse.password',
      owner: { tier: 'organization', organizationId: acmeId },
      version: 1,
    });
    expect(Object.keys(secret).sort()).toEqual(
      ['createdAt', 'createdBy', 'id', 'name', 'owner', 'updatedAt', 'version'].sort(),
    );
    const res = await alice.post('/api/secrets', {
      name: 'audited',
      owner: { tier: 'user', id: users.alice.id },
      value: VALUE,
    });
    expect(res.statusCode, res.body).toBe(201);
    await expectAudited(admin, res, {
      operation: 'secret.created',
      actorId: users.alice.id,
      resourceId: res.json<SecretJson>().id,
    });
  });

  it('lists, reads and replaces values without returning them', async () => {
    const listed = await bob.get('/api/secrets');
    expect(listed.statusCode, listed.body).toBe(200);
    expect(listed.json<SecretJson[]>().map((s) => s.id)).toContain(secret.id);
    const filtered = await bob.get(`/api/secrets?ownerTier=organization&ownerId=${acmeId}`);
    expect(filtered.json<SecretJson[]>().map((s) => s.name)).toEqual(['warehouse.password']);

    const read = await bob.get(`/api/secrets/${secret.id}`);
    expect(read.statusCode, read.body).toBe(200);
    expect(read.json()).toEqual(secret);

    // Replacing needs org_admin; a member is refused.
    expectProblem(await bob.put(`/api/secrets/${secret.id}/value`, { value: 'nope' }), 403, 'forbidden');
    const replaced = await alice.put(`/api/secrets/${secret.id}/value`, { value: `${VALUE}-v2` });
    expect(replaced.statusCode, replaced.body).toBe(200);
    expect(replaced.json<SecretJson>().version).toBe(2);
  });

  it('grants let a principal reveal the value through the kernel, and revoking ends it', async () => {
    const bobToken = await createToken(bob, { name: 'connector', scopes: ['*'] });
    const bobActor = await platform.kernel.resolve(AUTHENTICATOR).authenticateToken(bobToken.token);
    const store = platform.kernel.resolve(SECRET_STORE);
    await expect(runAsActor(bobActor, () => store.reveal(secret.id))).rejects.toMatchObject({
      code: 'forbidden',
    });

    expectProblem(
      await bob.post(`/api/secrets/${secret.id}/grants`, { granteeType: 'user', granteeId: users.bob.id }),
      403,
      'forbidden',
    );
    const granted = await alice.post(`/api/secrets/${secret.id}/grants`, {
      granteeType: 'user',
      granteeId: users.bob.id,
    });
    expect(granted.statusCode, granted.body).toBe(201);
    await expectAudited(admin, granted, { operation: 'secret.grant_added', actorId: users.alice.id });
    const grants = await bob.get(`/api/secrets/${secret.id}/grants`);
    expect(grants.json()).toEqual([
      expect.objectContaining({ granteeType: 'user', granteeId: users.bob.id }),
    ]);

    expect(await runAsActor(bobActor, () => store.reveal(secret.id))).toBe(`${VALUE}-v2`);

    const revoked = await alice.delete(`/api/secrets/${secret.id}/grants/user/${users.bob.id}`);
    expect(revoked.statusCode, revoked.body).toBe(204);
    await expect(runAsActor(bobActor, () => store.reveal(secret.id))).rejects.toMatchObject({
      code: 'forbidden',
    });
    expectProblem(
      await alice.delete(`/api/secrets/${secret.id}/grants/user/${users.bob.id}`),
      404,
      'not_found',
    );
  });

  it('refuses access across organizations', async () => {
    expectProblem(await dave.get(`/api/secrets/${secret.id}`), 403, 'forbidden');
    expectProblem(await dave.put(`/api/secrets/${secret.id}/value`, { value: 'x' }), 403, 'forbidden');
    expectProblem(await dave.delete(`/api/secrets/${secret.id}`), 403, 'forbidden');
    expectProblem(await dave.get(`/api/secrets/${secret.id}/grants`), 403, 'forbidden');
    expectProblem(
      await dave.post('/api/secrets', { name: 'x', owner: { tier: 'organization', id: acmeId }, value: 'x' }),
      403,
      'forbidden',
    );
    expectProblem(await dave.get(`/api/secrets?ownerTier=organization&ownerId=${acmeId}`), 403, 'forbidden');
    const listed = await dave.get('/api/secrets');
    expect(listed.json<SecretJson[]>().map((s) => s.id)).not.toContain(secret.id);
  });

  it.each([
    ['no value', { name: 'a', owner: { tier: 'workspace' } }, '/body/value'],
    ['an empty value', { name: 'a', owner: { tier: 'workspace' }, value: '' }, '/body/value'],
    ['a bad name', { name: 'no spaces', owner: { tier: 'workspace' }, value: 'v' }, '/body/name'],
    ['an unknown tier', { name: 'a', owner: { tier: 'planet' }, value: 'v' }, '/body/owner/tier'],
    [
      'an owner id that is no UUID',
      { name: 'a', owner: { tier: 'user', id: 'alice' }, value: 'v' },
      '/body/owner/id',
    ],
    ['a team without its id', { name: 'a', owner: { tier: 'team' }, value: 'v' }, '/body/owner'],
    [
      'a workspace with an id',
      { name: 'a', owner: { tier: 'workspace', id: UNKNOWN }, value: 'v' },
      '/body/owner',
    ],
    [
      'an unknown field',
      { name: 'a', owner: { tier: 'workspace' }, value: 'v', plaintext: true },
      '/body/plaintext',
    ],
  ])('answers 400 to %s', async (_what, body, path) => {
    const problem = expectProblem(await admin.post('/api/secrets', body), 400, 'validation_failed');
    expect(problem.errors?.[0]?.path).toBe(path);
  });

  it('answers 404 for an unknown secret and 400 for a malformed id', async () => {
    expectProblem(await admin.get(`/api/secrets/${UNKNOWN}`), 404, 'not_found');
    expectProblem(await admin.put(`/api/secrets/${UNKNOWN}/value`, { value: 'v' }), 404, 'not_found');
    expectProblem(await admin.delete(`/api/secrets/${UNKNOWN}`), 404, 'not_found');
    expectProblem(await admin.get(`/api/secrets/${UNKNOWN}/grants`), 404, 'not_found');
    expectProblem(
      await admin.post(`/api/secrets/${secret.id}/grants`, { granteeType: 'user', granteeId: UNKNOWN }),
      404,
      'not_found',
    );
    expectProblem(await admin.get('/api/secrets/not-a-uuid'), 400, 'validation_failed');
  });

  it('deletes a secret (org admins)', async () => {
    const doomed = await createSecret(alice, {
      name: 'doomed',
      owner: { tier: 'organization', id: acmeId },
      value: VALUE,
    });
    expectProblem(await bob.delete(`/api/secrets/${doomed.id}`), 403, 'forbidden');
    expect((await alice.delete(`/api/secrets/${doomed.id}`)).statusCode).toBe(204);
    expectProblem(await alice.get(`/api/secrets/${doomed.id}`), 404, 'not_found');
  });

  it('never puts a value in any response or in the API description', async () => {
    expect(responses.length).toBeGreaterThan(20);
    for (const res of responses) expect(res.body).not.toContain(VALUE);
    const openapi = await admin.get('/api/openapi.json');
    const paths = openapi.json<{ paths: Record<string, Record<string, { responses: unknown }>> }>().paths;
    const secretPaths = Object.entries(paths).filter(([path]) => path.startsWith('/api/secrets'));
    expect(secretPaths.length).toBeGreaterThanOrEqual(4);
    for (const [, operations] of secretPaths) {
      for (const operation of Object.values(operations)) {
        expect(JSON.stringify(operation.responses)).not.toMatch(/"value"/);
      }
    }
  });
});

describe('cinatra secrets rotate-key', () => {
  const databases: TestDatabase[] = [];
  afterAll(async () => {
    for (const database of databases) await database.drop();
  });

  async function freshDatabase(): Promise<TestDatabase> {
    const database = await createTestDatabase();
    databases.push(database);
    return database;
  }

  /** Stores one secret, granted to its owner, and returns a way to read it back after a restart. */
  async function seed(config: CinatraConfig) {
    const kernel = await createKernel(config, { migrations: [hostMigrations] });
    try {
      const [row] = (await kernel.db
        .knex('users')
        .insert({ email: 'owner@example.com', displayName: 'Owner' })
        .returning('id')) as Array<{ id: string }>;
      const owner = {
        ...ANONYMOUS_ACTOR,
        principalId: row!.id,
        principalType: 'user' as const,
        authSource: 'session' as const,
      };
      const store = kernel.resolve(SECRET_STORE);
      const secret = await runAsActor(owner, async () => {
        const created = await store.create({
          name: 'cli-secret',
          owner: { tier: 'user', id: row!.id },
          value: VALUE,
        });
        await store.grant(created.id, { type: 'user', id: row!.id });
        return created;
      });
      return async (next: CinatraConfig) => {
        const reopened = await createKernel(next, { migrations: [hostMigrations] });
        try {
          return await runAsActor(owner, () => reopened.resolve(SECRET_STORE).reveal(secret.id));
        } finally {
          await reopened.close();
        }
      };
    } finally {
      await kernel.close();
    }
  }

  it('generates a new key file, re-encrypts, and says what to do next', async () => {
    const database = await freshDatabase();
    const dataDir = makeDataDir();
    const config = testConfig({ databaseUrl: database.url, dataDir });
    const readBack = await seed(config);
    const before = parseMasterKey(readFileSync(masterKeyPaths(dataDir).current, 'utf8'))!;

    const io = bufferIo({
      DATABASE_URL: database.url,
      CINATRA_DATA_DIR: dataDir,
      CINATRA_LOG_LEVEL: 'silent',
    });
    expect(await runCli(['secrets', 'rotate-key'], io), io.err.join('')).toBe(0);
    const after = parseMasterKey(readFileSync(masterKeyPaths(dataDir).current, 'utf8'))!;
    expect(after.id).not.toBe(before.id);
    const stdout = io.out.join('');
    expect(stdout).toContain(`every secret is now under key ${after.id}`);
    expect(stdout).toMatch(/Next: cinatra start\n$/);
    expect(io.err.join('')).toMatch(/Re-encrypted \d+ of \d+ secrets?…/);
    expect(await readBack(config)).toBe(VALUE);
  });

  it('with a configured key, needs --new-key-file and prints the next step', async () => {
    const oldKey = generateMasterKey();
    const database = await freshDatabase();
    const dataDir = makeDataDir();
    const config = testConfig({
      databaseUrl: database.url,
      dataDir,
      secrets: { masterKey: encodeMasterKey(oldKey) },
    });
    const readBack = await seed(config);
    const env = {
      DATABASE_URL: database.url,
      CINATRA_DATA_DIR: dataDir,
      CINATRA_LOG_LEVEL: 'silent',
      CINATRA_SECRETS_MASTER_KEY: encodeMasterKey(oldKey),
    };

    let io = bufferIo(env);
    expect(await runCli(['secrets', 'rotate-key'], io)).toBe(1);
    expect(io.err.join('')).toMatch(
      /^The master key comes from CINATRA_SECRETS_MASTER_KEY: .*--new-key-file\.\n$/,
    );

    const badFile = join(dataDir, 'bad.key');
    writeFileSync(badFile, 'short\n');
    io = bufferIo(env);
    expect(await runCli(['secrets', 'rotate-key', '--new-key-file', badFile], io)).toBe(2);
    expect(io.err.join('')).toContain('does not hold base64 of 32 bytes');

    const newKey = generateMasterKey();
    const keyFile = join(dataDir, 'new.key');
    writeFileSync(keyFile, `${encodeMasterKey(newKey)}\n`, { mode: 0o600 });
    io = bufferIo(env);
    expect(await runCli(['secrets', 'rotate-key', '--new-key-file', keyFile], io), io.err.join('')).toBe(0);
    expect(io.out.join('')).toContain(`Next: set CINATRA_SECRETS_MASTER_KEY to the contents of ${keyFile}`);
    expect(await readBack({ ...config, secrets: { masterKey: encodeMasterKey(newKey) } })).toBe(VALUE);
  });
});
