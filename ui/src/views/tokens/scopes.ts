/**
 * API token scopes as the kernel reads them (kernel/src/authz/decide.ts, TOKEN_SCOPE_PATTERN):
 * `*`, `<resource_type>:*`, `<resource_type>:<read|write|admin|owner>` (every action up to that
 * level), or an action scope allowing one action only: `<resource_type>:<action>`, on one
 * resource `…:<id>`, or on one part of it `…:<id>/<part>`. Scopes only ever narrow what the
 * owner's roles allow.
 */
export const TOKEN_SCOPE =
  /^(\*|[a-z][a-z0-9_]*:(read|write|admin|owner|\*)|[a-z][a-z0-9_]*:[a-z][a-z0-9_]*(:[\x21-\x7E]{1,300})?)$/;

export const FULL_ACCESS = '*';

/** The scope an MCP client needs to call every extension tool, and nothing else. */
export const CALL_TOOLS = 'extension:call_tool';

export interface ScopeChoice {
  scope: string;
  label: string;
  hint: string;
  /** Only useful to platform administrators (a token never allows more than its owner may). */
  admin?: boolean;
}

/** The scopes people usually want, in plain words. */
export const COMMON_SCOPES: ScopeChoice[] = [
  {
    scope: CALL_TOOLS,
    label: 'Call extension tools',
    hint: 'Every tool of the enabled extensions, over MCP or the API, and nothing else.',
  },
  {
    scope: 'llm:invoke',
    label: 'Call language models',
    hint: 'Through the platform, billed to you or your organization.',
  },
  {
    scope: 'notification:read',
    label: 'Read your notifications',
    hint: 'List and follow your notifications.',
  },
  {
    scope: 'secret:read',
    label: 'See secrets',
    hint: 'Names and details of the secrets you can see; never their values.',
  },
  {
    scope: 'organization:read',
    label: 'See your organizations',
    hint: 'The organizations you belong to.',
  },
  {
    scope: 'registry_package:read',
    label: 'Install packages from this instance',
    hint: "Read packages of the instance's registry (npm install).",
  },
  {
    scope: 'extension:admin',
    label: 'Manage extensions',
    hint: 'Install, update, enable, disable and configure extensions, and call their tools.',
    admin: true,
  },
  {
    scope: 'registry_package:admin',
    label: 'Use the marketplace',
    hint: 'Search the catalogue, publish to and promote from the instance registry.',
    admin: true,
  },
  {
    scope: 'audit_event:admin',
    label: 'Read the audit log',
    hint: 'Query, export and verify the audit log.',
    admin: true,
  },
];

/** A scope in words where it is a common one, else null (the scope itself is shown). */
export function scopeLabel(scope: string): string | null {
  if (scope === FULL_ACCESS) return 'Full access';
  return COMMON_SCOPES.find((choice) => choice.scope === scope)?.label ?? null;
}

/** Splits free text (lines, commas or spaces) into scopes, without duplicates. */
export function parseScopes(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).filter(Boolean))];
}

/** The first scope the API would refuse, as a message, or null. */
export function invalidScopes(scopes: string[]): string | null {
  const bad = scopes.filter((scope) => !TOKEN_SCOPE.test(scope));
  if (bad.length === 0) return null;
  return `Not a scope: ${bad.join(', ')}. Use a form like extension:call_tool:@acme/crm or secret:read.`;
}
