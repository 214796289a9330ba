import { Queue, UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../logging/Logger.js';
import type { RedisConnections } from '../redis/RedisConnections.js';
import {
  CANCELLED_REASON,
  type DriverHandler,
  type DriverWorker,
  type DriverWorkerOptions,
  type EnqueueRequest,
  type JobData,
  type JobProgress,
  type JobView,
  type QueueDriver,
  type ScheduleRequest,
} from './QueueDriver.js';

/** Why a worker aborts a handler whose job it hands back at shutdown. */
const LOST_REASON = 'lost';
/** How long finished jobs stay readable (`getJob`, idempotent re-enqueue). */
const KEEP_COMPLETED = { age: 7 * 86_400, count: 10_000 };
const KEEP_FAILED = { age: 30 * 86_400 };
const CANCELLED_MARKER_TTL_S = 7 * 86_400;

type BullJob = Job<JobData, unknown, string>;

/**
 * Queues on Redis with BullMQ: one BullMQ `Queue` per queue name over a shared
 * connection, a BullMQ `Worker` per `work()` call. Keys live under `config.redisKeyPrefix`.
 * A crashed worker's job is found by BullMQ's stalled-job check once its lock
 * (`leaseMs`) expires, and runs again. Cron schedules are BullMQ job schedulers, which
 * keep one next job per schedule in Redis, so restarts and several processes never
 * fire a time twice. Cancelling a running job is broadcast over Redis pub/sub to the
 * worker that runs it.
 */
export class BullMqQueueDriver implements QueueDriver {
  readonly name = 'bullmq';
  private readonly queues = new Map<string, Queue<JobData, unknown, string>>();
  private readonly workers = new Set<BullMqWorker>();
  private connection: Redis | null = null;
  private subscriber: Redis | null = null;

  constructor(
    private readonly redis: RedisConnections,
    private readonly prefix: string,
    private readonly logger: Logger,
  ) {}

  private get cancelChannel(): string {
    return `${this.prefix}:cinatra:queue-cancel`;
  }

  private cancelledKey(queue: string, id: string): string {
    return `${this.prefix}:cinatra:queue-cancelled:${queue}:${id}`;
  }

  /** The shared command connection (BullMQ duplicates it for a worker's blocking reads). */
  sharedConnection(): Redis {
    this.connection ??= this.redis.open('queue');
    return this.connection;
  }

  private queue(name: string): Queue<JobData, unknown, string> {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue<JobData, unknown, string>(name, {
        connection: this.sharedConnection(),
        prefix: this.prefix,
      });
      queue.on('error', (error) => this.logger.warn({ err: error, queue: name }, 'BullMQ queue error'));
      this.queues.set(name, queue);
    }
    return queue;
  }

  async enqueue(r: EnqueueRequest): Promise<void> {
    await this.queue(r.queue).add(r.queue, r.data, {
      jobId: r.id,
      delay: r.delayMs,
      attempts: r.attempts,
      backoff: { type: r.backoff.type, delay: r.backoff.delayMs },
      ...(r.priority !== null ? { priority: r.priority } : {}),
      removeOnComplete: KEEP_COMPLETED,
      removeOnFail: KEEP_FAILED,
    });
  }

  async work(queue: string, handler: DriverHandler, options: DriverWorkerOptions): Promise<DriverWorker> {
    await this.subscribeToCancels();
    const worker = new BullMqWorker(this, queue, handler, options, this.prefix, this.logger);
    await worker.start();
    this.workers.add(worker);
    return {
      close: async () => {
        await worker.close();
        this.workers.delete(worker);
      },
    };
  }

  private async subscribeToCancels(): Promise<void> {
    if (this.subscriber) return;
    this.subscriber = this.redis.open('queue-cancel');
    this.subscriber.on('message', (_channel: string, message: string) => {
      const { queue, id } = JSON.parse(message) as { queue: string; id: string };
      for (const worker of this.workers) if (worker.queue === queue) worker.cancel(id);
    });
    await this.subscriber.subscribe(this.cancelChannel);
  }

  async cancel(queue: string, id: string): Promise<boolean> {
    const job = await this.queue(queue).getJob(id);
    if (!job) return false;
    const state = await job.getState();
    if (state === 'completed' || state === 'failed' || state === 'unknown') return false;
    const connection = this.sharedConnection();
    await connection.set(this.cancelledKey(queue, id), '1', 'EX', CANCELLED_MARKER_TTL_S);
    if (state === 'active') {
      await connection.publish(this.cancelChannel, JSON.stringify({ queue, id }));
      return true;
    }
    try {
      await job.remove();
      return true;
    } catch {
      // It became active between getState and remove: signal its worker instead.
      await connection.publish(this.cancelChannel, JSON.stringify({ queue, id }));
      return true;
    }
  }

  async getJob(queue: string, id: string): Promise<JobView | null> {
    // State first: read after the job hash, a job finishing in between would show no result.
    let state = await this.queue(queue).getJobState(id);
    const job = await this.queue(queue).getJob(id);
    if (!job) {
      const cancelled = await this.sharedConnection().exists(this.cancelledKey(queue, id));
      return cancelled
        ? {
            id,
            queue,
            state: 'cancelled',
            payload: null,
            attemptsMade: 0,
            progress: null,
            result: null,
            error: CANCELLED_REASON,
          }
        : null;
    }
    if (job.finishedOn && state !== 'completed' && state !== 'failed') state = await job.getState();
    const view: JobView = {
      id,
      queue,
      state: 'waiting',
      payload: job.data.payload,
      attemptsMade: job.attemptsStarted,
      progress: isProgress(job.progress) ? job.progress : null,
      result: job.returnvalue ?? null,
      error: job.failedReason || null,
    };
    if (state === 'completed') view.state = 'completed';
    else if (state === 'failed') view.state = job.failedReason === CANCELLED_REASON ? 'cancelled' : 'dead';
    else if (state === 'active') view.state = 'active';
    return view;
  }

  async schedule(r: ScheduleRequest): Promise<void> {
    await this.queue(r.queue).upsertJobScheduler(
      r.scheduleId,
      { pattern: r.cron, ...(r.tz ? { tz: r.tz } : {}) },
      {
        name: r.queue,
        data: r.data,
        opts: {
          attempts: r.attempts,
          backoff: { type: r.backoff.type, delay: r.backoff.delayMs },
          removeOnComplete: KEEP_COMPLETED,
          removeOnFail: KEEP_FAILED,
        },
      },
    );
  }

  async unschedule(queue: string, scheduleId: string): Promise<boolean> {
    return this.queue(queue).removeJobScheduler(scheduleId);
  }

  async close(): Promise<void> {
    await Promise.all([...this.workers].map((w) => w.close()));
    this.workers.clear();
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    this.queues.clear();
    for (const client of [this.subscriber, this.connection]) if (client) await this.redis.release(client);
    this.subscriber = null;
    this.connection = null;
  }
}

/** One `work()` call: a BullMQ worker plus what a graceful shutdown needs to hand jobs back. */
class BullMqWorker {
  private worker: Worker<JobData, unknown, string> | null = null;
  private readonly running = new Map<string, { job: BullJob; token: string | undefined }>();
  private closing: Promise<void> | null = null;

  constructor(
    private readonly driver: BullMqQueueDriver,
    readonly queue: string,
    private readonly handler: DriverHandler,
    private readonly options: DriverWorkerOptions,
    private readonly prefix: string,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    const worker = new Worker<JobData, unknown, string>(
      this.queue,
      (job, token, signal) => this.process(job, token, signal),
      {
        connection: this.driver.sharedConnection(),
        prefix: this.prefix,
        concurrency: this.options.concurrency,
        lockDuration: this.options.leaseMs,
        stalledInterval: Math.max(500, Math.floor(this.options.leaseMs / 2)),
        autorun: false,
      },
    );
    worker.on('error', (error) => this.logger.warn({ err: error, queue: this.queue }, 'BullMQ worker error'));
    worker.on('failed', (job, error) => {
      if (job) void this.onFailed(job, error);
    });
    this.worker = worker;
    void worker
      .run()
      .catch((error: unknown) =>
        this.logger.error({ err: error, queue: this.queue }, 'BullMQ worker stopped'),
      );
    await worker.waitUntilReady();
  }

  private async process(job: BullJob, token: string | undefined, signal?: AbortSignal): Promise<unknown> {
    const id = job.id!;
    this.running.set(id, { job, token });
    const neverAborted = new AbortController().signal;
    try {
      return await this.handler({
        id,
        queue: this.queue,
        data: job.data,
        attempt: job.attemptsMade + 1,
        maxAttempts: job.opts.attempts ?? 1,
        signal: signal ?? neverAborted,
        progress: (value: JobProgress) => job.updateProgress(value),
      });
    } catch (error) {
      if (signal?.reason === LOST_REASON) throw new WaitingError();
      if (signal?.reason === CANCELLED_REASON) throw new UnrecoverableError(CANCELLED_REASON);
      throw error;
    } finally {
      this.running.delete(id);
    }
  }

  /** BullMQ emits `failed` for every failed attempt; only the last one is a dead letter. */
  private async onFailed(job: BullJob, error: Error): Promise<void> {
    try {
      if (job.failedReason === CANCELLED_REASON || (await job.getState()) !== 'failed') return;
      await this.options.onDeadLetter({
        id: job.id!,
        queue: this.queue,
        data: job.data,
        attemptsMade: job.attemptsMade,
        error: error.message,
      });
    } catch (failure) {
      this.logger.error(
        { err: failure, queue: this.queue, jobId: job.id },
        'dead letter could not be reported',
      );
    }
  }

  cancel(id: string): void {
    this.worker?.cancelJob(id, CANCELLED_REASON);
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.options.shutdownTimeoutMs);
    });
    const graceful = worker.close().then(() => 'done' as const);
    const outcome = await Promise.race([graceful, timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      // Hand the unfinished jobs back to the wait list now rather than after their locks expire.
      const unfinished = [...this.running.values()];
      for (const { job, token } of unfinished) {
        await job
          .moveToWait(token)
          .catch((error: unknown) =>
            this.logger.warn(
              { err: error, queue: this.queue, jobId: job.id },
              'job could not be handed back',
            ),
          );
        worker.cancelJob(job.id!, LOST_REASON);
      }
      this.logger.warn(
        { queue: this.queue, jobs: unfinished.length },
        'queue worker stopped before these jobs finished; they were handed back',
      );
      await worker.close(true);
    }
  }
}

function isProgress(value: unknown): value is JobProgress {
  return typeof value === 'number' || (typeof value === 'object' && value !== null);
}
