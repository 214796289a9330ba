import type { CinatraConfig } from '../config/CinatraConfig.js';
import type { Database } from '../database/Database.js';
import { STREAM_TERMINATED_MESSAGE, STREAMS_CHANNEL } from '../database/migrations/0004_streams.js';
import type { PgListener } from '../database/PgListener.js';
import type { Lifecycle } from '../lifecycle/Lifecycle.js';
import type { Logger } from '../logging/Logger.js';
import type {
  AppendOptions,
  EventStreams,
  ReadOptions,
  StreamEvent,
  SubscribeOptions,
} from './EventStreams.js';
import {
  assertStreamKey,
  encodeData,
  readLimit,
  requireId,
  SUBSCRIBE_PAGE,
  terminatedError,
} from './streamInput.js';
import { subscription, Wakeup } from './subscription.js';

const ID = /^(0|[1-9][0-9]{0,15})$/;

interface EventRow {
  id: number;
  data: unknown;
  terminal: boolean;
}

/**
 * Event streams in Postgres (tables of migration 0004). Ids are a per-key counter (decimal
 * integers), started at the stream's creation time in microseconds so that a key reused
 * after its stream expired keeps increasing ids. Subscribers share the kernel's LISTEN connection: every
 * append sends a NOTIFY with its key on commit, which only wakes the key's subscribers to
 * read again (a reconnect of the listener wakes them all). Terminal streams are deleted
 * by a periodic sweep; until then reads already treat an expired stream as gone.
 */
export class PostgresEventStreams implements EventStreams {
  private readonly waiters = new Map<string, Set<() => void>>();
  private listening: Promise<unknown> | null = null;
  private sweeper: NodeJS.Timeout | null = null;
  private sweeping: Promise<unknown> | null = null;

  constructor(
    private readonly config: CinatraConfig,
    private readonly db: Database,
    private readonly listener: PgListener,
    private readonly lifecycle: Lifecycle,
    private readonly logger: Logger,
  ) {}

  get activeSubscriptions(): number {
    let count = 0;
    for (const set of this.waiters.values()) count += set.size;
    return count;
  }

  parseId(text: string): string | null {
    return ID.test(text) ? text : null;
  }

  async append(key: string, data: unknown, options: AppendOptions = {}): Promise<string> {
    assertStreamKey(key);
    const json = encodeData(data);
    this.startSweeper();
    const { maxLength, terminalTtlSeconds } = this.config.streams;
    try {
      const result = await this.db.knex.raw<{ rows: Array<{ id: number }> }>(
        'SELECT cinatra_stream_append(?, ?::json, ?, ?, ?) AS id',
        [key, json, options.terminal === true, maxLength, terminalTtlSeconds],
      );
      return String(result.rows[0]!.id);
    } catch (error) {
      if ((error as Error).message?.includes(STREAM_TERMINATED_MESSAGE)) throw terminatedError(key);
      throw error;
    }
  }

  async read(key: string, options: ReadOptions = {}): Promise<StreamEvent[]> {
    assertStreamKey(key);
    const after =
      options.after === undefined ? 0 : Number(requireId((t) => this.parseId(t), options.after, 'after'));
    return this.readAfter(key, after, readLimit(options.limit));
  }

  subscribe(key: string, options: SubscribeOptions = {}): AsyncIterable<StreamEvent> {
    assertStreamKey(key);
    const after =
      options.after === undefined ? 0 : Number(requireId((t) => this.parseId(t), options.after, 'after'));
    this.startSweeper();
    return subscription(options.signal, (signal) => this.tail(key, after, signal));
  }

  private async *tail(key: string, after: number, signal: AbortSignal): AsyncGenerator<StreamEvent, void> {
    const wakeup = new Wakeup();
    const unwatch = this.watch(key, wakeup.fire);
    try {
      await this.listen();
      while (!signal.aborted) {
        // Reset before reading: a NOTIFY that arrives during the read makes `wait` return at once.
        wakeup.reset();
        const events = await this.readAfter(key, after, SUBSCRIBE_PAGE);
        for (const event of events) {
          yield event;
          after = Number(event.id);
          if (event.terminal) return;
        }
        if (events.length === SUBSCRIBE_PAGE) continue;
        if (events.length === 0 && (await this.endedBefore(key, after))) return;
        await wakeup.wait(signal);
      }
    } finally {
      unwatch();
    }
  }

  private async readAfter(key: string, after: number, limit: number): Promise<StreamEvent[]> {
    const result = await this.db.knex.raw<{ rows: EventRow[] }>(
      `SELECT e.id, e.data, e.terminal
         FROM stream_events e JOIN stream_heads h ON h.key = e.key
        WHERE e.key = ? AND e.id > ? AND (h.expires_at IS NULL OR h.expires_at > clock_timestamp())
        ORDER BY e.id LIMIT ?`,
      [key, after, limit],
    );
    return result.rows.map((row) => ({ id: String(row.id), data: row.data, terminal: row.terminal }));
  }

  /** Whether the stream is terminal (not yet expired) and its terminal event is at or before `after`. */
  private async endedBefore(key: string, after: number): Promise<boolean> {
    const result = await this.db.knex.raw<{ rows: Array<{ id: number }> }>(
      `SELECT last_id AS id FROM stream_heads WHERE key = ? AND expires_at > clock_timestamp()`,
      [key],
    );
    const head = result.rows[0];
    return head !== undefined && head.id <= after;
  }

  private watch(key: string, wake: () => void): () => void {
    let set = this.waiters.get(key);
    if (!set) this.waiters.set(key, (set = new Set()));
    set.add(wake);
    return () => {
      set.delete(wake);
      if (set.size === 0 && this.waiters.get(key) === set) this.waiters.delete(key);
    };
  }

  /** LISTENs once for the whole driver; resolves when notifications are flowing. */
  private listen(): Promise<unknown> {
    this.listening ??= this.listener
      .listen(
        STREAMS_CHANNEL,
        (key) => {
          for (const wake of this.waiters.get(key) ?? []) wake();
        },
        () => {
          for (const set of this.waiters.values()) for (const wake of set) wake();
        },
      )
      .catch((error: unknown) => {
        this.listening = null;
        throw error;
      });
    return this.listening;
  }

  /** Deletes streams whose terminal event is older than their TTL; returns how many. */
  async sweepExpired(): Promise<number> {
    const result = await this.db.knex.raw<{ rows: Array<{ removed: number }> }>(
      `WITH gone AS (DELETE FROM stream_heads WHERE expires_at <= clock_timestamp() RETURNING key),
            events AS (DELETE FROM stream_events e USING gone WHERE e.key = gone.key)
       SELECT count(*)::int AS removed FROM gone`,
    );
    return result.rows[0]!.removed;
  }

  /** The sweep runs every half TTL (1 s to 60 s), from this driver's first use until the kernel closes. */
  private startSweeper(): void {
    if (this.sweeper || this.lifecycle.isClosing) return;
    const everyMs = Math.min(60_000, Math.max(1_000, (this.config.streams.terminalTtlSeconds * 1000) / 2));
    this.sweeper = setInterval(() => {
      if (this.sweeping) return;
      this.sweeping = this.sweepExpired()
        .catch((error: unknown) =>
          this.logger.warn({ err: error }, 'expired event streams could not be swept'),
        )
        .finally(() => (this.sweeping = null));
    }, everyMs);
    this.sweeper.unref();
    this.lifecycle.onClose('Event stream sweep', async () => {
      clearInterval(this.sweeper!);
      await this.sweeping;
    });
  }
}
