import type { Notification } from '../src/stores/notifications';
import { TEST_USER_ID } from './render';

let nextSeq = 1;

/**
 * A notification of the signed-in test user, each one a minute newer than the last (ids and
 * change sequence numbers count up with it).
 */
export function note(overrides: Partial<Notification> = {}): Notification {
  const seq = nextSeq++;
  const at = new Date(Date.UTC(2026, 0, 1, 0, seq)).toISOString();
  return {
    id: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
    userId: TEST_USER_ID,
    level: 'info',
    title: `Notification ${seq}`,
    body: null,
    link: null,
    dedupeKey: null,
    inProgress: false,
    read: false,
    changeSeq: seq,
    createdAt: at,
    updatedAt: at,
    ...overrides,
  };
}

/** A `GET /api/notifications` answer for mockApi: the page, its change sequence and unread count. */
export function page(
  notifications: Notification[],
  extra: { unreadCount?: number; nextCursor?: string | null } = {},
) {
  return {
    body: {
      notifications,
      nextCursor: extra.nextCursor ?? null,
      changeSeq: Math.max(0, ...notifications.map((n) => n.changeSeq)),
      unreadCount: extra.unreadCount ?? notifications.filter((n) => !n.read).length,
    },
  };
}
