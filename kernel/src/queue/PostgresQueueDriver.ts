import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { CronExpressionParser } from 'cron-parser';
import type { Database } from '../database/Database.js';
import type { PgListener } from '../database/PgListener.js';
import type { Logger } from '../logging/Logger.js';
import {
  CANCELLED_REASON,
  scheduledJobId,
  type Backoff,
  type DriverHandler,
  type DriverWorker,
  type DriverWorkerOptions,
  type EnqueueRequest,
  type JobData,
  type JobProgress,
  type JobState,
  type JobView,
  type QueueDriver,
  type ScheduleRequest,
} from './QueueDriver.js';

/** NOTIFY channels: a queue name when it has new work, `{queue,id}` when a running job is cancelled. */
const WAKE_CHANNEL = 'cinatra_queue_wake';
const CANCEL_CHANNEL = 'cinatra_queue_cancel';
/** Reason a worker aborts a handler whose job it no longer owns. */
const LOST_REASON = 'lost';

export interface PostgresQueueDriverOptions {
  /** Poll fallback (and schedule check) interval when no NOTIFY arrives. */
  pollMs?: number;
}

interface ClaimedRow {
  id: string;
  payload: unknown;
  scope: JobData['scope'];
  attemptsMade: number;
  maxAttempts: number;
  backoff: Backoff;
  cancelRequested: boolean;
}

/**
 * The embedded default: jobs are rows of `queue_jobs` (migration 0003). Workers claim
 * ready rows with `FOR UPDATE SKIP LOCKED` and hold them by a renewed lease; a row whose
 * lease expired (its worker died) is claimed again. Workers wake on NOTIFY when a job is
 * enqueued and also poll, because a notification can be lost while the listener
 * reconnects. Schedules fire from any process that runs a worker; the fired job's id
 * `repeat:<schedule>:<time>` makes a second firing of the same time a no-op.
 */
export class PostgresQueueDriver implements QueueDriver {
  readonly name = 'postgres';
  private readonly owner = `${hostname()}:${process.pid}:${randomUUID()}`;
  private readonly workers = new Set<PostgresWorker>();
  private scheduleTimer: NodeJS.Timeout | null = null;
  private readonly pollMs: number;

  constructor(
    private readonly db: Database,
    private readonly listener: PgListener,
    private readonly logger: Logger,
    options: PostgresQueueDriverOptions = {},
  ) {
    this.pollMs = options.pollMs ?? 1000;
  }

  async enqueue(r: EnqueueRequest): Promise<void> {
    // One statement: the insert and its wake-up commit together, in one round trip.
    await this.db.knex.raw(
      `WITH inserted AS (
         INSERT INTO queue_jobs (queue, id, payload, scope, priority, run_at, max_attempts, backoff)
         VALUES (?, ?, ?::jsonb, ?::jsonb, ?, now() + ? * interval '1 millisecond', ?, ?::jsonb)
         ON CONFLICT (queue, id) DO NOTHING
         RETURNING queue)
       SELECT pg_notify(?, queue) FROM inserted`,
      [
        r.queue,
        r.id,
        JSON.stringify(r.data.payload ?? null),
        JSON.stringify(r.data.scope),
        r.priority ?? 0,
        r.delayMs,
        r.attempts,
        JSON.stringify(r.backoff),
        WAKE_CHANNEL,
      ],
    );
  }

  async work(queue: string, handler: DriverHandler, options: DriverWorkerOptions): Promise<DriverWorker> {
    const worker = new PostgresWorker(this, queue, handler, options, `${this.owner}:${randomUUID()}`);
    await worker.start();
    this.workers.add(worker);
    this.scheduleTimer ??= setInterval(() => void this.fireDueSchedules(), this.pollMs);
    return {
      close: async () => {
        await worker.close();
        this.workers.delete(worker);
        if (this.workers.size === 0 && this.scheduleTimer) {
          clearInterval(this.scheduleTimer);
          this.scheduleTimer = null;
        }
      },
    };
  }

  async cancel(queue: string, id: string): Promise<boolean> {
    const { rows } = (await this.db.knex.raw(
      `UPDATE queue_jobs
          SET state = CASE WHEN state = 'waiting' THEN 'cancelled' ELSE state END,
              finished_at = CASE WHEN state = 'waiting' THEN now() ELSE finished_at END,
              cancel_requested = true
        WHERE queue = ? AND id = ? AND state IN ('waiting', 'active')
        RETURNING state`,
      [queue, id],
    )) as { rows: Array<{ state: JobState }> };
    const row = rows[0];
    if (!row) return false;
    if (row.state === 'active') await this.listener.notify(CANCEL_CHANNEL, JSON.stringify({ queue, id }));
    return true;
  }

  async getJob(queue: string, id: string): Promise<JobView | null> {
    const row = await this.db
      .knex('queueJobs')
      .where({ queue, id })
      .first('id', 'queue', 'state', 'payload', 'attemptsMade', 'progress', 'result', 'error');
    if (!row) return null;
    return {
      id: row.id,
      queue: row.queue,
      state: row.state,
      payload: row.payload,
      attemptsMade: row.attemptsMade,
      progress: row.progress ?? null,
      result: row.result ?? null,
      error: row.error ?? null,
    };
  }

  async schedule(r: ScheduleRequest): Promise<void> {
    const next = nextFire(r.cron, r.tz, new Date());
    // Re-registering on every start must not move the next fire time, or restarts would skip or repeat runs.
    await this.db.knex.raw(
      `INSERT INTO queue_schedules (queue, id, cron, tz, payload, scope, max_attempts, backoff, next_fire_at)
       VALUES (?, ?, ?, ?, ?::jsonb, ?::jsonb, ?, ?::jsonb, ?)
       ON CONFLICT (queue, id) DO UPDATE SET
         next_fire_at = CASE
           WHEN queue_schedules.cron IS DISTINCT FROM EXCLUDED.cron OR queue_schedules.tz IS DISTINCT FROM EXCLUDED.tz
           THEN EXCLUDED.next_fire_at ELSE queue_schedules.next_fire_at END,
         cron = EXCLUDED.cron, tz = EXCLUDED.tz, payload = EXCLUDED.payload, scope = EXCLUDED.scope,
         max_attempts = EXCLUDED.max_attempts, backoff = EXCLUDED.backoff, updated_at = now()`,
      [
        r.queue,
        r.scheduleId,
        r.cron,
        r.tz,
        JSON.stringify(r.data.payload ?? null),
        JSON.stringify(r.data.scope),
        r.attempts,
        JSON.stringify(r.backoff),
        next,
      ],
    );
  }

  async unschedule(queue: string, scheduleId: string): Promise<boolean> {
    return (await this.db.knex('queueSchedules').where({ queue, id: scheduleId }).delete()) > 0;
  }

  async close(): Promise<void> {
    await Promise.all([...this.workers].map((w) => w.close()));
    this.workers.clear();
    if (this.scheduleTimer) clearInterval(this.scheduleTimer);
    this.scheduleTimer = null;
  }

  /** Enqueues one job per due schedule and moves the schedule on; locked rows belong to another process. */
  async fireDueSchedules(): Promise<void> {
    try {
      await this.db.knex.transaction(async (trx) => {
        const due = (await trx('queueSchedules')
          .whereRaw('next_fire_at <= now()')
          .forUpdate()
          .skipLocked()
          .limit(100)) as Array<{
          queue: string;
          id: string;
          cron: string;
          tz: string | null;
          payload: unknown;
          scope: JobData['scope'];
          maxAttempts: number;
          backoff: Backoff;
          nextFireAt: Date;
        }>;
        const now = new Date();
        for (const s of due) {
          const fireAt = new Date(s.nextFireAt);
          await trx.raw(
            `INSERT INTO queue_jobs (queue, id, payload, scope, max_attempts, backoff)
             VALUES (?, ?, ?::jsonb, ?::jsonb, ?, ?::jsonb) ON CONFLICT (queue, id) DO NOTHING`,
            [
              s.queue,
              scheduledJobId(s.id, fireAt),
              JSON.stringify(s.payload),
              JSON.stringify(s.scope),
              s.maxAttempts,
              JSON.stringify(s.backoff),
            ],
          );
          // After downtime, one missed run fires; the next one is the first after now.
          const next = nextFire(s.cron, s.tz, fireAt > now ? fireAt : now);
          await trx('queueSchedules').where({ queue: s.queue, id: s.id }).update({ nextFireAt: next });
        }
        for (const queue of new Set(due.map((s) => s.queue)))
          await this.listener.notify(WAKE_CHANNEL, queue, trx);
      });
    } catch (error) {
      this.logger.error({ err: error }, 'queue schedules could not be fired');
    }
  }

  /** @internal used by workers */
  get internals(): { db: Database; listener: PgListener; logger: Logger; pollMs: number } {
    return { db: this.db, listener: this.listener, logger: this.logger, pollMs: this.pollMs };
  }
}

interface Running {
  abort: AbortController;
  done: Promise<void>;
}

/** One `work()` call: a claim loop, a lease renewer and up to `concurrency` running handlers. */
class PostgresWorker {
  private readonly running = new Map<string, Running>();
  private stopping = false;
  private wake: (() => void) | null = null;
  private loopDone: Promise<void> = Promise.resolve();
  private renewTimer: NodeJS.Timeout | null = null;
  private unlisten: Array<() => Promise<void>> = [];
  private closing: Promise<void> | null = null;

  constructor(
    private readonly driver: PostgresQueueDriver,
    private readonly queue: string,
    private readonly handler: DriverHandler,
    private readonly options: DriverWorkerOptions,
    private readonly owner: string,
  ) {}

  private get knex() {
    return this.driver.internals.db.knex;
  }

  async start(): Promise<void> {
    const { listener } = this.driver.internals;
    this.unlisten.push(
      await listener.listen(
        WAKE_CHANNEL,
        (payload) => payload === this.queue && this.wakeUp(),
        () => this.wakeUp(),
      ),
      await listener.listen(CANCEL_CHANNEL, (payload) => {
        const { queue, id } = JSON.parse(payload) as { queue: string; id: string };
        if (queue === this.queue) this.running.get(id)?.abort.abort(CANCELLED_REASON);
      }),
    );
    this.renewTimer = setInterval(() => void this.renewLeases(), Math.max(200, this.options.leaseMs / 3));
    this.loopDone = this.loop();
  }

  private wakeUp(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  private async loop(): Promise<void> {
    const { logger, pollMs } = this.driver.internals;
    while (!this.stopping) {
      const free = this.options.concurrency - this.running.size;
      let claimed = 0;
      if (free > 0) {
        try {
          const rows = await this.claim(free);
          claimed = rows.length;
          for (const row of rows) this.start1(row);
        } catch (error) {
          logger.error({ err: error, queue: this.queue }, 'queue jobs could not be claimed');
        }
      }
      if (this.stopping) break;
      if (free > 0 && claimed === free) continue; // there may be more ready jobs
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => this.wakeUp(), pollMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  private async claim(limit: number): Promise<ClaimedRow[]> {
    const { rows } = (await this.knex.raw(
      `WITH picked AS (
         SELECT queue, id FROM queue_jobs
          WHERE queue = ?
            AND ((state = 'waiting' AND run_at <= now()) OR (state = 'active' AND lease_expires_at < now()))
          ORDER BY priority, run_at, seq
          LIMIT ?
          FOR UPDATE SKIP LOCKED)
       UPDATE queue_jobs j
          SET state = 'active', lease_owner = ?, lease_expires_at = now() + ? * interval '1 millisecond',
              attempts_made = j.attempts_made + 1
         FROM picked
        WHERE j.queue = picked.queue AND j.id = picked.id
       RETURNING j.id, j.payload, j.scope, j.attempts_made AS "attemptsMade", j.max_attempts AS "maxAttempts",
                 j.backoff, j.cancel_requested AS "cancelRequested"`,
      [this.queue, limit, this.owner, this.options.leaseMs],
    )) as { rows: ClaimedRow[] };
    return rows;
  }

  /** Runs one claimed job; a job taken over from a dead worker may already be out of attempts. */
  private start1(row: ClaimedRow): void {
    const abort = new AbortController();
    const done = this.run(row, abort)
      .catch((error: unknown) =>
        this.driver.internals.logger.error(
          { err: error, queue: this.queue, jobId: row.id },
          'queue job failed to finish',
        ),
      )
      .finally(() => {
        this.running.delete(row.id);
        this.wakeUp();
      });
    this.running.set(row.id, { abort, done });
  }

  private async run(row: ClaimedRow, abort: AbortController): Promise<void> {
    if (row.cancelRequested) {
      await this.finish(row.id, { state: 'cancelled', error: CANCELLED_REASON });
      return;
    }
    if (row.attemptsMade > row.maxAttempts) {
      const error = 'The worker running the last attempt stopped (its lease expired).';
      if (await this.finish(row.id, { state: 'dead', error, attemptsMade: row.maxAttempts })) {
        await this.deadLetter(row, row.maxAttempts, error);
      }
      return;
    }
    let result: unknown;
    try {
      result = await this.handler({
        id: row.id,
        queue: this.queue,
        data: { payload: row.payload, scope: row.scope },
        attempt: row.attemptsMade,
        maxAttempts: row.maxAttempts,
        signal: abort.signal,
        progress: async (value: JobProgress) => {
          await this.knex('queueJobs')
            .where({ queue: this.queue, id: row.id, leaseOwner: this.owner })
            .update({ progress: JSON.stringify(value) });
        },
      });
    } catch (error) {
      if (abort.signal.reason === LOST_REASON) return; // another worker owns it now
      const message = errorMessage(error);
      if (abort.signal.reason === CANCELLED_REASON) {
        await this.finish(row.id, { state: 'cancelled', error: CANCELLED_REASON });
      } else if (row.attemptsMade >= row.maxAttempts) {
        if (await this.finish(row.id, { state: 'dead', error: message })) {
          await this.deadLetter(row, row.attemptsMade, message);
        }
      } else {
        await this.knex.raw(
          `UPDATE queue_jobs SET state = 'waiting', lease_owner = NULL, lease_expires_at = NULL, error = ?,
                  run_at = now() + ? * interval '1 millisecond'
            WHERE queue = ? AND id = ? AND lease_owner = ? AND state = 'active'`,
          [message, backoffDelay(row.backoff, row.attemptsMade), this.queue, row.id, this.owner],
        );
      }
      return;
    }
    if (abort.signal.reason === LOST_REASON) return;
    await this.finish(row.id, { state: 'completed', result: JSON.stringify(result ?? null), error: null });
  }

  private async deadLetter(row: ClaimedRow, attemptsMade: number, error: string): Promise<void> {
    await this.options.onDeadLetter({
      id: row.id,
      queue: this.queue,
      data: { payload: row.payload, scope: row.scope },
      attemptsMade,
      error,
    });
  }

  /** Ends a job this worker still owns; false when its lease was lost meanwhile. */
  private async finish(id: string, fields: Record<string, unknown>): Promise<boolean> {
    const updated = await this.knex('queueJobs')
      .where({ queue: this.queue, id, leaseOwner: this.owner, state: 'active' })
      .update({ ...fields, leaseOwner: null, leaseExpiresAt: null, finishedAt: this.knex.fn.now() });
    if (updated === 0) {
      this.driver.internals.logger.warn(
        { queue: this.queue, jobId: id },
        'queue job finished after its lease was lost; its outcome was not recorded',
      );
    }
    return updated > 0;
  }

  /** Extends the leases of running jobs; aborts the ones lost or cancelled meanwhile. */
  private async renewLeases(): Promise<void> {
    const ids = [...this.running.keys()];
    if (ids.length === 0) return;
    try {
      const { rows } = (await this.knex.raw(
        `UPDATE queue_jobs SET lease_expires_at = now() + ? * interval '1 millisecond'
          WHERE queue = ? AND id = ANY(?) AND lease_owner = ? AND state = 'active'
          RETURNING id, cancel_requested AS "cancelRequested"`,
        [this.options.leaseMs, this.queue, ids, this.owner],
      )) as { rows: Array<{ id: string; cancelRequested: boolean }> };
      const kept = new Map(rows.map((r) => [r.id, r.cancelRequested]));
      for (const id of ids) {
        const job = this.running.get(id);
        if (!job || job.abort.signal.aborted) continue;
        if (!kept.has(id)) job.abort.abort(LOST_REASON);
        else if (kept.get(id)) job.abort.abort(CANCELLED_REASON);
      }
    } catch (error) {
      this.driver.internals.logger.warn(
        { err: error, queue: this.queue },
        'queue leases could not be renewed',
      );
    }
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.stopping = true;
    this.wakeUp();
    await this.loopDone;
    await Promise.all(this.unlisten.map((stop) => stop()));
    const all = Promise.all([...this.running.values()].map((r) => r.done));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.options.shutdownTimeoutMs);
    });
    const outcome = await Promise.race([all.then(() => 'done' as const), timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout' && this.running.size > 0) {
      // Hand the jobs back without counting the interrupted attempt; another worker runs them.
      const ids = [...this.running.keys()];
      for (const r of this.running.values()) r.abort.abort(LOST_REASON);
      await this.knex.raw(
        `UPDATE queue_jobs SET state = 'waiting', lease_owner = NULL, lease_expires_at = NULL,
                attempts_made = attempts_made - 1
          WHERE queue = ? AND id = ANY(?) AND lease_owner = ? AND state = 'active'`,
        [this.queue, ids, this.owner],
      );
      await this.driver.internals.listener.notify(WAKE_CHANNEL, this.queue).catch(() => {});
      this.driver.internals.logger.warn(
        { queue: this.queue, jobs: ids.length },
        'queue worker stopped before these jobs finished; they were handed back',
      );
    }
    if (this.renewTimer) clearInterval(this.renewTimer);
  }
}

export function backoffDelay(backoff: Backoff, attemptsMade: number): number {
  return backoff.type === 'fixed' ? backoff.delayMs : backoff.delayMs * 2 ** (attemptsMade - 1);
}

function nextFire(cron: string, tz: string | null, after: Date): Date {
  return CronExpressionParser.parse(cron, { currentDate: after, ...(tz ? { tz } : {}) })
    .next()
    .toDate();
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
