import { AsyncLocalStorage } from 'node:async_hooks';

/** `extension`: an installed extension calling the host API (its package name is the principal id). */
export type PrincipalType = 'user' | 'service_account' | 'system' | 'anonymous' | 'extension';
export type AuthSource = 'session' | 'api_token' | 'cli' | 'system' | 'anonymous' | 'extension';
export type PlatformRole = 'platform_admin' | 'member';
export type OrganizationRole = 'org_owner' | 'org_admin' | 'member';
export type TeamRole = 'team_admin' | 'member';

/**
 * Who is acting. It travels with every request and job (AsyncLocalStorage) and is
 * JSON-serialisable so a queued job can carry it. Memberships are a snapshot taken when
 * the credential was resolved.
 */
export interface ActorContext {
  principalId: string | null;
  principalType: PrincipalType;
  displayName: string;
  platformRole: PlatformRole | null;
  organizations: ReadonlyArray<{ id: string; role: OrganizationRole }>;
  teams: ReadonlyArray<{ id: string; organizationId: string; role: TeamRole }>;
  /** Scopes of the API token in use; `null` when not authenticated by a token (no narrowing). */
  tokenScopes: readonly string[] | null;
  authSource: AuthSource;
  /** Session or token id the actor authenticated with. */
  credentialId: string | null;
}

/** The request or job an actor acts within; what audit events are tied to. */
export interface RequestScope {
  actor: ActorContext;
  requestId: string | null;
  ip: string | null;
}

export const ANONYMOUS_ACTOR: ActorContext = Object.freeze({
  principalId: null,
  principalType: 'anonymous',
  displayName: 'anonymous',
  platformRole: null,
  organizations: [],
  teams: [],
  tokenScopes: null,
  authSource: 'anonymous',
  credentialId: null,
});

/** The platform itself, and operators at the machine (`cinatra` CLI). Always allowed, always audited. */
export function systemActor(authSource: 'cli' | 'system' = 'system'): ActorContext {
  return {
    ...ANONYMOUS_ACTOR,
    principalId: `system:${authSource}`,
    principalType: 'system',
    displayName: authSource,
    authSource,
  };
}

const storage = new AsyncLocalStorage<RequestScope>();

export function runInScope<T>(scope: RequestScope, fn: () => T): T {
  return storage.run(scope, fn);
}

export function runAsActor<T>(actor: ActorContext, fn: () => T): T {
  const outer = storage.getStore();
  return storage.run({ actor, requestId: outer?.requestId ?? null, ip: outer?.ip ?? null }, fn);
}

export function currentScope(): RequestScope {
  return storage.getStore() ?? { actor: ANONYMOUS_ACTOR, requestId: null, ip: null };
}

export function currentActor(): ActorContext {
  return currentScope().actor;
}

/** Every role the actor holds anywhere, for display and filtering. */
export function rolesOf(actor: ActorContext): string[] {
  const roles = new Set<string>();
  if (actor.platformRole) roles.add(actor.platformRole);
  if (actor.principalType === 'service_account') roles.add('service_account');
  for (const org of actor.organizations) roles.add(org.role);
  for (const team of actor.teams) roles.add(team.role);
  return [...roles];
}
