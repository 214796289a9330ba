import { Type } from 'typebox';
import { USER_DIRECTORY, type Kernel } from '@cinatra/kernel';
import type { CinatraServer } from '../createServer.js';
import { DisplayName, Email, IdParams, Password, PlatformRole, withProblems } from '../schemas.js';

export function userRoutes(app: CinatraServer, kernel: Kernel): void {
  const users = kernel.resolve(USER_DIRECTORY);

  app.get(
    '/api/users',
    {
      schema: {
        tags: ['users'],
        summary: 'List all users (platform admins)',
        response: withProblems({ 200: Type.Array(Type.Ref('User')) }),
      },
    },
    async () => users.list(),
  );

  app.post(
    '/api/users',
    {
      schema: {
        tags: ['users'],
        summary: 'Create a user or service account (platform admins)',
        body: Type.Object(
          {
            email: Email,
            displayName: DisplayName,
            password: Type.Optional(Password),
            kind: Type.Optional(Type.Union([Type.Literal('human'), Type.Literal('service_account')])),
            platformRole: Type.Optional(PlatformRole),
          },
          { additionalProperties: false },
        ),
        response: withProblems({ 201: Type.Ref('User') }),
      },
    },
    async (request, reply) => {
      reply.code(201);
      return users.create(request.body);
    },
  );

  app.get(
    '/api/users/:userId',
    {
      schema: {
        tags: ['users'],
        summary: 'Read a user (yourself, or anyone as platform admin)',
        params: IdParams('userId'),
        response: withProblems({ 200: Type.Ref('User') }),
      },
    },
    async (request) => users.get(request.params.userId as string),
  );

  app.patch(
    '/api/users/:userId',
    {
      schema: {
        tags: ['users'],
        summary: 'Change a user; role and disabling are for platform admins',
        params: IdParams('userId'),
        body: Type.Object(
          {
            displayName: Type.Optional(DisplayName),
            password: Type.Optional(Password),
            platformRole: Type.Optional(PlatformRole),
            disabled: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: withProblems({ 200: Type.Ref('User') }),
      },
    },
    async (request) => users.update(request.params.userId as string, request.body),
  );
}
