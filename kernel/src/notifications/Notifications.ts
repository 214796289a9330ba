import type { InjectionToken } from 'tsyringe';

export type NotificationLevel = 'info' | 'success' | 'warning' | 'error';

export interface NotificationInput {
  level: NotificationLevel;
  title: string;
  body?: string | null;
  /** A platform-relative link, e.g. `/runs/123`. */
  link?: string | null;
  /**
   * At most one unread notification per user and dedupe key: notifying again with the
   * same key updates that row in place (how "in progress" rows become "done").
   */
  dedupeKey?: string | null;
  /** True while the thing it reports is still running. */
  inProgress?: boolean;
}

export interface NotificationView {
  id: string;
  userId: string;
  level: NotificationLevel;
  title: string;
  body: string | null;
  link: string | null;
  dedupeKey: string | null;
  inProgress: boolean;
  read: boolean;
  /**
   * Taken from one database-wide sequence on every insert and update of the row: the
   * live stream's event id, and where a reconnecting client resumes.
   */
  changeSeq: number;
  createdAt: string;
  updatedAt: string;
}

/**
 * The per-user notification feed (Postgres), delivered live over LISTEN/NOTIFY to the
 * user's own SSE subscribers. Kernel services (queue dead letters, long jobs) notify
 * through this interface; the implementation is `NotificationService`.
 */
export interface Notifications {
  notify(userId: string, input: NotificationInput): Promise<NotificationView>;
  /** One notification to every active platform admin (e.g. a job reached the dead-letter state). */
  notifyPlatformAdmins(input: NotificationInput): Promise<void>;
}

export const NOTIFICATIONS: InjectionToken<Notifications> = Symbol.for('cinatra.Notifications');
