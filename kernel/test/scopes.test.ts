import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  API_TOKEN_SERVICE,
  AUDIT_LOG,
  AUTHENTICATOR,
  createKernel,
  KernelError,
  ORGANIZATION_DIRECTORY,
  runAsActor,
  systemActor,
  USER_DIRECTORY,
  type ActorContext,
  type ApiTokenService,
  type AuditEvent,
  type AuditLog,
  type Authenticator,
  type ErrorCode,
  type Kernel,
  type OrganizationDirectory,
  type OrganizationView,
  type TeamView,
  type UserDirectory,
  type UserView,
} from '../src/index.js';
import { createTestDatabase, testConfig, type TestDatabase } from '../src/testing/index.js';

const PASSWORD = 'correct horse battery staple';
const MAX_FAILURES = 3;
const LOGIN_WINDOW_SECONDS = 600;

let database: TestDatabase;
let kernel: Kernel;
let users: UserDirectory;
let orgs: OrganizationDirectory;
let tokens: ApiTokenService;
let auth: Authenticator;
let audit: AuditLog;

/** Acme has teams Red and Blue; Globex is another organization. */
let acme: OrganizationView;
let globex: OrganizationView;
let red: TeamView;
let blue: TeamView;
const people: Record<string, UserView> = {};

const asSystem = <T>(fn: () => Promise<T>): Promise<T> => runAsActor(systemActor(), fn);

async function createUser(name: string, extra: { platformRole?: 'platform_admin' } = {}): Promise<UserView> {
  const user = await asSystem(() =>
    users.create({ email: `${name}@example.com`, displayName: name, password: PASSWORD, ...extra }),
  );
  people[name] = user;
  return user;
}

/** Signs in with a password and resolves the session the way a request would. */
async function signIn(name: string): Promise<ActorContext> {
  const { sessionToken } = await auth.login(`${name}@example.com`, PASSWORD, {
    ip: '198.51.100.1',
    userAgent: 'vitest',
  });
  const resolved = await auth.authenticateSession(sessionToken);
  if (!resolved) throw new Error(`session of ${name} did not resolve`);
  return resolved.actor;
}

const id = (name: string): string => people[name]!.id;

interface Outcome<T> {
  result: T | undefined;
  error: KernelError | undefined;
  /** Audit events written while the call ran, oldest first. */
  events: AuditEvent[];
}

/** Runs `fn` and returns what it produced along with exactly the audit events it wrote. */
async function audited<T>(fn: () => Promise<T>): Promise<Outcome<T>> {
  await audit.flush();
  const before = Number((await kernel.db.knex('auditEvents').max('seq as seq').first())?.seq ?? 0);
  let result: T | undefined;
  let error: KernelError | undefined;
  try {
    result = await fn();
  } catch (caught) {
    if (!(caught instanceof KernelError)) throw caught;
    error = caught;
  }
  await audit.flush();
  const events = (await kernel.db
    .knex('auditEvents')
    .where('seq', '>', before)
    .orderBy('seq')) as AuditEvent[];
  return { result, error, events };
}

/** The parts of an audit event that say who was allowed or refused what. */
const summary = (e: AuditEvent) => ({ operation: e.operation, decision: e.decision, actorId: e.actorId });

function expectRefused(outcome: Outcome<unknown>, code: ErrorCode): void {
  expect(
    outcome.error,
    `expected ${code}, got ${outcome.error ? outcome.error.code : 'success'}`,
  ).toBeInstanceOf(KernelError);
  expect(outcome.error!.code).toBe(code);
}

beforeAll(async () => {
  database = await createTestDatabase();
  kernel = await createKernel(
    testConfig({
      databaseUrl: database.url,
      auth: { loginMaxFailures: MAX_FAILURES, loginWindowSeconds: LOGIN_WINDOW_SECONDS },
    }),
  );
  users = kernel.resolve(USER_DIRECTORY);
  orgs = kernel.resolve(ORGANIZATION_DIRECTORY);
  tokens = kernel.resolve(API_TOKEN_SERVICE);
  auth = kernel.resolve(AUTHENTICATOR);
  audit = kernel.resolve(AUDIT_LOG);

  await createUser('root', { platformRole: 'platform_admin' });
  for (const name of [
    'alice',
    'bob',
    'oscar',
    'adam',
    'tina',
    'tom',
    'olga',
    'gary',
    'nina',
    'nick',
    'rita',
    'lena',
    'sam',
  ])
    await createUser(name);

  acme = await asSystem(() => orgs.createOrganization({ slug: 'acme', name: 'Acme', ownerId: id('oscar') }));
  globex = await asSystem(() =>
    orgs.createOrganization({ slug: 'globex', name: 'Globex', ownerId: id('gary') }),
  );
  await asSystem(async () => {
    await orgs.setOrganizationMember(acme.id, id('adam'), 'org_admin');
    for (const name of ['tina', 'tom', 'olga']) await orgs.setOrganizationMember(acme.id, id(name), 'member');
    red = await orgs.createTeam(acme.id, { slug: 'red', name: 'Red' });
    blue = await orgs.createTeam(acme.id, { slug: 'blue', name: 'Blue' });
    await orgs.setTeamMember(red.id, id('tina'), 'team_admin');
    await orgs.setTeamMember(red.id, id('tom'), 'member');
  });
});

afterAll(async () => {
  await kernel?.close();
  await database?.drop();
});

describe('API tokens belong to their user', () => {
  it('lets a user list their own tokens, audited as allowed', async () => {
    const alice = await signIn('alice');
    await asSystem(() => tokens.create({ userId: id('alice'), name: 'ci', scopes: ['*'], expiresAt: null }));

    const outcome = await audited(() => runAsActor(alice, () => tokens.list(id('alice'))));

    expect(outcome.error).toBeUndefined();
    expect(outcome.result!.map((t) => t.name)).toContain('ci');
    for (const view of outcome.result!) {
      expect(view).not.toHaveProperty('tokenHash');
      expect(view.prefix).toHaveLength('cin_'.length + 6);
    }
    expect(outcome.events.map(summary)).toEqual([
      { operation: 'api_token.list', decision: 'allow', actorId: id('alice') },
    ]);
    expect(outcome.events[0]!.reason).toBe('owner');
  });

  it("refuses to list another user's tokens, audited as denied", async () => {
    const bob = await signIn('bob');
    const outcome = await audited(() => runAsActor(bob, () => tokens.list(id('alice'))));

    expectRefused(outcome, 'forbidden');
    expect(outcome.error!.status).toBe(403);
    expect(outcome.events.map(summary)).toEqual([
      { operation: 'api_token.list', decision: 'deny', actorId: id('bob') },
    ]);
    expect(outcome.events[0]!.reason).toBe("another user's resource");
  });

  it('refuses to create a token for another user, audited as denied', async () => {
    const bob = await signIn('bob');
    const outcome = await audited(() =>
      runAsActor(bob, () =>
        tokens.create({ userId: id('alice'), name: 'stolen', scopes: ['*'], expiresAt: null }),
      ),
    );
    expectRefused(outcome, 'forbidden');
    expect(outcome.events.map(summary)).toEqual([
      { operation: 'api_token.create', decision: 'deny', actorId: id('bob') },
    ]);
    const aliceTokens = await asSystem(() => tokens.list(id('alice')));
    expect(aliceTokens.map((t) => t.name)).not.toContain('stolen');
  });

  it("refuses to revoke another user's token, which keeps working", async () => {
    const { token, apiToken } = await asSystem(() =>
      tokens.create({ userId: id('alice'), name: 'deploy', scopes: ['*'], expiresAt: null }),
    );
    const bob = await signIn('bob');

    const outcome = await audited(() => runAsActor(bob, () => tokens.revoke(apiToken.id)));

    expectRefused(outcome, 'forbidden');
    expect(outcome.events.map(summary)).toEqual([
      { operation: 'api_token.revoke', decision: 'deny', actorId: id('bob') },
    ]);
    expect(outcome.events[0]!.resourceId).toBe(apiToken.id);
    expect((await auth.authenticateToken(token)).principalId).toBe(id('alice'));
  });

  it("lets a platform admin list another user's tokens, audited with the reason", async () => {
    const root = await signIn('root');
    const outcome = await audited(() => runAsActor(root, () => tokens.list(id('alice'))));
    expect(outcome.error).toBeUndefined();
    expect(outcome.events.map(summary)).toEqual([
      { operation: 'api_token.list', decision: 'allow', actorId: id('root') },
    ]);
    expect(outcome.events[0]!.reason).toBe('platform_admin');
  });

  it('refuses a revoked token at once, even one verified moments earlier', async () => {
    const alice = await signIn('alice');
    const { token, apiToken } = await runAsActor(alice, () =>
      tokens.create({ userId: id('alice'), name: 'laptop', scopes: ['*'], expiresAt: null }),
    );
    expect((await auth.authenticateToken(token)).credentialId).toBe(apiToken.id);

    const revoke = await audited(() => runAsActor(alice, () => tokens.revoke(apiToken.id)));
    expect(revoke.error).toBeUndefined();
    expect(revoke.result!.revokedAt).not.toBeNull();
    expect(revoke.events.map(summary)).toEqual([
      { operation: 'api_token.revoke', decision: 'allow', actorId: id('alice') },
      { operation: 'api_token.revoked', decision: null, actorId: id('alice') },
    ]);

    const refused = await audited(() => auth.authenticateToken(token));
    expectRefused(refused, 'unauthenticated');
    expect(refused.error!.message).toMatch(/revoked/);
    expect(refused.events.map(summary)).toEqual([
      { operation: 'auth.token', decision: 'deny', actorId: null },
    ]);
    expect(refused.events[0]).toMatchObject({ resourceId: apiToken.id, reason: 'token revoked' });
  });

  it('refuses an expired token', async () => {
    const { token, apiToken } = await asSystem(() =>
      tokens.create({
        userId: id('alice'),
        name: 'short-lived',
        scopes: ['*'],
        expiresAt: new Date(Date.now() + 3_600_000),
      }),
    );
    await kernel.db.knex.raw("UPDATE api_tokens SET expires_at = now() - interval '1 minute' WHERE id = ?", [
      apiToken.id,
    ]);

    const refused = await audited(() => auth.authenticateToken(token));

    expectRefused(refused, 'unauthenticated');
    expect(refused.error!.message).toMatch(/expired/);
    expect(refused.events.map(summary)).toEqual([
      { operation: 'auth.token', decision: 'deny', actorId: null },
    ]);
    expect(refused.events[0]).toMatchObject({ resourceId: apiToken.id, reason: 'token expired' });
  });

  it('refuses an unknown token without revealing anything about it', async () => {
    const refused = await audited(() => auth.authenticateToken('cin_this-token-was-never-issued'));
    expectRefused(refused, 'unauthenticated');
    expect(refused.events.map(summary)).toEqual([
      { operation: 'auth.token', decision: 'deny', actorId: null },
    ]);
    expect(refused.events[0]).toMatchObject({
      resourceId: null,
      reason: 'unknown token',
      metadata: { prefix: 'cin_this' },
    });
  });

  it('refuses a token whose owner was disabled', async () => {
    const { token } = await asSystem(() =>
      tokens.create({ userId: id('sam'), name: 'bot', scopes: ['*'], expiresAt: null }),
    );
    await asSystem(() => users.update(id('sam'), { disabled: true }));
    const refused = await audited(() => auth.authenticateToken(token));
    expectRefused(refused, 'unauthenticated');
    expect(refused.events[0]).toMatchObject({
      operation: 'auth.token',
      decision: 'deny',
      reason: 'token owner disabled',
    });
  });

  it("narrows the owner's rights to the token's scopes", async () => {
    const { token } = await asSystem(() =>
      tokens.create({ userId: id('alice'), name: 'read-only', scopes: ['api_token:read'], expiresAt: null }),
    );
    const { apiToken: other } = await asSystem(() =>
      tokens.create({ userId: id('alice'), name: 'target', scopes: ['*'], expiresAt: null }),
    );
    const viaToken = await auth.authenticateToken(token);
    expect(viaToken).toMatchObject({
      principalId: id('alice'),
      authSource: 'api_token',
      tokenScopes: ['api_token:read'],
    });

    const list = await audited(() => runAsActor(viaToken, () => tokens.list(id('alice'))));
    expect(list.error).toBeUndefined();
    expect(list.events.map(summary)).toEqual([
      { operation: 'api_token.list', decision: 'allow', actorId: id('alice') },
    ]);
    expect(list.events[0]!.authSource).toBe('api_token');

    const revoke = await audited(() => runAsActor(viaToken, () => tokens.revoke(other.id)));
    expectRefused(revoke, 'forbidden');
    expect(revoke.events.map(summary)).toEqual([
      { operation: 'api_token.revoke', decision: 'deny', actorId: id('alice') },
    ]);
    expect(revoke.events[0]!.reason).toBe('token scopes lack api_token:write');
  });
});

describe('teams are visible to their members', () => {
  it('lets a team member read the team and its members', async () => {
    const tom = await signIn('tom');

    const team = await audited(() => runAsActor(tom, () => orgs.getTeam(red.id)));
    expect(team.error).toBeUndefined();
    expect(team.result).toMatchObject({ id: red.id, name: 'Red', organizationId: acme.id });
    expect(team.events.map(summary)).toEqual([
      { operation: 'team.read', decision: 'allow', actorId: id('tom') },
    ]);

    const members = await audited(() => runAsActor(tom, () => orgs.listTeamMembers(red.id)));
    expect(members.error).toBeUndefined();
    expect(members.result!.map((m) => `${m.displayName}:${m.role}`)).toEqual([
      'tina:team_admin',
      'tom:member',
    ]);
    expect(members.events.map(summary)).toEqual([
      { operation: 'team_member.list', decision: 'allow', actorId: id('tom') },
    ]);
  });

  it('refuses an organization member who is not in the team', async () => {
    const olga = await signIn('olga');

    const team = await audited(() => runAsActor(olga, () => orgs.getTeam(red.id)));
    expectRefused(team, 'forbidden');
    expect(team.events.map(summary)).toEqual([
      { operation: 'team.read', decision: 'deny', actorId: id('olga') },
    ]);
    expect(team.events[0]!.reason).toBe('not a member of the team');

    const members = await audited(() => runAsActor(olga, () => orgs.listTeamMembers(red.id)));
    expectRefused(members, 'forbidden');
    expect(members.events.map(summary)).toEqual([
      { operation: 'team_member.list', decision: 'deny', actorId: id('olga') },
    ]);
  });

  it('refuses a member of another organization', async () => {
    const gary = await signIn('gary');
    const team = await audited(() => runAsActor(gary, () => orgs.getTeam(red.id)));
    expectRefused(team, 'forbidden');
    expect(team.events.map(summary)).toEqual([
      { operation: 'team.read', decision: 'deny', actorId: id('gary') },
    ]);

    const list = await audited(() => runAsActor(gary, () => orgs.listTeams(acme.id)));
    expectRefused(list, 'forbidden');
    expect(list.events.map(summary)).toEqual([
      { operation: 'team.list', decision: 'deny', actorId: id('gary') },
    ]);
    expect(list.events[0]!.reason).toBe('not a member of the organization');
  });

  it.each([
    { who: 'tina', sees: ['Red'], as: 'a team_admin' },
    { who: 'tom', sees: ['Red'], as: 'a team member' },
    { who: 'olga', sees: [], as: 'a member in no team' },
    { who: 'adam', sees: ['Blue', 'Red'], as: 'an org_admin' },
    { who: 'oscar', sees: ['Blue', 'Red'], as: 'the org_owner' },
    { who: 'root', sees: ['Blue', 'Red'], as: 'a platform admin' },
  ])('listTeams shows $as ($who) the teams $sees', async ({ who, sees }) => {
    const actor = await signIn(who);
    const outcome = await audited(() => runAsActor(actor, () => orgs.listTeams(acme.id)));
    expect(outcome.error).toBeUndefined();
    expect(outcome.result!.map((t) => t.name)).toEqual(sees);
    expect(outcome.events.map(summary)).toEqual([
      { operation: 'team.list', decision: 'allow', actorId: id(who) },
    ]);
  });

  it('lets an org_admin read a team they are not in', async () => {
    const adam = await signIn('adam');
    const outcome = await audited(() => runAsActor(adam, () => orgs.getTeam(blue.id)));
    expect(outcome.error).toBeUndefined();
    expect(outcome.events.map(summary)).toEqual([
      { operation: 'team.read', decision: 'allow', actorId: id('adam') },
    ]);
    expect(outcome.events[0]!.reason).toBe('org_admin');
  });

  it('sees a new team membership on the next request', async () => {
    const before = await signIn('olga');
    expectRefused(await audited(() => runAsActor(before, () => orgs.getTeam(blue.id))), 'forbidden');

    await asSystem(() => orgs.setTeamMember(blue.id, id('olga'), 'member'));
    try {
      const after = await signIn('olga');
      const outcome = await audited(() => runAsActor(after, () => orgs.getTeam(blue.id)));
      expect(outcome.error).toBeUndefined();
      expect(outcome.events.map(summary)).toEqual([
        { operation: 'team.read', decision: 'allow', actorId: id('olga') },
      ]);
    } finally {
      await asSystem(() => orgs.removeTeamMember(blue.id, id('olga')));
    }
  });
});

describe('organization administration', () => {
  it('lets an org_admin add a member to their organization', async () => {
    const adam = await signIn('adam');
    const outcome = await audited(() =>
      runAsActor(adam, () => orgs.setOrganizationMember(acme.id, id('nina'), 'member')),
    );

    expect(outcome.error).toBeUndefined();
    expect(outcome.result).toMatchObject({ userId: id('nina'), role: 'member' });
    expect(outcome.events.map(summary)).toEqual([
      { operation: 'organization_member.update', decision: 'allow', actorId: id('adam') },
      { operation: 'organization_member.set', decision: null, actorId: id('adam') },
    ]);
    expect(outcome.events[1]).toMatchObject({
      resourceId: id('nina'),
      organizationId: acme.id,
      metadata: { role: 'member', previousRole: null },
    });
    const members = await asSystem(() => orgs.listOrganizationMembers(acme.id));
    expect(members.find((m) => m.userId === id('nina'))?.role).toBe('member');
  });

  it('lets an org_admin create a team in their organization', async () => {
    const adam = await signIn('adam');
    const outcome = await audited(() =>
      runAsActor(adam, () => orgs.createTeam(acme.id, { slug: 'green', name: 'Green' })),
    );
    expect(outcome.error).toBeUndefined();
    expect(outcome.result).toMatchObject({ slug: 'green', organizationId: acme.id });
    expect(outcome.events.map(summary)).toEqual([
      { operation: 'team.create', decision: 'allow', actorId: id('adam') },
      { operation: 'team.created', decision: null, actorId: id('adam') },
    ]);
  });

  it('refuses an org_admin in another organization', async () => {
    const adam = await signIn('adam');

    const member = await audited(() =>
      runAsActor(adam, () => orgs.setOrganizationMember(globex.id, id('nick'), 'member')),
    );
    expectRefused(member, 'forbidden');
    expect(member.events.map(summary)).toEqual([
      { operation: 'organization_member.update', decision: 'deny', actorId: id('adam') },
    ]);
    expect(member.events[0]).toMatchObject({
      organizationId: globex.id,
      reason: 'not a member of the organization',
    });

    const team = await audited(() =>
      runAsActor(adam, () => orgs.createTeam(globex.id, { slug: 'intruders', name: 'Intruders' })),
    );
    expectRefused(team, 'forbidden');
    expect(team.events.map(summary)).toEqual([
      { operation: 'team.create', decision: 'deny', actorId: id('adam') },
    ]);

    const globexMembers = await asSystem(() => orgs.listOrganizationMembers(globex.id));
    expect(globexMembers.map((m) => m.userId)).not.toContain(id('nick'));
    const globexTeams = await asSystem(() => orgs.listTeams(globex.id));
    expect(globexTeams).toEqual([]);
  });

  it('refuses a plain member who tries to administer their organization', async () => {
    const tom = await signIn('tom');
    const outcome = await audited(() =>
      runAsActor(tom, () => orgs.setOrganizationMember(acme.id, id('nick'), 'member')),
    );
    expectRefused(outcome, 'forbidden');
    expect(outcome.events.map(summary)).toEqual([
      { operation: 'organization_member.update', decision: 'deny', actorId: id('tom') },
    ]);
    expect(outcome.events[0]!.reason).toBe('requires org_admin');

    const team = await audited(() =>
      runAsActor(tom, () => orgs.createTeam(acme.id, { slug: 'toms', name: "Tom's" })),
    );
    expectRefused(team, 'forbidden');
    expect(team.events.map(summary)).toEqual([
      { operation: 'team.create', decision: 'deny', actorId: id('tom') },
    ]);
  });

  it('refuses an org_admin who tries to make themselves org_owner', async () => {
    const adam = await signIn('adam');
    const outcome = await audited(() =>
      runAsActor(adam, () => orgs.setOrganizationMember(acme.id, id('adam'), 'org_owner')),
    );
    expectRefused(outcome, 'forbidden');
    expect(outcome.events.map(summary)).toEqual([
      { operation: 'organization_member.owner', decision: 'deny', actorId: id('adam') },
    ]);
    expect(outcome.events[0]!.reason).toBe('requires org_owner');
    const members = await asSystem(() => orgs.listOrganizationMembers(acme.id));
    expect(members.find((m) => m.userId === id('adam'))?.role).toBe('org_admin');
  });

  it('refuses an org_admin who tries to demote or remove an org_owner', async () => {
    await asSystem(() => orgs.setOrganizationMember(acme.id, id('nick'), 'org_owner'));
    try {
      const adam = await signIn('adam');
      const demote = await audited(() =>
        runAsActor(adam, () => orgs.setOrganizationMember(acme.id, id('nick'), 'member')),
      );
      expectRefused(demote, 'forbidden');
      expect(demote.events.map(summary)).toEqual([
        { operation: 'organization_member.owner', decision: 'deny', actorId: id('adam') },
      ]);

      const remove = await audited(() =>
        runAsActor(adam, () => orgs.removeOrganizationMember(acme.id, id('nick'))),
      );
      expectRefused(remove, 'forbidden');
      expect(remove.events.map(summary)).toEqual([
        { operation: 'organization_member.owner', decision: 'deny', actorId: id('adam') },
      ]);

      const members = await asSystem(() => orgs.listOrganizationMembers(acme.id));
      expect(members.find((m) => m.userId === id('nick'))?.role).toBe('org_owner');
    } finally {
      await asSystem(() => orgs.removeOrganizationMember(acme.id, id('nick')));
    }
  });

  it('keeps the last org_owner: no demotion, no removal', async () => {
    const oscar = await signIn('oscar');

    const demote = await audited(() =>
      runAsActor(oscar, () => orgs.setOrganizationMember(acme.id, id('oscar'), 'org_admin')),
    );
    expectRefused(demote, 'conflict');
    expect(demote.error!.status).toBe(409);
    expect(demote.events.map(summary)).toEqual([
      { operation: 'organization_member.owner', decision: 'allow', actorId: id('oscar') },
    ]);

    const remove = await audited(() =>
      runAsActor(oscar, () => orgs.removeOrganizationMember(acme.id, id('oscar'))),
    );
    expectRefused(remove, 'conflict');
    expect(remove.events.map(summary)).toEqual([
      { operation: 'organization_member.owner', decision: 'allow', actorId: id('oscar') },
    ]);

    const members = await asSystem(() => orgs.listOrganizationMembers(acme.id));
    expect(members.find((m) => m.userId === id('oscar'))?.role).toBe('org_owner');
  });

  it('lets the last org_owner step down once someone else owns the organization', async () => {
    const gary = await signIn('gary');
    await runAsActor(gary, () => orgs.setOrganizationMember(globex.id, id('nick'), 'org_owner'));
    const outcome = await audited(() =>
      runAsActor(gary, () => orgs.setOrganizationMember(globex.id, id('gary'), 'member')),
    );
    expect(outcome.error).toBeUndefined();
    expect(outcome.result!.role).toBe('member');
    expect(outcome.events.map(summary)).toEqual([
      { operation: 'organization_member.owner', decision: 'allow', actorId: id('gary') },
      { operation: 'organization_member.set', decision: null, actorId: id('gary') },
    ]);
  });

  it('refuses to put someone outside the organization into one of its teams', async () => {
    const adam = await signIn('adam');
    const outcome = await audited(() =>
      runAsActor(adam, () => orgs.setTeamMember(red.id, id('bob'), 'member')),
    );
    expectRefused(outcome, 'conflict');
    expect(outcome.error!.message).toMatch(/add the user to the organization first/);
    expect(outcome.events.map(summary)).toEqual([
      { operation: 'team_member.update', decision: 'allow', actorId: id('adam') },
    ]);
    const members = await asSystem(() => orgs.listTeamMembers(red.id));
    expect(members.map((m) => m.userId)).not.toContain(id('bob'));
  });
});

describe('login rate limit', () => {
  const client = { ip: '192.0.2.10', userAgent: 'vitest' };

  it(`locks an account after ${MAX_FAILURES} wrong passwords, even against the right one`, async () => {
    for (let i = 0; i < MAX_FAILURES; i += 1) {
      const wrong = await audited(() => auth.login('rita@example.com', 'not my password', client));
      expectRefused(wrong, 'invalid_credentials');
      expect(wrong.events.map(summary)).toEqual([
        { operation: 'auth.login', decision: 'deny', actorId: null },
      ]);
      expect(wrong.events[0]!.reason).toBe('wrong password');
    }

    const locked = await audited(() => auth.login('rita@example.com', PASSWORD, client));
    expectRefused(locked, 'rate_limited');
    expect(locked.error!.status).toBe(429);
    const retryAfter = locked.error!.details.retryAfterSeconds;
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(LOGIN_WINDOW_SECONDS);
    expect(locked.error!.message).toContain(`${retryAfter} seconds`);
    expect(locked.events.map(summary)).toEqual([
      { operation: 'auth.login', decision: 'deny', actorId: null },
    ]);
    expect(locked.events[0]!.reason).toBe('rate limited');

    // Other accounts are unaffected.
    const other = await audited(() => auth.login('nick@example.com', PASSWORD, client));
    expect(other.error).toBeUndefined();
    expect(other.events.map(summary)).toEqual([
      { operation: 'auth.login', decision: 'allow', actorId: id('nick') },
    ]);
  });

  it('counts the email case-insensitively', async () => {
    const locked = await audited(() => auth.login('  RITA@Example.com ', PASSWORD, client));
    expectRefused(locked, 'rate_limited');
  });

  it('forgets earlier failures after a successful sign-in', async () => {
    const failTwice = async (): Promise<void> => {
      for (let i = 0; i < MAX_FAILURES - 1; i += 1) {
        await expect(auth.login('lena@example.com', 'nope', client)).rejects.toMatchObject({
          code: 'invalid_credentials',
        });
      }
    };
    await failTwice();
    await expect(auth.login('lena@example.com', PASSWORD, client)).resolves.toMatchObject({
      user: { id: id('lena') },
    });
    await failTwice();
    await expect(auth.login('lena@example.com', PASSWORD, client)).resolves.toMatchObject({
      user: { id: id('lena') },
    });
  });
});

describe('the audit trail as a whole', () => {
  it('still verifies after everything above', async () => {
    const result = await audit.verify();
    expect(result.ok).toBe(true);
  });
});
