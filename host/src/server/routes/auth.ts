import { Type } from 'typebox';
import {
  AUTHENTICATOR,
  FIRST_ADMIN_SETUP,
  USER_DIRECTORY,
  currentActor,
  rolesOf,
  type Kernel,
} from '@cinatra/kernel';
import type { CinatraServer } from '../createServer.js';
import { SESSION_COOKIE } from '../requestContext.js';
import { DisplayName, Email, Password, withProblems } from '../schemas.js';

const SessionView = Type.Object({
  user: Type.Ref('User'),
  csrfToken: Type.Union([Type.String(), Type.Null()], {
    description: 'Send as x-csrf-token on cookie-authenticated changes',
  }),
  authSource: Type.String(),
  roles: Type.Array(Type.String()),
  organizations: Type.Array(Type.Object({ id: Type.String(), role: Type.String() })),
  teams: Type.Array(Type.Object({ id: Type.String(), organizationId: Type.String(), role: Type.String() })),
  tokenScopes: Type.Union([Type.Array(Type.String()), Type.Null()]),
});

export function authRoutes(app: CinatraServer, kernel: Kernel): void {
  const authenticator = kernel.resolve(AUTHENTICATOR);
  const setup = kernel.resolve(FIRST_ADMIN_SETUP);
  const users = kernel.resolve(USER_DIRECTORY);
  const cookieOptions = {
    path: '/',
    httpOnly: true,
    sameSite: 'lax' as const,
    secure: kernel.config.auth.secureCookies,
  };

  app.get(
    '/api/auth/setup',
    {
      config: { public: true },
      schema: {
        tags: ['auth'],
        summary: 'Whether the instance still needs its first administrator',
        response: withProblems({ 200: Type.Object({ needsSetup: Type.Boolean() }) }),
      },
    },
    async () => ({ needsSetup: await setup.needsSetup() }),
  );

  app.post(
    '/api/auth/setup',
    {
      config: { public: true },
      schema: {
        tags: ['auth'],
        summary: 'Create the first platform admin with the one-time setup token printed at start',
        body: Type.Object(
          {
            setupToken: Type.String({ minLength: 1, maxLength: 200 }),
            email: Email,
            displayName: DisplayName,
            password: Password,
          },
          { additionalProperties: false },
        ),
        response: withProblems({ 201: Type.Ref('User') }),
      },
    },
    async (request, reply) => {
      const { setupToken, ...input } = request.body;
      reply.code(201);
      return setup.redeemSetupToken(setupToken, input);
    },
  );

  app.post(
    '/api/auth/login',
    {
      config: { public: true },
      schema: {
        tags: ['auth'],
        summary: 'Sign in with email and password; sets the session cookie',
        body: Type.Object(
          { email: Email, password: Type.String({ minLength: 1, maxLength: 512 }) },
          { additionalProperties: false },
        ),
        response: withProblems({
          200: Type.Object({
            user: Type.Ref('User'),
            csrfToken: Type.String(),
            expiresAt: Type.String({ format: 'date-time' }),
          }),
        }),
      },
    },
    async (request, reply) => {
      const result = await authenticator.login(request.body.email, request.body.password, {
        ip: request.ip,
        userAgent: request.headers['user-agent'] ?? null,
      });
      reply.setCookie(SESSION_COOKIE, result.sessionToken, { ...cookieOptions, expires: result.expiresAt });
      return { user: result.user, csrfToken: result.csrfToken, expiresAt: result.expiresAt.toISOString() };
    },
  );

  app.post(
    '/api/auth/logout',
    {
      schema: {
        tags: ['auth'],
        summary: 'End the current session',
        response: withProblems({ 204: Type.Null() }),
      },
    },
    async (request, reply) => {
      const token = request.cookies[SESSION_COOKIE];
      if (token) await authenticator.logout(token);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/auth/session',
    {
      schema: {
        tags: ['auth'],
        summary: 'Who is signed in, with roles, memberships and the CSRF token',
        response: withProblems({ 200: SessionView }),
      },
    },
    async (request) => {
      const actor = currentActor();
      const resolved =
        actor.authSource === 'session'
          ? await authenticator.authenticateSession(request.cookies[SESSION_COOKIE] ?? '')
          : null;
      return {
        user: await users.get(actor.principalId!),
        csrfToken: resolved?.csrfToken ?? null,
        authSource: actor.authSource,
        roles: rolesOf(actor),
        organizations: [...actor.organizations],
        teams: [...actor.teams],
        tokenScopes: actor.tokenScopes ? [...actor.tokenScopes] : null,
      };
    },
  );
}
