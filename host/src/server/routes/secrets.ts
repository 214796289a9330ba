import { Type } from 'typebox';
import { MAX_SECRET_BYTES, SECRET_NAME_PATTERN, SECRET_STORE, type Kernel } from '@cinatra/kernel';
import type { CinatraServer } from '../createServer.js';
import { DateTime, Uuid, withProblems } from '../schemas.js';

const OwnerTier = Type.Union([
  Type.Literal('user'),
  Type.Literal('team'),
  Type.Literal('organization'),
  Type.Literal('workspace'),
]);

const SecretOwner = Type.Union([
  Type.Object({ tier: Type.Literal('user'), userId: Uuid }),
  Type.Object({ tier: Type.Literal('team'), teamId: Uuid, organizationId: Uuid }),
  Type.Object({ tier: Type.Literal('organization'), organizationId: Uuid }),
  Type.Object({ tier: Type.Literal('workspace') }),
]);

/** Metadata only: no response of these routes has a field that could carry the value. */
const SecretView = Type.Object({
  id: Uuid,
  name: Type.String(),
  owner: SecretOwner,
  version: Type.Integer({ description: 'Starts at 1; each value replacement adds one' }),
  createdBy: Type.Union([Type.String(), Type.Null()]),
  createdAt: DateTime,
  updatedAt: DateTime,
});

const GranteeType = Type.Union([Type.Literal('user'), Type.Literal('service_account')]);

/** Grants to extensions (by package name) are made through the extensions API, so only listed here. */
const SecretGrantView = Type.Object({
  secretId: Uuid,
  granteeType: Type.Union([...GranteeType.anyOf, Type.Literal('extension')]),
  granteeId: Type.String({ description: 'user or service account id, or extension package name' }),
  grantedBy: Type.Union([Type.String(), Type.Null()]),
  createdAt: DateTime,
});

const SecretName = Type.String({
  pattern: SECRET_NAME_PATTERN,
  description: 'letters, digits, dots, dashes and underscores; unique per owner',
});
// The kernel also enforces the limit in UTF-8 bytes; this bounds the characters first.
const SecretValue = Type.String({ minLength: 1, maxLength: MAX_SECRET_BYTES, writeOnly: true });
const SecretParams = Type.Object({ secretId: Uuid });
const TAGS = ['secrets'];

export function secretRoutes(app: CinatraServer, kernel: Kernel): void {
  const secrets = kernel.resolve(SECRET_STORE);

  app.get(
    '/api/secrets',
    {
      schema: {
        tags: TAGS,
        summary: 'Secrets whose owner scope you can read (metadata only), optionally of one owner',
        querystring: Type.Object(
          { ownerTier: Type.Optional(OwnerTier), ownerId: Type.Optional(Uuid) },
          { additionalProperties: false },
        ),
        response: withProblems({ 200: Type.Array(SecretView) }),
      },
    },
    async (request) => {
      const { ownerTier, ownerId } = request.query;
      return secrets.list(ownerTier ? { owner: { tier: ownerTier, id: ownerId } } : {});
    },
  );

  app.post(
    '/api/secrets',
    {
      schema: {
        tags: TAGS,
        summary: 'Store a secret; the value is encrypted and never returned by the API',
        body: Type.Object(
          {
            name: SecretName,
            owner: Type.Object(
              {
                tier: OwnerTier,
                id: Type.Optional(
                  Type.String({
                    format: 'uuid',
                    description: 'user, team or organization id; none for workspace',
                  }),
                ),
              },
              { additionalProperties: false },
            ),
            value: SecretValue,
          },
          { additionalProperties: false },
        ),
        response: withProblems({ 201: SecretView }),
      },
    },
    async (request, reply) => {
      reply.code(201);
      return secrets.create(request.body);
    },
  );

  app.get(
    '/api/secrets/:secretId',
    {
      schema: {
        tags: TAGS,
        summary: "Read a secret's metadata",
        params: SecretParams,
        response: withProblems({ 200: SecretView }),
      },
    },
    async (request) => secrets.get(request.params.secretId),
  );

  app.put(
    '/api/secrets/:secretId/value',
    {
      schema: {
        tags: TAGS,
        summary: "Replace a secret's value (its version goes up by one)",
        params: SecretParams,
        body: Type.Object({ value: SecretValue }, { additionalProperties: false }),
        response: withProblems({ 200: SecretView }),
      },
    },
    async (request) => secrets.replaceValue(request.params.secretId, request.body.value),
  );

  app.delete(
    '/api/secrets/:secretId',
    {
      schema: {
        tags: TAGS,
        summary: 'Delete a secret and its grants',
        params: SecretParams,
        response: withProblems({ 204: Type.Null() }),
      },
    },
    async (request, reply) => {
      await secrets.delete(request.params.secretId);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/secrets/:secretId/grants',
    {
      schema: {
        tags: TAGS,
        summary: 'Principals allowed to reveal the secret',
        params: SecretParams,
        response: withProblems({ 200: Type.Array(SecretGrantView) }),
      },
    },
    async (request) => secrets.listGrants(request.params.secretId),
  );

  app.post(
    '/api/secrets/:secretId/grants',
    {
      schema: {
        tags: TAGS,
        summary: 'Let a user or service account reveal the secret (admins of the secret)',
        params: SecretParams,
        body: Type.Object({ granteeType: GranteeType, granteeId: Uuid }, { additionalProperties: false }),
        response: withProblems({ 201: SecretGrantView }),
      },
    },
    async (request, reply) => {
      const { granteeType, granteeId } = request.body;
      reply.code(201);
      return secrets.grant(request.params.secretId, { type: granteeType, id: granteeId });
    },
  );

  app.delete(
    '/api/secrets/:secretId/grants/:granteeType/:granteeId',
    {
      schema: {
        tags: TAGS,
        summary: 'Revoke a grant',
        params: Type.Object({ secretId: Uuid, granteeType: GranteeType, granteeId: Uuid }),
        response: withProblems({ 204: Type.Null() }),
      },
    },
    async (request, reply) => {
      const { secretId, granteeType, granteeId } = request.params;
      await secrets.revoke(secretId, { type: granteeType, id: granteeId });
      return reply.code(204).send(null);
    },
  );
}
