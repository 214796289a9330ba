import { Type, type TSchema } from 'typebox';

/** RFC 9457 problem details, with the stable `code` clients switch on. */
export const Problem = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.String({ description: 'Stable machine-readable error code' }),
    instance: Type.Optional(Type.String()),
    errors: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))),
  },
  {
    $id: 'Problem',
    title: 'Problem',
    // Extension members: machine-readable facts of some codes (llm_budget_exceeded: limitUsd,
    // spentUsd, period…; llm_provider_error: provider, model, kind, attempts).
    additionalProperties: true,
  },
);

/** Adds the problem+json error responses every route can give. */
export function withProblems<R extends Record<number, TSchema>>(
  responses: R,
): R & { '4xx': TSchema; '5xx': TSchema } {
  // Keyed by media type, so OpenAPI documents what is sent (application/problem+json)
  // and fastify serialises problem replies with this schema.
  const problem = {
    description: 'Problem details (RFC 9457)',
    content: { 'application/problem+json': { schema: Type.Ref('Problem') } },
  } as unknown as TSchema;
  return { ...responses, '4xx': problem, '5xx': problem };
}

export const Uuid = Type.String({ format: 'uuid' });
export const IdParams = (name: string) => Type.Object({ [name]: Uuid });
export const Email = Type.String({ format: 'email', maxLength: 254 });
export const DisplayName = Type.String({ minLength: 1, maxLength: 120, pattern: '\\S' });
export const Password = Type.String({ minLength: 12, maxLength: 512 });
export const Slug = Type.String({
  pattern: '^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$',
  description: 'lowercase letters, digits and hyphens',
});
export const DateTime = Type.String({ format: 'date-time' });

export const PlatformRole = Type.Union([Type.Literal('platform_admin'), Type.Literal('member')]);
export const OrganizationRole = Type.Union([
  Type.Literal('org_owner'),
  Type.Literal('org_admin'),
  Type.Literal('member'),
]);
export const TeamRole = Type.Union([Type.Literal('team_admin'), Type.Literal('member')]);

export const UserView = Type.Object(
  {
    id: Uuid,
    email: Type.String(),
    displayName: Type.String(),
    kind: Type.Union([Type.Literal('human'), Type.Literal('service_account')]),
    platformRole: PlatformRole,
    disabled: Type.Boolean(),
    createdAt: DateTime,
  },
  { $id: 'User', title: 'User' },
);

export const OrganizationView = Type.Object(
  { id: Uuid, slug: Type.String(), name: Type.String(), createdAt: DateTime },
  { $id: 'Organization', title: 'Organization' },
);

export const TeamView = Type.Object(
  { id: Uuid, organizationId: Uuid, slug: Type.String(), name: Type.String(), createdAt: DateTime },
  { $id: 'Team', title: 'Team' },
);

export const MemberView = (role: TSchema, id: string) =>
  Type.Object(
    { userId: Uuid, email: Type.String(), displayName: Type.String(), role, since: DateTime },
    { $id: id, title: id },
  );
export const OrganizationMemberView = MemberView(OrganizationRole, 'OrganizationMember');
export const TeamMemberView = MemberView(TeamRole, 'TeamMember');

export const ApiTokenView = Type.Object(
  {
    id: Uuid,
    userId: Uuid,
    name: Type.String(),
    prefix: Type.String({ description: 'First characters of the token, to recognise it' }),
    scopes: Type.Array(Type.String()),
    expiresAt: Type.Union([DateTime, Type.Null()]),
    revokedAt: Type.Union([DateTime, Type.Null()]),
    lastUsedAt: Type.Union([DateTime, Type.Null()]),
    createdAt: DateTime,
  },
  { $id: 'ApiToken', title: 'ApiToken' },
);

export const AuditEventView = Type.Object(
  {
    seq: Type.Integer(),
    id: Uuid,
    occurredAt: DateTime,
    actorId: Type.Union([Type.String(), Type.Null()]),
    actorType: Type.String(),
    authSource: Type.String(),
    organizationId: Type.Union([Uuid, Type.Null()]),
    resourceType: Type.String(),
    resourceId: Type.Union([Type.String(), Type.Null()]),
    operation: Type.String(),
    decision: Type.Union([Type.Literal('allow'), Type.Literal('deny'), Type.Null()]),
    reason: Type.Union([Type.String(), Type.Null()]),
    requestId: Type.Union([Type.String(), Type.Null()]),
    ip: Type.Union([Type.String(), Type.Null()]),
    metadata: Type.Record(Type.String(), Type.Unknown()),
    prevHash: Type.String(),
    hash: Type.String(),
  },
  { $id: 'AuditEvent', title: 'AuditEvent' },
);

/** Schemas referenced by `$ref` from routes; registered once with fastify and in OpenAPI components. */
export const SHARED_SCHEMAS = [
  Problem,
  UserView,
  OrganizationView,
  TeamView,
  OrganizationMemberView,
  TeamMemberView,
  ApiTokenView,
  AuditEventView,
];
