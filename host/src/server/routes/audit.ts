import { Readable } from 'node:stream';
import { Type, type Static } from 'typebox';
import {
  AUDIT_LOG,
  AUTHORIZER,
  WORKSPACE,
  currentActor,
  type AuditQuery,
  type Kernel,
} from '@cinatra/kernel';
import type { CinatraServer } from '../createServer.js';
import { DateTime, withProblems } from '../schemas.js';

const Filters = {
  actorId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  resourceType: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  resourceId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  operation: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  decision: Type.Optional(Type.Union([Type.Literal('allow'), Type.Literal('deny')])),
  since: Type.Optional(DateTime),
  until: Type.Optional(DateTime),
};
const FilterQuery = Type.Object(Filters, { additionalProperties: false });

function toQuery(q: Static<typeof FilterQuery>): AuditQuery {
  return {
    ...q,
    since: q.since ? new Date(q.since) : undefined,
    until: q.until ? new Date(q.until) : undefined,
  } as AuditQuery;
}

export function auditRoutes(app: CinatraServer, kernel: Kernel): void {
  const audit = kernel.resolve(AUDIT_LOG);
  const authorizer = kernel.resolve(AUTHORIZER);

  app.get(
    '/api/audit/events',
    {
      schema: {
        tags: ['audit'],
        summary: 'Query the audit log, newest first, with cursor pagination (platform admins)',
        querystring: Type.Object(
          {
            ...Filters,
            cursor: Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$' })),
            limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
          },
          { additionalProperties: false },
        ),
        response: withProblems({
          200: Type.Object({
            events: Type.Array(Type.Ref('AuditEvent')),
            nextCursor: Type.Union([Type.String(), Type.Null()]),
          }),
        }),
      },
    },
    async (request) => {
      await authorizer.authorize(currentActor(), 'list', { type: 'audit_event', owner: WORKSPACE });
      const { cursor, limit, ...filters } = request.query;
      const page = await audit.query(toQuery(filters), { cursor, limit });
      return {
        events: page.events.map((e) => ({ ...e, occurredAt: e.occurredAt.toISOString() })),
        nextCursor: page.nextCursor,
      };
    },
  );

  app.get(
    '/api/audit/export',
    {
      schema: {
        tags: ['audit'],
        summary: 'Export matching audit events as NDJSON, oldest first (platform admins)',
        querystring: FilterQuery,
        produces: ['application/x-ndjson'],
        response: withProblems({
          200: { description: 'One AuditEvent JSON object per line', type: 'string' },
        }),
      },
    },
    async (request, reply) => {
      await authorizer.authorize(currentActor(), 'list', { type: 'audit_event', owner: WORKSPACE });
      const events = audit.export(toQuery(request.query));
      const lines = Readable.from(
        (async function* () {
          for await (const event of events) yield JSON.stringify(event) + '\n';
        })(),
      );
      return reply
        .type('application/x-ndjson; charset=utf-8')
        .header('content-disposition', 'attachment; filename="cinatra-audit.ndjson"')
        .send(lines);
    },
  );

  app.post(
    '/api/audit/verify',
    {
      schema: {
        tags: ['audit'],
        summary: 'Verify the hash chain of the whole audit log (platform admins)',
        response: withProblems({
          200: Type.Object({
            ok: Type.Boolean(),
            checked: Type.Integer(),
            brokenAt: Type.Optional(
              Type.Object({ seq: Type.Integer(), id: Type.String(), problem: Type.String() }),
            ),
          }),
        }),
      },
    },
    async () => {
      await authorizer.authorize(currentActor(), 'verify', { type: 'audit_event', owner: WORKSPACE });
      return audit.verify();
    },
  );
}
