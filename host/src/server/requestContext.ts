import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  ANONYMOUS_ACTOR,
  AUTHENTICATOR,
  KernelError,
  currentScope,
  runInScope,
  type ActorContext,
  type Kernel,
} from '@cinatra/kernel';

export const SESSION_COOKIE = 'cinatra_session';
export const CSRF_HEADER = 'x-csrf-token';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Routes reachable without signing in (login, setup, health). */
    public?: boolean;
  }
}

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Gives every request its scope (actor, request id, client ip) through AsyncLocalStorage
 * and authenticates it: `Authorization: Bearer <api token>` or the session cookie.
 * Cookie-authenticated mutations must echo the session's CSRF token in `x-csrf-token`.
 */
export function registerRequestContext(app: FastifyInstance, kernel: Kernel): void {
  const authenticator = kernel.resolve(AUTHENTICATOR);

  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    runInScope({ actor: ANONYMOUS_ACTOR, requestId: String(request.id), ip: request.ip }, done);
  });

  app.addHook('preValidation', async (request, reply) => {
    const scope = currentScope();
    const actor = await authenticate(request, reply);
    scope.actor = actor;
    if (actor === ANONYMOUS_ACTOR && !request.routeOptions.config.public) {
      throw new KernelError(
        'unauthenticated',
        'Sign in or send an API token as "Authorization: Bearer <token>".',
      );
    }
  });

  async function authenticate(request: FastifyRequest, reply: FastifyReply): Promise<ActorContext> {
    const authorization = request.headers.authorization;
    if (authorization) {
      const match = /^Bearer\s+(\S+)$/i.exec(authorization);
      if (!match)
        throw new KernelError('unauthenticated', 'The Authorization header must be "Bearer <api token>".');
      return authenticator.authenticateToken(match[1]!);
    }
    const sessionToken = request.cookies[SESSION_COOKIE];
    if (!sessionToken) return ANONYMOUS_ACTOR;
    const resolved = await authenticator.authenticateSession(sessionToken);
    if (!resolved) {
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return ANONYMOUS_ACTOR;
    }
    if (UNSAFE_METHODS.has(request.method) && !request.routeOptions.config.public) {
      const sent = request.headers[CSRF_HEADER];
      if (typeof sent !== 'string' || !sameSecret(sent, resolved.csrfToken ?? '')) {
        throw new KernelError(
          'csrf_failed',
          `Cookie-authenticated changes need the session's CSRF token in the ${CSRF_HEADER} header (GET /api/auth/session returns it).`,
        );
      }
    }
    return resolved.actor;
  }
}

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
