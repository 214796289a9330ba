import { performance } from 'node:perf_hooks';
import { CronExpressionParser } from 'cron-parser';
import { inject, injectable, type InjectionToken } from 'tsyringe';
import { AUDIT_LOG, type AuditLog } from '../audit/AuditLog.js';
import { uuidv7 } from '../audit/uuidv7.js';
import { currentScope, runInScope, type RequestScope } from '../authz/ActorContext.js';
import { CONFIG, type CinatraConfig } from '../config/CinatraConfig.js';
import { driverFor } from '../config/loadConfig.js';
import { DATABASE, type Database } from '../database/Database.js';
import { PG_LISTENER, type PgListener } from '../database/PgListener.js';
import { KernelError } from '../errors/KernelError.js';
import { LIFECYCLE, type Lifecycle } from '../lifecycle/Lifecycle.js';
import { LOGGER, type Logger } from '../logging/Logger.js';
import { NOTIFICATIONS, type Notifications } from '../notifications/Notifications.js';
import { REDIS_CONNECTIONS, type RedisConnections } from '../redis/RedisConnections.js';
import { BullMqQueueDriver } from './BullMqQueueDriver.js';
import { PostgresQueueDriver } from './PostgresQueueDriver.js';
import type { Backoff, DeadLetter, DriverJob, JobProgress, JobView, QueueDriver } from './QueueDriver.js';

export interface EnqueueOptions {
  /** Run no earlier than this many milliseconds from now. */
  delayMs?: number;
  /** Total attempts before the job is dead-lettered (default 3). */
  attempts?: number;
  /** Wait between attempts (default exponential from 1 s). */
  backoff?: Backoff;
  /** Idempotency key: enqueueing an id that exists already returns it and adds nothing. */
  jobId?: string;
  /** 1 runs first; jobs without a priority run before prioritised ones (BullMQ's rule). */
  priority?: number;
}

export interface ScheduleOptions {
  /** Cron expression, 5 fields or 6 with seconds first. */
  cron: string;
  /** IANA time zone the expression is read in (default UTC). */
  tz?: string;
  attempts?: number;
  backoff?: Backoff;
}

export interface WorkOptions {
  /** Jobs of this queue run at once by this worker (default 1). */
  concurrency?: number;
  /** When a job took at least this long, the user who enqueued it is notified that it finished. */
  notifyAfterMs?: number;
  /** How long a running job stays owned by this worker without renewal (default `queue.leaseSeconds`). */
  leaseMs?: number;
  /** How long closing waits for running jobs before handing them back (default 30 s). */
  shutdownTimeoutMs?: number;
}

/** What a handler gets besides its payload. The actor scope is the one active around it. */
export interface JobContext {
  id: string;
  queue: string;
  /** 1 for the first attempt. */
  attempt: number;
  maxAttempts: number;
  /** Aborted when the job is cancelled or handed to another worker; stop work and throw. */
  signal: AbortSignal;
  progress(value: JobProgress): Promise<void>;
}

export type JobHandler<P = unknown, R = unknown> = (payload: P, job: JobContext) => Promise<R>;

export interface QueueWorker {
  close(): Promise<void>;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const JOB_ID = /^[A-Za-z0-9_.-]{1,128}$/;
const DEFAULT_ATTEMPTS = 3;
const DEFAULT_BACKOFF: Backoff = { type: 'exponential', delayMs: 1000 };
const DEFAULT_SHUTDOWN_TIMEOUT_MS = 30_000;

/**
 * Named job queues for the kernel and extensions. The driver follows
 * `driverFor(config, 'queue')`: BullMQ when Redis is configured, else Postgres.
 *
 * Every job carries the actor scope of whoever enqueued it; the handler runs inside that
 * scope, so authorization and audit in a job act as that actor. Enqueue, cancel and
 * dead letters are audited; a dead letter notifies the platform admins, and a long job
 * (see `notifyAfterMs`) notifies the user who started it when it completes.
 */
@injectable()
export class QueueService {
  readonly driver: QueueDriver;
  private driverCloserRegistered = false;

  constructor(
    @inject(CONFIG) private readonly config: CinatraConfig,
    @inject(DATABASE) db: Database,
    @inject(PG_LISTENER) listener: PgListener,
    @inject(REDIS_CONNECTIONS) redis: RedisConnections,
    @inject(LIFECYCLE) private readonly lifecycle: Lifecycle,
    @inject(AUDIT_LOG) private readonly audit: AuditLog,
    @inject(NOTIFICATIONS) private readonly notifications: Notifications,
    @inject(LOGGER) private readonly logger: Logger,
  ) {
    this.driver =
      driverFor(config, 'queue') === 'redis'
        ? new BullMqQueueDriver(redis, config.redisKeyPrefix, logger)
        : new PostgresQueueDriver(db, listener, logger);
  }

  /** Adds a job; returns its id (the given `jobId`, or a new time-ordered one). */
  async enqueue(queue: string, payload: unknown, options: EnqueueOptions = {}): Promise<{ id: string }> {
    checkName('queue', queue);
    const id = options.jobId ?? uuidv7();
    if (options.jobId !== undefined && (!JOB_ID.test(id) || /^\d+$/.test(id))) {
      throw invalid('/jobId', 'must be 1-128 letters, digits, "_", "." or "-", and not only digits');
    }
    const delayMs = integer('/delayMs', options.delayMs ?? 0, 0, 366 * 86_400_000);
    const attempts = integer('/attempts', options.attempts ?? DEFAULT_ATTEMPTS, 1, 100);
    const backoff = checkBackoff(options.backoff ?? DEFAULT_BACKOFF);
    const priority =
      options.priority === undefined ? null : integer('/priority', options.priority, 1, 2_097_151);
    const scope = currentScope();
    // Enqueueing is attributed (the job carries `scope`), not audited by itself: it is
    // plumbing of an action its caller audits, and whatever the job does is audited as the
    // enqueuer with the original request id. Cancel, schedules and dead letters are audited.
    await this.driver.enqueue({ queue, id, data: { payload, scope }, delayMs, attempts, backoff, priority });
    this.closeDriverWithKernel();
    return { id };
  }

  /**
   * Starts a worker for `queue` in this process. It stops with the kernel (or `close()`):
   * no new jobs, running ones get `shutdownTimeoutMs` to finish, the rest are handed back.
   */
  async work<P = unknown, R = unknown>(
    queue: string,
    handler: JobHandler<P, R>,
    options: WorkOptions = {},
  ): Promise<QueueWorker> {
    checkName('queue', queue);
    const concurrency = integer('/concurrency', options.concurrency ?? 1, 1, 1000);
    const leaseMs = integer(
      '/leaseMs',
      options.leaseMs ?? this.config.queue.leaseSeconds * 1000,
      1000,
      3_600_000,
    );
    const notifyAfterMs = options.notifyAfterMs;
    const driverWorker = await this.driver.work(queue, (job) => this.run(job, handler, notifyAfterMs), {
      concurrency,
      leaseMs,
      shutdownTimeoutMs: options.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS,
      onDeadLetter: (dead) => this.deadLettered(dead),
    });
    this.closeDriverWithKernel();
    let removeCloser = () => {};
    const worker: QueueWorker = {
      close: async () => {
        removeCloser();
        await driverWorker.close();
      },
    };
    removeCloser = this.lifecycle.onClose(`queue worker ${queue}`, () => worker.close());
    return worker;
  }

  /** True when the job was waiting (it will not run) or running (its handler was signalled). */
  async cancel(queue: string, id: string): Promise<boolean> {
    checkName('queue', queue);
    const cancelled = await this.driver.cancel(queue, id);
    this.closeDriverWithKernel();
    if (cancelled) {
      await this.audit.record({
        operation: 'queue.job.cancelled',
        resourceType: 'queue_job',
        resourceId: `${queue}/${id}`,
        metadata: { queue },
      });
    }
    return cancelled;
  }

  async getJob(queue: string, id: string): Promise<JobView | null> {
    checkName('queue', queue);
    const job = await this.driver.getJob(queue, id);
    this.closeDriverWithKernel();
    return job;
  }

  /**
   * Creates or replaces the cron schedule `scheduleId` of `queue`. Call it at every start:
   * re-registering never fires a time twice, also with several processes. Fired jobs
   * carry the scope of the caller and have ids `repeat:<scheduleId>:<fire time in ms>`.
   */
  async schedule(
    queue: string,
    scheduleId: string,
    options: ScheduleOptions,
    payload: unknown,
  ): Promise<void> {
    checkName('queue', queue);
    checkName('scheduleId', scheduleId);
    try {
      CronExpressionParser.parse(options.cron, options.tz ? { tz: options.tz } : {});
    } catch (error) {
      throw invalid('/cron', `is not a valid cron expression: ${(error as Error).message}`);
    }
    const scope = currentScope();
    await this.driver.schedule({
      queue,
      scheduleId,
      cron: options.cron,
      tz: options.tz ?? null,
      data: { payload, scope },
      attempts: integer('/attempts', options.attempts ?? DEFAULT_ATTEMPTS, 1, 100),
      backoff: checkBackoff(options.backoff ?? DEFAULT_BACKOFF),
    });
    this.closeDriverWithKernel();
    await this.audit.record(
      {
        operation: 'queue.schedule.upserted',
        resourceType: 'queue_schedule',
        resourceId: `${queue}/${scheduleId}`,
        metadata: { queue, cron: options.cron, tz: options.tz ?? null },
      },
      scope,
    );
  }

  async unschedule(queue: string, scheduleId: string): Promise<boolean> {
    checkName('queue', queue);
    const removed = await this.driver.unschedule(queue, scheduleId);
    if (removed) {
      await this.audit.record({
        operation: 'queue.schedule.removed',
        resourceType: 'queue_schedule',
        resourceId: `${queue}/${scheduleId}`,
        metadata: { queue },
      });
    }
    return removed;
  }

  /**
   * Registered after the driver's first use, so it runs before the closers of the
   * connections that use opened (closers run newest first).
   */
  private closeDriverWithKernel(): void {
    if (this.driverCloserRegistered || this.lifecycle.isClosing) return;
    this.driverCloserRegistered = true;
    this.lifecycle.onClose('queue driver', () => this.driver.close());
  }

  private async run<P, R>(
    job: DriverJob,
    handler: JobHandler<P, R>,
    notifyAfterMs: number | undefined,
  ): Promise<R> {
    const scope = job.data.scope;
    return runInScope(scope, async () => {
      const started = performance.now();
      const result = await handler(job.data.payload as P, {
        id: job.id,
        queue: job.queue,
        attempt: job.attempt,
        maxAttempts: job.maxAttempts,
        signal: job.signal,
        progress: (value) => job.progress(value),
      });
      const tookMs = performance.now() - started;
      if (notifyAfterMs !== undefined && tookMs >= notifyAfterMs)
        await this.notifyFinished(job, scope, tookMs);
      return result;
    });
  }

  /** A notification is a courtesy: failing to send it never fails the job. */
  private async notifyFinished(job: DriverJob, scope: RequestScope, tookMs: number): Promise<void> {
    const { principalId, principalType } = scope.actor;
    if (principalType !== 'user' || !principalId) return;
    try {
      await this.notifications.notify(principalId, {
        level: 'success',
        title: `Job ${job.queue} finished`,
        body: `Job ${job.id} completed after ${Math.round(tookMs / 1000)} s.`,
        dedupeKey: `queue-job:${job.queue}/${job.id}`,
        inProgress: false,
      });
    } catch (error) {
      this.logger.warn({ err: error, queue: job.queue, jobId: job.id }, 'job completion notification failed');
    }
  }

  private async deadLettered(dead: DeadLetter): Promise<void> {
    this.logger.warn(
      { queue: dead.queue, jobId: dead.id, attempts: dead.attemptsMade, error: dead.error },
      'queue job dead-lettered',
    );
    await this.audit.record(
      {
        operation: 'queue.job.dead_lettered',
        resourceType: 'queue_job',
        resourceId: `${dead.queue}/${dead.id}`,
        metadata: { queue: dead.queue, attempts: dead.attemptsMade, error: dead.error },
      },
      dead.data.scope,
    );
    await this.notifications.notifyPlatformAdmins({
      level: 'error',
      title: `Job ${dead.queue} failed permanently`,
      body: `Job ${dead.id} failed ${dead.attemptsMade} time(s); last error: ${dead.error}`,
      dedupeKey: `queue-dead:${dead.queue}/${dead.id}`,
    });
  }
}

export const QUEUE: InjectionToken<QueueService> = QueueService;

function invalid(path: string, message: string): KernelError {
  return new KernelError('validation_failed', `Invalid queue option ${path}: ${message}.`, {
    errors: [{ path, message }],
  });
}

function checkName(what: string, value: string): void {
  if (!NAME.test(value)) throw invalid(`/${what}`, 'must be 1-64 letters, digits, "_", "." or "-"');
}

function integer(path: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw invalid(path, `must be an integer from ${min} to ${max}`);
  }
  return value;
}

function checkBackoff(backoff: Backoff): Backoff {
  if (backoff.type !== 'fixed' && backoff.type !== 'exponential') {
    throw invalid('/backoff/type', 'must be "fixed" or "exponential"');
  }
  return { type: backoff.type, delayMs: integer('/backoff/delayMs', backoff.delayMs, 0, 86_400_000) };
}
