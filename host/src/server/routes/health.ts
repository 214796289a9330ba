import { Type } from 'typebox';
import type { Kernel } from '@cinatra/kernel';
import type { CinatraServer } from '../createServer.js';
import { withProblems } from '../schemas.js';

export function healthRoutes(app: CinatraServer, kernel: Kernel): void {
  app.get(
    '/healthz',
    {
      config: { public: true },
      schema: {
        tags: ['health'],
        summary: 'Liveness: the process is up',
        response: { 200: Type.Object({ status: Type.Literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      config: { public: true },
      schema: {
        tags: ['health'],
        summary: 'Readiness: the database answers',
        response: withProblems({
          200: Type.Object({ status: Type.Literal('ready'), database: Type.Literal('ok') }),
        }),
      },
    },
    async (_request, reply) => {
      try {
        await kernel.db.knex.raw('SELECT 1');
      } catch {
        return reply.code(503).type('application/problem+json; charset=utf-8').send({
          type: 'https://cinatra.dev/problems/not-ready',
          title: 'Not ready',
          status: 503,
          detail: 'The database does not answer.',
          code: 'not_ready',
        });
      }
      return { status: 'ready' as const, database: 'ok' as const };
    },
  );
}
