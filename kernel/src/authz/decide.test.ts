import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import {
  ANONYMOUS_ACTOR,
  systemActor,
  type ActorContext,
  type OrganizationRole,
  type TeamRole,
} from './ActorContext.js';
import type { AccessLevel, Classification } from './ClassificationRegistry.js';
import { TOKEN_SCOPE_PATTERN, decide, scopeAllows, scopeAllowsAction } from './decide.js';
import type { Owner, ResourceRef } from './ResourceRef.js';

const ORG = 'org-1';
const OTHER_ORG = 'org-2';
const TEAM = 'team-1';
const OTHER_TEAM = 'team-2';

function user(id: string, extra: Partial<ActorContext> = {}): ActorContext {
  return {
    principalId: id,
    principalType: 'user',
    displayName: id,
    platformRole: 'member',
    organizations: [],
    teams: [],
    tokenScopes: null,
    authSource: 'session',
    credentialId: `session-of-${id}`,
    ...extra,
  };
}

const orgMember = (id: string, role: OrganizationRole, extra: Partial<ActorContext> = {}): ActorContext =>
  user(id, { organizations: [{ id: ORG, role }], ...extra });

const teamMember = (id: string, role: TeamRole, orgRole: OrganizationRole = 'member'): ActorContext =>
  user(id, { organizations: [{ id: ORG, role: orgRole }], teams: [{ id: TEAM, organizationId: ORG, role }] });

const rule = (level: AccessLevel, ownerOnly = false): Classification => ({
  resourceType: 'thing',
  action: `act-${level}`,
  level,
  ownerOnly,
  description: 'test rule',
});

const resource = (owner: Owner, type = 'thing'): ResourceRef => ({ type, id: 'thing-1', owner });

const USER_OWNER: Owner = { tier: 'user', userId: 'alice' };
const TEAM_OWNER: Owner = { tier: 'team', teamId: TEAM, organizationId: ORG };
const ORG_OWNER: Owner = { tier: 'organization', organizationId: ORG };
const WORKSPACE_OWNER: Owner = { tier: 'workspace' };

const LEVELS: AccessLevel[] = ['read', 'write', 'admin', 'owner'];

/** One actor against one owner tier: which of read/write/admin/owner it gets. */
interface Row {
  who: string;
  actor: ActorContext;
  owner: Owner;
  allowed: AccessLevel[];
}

const platformAdmin = user('root', { platformRole: 'platform_admin' });

const MATRIX: Row[] = [
  // user tier: only that user (and platform admins)
  { who: 'the owning user', actor: user('alice'), owner: USER_OWNER, allowed: LEVELS },
  { who: 'another user', actor: user('bob'), owner: USER_OWNER, allowed: [] },
  {
    who: 'an org_owner sharing an org with the user',
    actor: orgMember('bob', 'org_owner'),
    owner: USER_OWNER,
    allowed: [],
  },
  { who: 'a platform admin', actor: platformAdmin, owner: USER_OWNER, allowed: LEVELS },

  // team tier
  { who: 'a team member', actor: teamMember('tm', 'member'), owner: TEAM_OWNER, allowed: ['read'] },
  {
    who: 'a team_admin',
    actor: teamMember('ta', 'team_admin'),
    owner: TEAM_OWNER,
    allowed: ['read', 'write', 'admin'],
  },
  { who: 'an org member outside the team', actor: orgMember('om', 'member'), owner: TEAM_OWNER, allowed: [] },
  {
    who: 'a member of another team in the org',
    actor: user('ot', {
      organizations: [{ id: ORG, role: 'member' }],
      teams: [{ id: OTHER_TEAM, organizationId: ORG, role: 'team_admin' }],
    }),
    owner: TEAM_OWNER,
    allowed: [],
  },
  { who: 'an org_admin of the org', actor: orgMember('oa', 'org_admin'), owner: TEAM_OWNER, allowed: LEVELS },
  { who: 'an org_owner of the org', actor: orgMember('oo', 'org_owner'), owner: TEAM_OWNER, allowed: LEVELS },
  {
    who: 'an org_admin of another org',
    actor: user('x', { organizations: [{ id: OTHER_ORG, role: 'org_admin' }] }),
    owner: TEAM_OWNER,
    allowed: [],
  },
  { who: 'a platform admin', actor: platformAdmin, owner: TEAM_OWNER, allowed: LEVELS },
  { who: 'a signed-in user with no memberships', actor: user('nobody'), owner: TEAM_OWNER, allowed: [] },

  // organization tier
  { who: 'an org member', actor: orgMember('om', 'member'), owner: ORG_OWNER, allowed: ['read'] },
  {
    who: 'a team_admin who is a plain org member',
    actor: teamMember('ta', 'team_admin'),
    owner: ORG_OWNER,
    allowed: ['read'],
  },
  {
    who: 'an org_admin',
    actor: orgMember('oa', 'org_admin'),
    owner: ORG_OWNER,
    allowed: ['read', 'write', 'admin'],
  },
  { who: 'an org_owner', actor: orgMember('oo', 'org_owner'), owner: ORG_OWNER, allowed: LEVELS },
  {
    who: 'an org_owner of another org',
    actor: user('x', { organizations: [{ id: OTHER_ORG, role: 'org_owner' }] }),
    owner: ORG_OWNER,
    allowed: [],
  },
  { who: 'a platform admin', actor: platformAdmin, owner: ORG_OWNER, allowed: LEVELS },

  // workspace tier
  { who: 'any signed-in user', actor: user('nobody'), owner: WORKSPACE_OWNER, allowed: ['read'] },
  { who: 'an org_owner', actor: orgMember('oo', 'org_owner'), owner: WORKSPACE_OWNER, allowed: ['read'] },
  {
    who: 'a service account',
    actor: user('svc', { principalType: 'service_account', authSource: 'api_token' }),
    owner: WORKSPACE_OWNER,
    allowed: ['read'],
  },
  { who: 'a platform admin', actor: platformAdmin, owner: WORKSPACE_OWNER, allowed: LEVELS },
];

describe('decide: roles against owner tiers', () => {
  const cases = MATRIX.flatMap((row) =>
    LEVELS.map((level) => ({ ...row, level, tier: row.owner.tier, expected: row.allowed.includes(level) })),
  );

  it.each(cases)('$tier tier, $level: $who → allow=$expected', ({ actor, owner, level, expected }) => {
    const decision = decide(actor, rule(level), resource(owner));
    expect(decision.allow).toBe(expected);
    expect(decision.reason).not.toBe('');
  });
});

describe('decide: reasons a user would read in the audit log', () => {
  it.each([
    { actor: user('alice'), owner: USER_OWNER, level: 'write' as const, reason: 'owner' },
    { actor: user('bob'), owner: USER_OWNER, level: 'read' as const, reason: "another user's resource" },
    { actor: platformAdmin, owner: ORG_OWNER, level: 'owner' as const, reason: 'platform_admin' },
    { actor: orgMember('om', 'member'), owner: ORG_OWNER, level: 'read' as const, reason: 'member' },
    {
      actor: orgMember('om', 'member'),
      owner: ORG_OWNER,
      level: 'write' as const,
      reason: 'requires org_admin',
    },
    {
      actor: orgMember('oa', 'org_admin'),
      owner: ORG_OWNER,
      level: 'owner' as const,
      reason: 'requires org_owner',
    },
    {
      actor: user('x'),
      owner: ORG_OWNER,
      level: 'read' as const,
      reason: 'not a member of the organization',
    },
    {
      actor: orgMember('om', 'member'),
      owner: TEAM_OWNER,
      level: 'read' as const,
      reason: 'not a member of the team',
    },
    {
      actor: teamMember('tm', 'member'),
      owner: TEAM_OWNER,
      level: 'write' as const,
      reason: 'requires team_admin',
    },
    {
      actor: teamMember('ta', 'team_admin'),
      owner: TEAM_OWNER,
      level: 'owner' as const,
      reason: 'requires org_admin',
    },
    { actor: orgMember('oa', 'org_admin'), owner: TEAM_OWNER, level: 'owner' as const, reason: 'org_admin' },
    { actor: user('x'), owner: WORKSPACE_OWNER, level: 'read' as const, reason: 'signed in' },
    { actor: user('x'), owner: WORKSPACE_OWNER, level: 'write' as const, reason: 'requires platform_admin' },
  ])('$owner.tier $level by $actor.principalId → "$reason"', ({ actor, owner, level, reason }) => {
    expect(decide(actor, rule(level), resource(owner)).reason).toBe(reason);
  });
});

describe('decide: owner-only actions', () => {
  it.each(LEVELS)('lets the owning user do a %s owner-only action', (level) => {
    expect(decide(user('alice'), rule(level, true), resource(USER_OWNER))).toEqual({
      allow: true,
      reason: 'owner',
    });
  });

  it.each(LEVELS)('refuses a platform admin a %s owner-only action on another user’s resource', (level) => {
    expect(decide(platformAdmin, rule(level, true), resource(USER_OWNER))).toEqual({
      allow: false,
      reason: 'only the owner may do this',
    });
  });

  it.each([
    { who: 'org_owner', actor: orgMember('oo', 'org_owner'), owner: ORG_OWNER },
    { who: 'org_admin', actor: orgMember('oa', 'org_admin'), owner: TEAM_OWNER },
    { who: 'team_admin', actor: teamMember('ta', 'team_admin'), owner: TEAM_OWNER },
    { who: 'platform admin', actor: platformAdmin, owner: WORKSPACE_OWNER },
  ])('refuses even a $who an owner-only action on a $owner.tier resource', ({ actor, owner }) => {
    expect(decide(actor, rule('read', true), resource(owner)).allow).toBe(false);
  });
});

describe('decide: special principals', () => {
  it.each(LEVELS)('denies the anonymous actor %s access to everything', (level) => {
    for (const owner of [USER_OWNER, TEAM_OWNER, ORG_OWNER, WORKSPACE_OWNER]) {
      expect(decide(ANONYMOUS_ACTOR, rule(level), resource(owner))).toEqual({
        allow: false,
        reason: 'not authenticated',
      });
    }
  });

  it('treats an actor without a principal id as not authenticated, whatever it claims', () => {
    const ghost = user('ghost', { principalId: null, platformRole: 'platform_admin' });
    expect(decide(ghost, rule('read'), resource(WORKSPACE_OWNER))).toEqual({
      allow: false,
      reason: 'not authenticated',
    });
  });

  it.each(LEVELS)('allows the system actor %s access, even owner-only', (level) => {
    for (const actor of [systemActor(), systemActor('cli')]) {
      expect(decide(actor, rule(level, true), resource(USER_OWNER))).toEqual({
        allow: true,
        reason: 'system',
      });
    }
  });
});

describe('decide: unclassified actions are denied to everyone', () => {
  it.each([
    { who: 'the owning user', actor: user('alice') },
    { who: 'a platform admin', actor: platformAdmin },
    { who: 'the system', actor: systemActor() },
    { who: 'anonymous', actor: ANONYMOUS_ACTOR },
  ])('$who', ({ actor }) => {
    expect(decide(actor, undefined, resource(USER_OWNER))).toEqual({
      allow: false,
      reason: 'unclassified action',
    });
  });
});

describe('decide: API token scopes narrow, never widen', () => {
  const withScopes = (actor: ActorContext, tokenScopes: string[]): ActorContext => ({
    ...actor,
    tokenScopes,
    authSource: 'api_token',
  });

  it('refuses the owner when the token lacks the scope, and says which scope is missing', () => {
    expect(decide(withScopes(user('alice'), ['other:owner']), rule('read'), resource(USER_OWNER))).toEqual({
      allow: false,
      reason: 'token scopes lack thing:read',
    });
  });

  it('refuses a platform admin a write through a read-only token', () => {
    expect(
      decide(withScopes(platformAdmin, ['thing:read']), rule('write'), resource(WORKSPACE_OWNER)).allow,
    ).toBe(false);
    expect(
      decide(withScopes(platformAdmin, ['thing:read']), rule('read'), resource(WORKSPACE_OWNER)).allow,
    ).toBe(true);
  });

  it('does not let a broad token exceed the role', () => {
    const member = withScopes(orgMember('om', 'member'), ['*']);
    expect(decide(member, rule('read'), resource(ORG_OWNER)).allow).toBe(true);
    expect(decide(member, rule('admin'), resource(ORG_OWNER))).toEqual({
      allow: false,
      reason: 'requires org_admin',
    });
  });

  it('treats an empty scope list as no access at all', () => {
    expect(decide(withScopes(user('alice'), []), rule('read'), resource(USER_OWNER)).allow).toBe(false);
  });

  it('applies token scopes before the owner and platform-admin shortcuts', () => {
    expect(
      decide(withScopes(platformAdmin, ['thing:admin']), rule('owner'), resource(USER_OWNER)).reason,
    ).toBe('token scopes lack thing:owner');
  });
});

describe('decide: action scopes allow one action, on one resource or one part of it', () => {
  const callTool: Classification = {
    resourceType: 'extension',
    action: 'call_tool',
    level: 'read',
    description: 'test rule',
  };
  const tool = (id: string, part: string): ResourceRef => ({
    type: 'extension',
    id,
    part,
    owner: WORKSPACE_OWNER,
  });
  const token = (...tokenScopes: string[]): ActorContext => ({
    ...user('alice'),
    tokenScopes,
    authSource: 'api_token',
  });

  it('narrows to the named extension, or to one of its tools', () => {
    const oneExtension = token('extension:call_tool:@acme/crm');
    expect(decide(oneExtension, callTool, tool('@acme/crm', 'create_issue')).allow).toBe(true);
    expect(decide(oneExtension, callTool, tool('@acme/other', 'create_issue'))).toEqual({
      allow: false,
      reason: 'token scopes limit extension:call_tool to @acme/crm',
    });
    const oneTool = token('extension:call_tool:@acme/crm/create_issue');
    expect(decide(oneTool, callTool, tool('@acme/crm', 'create_issue')).allow).toBe(true);
    expect(decide(oneTool, callTool, tool('@acme/crm', 'delete_issue')).allow).toBe(false);
    expect(decide(token('extension:call_tool:crm/x'), callTool, tool('crm', 'x')).allow).toBe(true);
  });

  it('allows only that action, and a bare action scope any resource of the type', () => {
    const anyTool = token('extension:call_tool');
    expect(decide(anyTool, callTool, tool('@acme/crm', 'x')).allow).toBe(true);
    const read = { ...callTool, action: 'inspect' };
    expect(decide(anyTool, read, tool('@acme/crm', 'x')).reason).toBe('token scopes lack extension:read');
  });

  it('never widens what the role allows', () => {
    const admin = { ...callTool, level: 'admin' as const };
    expect(decide(token('extension:call_tool'), admin, tool('@acme/crm', 'x')).reason).toBe(
      'requires platform_admin',
    );
  });

  it('treats a level name in the action position as a level scope, and action scopes are not levels', () => {
    expect(scopeAllowsAction(['thing:read'], 'read', resource(WORKSPACE_OWNER))).toBe(false);
    expect(scopeAllowsAction(['thing:read:thing-1'], 'read', resource(WORKSPACE_OWNER))).toBe(true);
    expect(scopeAllows(['thing:read:thing-1'], 'thing', 'read')).toBe(false);
  });

  it('matches the token scope pattern', () => {
    const pattern = new RegExp(TOKEN_SCOPE_PATTERN);
    for (const ok of ['*', 'thing:*', 'thing:read', 'extension:call_tool', 'extension:call_tool:@a/b/c']) {
      expect(ok).toMatch(pattern);
    }
    for (const bad of [
      'thing',
      'Thing:read',
      'thing:*:x',
      'extension:call_tool:',
      'extension:call_tool:a b',
    ]) {
      expect(bad).not.toMatch(pattern);
    }
  });
});

describe('scopeAllows', () => {
  it.each([
    { scopes: ['*'], type: 'thing', level: 'owner' as const, allowed: true },
    { scopes: ['thing:*'], type: 'thing', level: 'owner' as const, allowed: true },
    { scopes: ['thing:*'], type: 'other', level: 'read' as const, allowed: false },
    { scopes: ['thing:read'], type: 'thing', level: 'read' as const, allowed: true },
    { scopes: ['thing:read'], type: 'thing', level: 'write' as const, allowed: false },
    { scopes: ['thing:write'], type: 'thing', level: 'read' as const, allowed: true },
    { scopes: ['thing:write'], type: 'thing', level: 'write' as const, allowed: true },
    { scopes: ['thing:write'], type: 'thing', level: 'admin' as const, allowed: false },
    { scopes: ['thing:admin'], type: 'thing', level: 'write' as const, allowed: true },
    { scopes: ['thing:admin'], type: 'thing', level: 'owner' as const, allowed: false },
    { scopes: ['thing:owner'], type: 'thing', level: 'admin' as const, allowed: true },
    { scopes: ['thing:owner'], type: 'things', level: 'read' as const, allowed: false },
    { scopes: ['thin:owner'], type: 'thing', level: 'read' as const, allowed: false },
    { scopes: ['other:read', 'thing:write'], type: 'thing', level: 'write' as const, allowed: true },
    { scopes: ['thing'], type: 'thing', level: 'read' as const, allowed: false },
    { scopes: ['thing:bogus'], type: 'thing', level: 'read' as const, allowed: false },
    { scopes: [], type: 'thing', level: 'read' as const, allowed: false },
  ])('$scopes grants $type:$level → $allowed', ({ scopes, type, level, allowed }) => {
    expect(scopeAllows(scopes, type, level)).toBe(allowed);
  });
});
