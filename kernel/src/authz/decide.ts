import type { ActorContext } from './ActorContext.js';
import { ACCESS_LEVELS, type AccessLevel, type Classification } from './ClassificationRegistry.js';
import type { ResourceRef } from './ResourceRef.js';

export interface Decision {
  allow: boolean;
  /** Why, in a few words; stored in the audit event. */
  reason: string;
}

const atLeast = (level: AccessLevel, needed: AccessLevel): boolean =>
  ACCESS_LEVELS.indexOf(level) >= ACCESS_LEVELS.indexOf(needed);

/**
 * Token scopes are level scopes — `*`, `<resource_type>:*`, `<resource_type>:<level>` (every
 * action up to that level) — or action scopes, which allow one action only:
 * `<resource_type>:<action>` (on any resource of the type; the action is not a level name) and
 * `<resource_type>:<action>:<resource id>` or `…:<resource id>/<part>` (one resource, or one part
 * of it: `extension:call_tool:@acme/crm/create_issue` is one tool of one extension).
 */
export const TOKEN_SCOPE_PATTERN =
  '^(\\*|[a-z][a-z0-9_]*:(read|write|admin|owner|\\*)|[a-z][a-z0-9_]*:[a-z][a-z0-9_]*(:[\\x21-\\x7E]{1,300})?)$';

const LEVEL_SCOPES = new Set<string>([...ACCESS_LEVELS, '*']);

export function scopeAllows(scopes: readonly string[], resourceType: string, level: AccessLevel): boolean {
  return scopes.some((scope) => {
    if (scope === '*') return true;
    const parts = scope.split(':');
    if (parts.length !== 2) return false; // an action scope on one resource
    const [type, granted] = parts as [string, string];
    if (type !== resourceType) return false;
    return granted === '*' || atLeast(granted as AccessLevel, level);
  });
}

/**
 * Whether an action scope lets a token do `action` on `resource`: `<type>:<action>` (any
 * resource), `<type>:<action>:<id>` (that resource, any part) or `<type>:<action>:<id>/<part>`.
 * A level name in the action position (`thing:read`) is a level scope, see `scopeAllows`.
 */
export function scopeAllowsAction(scopes: readonly string[], action: string, resource: ResourceRef): boolean {
  const prefix = `${resource.type}:${action}`;
  return scopes.some((scope) => {
    if (scope === prefix) return !LEVEL_SCOPES.has(action);
    if (!scope.startsWith(`${prefix}:`) || resource.id === undefined) return false;
    const target = scope.slice(prefix.length + 1);
    return (
      target === resource.id || (resource.part !== undefined && target === `${resource.id}/${resource.part}`)
    );
  });
}

/**
 * The pure authorization rule, deny by default. Platform admins may do anything that is
 * not owner-only; everyone else needs a role in the scope that owns the resource:
 *
 * | owner tier    | read                     | write / admin             | owner                |
 * |---------------|--------------------------|---------------------------|----------------------|
 * | user          | that user                | that user                 | that user            |
 * | team          | team member, org admin   | team_admin, org admin     | org admin            |
 * | organization  | org member               | org_admin, org_owner      | org_owner            |
 * | workspace     | any signed-in principal  | platform_admin            | platform_admin       |
 *
 * An API token's scopes narrow this further (a level scope, or an action scope for this action
 * and resource); they never widen it.
 */
export function decide(
  actor: ActorContext,
  classification: Classification | undefined,
  resource: ResourceRef,
): Decision {
  if (!classification) return { allow: false, reason: 'unclassified action' };
  if (actor.principalType === 'system') return { allow: true, reason: 'system' };
  if (actor.principalType === 'anonymous' || actor.principalId === null) {
    return { allow: false, reason: 'not authenticated' };
  }
  const { level } = classification;
  const scopes = actor.tokenScopes;
  if (
    scopes !== null &&
    !scopeAllows(scopes, resource.type, level) &&
    !scopeAllowsAction(scopes, classification.action, resource)
  ) {
    const narrowed = scopes.filter((scope) => scope.startsWith(`${resource.type}:${classification.action}:`));
    return {
      allow: false,
      reason:
        narrowed.length > 0
          ? `token scopes limit ${resource.type}:${classification.action} to ${narrowed.map((s) => s.split(':').slice(2).join(':')).join(', ')}`
          : `token scopes lack ${resource.type}:${level}`,
    };
  }

  const owner = resource.owner;
  if (owner.tier === 'user' && owner.userId === actor.principalId) return { allow: true, reason: 'owner' };
  if (actor.platformRole === 'platform_admin' && !classification.ownerOnly) {
    return { allow: true, reason: 'platform_admin' };
  }
  if (classification.ownerOnly) return { allow: false, reason: 'only the owner may do this' };

  switch (owner.tier) {
    case 'user':
      return { allow: false, reason: "another user's resource" };
    case 'workspace':
      return level === 'read'
        ? { allow: true, reason: 'signed in' }
        : { allow: false, reason: 'requires platform_admin' };
    case 'organization': {
      const role = actor.organizations.find((o) => o.id === owner.organizationId)?.role;
      if (!role) return { allow: false, reason: 'not a member of the organization' };
      if (level === 'read') return { allow: true, reason: role };
      if (level === 'owner') {
        return role === 'org_owner'
          ? { allow: true, reason: role }
          : { allow: false, reason: 'requires org_owner' };
      }
      return role === 'member'
        ? { allow: false, reason: 'requires org_admin' }
        : { allow: true, reason: role };
    }
    case 'team': {
      const orgRole = actor.organizations.find((o) => o.id === owner.organizationId)?.role;
      if (orgRole === 'org_owner' || orgRole === 'org_admin') return { allow: true, reason: orgRole };
      const teamRole = actor.teams.find((t) => t.id === owner.teamId)?.role;
      if (!teamRole) return { allow: false, reason: 'not a member of the team' };
      if (level === 'read') return { allow: true, reason: teamRole };
      if (level === 'owner') return { allow: false, reason: 'requires org_admin' };
      return teamRole === 'team_admin'
        ? { allow: true, reason: teamRole }
        : { allow: false, reason: 'requires team_admin' };
    }
  }
}
