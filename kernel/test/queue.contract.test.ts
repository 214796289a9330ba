import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ANONYMOUS_ACTOR,
  AUDIT_LOG,
  createKernel,
  currentActor,
  FIRST_ADMIN_SETUP,
  KernelError,
  QUEUE,
  runInScope,
  type ActorContext,
  type CinatraConfig,
  type DeepPartial,
  type JobView,
  type Kernel,
  type QueueService,
} from '../src/index.js';
import { createTestDatabase, testConfig, testRedisKeyPrefix, testRedisUrl } from '../src/testing/index.js';

// One contract, two drivers: every behaviour below must hold for Postgres and for BullMQ.
const redisUrl = testRedisUrl();
const drivers = [
  { driver: 'postgres' as const, skip: false, overrides: (): DeepPartial<CinatraConfig> => ({}) },
  {
    driver: 'redis' as const,
    skip: !redisUrl,
    overrides: (): DeepPartial<CinatraConfig> => ({ redisUrl, redisKeyPrefix: testRedisKeyPrefix() }),
  },
];

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

/** Resolves with `read()` once `done` holds; fails the test after 30 s of polling. */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (let i = 0; ; i += 1) {
    const value = await read();
    if (done(value)) return value;
    if (i > 1500) throw new Error(`condition not reached; last value: ${JSON.stringify(value)}`);
    await sleep(20);
  }
}

const TERMINAL = new Set(['completed', 'dead', 'cancelled']);

function userActor(id: string, displayName = 'Ada'): ActorContext {
  return {
    ...ANONYMOUS_ACTOR,
    principalId: id,
    principalType: 'user',
    displayName,
    platformRole: 'platform_admin',
    authSource: 'session',
    credentialId: 'session-1',
  };
}

describe.each(drivers)('queue contract: $driver driver', ({ driver, skip, overrides }) => {
  interface Harness {
    kernel: Kernel;
    queue: QueueService;
    /** Another kernel on the same database and Redis prefix: a second process. */
    another(): Promise<{ kernel: Kernel; queue: QueueService }>;
    finished(name: string, id: string): Promise<JobView>;
  }

  async function harness(): Promise<Harness> {
    const database = await createTestDatabase();
    cleanups.push(() => database.drop());
    const config = testConfig({ ...overrides(), databaseUrl: database.url, queue: { driver } });
    const open = async () => {
      const kernel = await createKernel(config);
      cleanups.push(() => kernel.close());
      return { kernel, queue: kernel.resolve(QUEUE) };
    };
    const { kernel, queue } = await open();
    expect(queue.driver.name).toBe(driver === 'redis' ? 'bullmq' : 'postgres');
    const finished = (name: string, id: string) =>
      eventually(
        () => queue.getJob(name, id),
        (job) => job !== null && TERMINAL.has(job.state),
      ) as Promise<JobView>;
    return { kernel, queue, another: open, finished };
  }

  describe.skipIf(skip)('', () => {
    it('runs a job as the actor who enqueued it and keeps its result', async () => {
      const { kernel, queue, finished } = await harness();
      const admin = await kernel.resolve(FIRST_ADMIN_SETUP).createAdmin({
        email: 'ada@example.com',
        displayName: 'Ada',
        password: 'correct horse battery staple',
      });
      await queue.work<{ n: number }, { doubled: number; actor: string | null }>('math', async (payload) => {
        await kernel.resolve(AUDIT_LOG).record({ operation: 'math.doubled', resourceType: 'math' });
        return { doubled: payload.n * 2, actor: currentActor().principalId };
      });

      const { id } = await runInScope(
        { actor: userActor(admin.id), requestId: 'req-7', ip: '203.0.113.9' },
        () => queue.enqueue('math', { n: 21 }),
      );

      const job = await finished('math', id);
      expect(job).toMatchObject({
        state: 'completed',
        result: { doubled: 42, actor: admin.id },
        attemptsMade: 1,
      });
      expect(job.payload).toEqual({ n: 21 });
      await kernel.resolve(AUDIT_LOG).flush();
      // Enqueueing is attributed, not audited by itself; what the job does is audited as the enqueuer.
      const events = await kernel.db.knex('auditEvents').where('operation', 'like', 'math.%').orderBy('seq');
      expect(events.map((e) => [e.operation, e.actorId, e.requestId, e.ip])).toEqual([
        ['math.doubled', admin.id, 'req-7', '203.0.113.9'],
      ]);
    });

    it('retries a failing job with backoff until an attempt succeeds', async () => {
      const { queue, finished } = await harness();
      const seen: number[] = [];
      await queue.work('flaky', async (_payload, job) => {
        seen.push(job.attempt);
        if (job.attempt < 3) throw new Error(`attempt ${job.attempt} failed`);
        return 'ok';
      });
      const { id } = await queue.enqueue('flaky', null, {
        attempts: 3,
        backoff: { type: 'fixed', delayMs: 10 },
      });
      expect(await finished('flaky', id)).toMatchObject({
        state: 'completed',
        result: 'ok',
        attemptsMade: 3,
      });
      expect(seen).toEqual([1, 2, 3]);
    });

    it('dead-letters a job after its last attempt, audits it and notifies the platform admins', async () => {
      const { kernel, queue, finished } = await harness();
      const admin = await kernel.resolve(FIRST_ADMIN_SETUP).createAdmin({
        email: 'ops@example.com',
        displayName: 'Ops',
        password: 'correct horse battery staple',
      });
      let runs = 0;
      await queue.work('doomed', async () => {
        runs += 1;
        throw new Error('the remote service said no');
      });
      const { id } = await runInScope({ actor: userActor(admin.id), requestId: null, ip: null }, () =>
        queue.enqueue('doomed', { x: 1 }, { attempts: 2, backoff: { type: 'exponential', delayMs: 10 } }),
      );

      expect(await finished('doomed', id)).toMatchObject({
        state: 'dead',
        attemptsMade: 2,
        error: 'the remote service said no',
      });
      expect(runs).toBe(2);
      const notes = await eventually(
        () => kernel.db.knex('notifications').where({ userId: admin.id }),
        (rows) => rows.length > 0,
      );
      expect(notes).toHaveLength(1);
      expect(notes[0]).toMatchObject({ level: 'error', title: 'Job doomed failed permanently' });
      expect(notes[0].body).toContain('the remote service said no');
      await kernel.resolve(AUDIT_LOG).flush();
      const dead = await kernel.db.knex('auditEvents').where({ operation: 'queue.job.dead_lettered' });
      expect(dead).toHaveLength(1);
      expect(dead[0]).toMatchObject({ actorId: admin.id, resourceId: `doomed/${id}` });
    });

    it('notifies the user who started a long job when it completes', async () => {
      const { kernel, queue, finished } = await harness();
      const user = await kernel.resolve(FIRST_ADMIN_SETUP).createAdmin({
        email: 'lee@example.com',
        displayName: 'Lee',
        password: 'correct horse battery staple',
      });
      await queue.work(
        'report',
        async (payload: { slow: boolean }) => (payload.slow ? sleep(50, 'done') : 'done'),
        {
          notifyAfterMs: 40,
        },
      );
      const scope = { actor: userActor(user.id, 'Lee'), requestId: null, ip: null };
      const quick = await runInScope(scope, () => queue.enqueue('report', { slow: false }));
      const slow = await runInScope(scope, () => queue.enqueue('report', { slow: true }));
      await finished('report', quick.id);
      await finished('report', slow.id);

      const notes = await eventually(
        () => kernel.db.knex('notifications').where({ userId: user.id }),
        (rows) => rows.length > 0,
      );
      expect(notes).toHaveLength(1);
      expect(notes[0]).toMatchObject({ level: 'success', title: 'Job report finished' });
      expect(notes[0].body).toContain(slow.id);
    });

    it('adds a job once per jobId', async () => {
      const { queue, finished } = await harness();
      const runs: unknown[] = [];
      await queue.work('once', async (payload) => runs.push(payload));
      const first = await queue.enqueue('once', 'first', { jobId: 'invoice-42' });
      const second = await queue.enqueue('once', 'second', { jobId: 'invoice-42' });
      expect(second.id).toBe(first.id);
      expect(await finished('once', 'invoice-42')).toMatchObject({ state: 'completed', payload: 'first' });
      const marker = await queue.enqueue('once', 'after');
      await finished('once', marker.id);
      expect(runs).toEqual(['first', 'after']);
    });

    it('holds a delayed job back while later jobs run', async () => {
      const { queue, finished } = await harness();
      await queue.work('later', async (payload) => payload);
      const delayed = await queue.enqueue('later', 'in an hour', { delayMs: 3_600_000 });
      const now = await queue.enqueue('later', 'now');
      await finished('later', now.id);
      expect(await queue.getJob('later', delayed.id)).toMatchObject({ state: 'waiting', attemptsMade: 0 });
    });

    it('runs higher priorities first, unprioritised jobs before prioritised ones', async () => {
      const { queue, finished } = await harness();
      const ids = [
        await queue.enqueue('ordered', 'p3', { priority: 3 }),
        await queue.enqueue('ordered', 'p1', { priority: 1 }),
        await queue.enqueue('ordered', 'none'),
        await queue.enqueue('ordered', 'p2', { priority: 2 }),
      ];
      const order: unknown[] = [];
      await queue.work('ordered', async (payload) => order.push(payload), { concurrency: 1 });
      for (const { id } of ids) await finished('ordered', id);
      expect(order).toEqual(['none', 'p1', 'p2', 'p3']);
    });

    it('runs up to `concurrency` jobs of one worker at once', async () => {
      const { queue, finished } = await harness();
      let running = 0;
      let peak = 0;
      let release!: () => void;
      const allIn = new Promise<void>((resolve) => (release = resolve));
      await queue.work(
        'parallel',
        async () => {
          running += 1;
          peak = Math.max(peak, running);
          if (running === 3) release();
          await allIn;
          running -= 1;
        },
        { concurrency: 3 },
      );
      const jobs = await Promise.all([1, 2, 3].map((n) => queue.enqueue('parallel', n)));
      for (const { id } of jobs) expect(await finished('parallel', id)).toMatchObject({ state: 'completed' });
      expect(peak).toBe(3);
    });

    it('reports progress while a job runs', async () => {
      const { queue, finished } = await harness();
      let finish!: () => void;
      const gate = new Promise<void>((resolve) => (finish = resolve));
      await queue.work('progress', async (_payload, job) => {
        await job.progress({ step: 1, of: 2 });
        await gate;
        await job.progress(100);
      });
      const { id } = await queue.enqueue('progress', null);
      const running = await eventually(
        () => queue.getJob('progress', id),
        (job) => job?.state === 'active' && job.progress !== null && typeof job.progress === 'object',
      );
      expect(running?.progress).toEqual({ step: 1, of: 2 });
      finish();
      expect(await finished('progress', id)).toMatchObject({ state: 'completed', progress: 100 });
    });

    it('cancels a waiting job (it never runs) and a running one (its signal aborts, no retry)', async () => {
      const { kernel, queue, finished } = await harness();
      const ran: string[] = [];
      await queue.work(
        'cancel',
        async (payload: string, job) => {
          ran.push(payload);
          if (payload !== 'long') return;
          await new Promise((_resolve, reject) =>
            job.signal.addEventListener('abort', () => reject(new Error('stopped'))),
          );
        },
        { concurrency: 1 },
      );
      const long = await queue.enqueue('cancel', 'long', { attempts: 5 });
      await eventually(
        () => queue.getJob('cancel', long.id),
        (job) => job?.state === 'active',
      );
      const queued = await queue.enqueue('cancel', 'queued');
      expect(await queue.cancel('cancel', queued.id)).toBe(true);
      expect(await queue.cancel('cancel', long.id)).toBe(true);

      expect(await finished('cancel', long.id)).toMatchObject({ state: 'cancelled', attemptsMade: 1 });
      expect(await queue.getJob('cancel', queued.id)).toMatchObject({ state: 'cancelled' });
      const marker = await queue.enqueue('cancel', 'marker');
      await finished('cancel', marker.id);
      expect(ran).toEqual(['long', 'marker']);
      expect(await queue.cancel('cancel', marker.id)).toBe(false);
      expect(await queue.cancel('cancel', 'no-such-job')).toBe(false);
      await kernel.resolve(AUDIT_LOG).flush();
      expect(await kernel.db.knex('auditEvents').where({ operation: 'queue.job.cancelled' })).toHaveLength(2);
    });

    it('fires each cron time once across two processes and a re-registration', async () => {
      const { queue, another } = await harness();
      const second = await another();
      const fired: Array<{ id: string; by: string; actor: string | null }> = [];
      for (const [name, q] of [
        ['first', queue],
        ['second', second.queue],
      ] as const) {
        await q.work(
          'tick',
          async (_payload, job) => fired.push({ id: job.id, by: name, actor: currentActor().principalId }),
          {
            concurrency: 2,
          },
        );
      }
      const scope = { actor: userActor('scheduler-owner'), requestId: null, ip: null };
      await runInScope(scope, () =>
        queue.schedule('tick', 'every-second', { cron: '* * * * * *' }, { n: 1 }),
      );
      await runInScope(scope, () =>
        second.queue.schedule('tick', 'every-second', { cron: '* * * * * *' }, { n: 1 }),
      );
      await eventually(
        async () => fired.length,
        (n) => n >= 2,
      );
      // A restart registers the same schedule again: it must not add a second firing.
      await runInScope(scope, () =>
        queue.schedule('tick', 'every-second', { cron: '* * * * * *' }, { n: 1 }),
      );
      await eventually(
        async () => fired.length,
        (n) => n >= 4,
      );
      expect(await queue.unschedule('tick', 'every-second')).toBe(true);

      const times = fired.map((f) => Number(/^repeat:every-second:(\d+)$/.exec(f.id)?.[1]));
      for (const t of times) expect(t % 1000).toBe(0);
      expect(new Set(times).size).toBe(times.length);
      expect(new Set(fired.map((f) => f.actor))).toEqual(new Set(['scheduler-owner']));
    });

    it('finishes running jobs on close and leaves the queued ones to the next process', async () => {
      const { kernel, queue, another } = await harness();
      const results: string[] = [];
      let started!: () => void;
      const running = new Promise<void>((resolve) => (started = resolve));
      await queue.work(
        'drain',
        async (payload: string) => {
          started();
          await sleep(200);
          results.push(`first:${payload}`);
        },
        { concurrency: 1 },
      );
      const jobs = await Promise.all(['a', 'b', 'c'].map((p) => queue.enqueue('drain', p)));
      await running;
      await kernel.close();
      expect(results).toHaveLength(1);

      const next = await another();
      await next.queue.work('drain', async (payload: string) => results.push(`second:${payload}`), {
        concurrency: 3,
      });
      for (const { id } of jobs) {
        await eventually(
          () => next.queue.getJob('drain', id),
          (job) => job?.state === 'completed',
        );
      }
      expect(results.map((r) => r.split(':')[1]).sort()).toEqual(['a', 'b', 'c']);
      expect(results[0]).toMatch(/^first:/);
    });

    it('hands a job that outlives the shutdown timeout back to another worker', async () => {
      const { kernel, queue, another } = await harness();
      let started!: () => void;
      const running = new Promise<void>((resolve) => (started = resolve));
      const stoppedBySignal: boolean[] = [];
      await queue.work(
        'stubborn',
        async (_payload, job) => {
          started();
          await new Promise((_resolve, reject) =>
            job.signal.addEventListener('abort', () => {
              stoppedBySignal.push(true);
              reject(new Error('interrupted'));
            }),
          );
        },
        { shutdownTimeoutMs: 100 },
      );
      const { id } = await queue.enqueue('stubborn', null, { attempts: 1 });
      await running;
      await kernel.close();
      expect(stoppedBySignal).toEqual([true]);

      const next = await another();
      await next.queue.work('stubborn', async (_payload, job) => `done on attempt ${job.attempt}`);
      const job = await eventually(
        () => next.queue.getJob('stubborn', id),
        (j) => j?.state === 'completed',
      );
      expect(job?.result).toBe('done on attempt 1');
    });

    it('rejects invalid names and options with validation_failed', async () => {
      const { queue } = await harness();
      await expect(queue.enqueue('bad:name', null)).rejects.toMatchObject({ code: 'validation_failed' });
      await expect(queue.enqueue('ok', null, { jobId: '123' })).rejects.toBeInstanceOf(KernelError);
      await expect(queue.enqueue('ok', null, { attempts: 0 })).rejects.toMatchObject({
        code: 'validation_failed',
      });
      await expect(queue.enqueue('ok', null, { priority: 0 })).rejects.toMatchObject({
        code: 'validation_failed',
      });
      await expect(queue.schedule('ok', 's', { cron: 'not a cron' }, null)).rejects.toMatchObject({
        code: 'validation_failed',
      });
    });
  });
});
