import type { Knex } from 'knex';
import { inject, injectable, type InjectionToken } from 'tsyringe';
import { DATABASE, isPgError, PG_FOREIGN_KEY_VIOLATION, type Database } from '../database/Database.js';
import { PG_LISTENER, type PgListener } from '../database/PgListener.js';
import { KernelError, type FieldError } from '../errors/KernelError.js';
import { LIFECYCLE, type Lifecycle } from '../lifecycle/Lifecycle.js';
import { LOGGER, type Logger } from '../logging/Logger.js';
import type {
  NotificationInput,
  NotificationLevel,
  Notifications,
  NotificationView,
} from './Notifications.js';

/** The one LISTEN channel of the feed; payload `{"userId": "…", "changeSeq": n}`. */
export const NOTIFICATION_CHANNEL = 'cinatra_notifications';

/** First key of the per-user advisory lock writers take ("noti"); the second is the user id's hash. */
const NOTIFICATION_LOCK = 0x6e6f_7469;

const LEVELS: readonly NotificationLevel[] = ['info', 'success', 'warning', 'error'];
const MAX_TITLE = 200;
const MAX_BODY = 4000;
const MAX_LINK = 2000;
const MAX_DEDUPE_KEY = 200;
export const MAX_MARK_READ_IDS = 500;
export const MAX_PAGE_SIZE = 200;
/** Rows read per query while a subscriber catches up. */
const CATCH_UP_BATCH = 100;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface NotificationListOptions {
  unreadOnly?: boolean;
  /** `nextCursor` of the previous page. */
  cursor?: string;
  /** Default 50, at most 200. */
  limit?: number;
}

export interface NotificationPage {
  notifications: NotificationView[];
  /**
   * The feed's latest change when the page was read: subscribing with `after` set to it
   * misses nothing that changed since (a change may be delivered that the page already shows).
   */
  changeSeq: number;
  /** Pass back as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

export interface NotificationSubscribeOptions {
  /**
   * Deliver the changes with a greater `changeSeq` (the last one the client saw, or a
   * page's `changeSeq` watermark), then live. Default: live changes from now on only.
   */
  after?: number;
  /** Ends the subscription. */
  signal?: AbortSignal;
}

interface NotificationRow {
  id: string;
  seq: number;
  user_id: string;
  level: NotificationLevel;
  title: string;
  body: string | null;
  link: string | null;
  dedupe_key: string | null;
  in_progress: boolean;
  read_at: Date | null;
  change_seq: number;
  created_at: Date;
  updated_at: Date;
}

/**
 * The per-user notification feed in Postgres, with live delivery.
 *
 * Every write runs in one transaction that takes the user's advisory lock, changes rows
 * (each change takes a new `change_seq`) and sends a `NOTIFY` wake-up that fires on commit.
 * The lock makes one user's change numbers commit in increasing order, so a subscriber that
 * reads "everything after n" never misses a row that commits late.
 *
 * One LISTEN per process (through `PgListener`) fans wake-ups out to the subscribers of
 * that user only; a subscriber then reads its own rows after the last `change_seq` it
 * delivered. NOTIFY carries no data, so a lost wake-up (listener reconnect) costs only a
 * re-read, never a gap.
 */
@injectable()
export class NotificationService implements Notifications {
  private readonly subscribers = new Map<string, Set<Subscriber>>();
  private listening: Promise<void> | null = null;
  private unlisten: (() => Promise<void>) | null = null;
  private closed = false;

  constructor(
    @inject(DATABASE) private readonly db: Database,
    @inject(PG_LISTENER) private readonly listener: PgListener,
    @inject(LIFECYCLE) private readonly lifecycle: Lifecycle,
    @inject(LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * Adds a notification to `userId`'s feed, or, when an unread one with the same dedupe
   * key exists, updates that one in place (keeping its id and position in the feed).
   */
  async notify(userId: string, input: NotificationInput): Promise<NotificationView> {
    assertUserId(userId);
    const fields = validateInput(input);
    try {
      return await this.db.knex.transaction(async (trx) => {
        await lockUser(trx, userId);
        const result = await trx.raw<{ rows: NotificationRow[] }>(
          `INSERT INTO notifications (user_id, level, title, body, link, dedupe_key, in_progress)
           VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (user_id, dedupe_key) WHERE read_at IS NULL AND dedupe_key IS NOT NULL
           DO UPDATE SET level = EXCLUDED.level, title = EXCLUDED.title, body = EXCLUDED.body,
             link = EXCLUDED.link, in_progress = EXCLUDED.in_progress,
             change_seq = nextval('notification_change_seq'), updated_at = now()
           RETURNING *`,
          [userId, fields.level, fields.title, fields.body, fields.link, fields.dedupeKey, fields.inProgress],
        );
        const row = result.rows[0]!;
        await this.wake(trx, userId, row.change_seq);
        return viewOf(row);
      });
    } catch (error) {
      if (isPgError(error, PG_FOREIGN_KEY_VIOLATION)) {
        throw new KernelError('not_found', `User ${userId} does not exist.`);
      }
      throw error;
    }
  }

  /** The same notification to every platform admin who is not disabled, each in their own feed. */
  async notifyPlatformAdmins(input: NotificationInput): Promise<void> {
    validateInput(input);
    const admins = (await this.db
      .knex('users')
      .where({ platformRole: 'platform_admin' })
      .whereNull('disabledAt')
      .orderBy('id')
      .select('id')) as Array<{ id: string }>;
    for (const admin of admins) {
      try {
        await this.notify(admin.id, input);
      } catch (error) {
        // An admin deleted meanwhile must not keep the others from being told.
        if (!(error instanceof KernelError && error.code === 'not_found')) throw error;
      }
    }
  }

  /** `userId`'s feed, newest first. */
  async list(userId: string, options: NotificationListOptions = {}): Promise<NotificationPage> {
    assertUserId(userId);
    const limit = options.limit ?? 50;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
      throw invalid('/querystring/limit', `must be an integer from 1 to ${MAX_PAGE_SIZE}`);
    }
    let before: number | undefined;
    if (options.cursor !== undefined) {
      before = /^[1-9][0-9]{0,14}$/.test(options.cursor) ? Number(options.cursor) : Number.NaN;
      if (Number.isNaN(before))
        throw invalid('/querystring/cursor', 'must be a cursor returned as nextCursor');
    }
    // Read before the page: whatever changes in between is delivered again, never lost.
    const changeSeq = await this.latestChange(userId);
    const query = this.db.knex.raw<{ rows: NotificationRow[] }>(
      `SELECT * FROM notifications
       WHERE user_id = ? ${options.unreadOnly ? 'AND read_at IS NULL' : ''} ${before !== undefined ? 'AND seq < ?' : ''}
       ORDER BY seq DESC LIMIT ?`,
      before !== undefined ? [userId, before, limit + 1] : [userId, limit + 1],
    );
    const rows = (await query).rows;
    const page = rows.slice(0, limit);
    return {
      notifications: page.map(viewOf),
      changeSeq,
      nextCursor: rows.length > limit ? String(page.at(-1)!.seq) : null,
    };
  }

  /** How many of `userId`'s notifications are unread. */
  async unreadCount(userId: string): Promise<number> {
    assertUserId(userId);
    const row = (await this.db
      .knex('notifications')
      .where({ userId })
      .whereNull('readAt')
      .count({ count: '*' })
      .first()) as { count: number | string } | undefined;
    return Number(row?.count ?? 0);
  }

  /**
   * Marks the given notifications of `userId` (or all of them) read. Ids of other users'
   * notifications, unknown ids and already-read ones are ignored. Returns how many changed.
   */
  async markRead(userId: string, ids: readonly string[] | 'all'): Promise<number> {
    assertUserId(userId);
    if (ids !== 'all') {
      if (ids.length > MAX_MARK_READ_IDS)
        throw invalid('/body/ids', `must hold at most ${MAX_MARK_READ_IDS} ids`);
      const bad = ids.findIndex((id) => typeof id !== 'string' || !UUID.test(id));
      if (bad >= 0) throw invalid(`/body/ids/${bad}`, 'must be a notification id (uuid)');
      if (ids.length === 0) return 0;
    }
    return this.db.knex.transaction(async (trx) => {
      await lockUser(trx, userId);
      const result = await trx.raw<{ rows: Array<{ change_seq: number }> }>(
        `UPDATE notifications
         SET read_at = now(), updated_at = now(), change_seq = nextval('notification_change_seq')
         WHERE user_id = ? AND read_at IS NULL ${ids === 'all' ? '' : 'AND id = ANY(?::uuid[])'}
         RETURNING change_seq`,
        ids === 'all' ? [userId] : [userId, [...ids]],
      );
      const seqs = result.rows.map((r) => Number(r.change_seq));
      if (seqs.length > 0) await this.wake(trx, userId, Math.max(...seqs));
      return seqs.length;
    });
  }

  /**
   * `userId`'s notifications as they are created or change, oldest change first: first
   * every row whose `changeSeq` is greater than `after`, then live. A row appears again
   * each time it changes (updated in place, marked read); `changeSeq` is the resume point.
   * Ends when `signal` aborts or the kernel closes.
   */
  async *subscribe(
    userId: string,
    options: NotificationSubscribeOptions = {},
  ): AsyncGenerator<NotificationView, void, undefined> {
    assertUserId(userId);
    const { signal } = options;
    if (options.after !== undefined && (!Number.isSafeInteger(options.after) || options.after < 0)) {
      throw invalid('/after', 'must be a change sequence number (a non-negative integer)');
    }
    const subscriber = new Subscriber(options.after ?? 0);
    // Listen before the first read: a change committed after that read wakes us.
    this.addSubscriber(userId, subscriber);
    try {
      await this.startListening();
      let after = options.after ?? (subscriber.delivered = await this.latestChange(userId));
      while (!signal?.aborted && !this.closed) {
        subscriber.clearWakeUp();
        const { rows } = await this.db.knex.raw<{ rows: NotificationRow[] }>(
          `SELECT * FROM notifications WHERE user_id = ? AND change_seq > ?
           ORDER BY change_seq ASC LIMIT ?`,
          [userId, after, CATCH_UP_BATCH],
        );
        for (const row of rows) {
          if (signal?.aborted || this.closed) return;
          after = subscriber.delivered = row.change_seq;
          yield viewOf(row);
        }
        if (rows.length === CATCH_UP_BATCH) continue;
        await subscriber.nextWakeUp(signal);
      }
    } finally {
      this.removeSubscriber(userId, subscriber);
    }
  }

  /** The greatest `changeSeq` of the user's feed (0 when empty). */
  private async latestChange(userId: string): Promise<number> {
    const row = (await this.db.knex('notifications').where({ userId }).max({ seq: 'changeSeq' }).first()) as
      { seq: number | string | null } | undefined;
    return Number(row?.seq ?? 0);
  }

  private async wake(trx: Knex.Transaction, userId: string, changeSeq: number): Promise<void> {
    await this.listener.notify(NOTIFICATION_CHANNEL, JSON.stringify({ userId, changeSeq }), trx);
  }

  private addSubscriber(userId: string, subscriber: Subscriber): void {
    let set = this.subscribers.get(userId);
    if (!set) this.subscribers.set(userId, (set = new Set()));
    set.add(subscriber);
  }

  private removeSubscriber(userId: string, subscriber: Subscriber): void {
    const set = this.subscribers.get(userId);
    set?.delete(subscriber);
    if (set?.size === 0) this.subscribers.delete(userId);
  }

  /** One LISTEN for the whole process, started by the first subscriber and kept until close. */
  private startListening(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.listening ??= (async () => {
      this.unlisten = await this.listener.listen(
        NOTIFICATION_CHANNEL,
        (payload) => this.onWakeUp(payload),
        // Wake-ups sent while the connection was down are lost: everyone re-reads.
        () => this.wakeAll(),
      );
      // Registered after the listener's own closer, so subscriptions end before it stops.
      this.lifecycle.onClose('notification subscriptions', () => this.close());
    })().catch((error: unknown) => {
      this.listening = null;
      throw error;
    });
    return this.listening;
  }

  private onWakeUp(payload: string): void {
    let message: { userId?: unknown; changeSeq?: unknown };
    try {
      message = JSON.parse(payload) as typeof message;
    } catch {
      this.logger.warn({ payload }, 'ignoring a malformed notification wake-up');
      return;
    }
    if (typeof message.userId !== 'string') return;
    const changeSeq = typeof message.changeSeq === 'number' ? message.changeSeq : Infinity;
    for (const subscriber of this.subscribers.get(message.userId) ?? []) {
      if (changeSeq > subscriber.delivered) subscriber.wakeUp();
    }
  }

  private wakeAll(): void {
    for (const set of this.subscribers.values()) for (const subscriber of set) subscriber.wakeUp();
  }

  private async close(): Promise<void> {
    this.closed = true;
    this.wakeAll();
    await this.unlisten?.();
  }
}

export const NOTIFICATION_SERVICE: InjectionToken<NotificationService> = NotificationService;

/** One live subscription: the last change it delivered, and a wake-up that is not lost between reads. */
class Subscriber {
  private pending = false;
  private waiting: (() => void) | null = null;

  constructor(public delivered: number) {}

  wakeUp(): void {
    this.pending = true;
    this.waiting?.();
  }

  /** Call right before reading: a wake-up from then on makes `nextWakeUp` return at once. */
  clearWakeUp(): void {
    this.pending = false;
  }

  async nextWakeUp(signal: AbortSignal | undefined): Promise<void> {
    if (this.pending || signal?.aborted) return;
    let onAbort: (() => void) | undefined;
    await new Promise<void>((resolve) => {
      this.waiting = resolve;
      onAbort = resolve;
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    this.waiting = null;
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
}

/** Serialises one user's feed changes (across processes) until the transaction ends. */
async function lockUser(trx: Knex.Transaction, userId: string): Promise<void> {
  await trx.raw('SELECT pg_advisory_xact_lock(?, hashtext(?))', [NOTIFICATION_LOCK, userId]);
}

function viewOf(row: NotificationRow): NotificationView {
  return {
    id: row.id,
    userId: row.user_id,
    level: row.level,
    title: row.title,
    body: row.body,
    link: row.link,
    dedupeKey: row.dedupe_key,
    inProgress: row.in_progress,
    read: row.read_at !== null,
    changeSeq: Number(row.change_seq),
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}

function invalid(path: string, message: string): KernelError {
  return new KernelError('validation_failed', `Invalid notification request: ${path} ${message}.`, {
    errors: [{ path, message }],
  });
}

function assertUserId(userId: string): void {
  if (typeof userId !== 'string' || !UUID.test(userId)) throw invalid('/userId', 'must be a user id (uuid)');
}

interface NotificationFields {
  level: NotificationLevel;
  title: string;
  body: string | null;
  link: string | null;
  dedupeKey: string | null;
  inProgress: boolean;
}

/** Checks what kernel services pass in; the messages name the field so a caller's bug is obvious. */
function validateInput(input: NotificationInput): NotificationFields {
  const errors: FieldError[] = [];
  const text = (value: unknown, path: string, max: number, required: boolean): void => {
    if (value === undefined || value === null) {
      if (required) errors.push({ path, message: 'is required' });
    } else if (typeof value !== 'string' || (required && value.trim() === '') || value.length > max) {
      errors.push({
        path,
        message: `must be ${required ? 'a non-empty' : 'a'} string of at most ${max} characters`,
      });
    }
  };
  if (!LEVELS.includes(input.level))
    errors.push({ path: '/level', message: `must be one of ${LEVELS.join(', ')}` });
  text(input.title, '/title', MAX_TITLE, true);
  text(input.body, '/body', MAX_BODY, false);
  text(input.link, '/link', MAX_LINK, false);
  text(input.dedupeKey, '/dedupeKey', MAX_DEDUPE_KEY, false);
  // Links are rendered by the platform UI: only its own paths, never another origin.
  if (typeof input.link === 'string' && !/^\/(?![/\\])\S*$/.test(input.link)) {
    errors.push({ path: '/link', message: 'must be a platform-relative path starting with "/"' });
  }
  if (input.inProgress !== undefined && typeof input.inProgress !== 'boolean') {
    errors.push({ path: '/inProgress', message: 'must be a boolean' });
  }
  if (errors.length > 0) {
    throw new KernelError(
      'validation_failed',
      `Invalid notification: ${errors[0]!.path} ${errors[0]!.message}.`,
      {
        errors,
      },
    );
  }
  return {
    level: input.level,
    title: input.title,
    body: input.body ?? null,
    link: input.link ?? null,
    dedupeKey: input.dedupeKey ?? null,
    inProgress: input.inProgress ?? false,
  };
}
