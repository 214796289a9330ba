import type { RequestScope } from '../authz/ActorContext.js';

/** JSON-serialisable progress a handler reports (a percentage or any small object). */
export type JobProgress = number | Record<string, unknown>;

export interface Backoff {
  /** `fixed`: wait `delayMs` before each retry; `exponential`: `delayMs * 2^(retry-1)`. */
  type: 'fixed' | 'exponential';
  delayMs: number;
}

/** What every job carries: the handler's input and who asked for it. */
export interface JobData {
  payload: unknown;
  /** The actor scope at enqueue time, restored around the handler. */
  scope: RequestScope;
}

export interface EnqueueRequest {
  queue: string;
  data: JobData;
  /** Idempotency key: enqueueing an id that already exists returns that job, adds nothing. */
  id: string;
  delayMs: number;
  attempts: number;
  backoff: Backoff;
  /** 1 runs first; jobs without a priority run before prioritised ones. */
  priority: number | null;
}

export interface ScheduleRequest {
  queue: string;
  scheduleId: string;
  cron: string;
  tz: string | null;
  data: JobData;
  attempts: number;
  backoff: Backoff;
}

/** One attempt of a job, as a driver hands it to the worker's handler. */
export interface DriverJob {
  id: string;
  queue: string;
  data: JobData;
  /** 1 for the first attempt. */
  attempt: number;
  maxAttempts: number;
  /** Aborted when the job is cancelled, or when the worker loses the job (shutdown timeout, lease lost). */
  signal: AbortSignal;
  progress(value: JobProgress): Promise<void>;
}

/** Why a job ended in the dead-letter state. */
export interface DeadLetter {
  id: string;
  queue: string;
  data: JobData;
  attemptsMade: number;
  error: string;
}

export interface DriverWorkerOptions {
  concurrency: number;
  /**
   * How long the worker owns a running job before another worker may take it over (the
   * Postgres lease; BullMQ's lock duration, stalled jobs are checked every half of it).
   */
  leaseMs: number;
  /** How long `close()` waits for running handlers before abandoning them to other workers. */
  shutdownTimeoutMs: number;
  /** Called once per job that failed its last attempt (or whose last attempt was lost). */
  onDeadLetter(dead: DeadLetter): Promise<void>;
}

export type DriverHandler = (job: DriverJob) => Promise<unknown>;

export interface DriverWorker {
  /** Stops taking jobs, waits for running ones up to the shutdown timeout, then hands the rest back. */
  close(): Promise<void>;
}

export type JobState = 'waiting' | 'active' | 'completed' | 'dead' | 'cancelled';

export interface JobView {
  id: string;
  queue: string;
  state: JobState;
  payload: unknown;
  /** Attempts started so far (including one that is running). */
  attemptsMade: number;
  progress: JobProgress | null;
  result: unknown;
  error: string | null;
}

/** The handler threw this (or anything) after its signal was aborted by `cancel`. */
export const CANCELLED_REASON = 'cancelled';

/**
 * One queue backend. The kernel's `QueueService` is the only caller: it validates
 * options, attaches the actor scope, audits and notifies; a driver only stores, hands out
 * and finishes jobs. Both drivers pass `kernel/test/queue.contract.test.ts`.
 */
export interface QueueDriver {
  readonly name: 'postgres' | 'bullmq';
  enqueue(request: EnqueueRequest): Promise<void>;
  work(queue: string, handler: DriverHandler, options: DriverWorkerOptions): Promise<DriverWorker>;
  /**
   * Cancels a waiting job (it never runs) or signals a running one (its handler's signal
   * aborts; if the handler then throws, the job ends `cancelled` without a retry).
   * False when there is no such job or it had already finished.
   */
  cancel(queue: string, id: string): Promise<boolean>;
  getJob(queue: string, id: string): Promise<JobView | null>;
  /** Creates or replaces a cron schedule; never fires one time twice, across processes and restarts. */
  schedule(request: ScheduleRequest): Promise<void>;
  unschedule(queue: string, scheduleId: string): Promise<boolean>;
  /** Releases what the driver holds (workers close themselves first). */
  close(): Promise<void>;
}

/** Id of the job a schedule fires at `fireAt` (the format BullMQ job schedulers use). */
export function scheduledJobId(scheduleId: string, fireAt: Date): string {
  return `repeat:${scheduleId}:${fireAt.getTime()}`;
}
