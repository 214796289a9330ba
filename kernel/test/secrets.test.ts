import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ANONYMOUS_ACTOR,
  AUDIT_LOG,
  ConfigError,
  createKernel,
  encodeMasterKey,
  generateMasterKey,
  KernelError,
  MASTER_KEY_ROTATION,
  MASTER_KEYRING,
  masterKeyPaths,
  parseMasterKey,
  runAsActor,
  SECRET_STORE,
  systemActor,
  type ActorContext,
  type AuditEvent,
  type CinatraConfig,
  type DeepPartial,
  type Kernel,
  type MasterKey,
  type OrganizationRole,
  type SecretStore,
  type TeamRole,
} from '../src/index.js';
import { openSecret } from '../src/secrets/secretCipher.js';
import { createTestDatabase, testConfig, type TestDatabase } from '../src/testing/index.js';

const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

interface Harness {
  kernel: Kernel;
  config: CinatraConfig;
  store: SecretStore;
}

async function freshKernel(overrides: DeepPartial<CinatraConfig> = {}): Promise<Harness> {
  const database: TestDatabase = await createTestDatabase();
  cleanups.push(() => database.drop());
  const config = testConfig({ ...overrides, databaseUrl: database.url });
  return openKernel(config);
}

/** Another kernel on the same database and data directory: a restart of the instance. */
async function openKernel(config: CinatraConfig): Promise<Harness> {
  const kernel = await createKernel(config);
  cleanups.push(() => kernel.close());
  return { kernel, config, store: kernel.resolve(SECRET_STORE) };
}

async function insertUser(kernel: Kernel, name: string, kind = 'human'): Promise<string> {
  const [row] = (await kernel.db
    .knex('users')
    .insert({ email: `${name}@example.com`, displayName: name, kind })
    .returning('id')) as Array<{ id: string }>;
  return row!.id;
}

function actor(
  id: string,
  extra: {
    organizations?: Array<{ id: string; role: OrganizationRole }>;
    teams?: Array<{ id: string; organizationId: string; role: TeamRole }>;
    platformRole?: 'platform_admin' | 'member';
    principalType?: 'user' | 'service_account';
  } = {},
): ActorContext {
  return {
    ...ANONYMOUS_ACTOR,
    principalId: id,
    principalType: extra.principalType ?? 'user',
    displayName: id,
    platformRole: extra.platformRole ?? 'member',
    organizations: extra.organizations ?? [],
    teams: extra.teams ?? [],
    authSource: 'session',
    credentialId: `cred-${id}`,
  };
}

const as = <T>(who: ActorContext, fn: () => Promise<T>): Promise<T> => runAsActor(who, fn);

async function refusal(work: Promise<unknown>): Promise<KernelError> {
  const error = await work.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error, 'expected the call to fail').toBeInstanceOf(KernelError);
  return error as KernelError;
}

async function auditEvents(kernel: Kernel, operation: string): Promise<AuditEvent[]> {
  await kernel.resolve(AUDIT_LOG).flush();
  return (await kernel.db.knex('auditEvents').where({ operation }).orderBy('seq')) as AuditEvent[];
}

interface StoredRow {
  id: string;
  keyId: string;
  nonce: Buffer;
  ciphertext: Buffer;
  authTag: Buffer;
  version: number;
}

const rowOf = async (kernel: Kernel, id: string): Promise<StoredRow> =>
  (await kernel.db.knex('secrets').where({ id }).first()) as StoredRow;

describe('encryption at rest', () => {
  it('stores only ciphertext, and a granted principal gets the value back', async () => {
    const { kernel, store, config } = await freshKernel();
    const alice = actor(await insertUser(kernel, 'alice'));
    const value = 'sk-live-3f9a1c0b7e5d4a2f';
    const secret = await as(alice, () =>
      store.create({ name: 'stripe.api-key', owner: { tier: 'user', id: alice.principalId! }, value }),
    );
    expect(secret).toMatchObject({ name: 'stripe.api-key', version: 1, owner: { tier: 'user' } });
    expect(JSON.stringify(secret)).not.toContain(value);

    const raw = await kernel.db.knex.raw('SELECT * FROM secrets');
    expect(JSON.stringify(raw.rows)).not.toContain(value);
    const row = await rowOf(kernel, secret.id);
    expect(row.ciphertext.includes(Buffer.from(value))).toBe(false);
    expect(row.nonce).toHaveLength(12);
    expect(row.authTag).toHaveLength(16);
    expect(row.keyId).toBe(kernel.resolve(MASTER_KEYRING).current().id);

    const created = await auditEvents(kernel, 'secret.created');
    expect(created).toHaveLength(1);
    expect(JSON.stringify(created)).not.toContain(value);

    await as(alice, () => store.grant(secret.id, { type: 'user', id: alice.principalId! }));
    expect(await as(alice, () => store.reveal(secret.id))).toBe(value);

    // The generated key file is private and survives a restart.
    const paths = masterKeyPaths(config.dataDir);
    expect(statSync(paths.current).mode & 0o777).toBe(0o600);
    expect(statSync(paths.dir).mode & 0o777).toBe(0o700);
    await kernel.close();
    const restarted = await openKernel(config);
    expect(await as(alice, () => restarted.store.reveal(secret.id))).toBe(value);
  });

  it('replacing a value bumps the version and re-encrypts with a fresh nonce', async () => {
    const { kernel, store } = await freshKernel();
    const alice = actor(await insertUser(kernel, 'alice'));
    const secret = await as(alice, () =>
      store.create({ name: 'token', owner: { tier: 'user', id: alice.principalId! }, value: 'first' }),
    );
    await as(alice, () => store.grant(secret.id, { type: 'user', id: alice.principalId! }));
    const before = await rowOf(kernel, secret.id);
    const updated = await as(alice, () => store.replaceValue(secret.id, 'second'));
    expect(updated.version).toBe(2);
    const after = await rowOf(kernel, secret.id);
    expect(after.nonce.equals(before.nonce)).toBe(false);
    expect(await as(alice, () => store.reveal(secret.id))).toBe('second');
    expect(await auditEvents(kernel, 'secret.value_replaced')).toHaveLength(1);
  });

  describe('tampering is detected', () => {
    async function twoSecrets() {
      const h = await freshKernel();
      const alice = actor(await insertUser(h.kernel, 'alice'));
      const owner = { tier: 'user' as const, id: alice.principalId! };
      const a = await as(alice, () => h.store.create({ name: 'a', owner, value: 'value-a' }));
      const b = await as(alice, () => h.store.create({ name: 'b', owner, value: 'value-b' }));
      for (const s of [a, b])
        await as(alice, () => h.store.grant(s.id, { type: 'user', id: alice.principalId! }));
      return { ...h, alice, a, b };
    }

    it.each(['ciphertext', 'nonce', 'authTag'] as const)('a flipped bit in the %s', async (column) => {
      const { kernel, store, alice, a } = await twoSecrets();
      const row = await rowOf(kernel, a.id);
      const altered = Buffer.from(row[column]);
      altered[0] = altered[0]! ^ 0x01;
      await kernel.db
        .knex('secrets')
        .where({ id: a.id })
        .update({ [column]: altered });
      const error = await refusal(as(alice, () => store.reveal(a.id)));
      expect(error.message).toMatch(/failed its integrity check/);
      const denied = (await auditEvents(kernel, 'secret.reveal')).at(-1)!;
      expect(denied).toMatchObject({ decision: 'deny', reason: 'decryption failed', resourceId: a.id });
    });

    it('a ciphertext copied onto another secret', async () => {
      const { kernel, store, alice, a, b } = await twoSecrets();
      const { keyId, nonce, ciphertext, authTag } = await rowOf(kernel, a.id);
      await kernel.db.knex('secrets').where({ id: b.id }).update({ keyId, nonce, ciphertext, authTag });
      const error = await refusal(as(alice, () => store.reveal(b.id)));
      expect(error.message).toMatch(/copied from another secret/);
      expect(await as(alice, () => store.reveal(a.id))).toBe('value-a');
    });

    it('a version changed behind the store’s back', async () => {
      const { kernel, store, alice, a } = await twoSecrets();
      await kernel.db.knex('secrets').where({ id: a.id }).update({ version: 7 });
      await refusal(as(alice, () => store.reveal(a.id)));
    });

    it('a ciphertext under a key the instance does not have', async () => {
      const { kernel, store, alice, a } = await twoSecrets();
      await kernel.db.knex('secrets').where({ id: a.id }).update({ keyId: '00112233aabbccdd' });
      const error = await refusal(as(alice, () => store.reveal(a.id)));
      expect(error.message).toMatch(/master key 00112233aabbccdd, which this instance does not have/);
    });
  });
});

describe('reveal needs an explicit grant', () => {
  it('refuses owner, org owner and platform admin alike until granted, audits every attempt, and honours revocation', async () => {
    const { kernel, store } = await freshKernel();
    const orgId = (
      (await kernel.db
        .knex('organizations')
        .insert({ slug: 'acme', name: 'Acme' })
        .returning('id')) as Array<{
        id: string;
      }>
    )[0]!.id;
    const owner = actor(await insertUser(kernel, 'owner'), {
      organizations: [{ id: orgId, role: 'org_owner' }],
    });
    const admin = actor(await insertUser(kernel, 'root'), { platformRole: 'platform_admin' });
    const robotId = await insertUser(kernel, 'robot', 'service_account');
    const robot = actor(robotId, {
      principalType: 'service_account',
      organizations: [{ id: orgId, role: 'member' }],
    });
    const secret = await as(owner, () =>
      store.create({
        name: 'db-password',
        owner: { tier: 'organization', id: orgId },
        value: 'hunter2-hunter2',
      }),
    );

    for (const who of [owner, admin, robot]) {
      const error = await refusal(as(who, () => store.reveal(secret.id)));
      expect(error.code).toBe('forbidden');
    }
    expect((await refusal(runAsActor(systemActor(), () => store.reveal(secret.id)))).code).toBe('forbidden');
    let reveals = await auditEvents(kernel, 'secret.reveal');
    expect(reveals.map((e) => [e.actorId, e.decision, e.reason])).toEqual([
      [owner.principalId, 'deny', 'no grant to this principal'],
      [admin.principalId, 'deny', 'no grant to this principal'],
      [robotId, 'deny', 'no grant to this principal'],
      [
        'system:system',
        'deny',
        'only a user, service account or extension holding a grant may reveal a secret',
      ],
    ]);
    expect(reveals.every((e) => e.organizationId === orgId && e.resourceId === secret.id)).toBe(true);

    // Only admins of the secret may grant; a plain member may not grant themselves.
    expect(
      (await refusal(as(robot, () => store.grant(secret.id, { type: 'service_account', id: robotId })))).code,
    ).toBe('forbidden');
    // The grantee type must match the principal.
    expect((await refusal(as(owner, () => store.grant(secret.id, { type: 'user', id: robotId })))).code).toBe(
      'not_found',
    );
    const grant = await as(owner, () => store.grant(secret.id, { type: 'service_account', id: robotId }));
    expect(grant).toMatchObject({
      granteeType: 'service_account',
      granteeId: robotId,
      grantedBy: owner.principalId,
    });
    expect(await as(owner, () => store.listGrants(secret.id))).toEqual([grant]);
    expect(await as(robot, () => store.reveal(secret.id))).toBe('hunter2-hunter2');
    // A token without a secret scope narrows even a granted principal.
    const narrowToken = { ...robot, tokenScopes: ['organization:read'], authSource: 'api_token' as const };
    expect((await refusal(as(narrowToken, () => store.reveal(secret.id)))).code).toBe('forbidden');
    // The owner still cannot read it: the grant is the robot's.
    expect((await refusal(as(owner, () => store.reveal(secret.id)))).code).toBe('forbidden');

    await as(owner, () => store.revoke(secret.id, { type: 'service_account', id: robotId }));
    expect((await refusal(as(robot, () => store.reveal(secret.id)))).code).toBe('forbidden');
    expect(
      (await refusal(as(owner, () => store.revoke(secret.id, { type: 'service_account', id: robotId }))))
        .code,
    ).toBe('not_found');

    reveals = await auditEvents(kernel, 'secret.reveal');
    expect(reveals.slice(4).map((e) => [e.actorId, e.decision, e.reason])).toEqual([
      [robotId, 'allow', 'grant'],
      [robotId, 'deny', 'token scopes lack secret:read'],
      [owner.principalId, 'deny', 'no grant to this principal'],
      [robotId, 'deny', 'no grant to this principal'],
    ]);
    expect(JSON.stringify(reveals)).not.toContain('hunter2');
    expect(await auditEvents(kernel, 'secret.grant_added')).toHaveLength(1);
    expect(await auditEvents(kernel, 'secret.grant_removed')).toHaveLength(1);

    const unknown = '00000000-0000-4000-8000-000000000000';
    expect((await refusal(as(robot, () => store.reveal(unknown)))).code).toBe('not_found');
    expect((await auditEvents(kernel, 'secret.reveal')).at(-1)).toMatchObject({
      resourceId: unknown,
      decision: 'deny',
      reason: 'no such secret',
    });
  });

  it('deleting a secret removes its grants and is audited', async () => {
    const { kernel, store } = await freshKernel();
    const alice = actor(await insertUser(kernel, 'alice'));
    const secret = await as(alice, () =>
      store.create({ name: 'gone', owner: { tier: 'user', id: alice.principalId! }, value: 'x' }),
    );
    await as(alice, () => store.grant(secret.id, { type: 'user', id: alice.principalId! }));
    await as(alice, () => store.delete(secret.id));
    expect(await kernel.db.knex('secretGrants').count('* as n').first()).toEqual({ n: 0 });
    expect((await refusal(as(alice, () => store.get(secret.id)))).code).toBe('not_found');
    expect(await auditEvents(kernel, 'secret.deleted')).toHaveLength(1);
  });
});

describe('owners at each tier', () => {
  it('lets the roles of each owner scope manage its secrets, and nobody else', async () => {
    const { kernel, store } = await freshKernel();
    const knex = kernel.db.knex;
    const [acme, globex] = (await knex('organizations')
      .insert([
        { slug: 'acme', name: 'Acme' },
        { slug: 'globex', name: 'Globex' },
      ])
      .returning('id')) as Array<{ id: string }>;
    const [red] = (await knex('teams')
      .insert({ organizationId: acme!.id, slug: 'red', name: 'Red' })
      .returning('id')) as Array<{
      id: string;
    }>;
    const acmeAdmin = actor(await insertUser(kernel, 'ann'), {
      organizations: [{ id: acme!.id, role: 'org_admin' }],
    });
    const teamAdmin = actor(await insertUser(kernel, 'tim'), {
      organizations: [{ id: acme!.id, role: 'member' }],
      teams: [{ id: red!.id, organizationId: acme!.id, role: 'team_admin' }],
    });
    const acmeMember = actor(await insertUser(kernel, 'mo'), {
      organizations: [{ id: acme!.id, role: 'member' }],
    });
    const outsider = actor(await insertUser(kernel, 'gus'), {
      organizations: [{ id: globex!.id, role: 'org_owner' }],
    });
    const root = actor(await insertUser(kernel, 'root'), { platformRole: 'platform_admin' });

    const userSecret = await as(acmeMember, () =>
      store.create({ name: 'mine', owner: { tier: 'user', id: acmeMember.principalId! }, value: 'u' }),
    );
    const teamSecret = await as(teamAdmin, () =>
      store.create({ name: 'red', owner: { tier: 'team', id: red!.id }, value: 't' }),
    );
    expect(teamSecret.owner).toEqual({ tier: 'team', teamId: red!.id, organizationId: acme!.id });
    const orgSecret = await as(acmeAdmin, () =>
      store.create({ name: 'acme', owner: { tier: 'organization', id: acme!.id }, value: 'o' }),
    );
    const workspaceSecret = await as(root, () =>
      store.create({ name: 'smtp', owner: { tier: 'workspace' }, value: 'w' }),
    );

    // Writes need the owner scope's write role.
    expect(
      (
        await refusal(
          as(acmeMember, () =>
            store.create({ name: 'x', owner: { tier: 'organization', id: acme!.id }, value: 'v' }),
          ),
        )
      ).code,
    ).toBe('forbidden');
    expect(
      (
        await refusal(
          as(acmeMember, () => store.create({ name: 'x', owner: { tier: 'workspace' }, value: 'v' })),
        )
      ).code,
    ).toBe('forbidden');
    expect(
      (
        await refusal(
          as(acmeAdmin, () =>
            store.create({ name: 'x', owner: { tier: 'user', id: acmeMember.principalId! }, value: 'v' }),
          ),
        )
      ).code,
    ).toBe('forbidden');
    // Cross-organization access is refused.
    expect((await refusal(as(outsider, () => store.get(orgSecret.id)))).code).toBe('forbidden');
    expect((await refusal(as(outsider, () => store.replaceValue(teamSecret.id, 'v')))).code).toBe(
      'forbidden',
    );
    expect(
      (
        await refusal(
          as(outsider, () =>
            store.create({ name: 'x', owner: { tier: 'organization', id: acme!.id }, value: 'v' }),
          ),
        )
      ).code,
    ).toBe('forbidden');
    // A member reads org metadata but may not delete or grant.
    expect(await as(acmeMember, () => store.get(orgSecret.id))).toEqual(orgSecret);
    expect((await refusal(as(acmeMember, () => store.delete(orgSecret.id)))).code).toBe('forbidden');
    expect(
      (
        await refusal(
          as(acmeMember, () => store.grant(orgSecret.id, { type: 'user', id: acmeMember.principalId! })),
        )
      ).code,
    ).toBe('forbidden');

    const names = async (who: ActorContext) => (await as(who, () => store.list())).map((s) => s.name);
    expect(await names(acmeMember)).toEqual(['acme', 'mine', 'smtp']);
    expect(await names(teamAdmin)).toEqual(['acme', 'red', 'smtp']);
    expect(await names(acmeAdmin)).toEqual(['acme', 'red', 'smtp']);
    expect(await names(outsider)).toEqual(['smtp']);
    expect(await names(root)).toEqual(['acme', 'mine', 'red', 'smtp']);
    expect(
      (await as(root, () => store.list({ owner: { tier: 'team', id: red!.id } }))).map((s) => s.id),
    ).toEqual([teamSecret.id]);
    expect(
      (await refusal(as(outsider, () => store.list({ owner: { tier: 'organization', id: acme!.id } })))).code,
    ).toBe('forbidden');
    expect(userSecret.owner).toEqual({ tier: 'user', userId: acmeMember.principalId });
    expect(workspaceSecret.owner).toEqual({ tier: 'workspace' });
  });

  it('refuses bad names, bad owners, empty values and duplicates with stable codes', async () => {
    const { kernel, store } = await freshKernel();
    const alice = actor(await insertUser(kernel, 'alice'));
    const owner = { tier: 'user' as const, id: alice.principalId! };
    expect(
      (await refusal(as(alice, () => store.create({ name: 'has space', owner, value: 'v' })))).code,
    ).toBe('validation_failed');
    expect((await refusal(as(alice, () => store.create({ name: 'ok', owner, value: '' })))).code).toBe(
      'validation_failed',
    );
    expect(
      (await refusal(as(alice, () => store.create({ name: 'ok', owner: { tier: 'team' }, value: 'v' }))))
        .code,
    ).toBe('validation_failed');
    expect(
      (
        await refusal(
          as(alice, () =>
            store.create({
              name: 'ok',
              owner: { tier: 'team', id: '00000000-0000-4000-8000-000000000000' },
              value: 'v',
            }),
          ),
        )
      ).code,
    ).toBe('not_found');
    await as(alice, () => store.create({ name: 'ok', owner, value: 'v' }));
    expect((await refusal(as(alice, () => store.create({ name: 'ok', owner, value: 'v' })))).code).toBe(
      'conflict',
    );
  });
});

describe('master key', () => {
  it('refuses to start when the key file is readable by others or malformed', async () => {
    const first = await freshKernel();
    first.kernel.resolve(MASTER_KEYRING).current();
    await first.kernel.close();
    const { current } = masterKeyPaths(first.config.dataDir);

    chmodSync(current, 0o644);
    const open = () => createKernel(first.config);
    await expect(open()).rejects.toThrow(ConfigError);
    await expect(open()).rejects.toThrow(/accessible to group or others \(mode 0644\): run chmod 600/);

    chmodSync(current, 0o600);
    writeFileSync(current, Buffer.alloc(16).toString('base64'));
    await expect(open()).rejects.toThrow(/does not hold base64 of 32 bytes/);
  });

  it('uses a configured key and writes no key file', async () => {
    const key = generateMasterKey();
    const { kernel, store, config } = await freshKernel({ secrets: { masterKey: encodeMasterKey(key) } });
    const alice = actor(await insertUser(kernel, 'alice'));
    const secret = await as(alice, () =>
      store.create({ name: 'k', owner: { tier: 'user', id: alice.principalId! }, value: 'configured' }),
    );
    expect((await rowOf(kernel, secret.id)).keyId).toBe(key.id);
    expect(existsSync(masterKeyPaths(config.dataDir).current)).toBe(false);
  });
});

describe('master key rotation', () => {
  async function seeded(count: number, overrides: DeepPartial<CinatraConfig> = {}) {
    const h = await freshKernel(overrides);
    const alice = actor(await insertUser(h.kernel, 'alice'));
    const ids: string[] = [];
    for (let i = 0; i < count; i += 1) {
      const s = await as(alice, () =>
        h.store.create({
          name: `s${i}`,
          owner: { tier: 'user', id: alice.principalId! },
          value: `value-${i}`,
        }),
      );
      await as(alice, () => h.store.grant(s.id, { type: 'user', id: alice.principalId! }));
      ids.push(s.id);
    }
    return { ...h, alice, ids, oldKey: h.kernel.resolve(MASTER_KEYRING).current() };
  }

  async function expectAllReadable(h: Harness, alice: ActorContext, ids: string[]) {
    for (const [i, id] of ids.entries()) expect(await as(alice, () => h.store.reveal(id))).toBe(`value-${i}`);
  }

  const keyFile = (path: string): MasterKey => parseMasterKey(readFileSync(path, 'utf8'))!;

  it('re-encrypts every row under a new generated key; the old key no longer decrypts', async () => {
    const { kernel, store, config, alice, ids, oldKey } = await seeded(5);
    const progress: number[] = [];
    const result = await runAsActor(systemActor('cli'), () =>
      kernel
        .resolve(MASTER_KEY_ROTATION)
        .rotate({ batchSize: 2, onProgress: (done) => void progress.push(done) }),
    );
    expect(result).toMatchObject({ source: 'file', reencrypted: 5, resumed: false });
    expect(progress).toEqual([2, 4, 5]);
    expect(result.keyId).not.toBe(oldKey.id);

    const paths = masterKeyPaths(config.dataDir);
    expect(keyFile(paths.current).id).toBe(result.keyId);
    expect(statSync(paths.current).mode & 0o777).toBe(0o600);
    expect(existsSync(paths.previous)).toBe(false);
    expect(await store.keyUsage()).toEqual([{ keyId: result.keyId, secrets: 5 }]);
    expect(kernel.resolve(MASTER_KEYRING).knownKeyIds()).toEqual([result.keyId]);

    const row = await rowOf(kernel, ids[0]!);
    const binding = { secretId: row.id, ownerKey: `user:${alice.principalId}`, version: row.version };
    expect(() => openSecret(oldKey, { ...row, keyId: oldKey.id }, binding)).toThrow();
    await expectAllReadable({ kernel, store, config }, alice, ids);

    const rotated = await auditEvents(kernel, 'secret.master_key_rotated');
    expect(rotated.at(-1)!.metadata).toMatchObject({
      toKeyId: result.keyId,
      fromKeyIds: [oldKey.id],
      reencrypted: 5,
    });

    // Rotating the key is for operators and platform admins only.
    const user = actor('someone', { platformRole: 'member' });
    expect((await refusal(as(user, () => kernel.resolve(MASTER_KEY_ROTATION).rotate()))).code).toBe(
      'forbidden',
    );

    await kernel.close();
    await expectAllReadable(await openKernel(config), alice, ids);
  });

  it('an interrupted rotation loses nothing and finishes when run again', async () => {
    const { kernel, config, alice, ids, oldKey } = await seeded(5);
    const crash = new Error('simulated crash after the first batch');
    await expect(
      runAsActor(systemActor('cli'), () =>
        kernel.resolve(MASTER_KEY_ROTATION).rotate({
          batchSize: 2,
          onProgress: () => {
            throw crash;
          },
        }),
      ),
    ).rejects.toBe(crash);
    await kernel.close();

    const paths = masterKeyPaths(config.dataDir);
    const newKey = keyFile(paths.current);
    expect(keyFile(paths.previous).id).toBe(oldKey.id);

    // A restart in the middle reads rows under either key.
    const restarted = await openKernel(config);
    const usage = await restarted.store.keyUsage();
    expect(usage.find((u) => u.keyId === newKey.id)?.secrets).toBe(2);
    expect(usage.find((u) => u.keyId === oldKey.id)?.secrets).toBe(3);
    await expectAllReadable(restarted, alice, ids);

    const result = await runAsActor(systemActor('cli'), () =>
      restarted.kernel.resolve(MASTER_KEY_ROTATION).rotate({ batchSize: 2 }),
    );
    expect(result).toEqual({ source: 'file', keyId: newKey.id, reencrypted: 3, resumed: true });
    expect(existsSync(paths.previous)).toBe(false);
    expect(await restarted.store.keyUsage()).toEqual([{ keyId: newKey.id, secrets: 5 }]);
    await restarted.kernel.close();
    await expectAllReadable(await openKernel(config), alice, ids);
  });

  it('with a configured key, re-encrypts under the supplied key and can be re-run', async () => {
    const oldKey = generateMasterKey();
    const { kernel, store, config, alice, ids } = await seeded(3, {
      secrets: { masterKey: encodeMasterKey(oldKey) },
    });
    const rotation = kernel.resolve(MASTER_KEY_ROTATION);
    const cli = systemActor('cli');
    expect((await refusal(runAsActor(cli, () => rotation.rotate()))).message).toMatch(/--new-key-file/);
    expect((await refusal(runAsActor(cli, () => rotation.rotate({ newKey: oldKey })))).code).toBe(
      'validation_failed',
    );

    const newKey = generateMasterKey();
    const crash = new Error('interrupted');
    await expect(
      runAsActor(cli, () =>
        rotation.rotate({
          newKey,
          batchSize: 1,
          onProgress: () => {
            throw crash;
          },
        }),
      ),
    ).rejects.toBe(crash);
    const result = await runAsActor(cli, () => rotation.rotate({ newKey, batchSize: 1 }));
    expect(result).toEqual({ source: 'config', keyId: newKey.id, reencrypted: 2, resumed: true });
    expect(await store.keyUsage()).toEqual([{ keyId: newKey.id, secrets: 3 }]);
    await kernel.close();

    const next = await openKernel({ ...config, secrets: { masterKey: encodeMasterKey(newKey) } });
    await expectAllReadable(next, alice, ids);
  });
});
