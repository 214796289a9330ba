import { Type } from 'typebox';
import { API_TOKEN_SERVICE, TOKEN_SCOPE_PATTERN, currentActor, type Kernel } from '@cinatra/kernel';
import type { CinatraServer } from '../createServer.js';
import { DateTime, Uuid, withProblems } from '../schemas.js';

export function tokenRoutes(app: CinatraServer, kernel: Kernel): void {
  const tokens = kernel.resolve(API_TOKEN_SERVICE);

  app.get(
    '/api/tokens',
    {
      schema: {
        tags: ['tokens'],
        summary: "List API tokens (yours, or a given user's as platform admin)",
        querystring: Type.Object({ userId: Type.Optional(Uuid) }, { additionalProperties: false }),
        response: withProblems({ 200: Type.Array(Type.Ref('ApiToken')) }),
      },
    },
    async (request) => tokens.list(request.query.userId ?? currentActor().principalId!),
  );

  app.post(
    '/api/tokens',
    {
      schema: {
        tags: ['tokens'],
        summary: 'Create an API token; the secret is in the response once and never again',
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' }),
            scopes: Type.Array(Type.String({ pattern: TOKEN_SCOPE_PATTERN }), {
              minItems: 1,
              maxItems: 50,
              uniqueItems: true,
              description:
                '"*", "<resource_type>:*", "<resource_type>:<read|write|admin|owner>", or one action: "<resource_type>:<action>[:<resource id>[/<part>]]" (e.g. "extension:call_tool:@acme/crm/create_issue")',
            }),
            expiresAt: Type.Optional(Type.Union([DateTime, Type.Null()])),
            userId: Type.Optional(Uuid),
          },
          { additionalProperties: false },
        ),
        response: withProblems({
          201: Type.Object({ token: Type.String(), apiToken: Type.Ref('ApiToken') }),
        }),
      },
    },
    async (request, reply) => {
      const { name, scopes, expiresAt, userId } = request.body;
      reply.code(201);
      return tokens.create({
        userId: userId ?? currentActor().principalId!,
        name: name.trim(),
        scopes,
        expiresAt: expiresAt ? new Date(expiresAt) : null,
      });
    },
  );

  app.delete(
    '/api/tokens/:tokenId',
    {
      schema: {
        tags: ['tokens'],
        summary: 'Revoke an API token (it is kept, marked revoked)',
        params: Type.Object({ tokenId: Uuid }),
        response: withProblems({ 200: Type.Ref('ApiToken') }),
      },
    },
    async (request) => tokens.revoke(request.params.tokenId),
  );
}
