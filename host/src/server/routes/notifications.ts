import { Type, type TSchema } from 'typebox';
import {
  AUTHORIZER,
  MAX_MARK_READ_IDS,
  MAX_PAGE_SIZE,
  NOTIFICATION_SERVICE,
  currentActor,
  type Kernel,
  type NotificationView,
  type ResourceRef,
} from '@cinatra/kernel';
import type { CinatraServer } from '../createServer.js';
import { DateTime, Uuid, withProblems } from '../schemas.js';
import { SSE_RESPONSE, sendEventStream, type SseEvent } from '../sse.js';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

const NotificationSchema = Type.Object({
  id: Uuid,
  userId: Uuid,
  level: Type.Union([
    Type.Literal('info'),
    Type.Literal('success'),
    Type.Literal('warning'),
    Type.Literal('error'),
  ]),
  title: Type.String(),
  body: Nullable(Type.String()),
  link: Nullable(Type.String({ description: 'A platform-relative path, e.g. /runs/123' })),
  dedupeKey: Nullable(Type.String()),
  inProgress: Type.Boolean({ description: 'True while the thing it reports is still running' }),
  read: Type.Boolean(),
  changeSeq: Type.Integer({ description: 'Changes on every update; the stream event id' }),
  createdAt: DateTime,
  updatedAt: DateTime,
});

/** A change sequence number as the stream sends it in `id:`. */
const CHANGE_SEQ = /^(0|[1-9][0-9]{0,15})$/;

export function notificationRoutes(app: CinatraServer, kernel: Kernel): void {
  const notifications = kernel.resolve(NOTIFICATION_SERVICE);
  const authorizer = kernel.resolve(AUTHORIZER);

  /** The signed-in principal, after checking it may `action` its own feed (token scopes). */
  async function ownFeed(action: 'list' | 'update'): Promise<string> {
    const actor = currentActor();
    const userId = actor.principalId!;
    const feed: ResourceRef = { type: 'notification', owner: { tier: 'user', userId } };
    await authorizer.authorize(actor, action, feed);
    return userId;
  }

  app.get(
    '/api/notifications',
    {
      schema: {
        tags: ['notifications'],
        summary: 'Your notifications, newest first, with cursor pagination',
        querystring: Type.Object(
          {
            unreadOnly: Type.Boolean({ default: false }),
            cursor: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,14}$' })),
            limit: Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE, default: 50 }),
          },
          { additionalProperties: false },
        ),
        response: withProblems({
          200: Type.Object({
            notifications: Type.Array(NotificationSchema),
            nextCursor: Nullable(Type.String()),
            changeSeq: Type.Integer({
              description: 'Open the stream with lastEventId set to this to miss nothing changed since',
            }),
            unreadCount: Type.Integer({ description: 'All unread notifications, not only this page' }),
          }),
        }),
      },
    },
    async (request) => {
      const userId = await ownFeed('list');
      const [page, unreadCount] = await Promise.all([
        notifications.list(userId, request.query),
        notifications.unreadCount(userId),
      ]);
      return { ...page, unreadCount };
    },
  );

  app.post(
    '/api/notifications/read',
    {
      schema: {
        tags: ['notifications'],
        summary: 'Mark some or all of your notifications read',
        body: Type.Union([
          Type.Object(
            { ids: Type.Array(Uuid, { minItems: 1, maxItems: MAX_MARK_READ_IDS, uniqueItems: true }) },
            { additionalProperties: false },
          ),
          Type.Object({ all: Type.Literal(true) }, { additionalProperties: false }),
        ]),
        response: withProblems({
          200: Type.Object({
            count: Type.Integer({
              description: 'How many were unread and are now read (ids of others’ notifications count 0)',
            }),
          }),
        }),
      },
    },
    async (request) => {
      const userId = await ownFeed('update');
      const body = request.body;
      return { count: await notifications.markRead(userId, 'ids' in body ? body.ids : 'all') };
    },
  );

  app.get(
    '/api/notifications/stream',
    {
      schema: {
        tags: ['notifications'],
        summary:
          'Your notifications live (Server-Sent Events): each new or changed notification as a `notification` event',
        description:
          'Without Last-Event-ID only changes from now on are sent; resume with the last event id, or start from the `changeSeq` of GET /api/notifications.',
        querystring: Type.Object(
          {
            lastEventId: Type.Optional(
              Type.String({ description: 'For clients that cannot send the Last-Event-ID header' }),
            ),
          },
          { additionalProperties: false },
        ),
        response: withProblems({ 200: SSE_RESPONSE as unknown as TSchema }),
      },
    },
    async (request, reply) => {
      const userId = await ownFeed('list');
      await sendEventStream<number>(request, reply, {
        parseId: (text) =>
          CHANGE_SEQ.test(text) && Number.isSafeInteger(Number(text)) ? Number(text) : null,
        source: (after, signal) => events(notifications.subscribe(userId, { after, signal })),
      });
    },
  );
}

async function* events(changes: AsyncIterable<NotificationView>): AsyncGenerator<SseEvent> {
  for await (const notification of changes) {
    yield { id: String(notification.changeSeq), event: 'notification', data: notification };
  }
}
