import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestDatabase, testConfig, type TestDatabase } from '@cinatra/kernel/testing';
import { createPlatform, type Platform } from '@cinatra/host';
import {
  anonymous,
  createToken,
  createUser,
  expectAudited,
  expectProblem,
  setUpAdmin,
  signIn,
  withToken,
  type SessionClient,
  type UserJson,
} from './support/apiClient.js';

// The credential cache keeps its default (a few seconds): revocation must still take
// effect at once, and expiry may not outlive the token.
let db: TestDatabase;
let platform: Platform;
let admin: SessionClient;
let alice: SessionClient;
let bob: SessionClient;
let carol: SessionClient;
let dave: SessionClient;
const users: Record<'alice' | 'bob' | 'carol' | 'dave', UserJson> = {} as never;
let acmeId: string;
let globexId: string;
let redTeamId: string;

beforeAll(async () => {
  db = await createTestDatabase();
  platform = await createPlatform(testConfig({ databaseUrl: db.url }));
  admin = await setUpAdmin(platform);
  for (const name of ['alice', 'bob', 'carol', 'dave'] as const) {
    users[name] = await createUser(admin, `${name}@example.com`, name[0]!.toUpperCase() + name.slice(1));
  }

  let res = await admin.post('/api/organizations', { slug: 'acme', name: 'Acme' });
  expect(res.statusCode, res.body).toBe(201);
  acmeId = res.json<{ id: string }>().id;
  for (const [name, role] of [
    ['alice', 'org_admin'],
    ['bob', 'member'],
    ['carol', 'member'],
  ] as const) {
    res = await admin.put(`/api/organizations/${acmeId}/members/${users[name].id}`, { role });
    expect(res.statusCode, res.body).toBe(200);
  }

  res = await admin.post('/api/organizations', { slug: 'globex', name: 'Globex', ownerId: users.dave.id });
  expect(res.statusCode, res.body).toBe(201);
  globexId = res.json<{ id: string }>().id;

  res = await admin.post(`/api/organizations/${acmeId}/teams`, { slug: 'red', name: 'Red' });
  expect(res.statusCode, res.body).toBe(201);
  redTeamId = res.json<{ id: string }>().id;
  res = await admin.put(`/api/teams/${redTeamId}/members/${users.bob.id}`, { role: 'member' });
  expect(res.statusCode, res.body).toBe(200);

  [alice, bob, carol, dave] = await Promise.all([
    signIn(platform.server, 'alice@example.com'),
    signIn(platform.server, 'bob@example.com'),
    signIn(platform.server, 'carol@example.com'),
    signIn(platform.server, 'dave@example.com'),
  ]);
});

afterAll(async () => {
  await platform?.stop();
  await db?.drop();
});

describe("API tokens are their owner's", () => {
  let bobToken: { token: string; id: string };

  beforeAll(async () => {
    bobToken = await createToken(bob, { name: 'bob laptop', scopes: ['*'] });
  });

  test("a user cannot list another user's tokens", async () => {
    const res = await alice.get(`/api/tokens?userId=${users.bob.id}`);
    expectProblem(res, 403, 'forbidden');
    await expectAudited(admin, res, {
      operation: 'api_token.list',
      decision: 'deny',
      actorId: users.alice.id,
      reason: "another user's resource",
    });
  });

  test('the owner lists their own tokens, a platform admin lists anyone’s', async () => {
    let res = await bob.get('/api/tokens');
    expect(res.statusCode).toBe(200);
    expect(res.json<Array<{ id: string }>>().map((t) => t.id)).toContain(bobToken.id);
    await expectAudited(admin, res, {
      operation: 'api_token.list',
      decision: 'allow',
      actorId: users.bob.id,
      reason: 'owner',
    });

    res = await admin.get(`/api/tokens?userId=${users.bob.id}`);
    expect(res.statusCode).toBe(200);
    expect(res.json<Array<{ id: string }>>().map((t) => t.id)).toContain(bobToken.id);
    await expectAudited(admin, res, {
      operation: 'api_token.list',
      decision: 'allow',
      actorId: admin.user.id,
      reason: 'platform_admin',
    });
  });

  test("a user cannot revoke another user's token, and the token keeps working", async () => {
    const res = await alice.delete(`/api/tokens/${bobToken.id}`);
    expectProblem(res, 403, 'forbidden');
    await expectAudited(admin, res, {
      operation: 'api_token.revoke',
      decision: 'deny',
      actorId: users.alice.id,
      resourceId: bobToken.id,
      reason: "another user's resource",
    });
    expect((await withToken(platform.server, bobToken.token).get('/api/auth/session')).statusCode).toBe(200);
  });

  test('a user cannot create a token for another user', async () => {
    const res = await alice.post('/api/tokens', { name: 'sneaky', scopes: ['*'], userId: users.bob.id });
    expectProblem(res, 403, 'forbidden');
    await expectAudited(admin, res, {
      operation: 'api_token.create',
      decision: 'deny',
      actorId: users.alice.id,
    });
    const listed = await bob.get('/api/tokens');
    expect(listed.json<Array<{ name: string }>>().map((t) => t.name)).not.toContain('sneaky');
  });
});

describe('users', () => {
  test('a user cannot read another user', async () => {
    const res = await bob.get(`/api/users/${users.alice.id}`);
    expectProblem(res, 403, 'forbidden');
    await expectAudited(admin, res, {
      operation: 'user.read',
      decision: 'deny',
      actorId: users.bob.id,
      resourceId: users.alice.id,
      reason: "another user's resource",
    });
  });

  test('a user reads themselves', async () => {
    const res = await bob.get(`/api/users/${users.bob.id}`);
    expect(res.statusCode).toBe(200);
    expect(res.json<UserJson>().email).toBe('bob@example.com');
    await expectAudited(admin, res, {
      operation: 'user.read',
      decision: 'allow',
      actorId: users.bob.id,
      reason: 'owner',
    });
  });

  test('a user cannot list users', async () => {
    const res = await bob.get('/api/users');
    expectProblem(res, 403, 'forbidden');
    await expectAudited(admin, res, {
      operation: 'user.list',
      decision: 'deny',
      actorId: users.bob.id,
      reason: 'requires platform_admin',
    });
  });

  test('a user cannot change another user, nor make themselves admin', async () => {
    let res = await bob.patch(`/api/users/${users.alice.id}`, { displayName: 'Mallory' });
    expectProblem(res, 403, 'forbidden');
    await expectAudited(admin, res, {
      operation: 'user.update',
      decision: 'deny',
      actorId: users.bob.id,
      resourceId: users.alice.id,
    });

    res = await bob.patch(`/api/users/${users.bob.id}`, { platformRole: 'platform_admin' });
    expectProblem(res, 403, 'forbidden');
    await expectAudited(admin, res, {
      operation: 'user.admin',
      decision: 'deny',
      actorId: users.bob.id,
      reason: 'requires platform_admin',
    });
    expect((await admin.get(`/api/users/${users.bob.id}`)).json<UserJson>().platformRole).toBe('member');
    expect((await admin.get(`/api/users/${users.alice.id}`)).json<UserJson>().displayName).toBe('Alice');
  });
});

describe('teams are visible to their members and the org admins', () => {
  test('a team member reads the team and its members', async () => {
    let res = await bob.get(`/api/teams/${redTeamId}`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<{ slug: string }>().slug).toBe('red');
    await expectAudited(admin, res, {
      operation: 'team.read',
      decision: 'allow',
      actorId: users.bob.id,
      resourceId: redTeamId,
      organizationId: acmeId,
      reason: 'member',
    });

    res = await bob.get(`/api/teams/${redTeamId}/members`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<Array<{ userId: string }>>().map((m) => m.userId)).toEqual([users.bob.id]);
    await expectAudited(admin, res, {
      operation: 'team_member.list',
      decision: 'allow',
      actorId: users.bob.id,
      reason: 'member',
    });
  });

  test('an org member who is not on the team is refused', async () => {
    let res = await carol.get(`/api/teams/${redTeamId}`);
    expectProblem(res, 403, 'forbidden');
    await expectAudited(admin, res, {
      operation: 'team.read',
      decision: 'deny',
      actorId: users.carol.id,
      resourceId: redTeamId,
      reason: 'not a member of the team',
    });

    res = await carol.get(`/api/teams/${redTeamId}/members`);
    expectProblem(res, 403, 'forbidden');
    await expectAudited(admin, res, {
      operation: 'team_member.list',
      decision: 'deny',
      actorId: users.carol.id,
      reason: 'not a member of the team',
    });
  });

  test("a member's team list omits teams they are not on; an org admin sees every team", async () => {
    let res = await carol.get(`/api/organizations/${acmeId}/teams`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<Array<{ slug: string }>>().map((t) => t.slug)).not.toContain('red');
    await expectAudited(admin, res, {
      operation: 'team.list',
      decision: 'allow',
      actorId: users.carol.id,
      organizationId: acmeId,
    });

    res = await bob.get(`/api/organizations/${acmeId}/teams`);
    expect(res.json<Array<{ slug: string }>>().map((t) => t.slug)).toContain('red');

    res = await alice.get(`/api/organizations/${acmeId}/teams`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<Array<{ slug: string }>>().map((t) => t.slug)).toContain('red');
    await expectAudited(admin, res, {
      operation: 'team.list',
      decision: 'allow',
      actorId: users.alice.id,
      reason: 'org_admin',
    });

    res = await alice.get(`/api/teams/${redTeamId}`);
    expect(res.statusCode).toBe(200);
    await expectAudited(admin, res, {
      operation: 'team.read',
      decision: 'allow',
      actorId: users.alice.id,
      reason: 'org_admin',
    });
  });

  test("another organization's owner sees neither the team nor the organization", async () => {
    let res = await dave.get(`/api/teams/${redTeamId}`);
    expectProblem(res, 403, 'forbidden');
    await expectAudited(admin, res, { operation: 'team.read', decision: 'deny', actorId: users.dave.id });

    res = await dave.get(`/api/organizations/${acmeId}/teams`);
    expectProblem(res, 403, 'forbidden');
    await expectAudited(admin, res, {
      operation: 'team.list',
      decision: 'deny',
      actorId: users.dave.id,
      reason: 'not a member of the organization',
    });

    res = await dave.get('/api/organizations');
    expect(res.json<Array<{ slug: string }>>().map((o) => o.slug)).toEqual(['globex']);
  });
});

describe('org admins administer their own organization only', () => {
  test('an org admin changes a member and creates a team', async () => {
    let res = await alice.put(`/api/organizations/${acmeId}/members/${users.carol.id}`, { role: 'member' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<{ userId: string; role: string }>()).toMatchObject({
      userId: users.carol.id,
      role: 'member',
    });
    await expectAudited(admin, res, {
      operation: 'organization_member.update',
      decision: 'allow',
      actorId: users.alice.id,
      resourceId: users.carol.id,
      organizationId: acmeId,
      reason: 'org_admin',
    });
    await expectAudited(admin, res, {
      operation: 'organization_member.set',
      actorId: users.alice.id,
      resourceId: users.carol.id,
    });

    res = await alice.post(`/api/organizations/${acmeId}/teams`, { slug: 'blue', name: 'Blue' });
    expect(res.statusCode, res.body).toBe(201);
    await expectAudited(admin, res, {
      operation: 'team.create',
      decision: 'allow',
      actorId: users.alice.id,
      organizationId: acmeId,
      reason: 'org_admin',
    });
    await expectAudited(admin, res, {
      operation: 'team.created',
      actorId: users.alice.id,
      organizationId: acmeId,
    });

    res = await alice.patch(`/api/organizations/${acmeId}`, { name: 'Acme Inc' });
    expect(res.statusCode, res.body).toBe(200);
    await expectAudited(admin, res, {
      operation: 'organization.update',
      decision: 'allow',
      actorId: users.alice.id,
      reason: 'org_admin',
    });
  });

  test('an org admin may not delete the organization (owners only)', async () => {
    const res = await alice.delete(`/api/organizations/${acmeId}`);
    expectProblem(res, 403, 'forbidden');
    await expectAudited(admin, res, {
      operation: 'organization.delete',
      decision: 'deny',
      actorId: users.alice.id,
      reason: 'requires org_owner',
    });
    expect((await admin.get(`/api/organizations/${acmeId}`)).statusCode).toBe(200);
  });

  test('an org admin cannot administer another organization', async () => {
    let res = await alice.put(`/api/organizations/${globexId}/members/${users.carol.id}`, { role: 'member' });
    expectProblem(res, 403, 'forbidden');
    await expectAudited(admin, res, {
      operation: 'organization_member.update',
      decision: 'deny',
      actorId: users.alice.id,
      organizationId: globexId,
      reason: 'not a member of the organization',
    });

    res = await alice.post(`/api/organizations/${globexId}/teams`, { slug: 'alices', name: "Alice's" });
    expectProblem(res, 403, 'forbidden');
    await expectAudited(admin, res, {
      operation: 'team.create',
      decision: 'deny',
      actorId: users.alice.id,
      organizationId: globexId,
    });

    const members = await dave.get(`/api/organizations/${globexId}/members`);
    expect(members.json<Array<{ userId: string }>>().map((m) => m.userId)).toEqual([users.dave.id]);
    expect((await dave.get(`/api/organizations/${globexId}/teams`)).json()).toEqual([]);
  });

  test('a plain member cannot add members or create teams', async () => {
    let res = await bob.put(`/api/organizations/${acmeId}/members/${users.dave.id}`, { role: 'member' });
    expectProblem(res, 403, 'forbidden');
    await expectAudited(admin, res, {
      operation: 'organization_member.update',
      decision: 'deny',
      actorId: users.bob.id,
      resourceId: users.dave.id,
      reason: 'requires org_admin',
    });

    res = await carol.post(`/api/organizations/${acmeId}/teams`, { slug: 'carols', name: "Carol's" });
    expectProblem(res, 403, 'forbidden');
    await expectAudited(admin, res, {
      operation: 'team.create',
      decision: 'deny',
      actorId: users.carol.id,
      reason: 'requires org_admin',
    });

    const members = await admin.get(`/api/organizations/${acmeId}/members`);
    expect(members.json<Array<{ userId: string }>>().map((m) => m.userId)).not.toContain(users.dave.id);
  });
});

describe('org admins add members by email', () => {
  const memberIds = async () =>
    (await admin.get(`/api/organizations/${acmeId}/members`))
      .json<Array<{ userId: string; role: string }>>()
      .map((m) => m.userId);

  test('an org admin adds an existing user by the email they sign in with, in any case', async () => {
    const erin = await createUser(admin, 'erin@example.com', 'Erin');
    const res = await alice.post(`/api/organizations/${acmeId}/members`, {
      email: 'Erin@Example.COM',
      role: 'member',
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({
      userId: erin.id,
      email: 'erin@example.com',
      displayName: 'Erin',
      role: 'member',
    });
    await expectAudited(admin, res, {
      operation: 'organization_member.update',
      decision: 'allow',
      actorId: users.alice.id,
      organizationId: acmeId,
      reason: 'org_admin',
    });
    const set = await expectAudited(admin, res, {
      operation: 'organization_member.set',
      actorId: users.alice.id,
      resourceId: erin.id,
      organizationId: acmeId,
    });
    expect(set.metadata).toEqual({ role: 'member', previousRole: null });
    expect(await memberIds()).toContain(erin.id);
  });

  test('an unknown email is a 404 that says who creates accounts', async () => {
    const res = await alice.post(`/api/organizations/${acmeId}/members`, {
      email: 'nobody@example.com',
      role: 'member',
    });
    const problem = expectProblem(res, 404, 'not_found');
    expect(problem.detail).toBe('No account uses that email; a platform admin creates accounts under Users.');
  });

  test('someone already a member is a 409 naming them, and their role stays', async () => {
    const res = await alice.post(`/api/organizations/${acmeId}/members`, {
      email: 'bob@example.com',
      role: 'org_admin',
    });
    const problem = expectProblem(res, 409, 'conflict');
    expect(problem.detail).toContain('Bob (bob@example.com) is already a member');
    const members = await admin.get(`/api/organizations/${acmeId}/members`);
    expect(
      members.json<Array<{ userId: string; role: string }>>().find((m) => m.userId === users.bob.id)?.role,
    ).toBe('member');
  });

  test('a plain member may not add anyone, and learns nothing about the email', async () => {
    for (const email of ['dave@example.com', 'nobody@example.com']) {
      const res = await bob.post(`/api/organizations/${acmeId}/members`, { email, role: 'member' });
      expectProblem(res, 403, 'forbidden');
      await expectAudited(admin, res, {
        operation: 'organization_member.update',
        decision: 'deny',
        actorId: users.bob.id,
        organizationId: acmeId,
        reason: 'requires org_admin',
      });
    }
    // As with PUT, naming an owner takes an owner.
    const res = await alice.post(`/api/organizations/${acmeId}/members`, {
      email: 'dave@example.com',
      role: 'org_owner',
    });
    expectProblem(res, 403, 'forbidden');
    await expectAudited(admin, res, {
      operation: 'organization_member.owner',
      decision: 'deny',
      actorId: users.alice.id,
      reason: 'requires org_owner',
    });
    expect(await memberIds()).not.toContain(users.dave.id);
  });
});

describe('refused tokens', () => {
  test('a revoked token is refused at once, even right after it was used', async () => {
    const { token, id } = await createToken(bob, { name: 'to revoke', scopes: ['*'] });
    const asToken = withToken(platform.server, token);
    expect((await asToken.get('/api/auth/session')).statusCode).toBe(200);

    const revoked = await bob.delete(`/api/tokens/${id}`);
    expect(revoked.statusCode, revoked.body).toBe(200);
    expect(revoked.json<{ revokedAt: string | null }>().revokedAt).not.toBeNull();
    await expectAudited(admin, revoked, {
      operation: 'api_token.revoke',
      decision: 'allow',
      actorId: users.bob.id,
      resourceId: id,
      reason: 'owner',
    });

    const res = await asToken.get('/api/auth/session');
    expectProblem(res, 401, 'unauthenticated');
    await expectAudited(admin, res, {
      operation: 'auth.token',
      decision: 'deny',
      actorId: null,
      resourceId: id,
      reason: 'token revoked',
    });
  });

  test('an expired token is refused', async () => {
    const { token, id } = await createToken(bob, { name: 'expired', scopes: ['*'] });
    await platform.kernel.db.knex.raw(
      "update api_tokens set expires_at = now() - interval '1 minute' where id = ?",
      [id],
    );

    const res = await withToken(platform.server, token).get('/api/organizations');
    expectProblem(res, 401, 'unauthenticated');
    await expectAudited(admin, res, {
      operation: 'auth.token',
      decision: 'deny',
      actorId: null,
      resourceId: id,
      reason: 'token expired',
    });
  });

  test('a token used shortly before it expires stops working when it expires', async () => {
    const expiresAt = new Date(Date.now() + 1500);
    const { token, id } = await createToken(bob, {
      name: 'short-lived',
      scopes: ['*'],
      expiresAt: expiresAt.toISOString(),
    });
    const asToken = withToken(platform.server, token);
    expect((await asToken.get('/api/auth/session')).statusCode).toBe(200);

    await sleep(Math.max(0, expiresAt.getTime() - Date.now()) + 100);
    const res = await asToken.get('/api/auth/session');
    expectProblem(res, 401, 'unauthenticated');
    await expectAudited(admin, res, {
      operation: 'auth.token',
      decision: 'deny',
      resourceId: id,
      reason: 'token expired',
    });
  });

  test('an unknown token is refused', async () => {
    const res = await withToken(platform.server, 'cin_definitelyNotAToken').get('/api/organizations');
    expectProblem(res, 401, 'unauthenticated');
    await expectAudited(admin, res, {
      operation: 'auth.token',
      decision: 'deny',
      actorId: null,
      reason: 'unknown token',
    });
  });

  test('no credentials at all is refused', async () => {
    expectProblem(await anonymous(platform.server).get('/api/organizations'), 401, 'unauthenticated');
  });
});

describe('token scopes narrow, never widen', () => {
  test('a read-only organization token can list organizations but not create one, even for an admin', async () => {
    const { token } = await createToken(admin, { name: 'org reader', scopes: ['organization:read'] });
    const reader = withToken(platform.server, token);

    let res = await reader.get('/api/organizations');
    expect(res.statusCode, res.body).toBe(200);
    expect(
      res
        .json<Array<{ slug: string }>>()
        .map((o) => o.slug)
        .sort(),
    ).toEqual(['acme', 'globex']);
    await expectAudited(admin, res, {
      operation: 'organization.list',
      decision: 'allow',
      actorId: admin.user.id,
      authSource: 'api_token',
      reason: 'platform_admin',
    });

    res = await reader.post('/api/organizations', { slug: 'scoped-out', name: 'Scoped out' });
    expectProblem(res, 403, 'forbidden');
    await expectAudited(admin, res, {
      operation: 'organization.create',
      decision: 'deny',
      actorId: admin.user.id,
      authSource: 'api_token',
      reason: 'token scopes lack organization:admin',
    });

    res = await reader.get('/api/users');
    expectProblem(res, 403, 'forbidden');
    await expectAudited(admin, res, {
      operation: 'user.list',
      decision: 'deny',
      actorId: admin.user.id,
      reason: 'token scopes lack user:admin',
    });

    const orgs = await admin.get('/api/organizations');
    expect(orgs.json<Array<{ slug: string }>>().map((o) => o.slug)).not.toContain('scoped-out');
  });

  test('a token never grants more than its owner has', async () => {
    const { token } = await createToken(carol, { name: 'everything', scopes: ['*'] });
    const res = await withToken(platform.server, token).get('/api/users');
    expectProblem(res, 403, 'forbidden');
    await expectAudited(admin, res, {
      operation: 'user.list',
      decision: 'deny',
      actorId: users.carol.id,
      reason: 'requires platform_admin',
    });
  });
});
