import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createKernel, QUEUE, type CinatraConfig, type DeepPartial } from '../src/index.js';
import { createTestDatabase, testConfig, testRedisKeyPrefix, testRedisUrl } from '../src/testing/index.js';

// A worker process dies (SIGKILL) in the middle of a job: the job must run again in
// another worker, to completion, and its result must be recorded exactly once.
// The child imports the BUILT kernel: run `npm run build` (or `npx tsc -b`) first.
const CHILD = fileURLToPath(new URL('./fixtures/queueCrashWorker.mjs', import.meta.url));
const BUILT = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const LEASE_MS = 2000;
const redisUrl = testRedisUrl();

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

function message<T>(child: ChildProcess, key: string): Promise<T> {
  return new Promise((resolve, reject) => {
    child.on('message', (m: Record<string, unknown>) => key in m && resolve(m[key] as T));
    child.once('exit', (code, signal) => reject(new Error(`worker exited early (${code ?? signal})`)));
  });
}

describe.each([
  { driver: 'postgres' as const, skip: false },
  { driver: 'redis' as const, skip: !redisUrl },
])('a worker killed mid-job ($driver driver)', ({ driver, skip }) => {
  it.skipIf(skip)('runs the job again elsewhere and records one result', async () => {
    if (!existsSync(BUILT)) throw new Error(`${BUILT} is missing: build the kernel first (npx tsc -b).`);
    const database = await createTestDatabase();
    cleanups.push(() => database.drop());
    const prefix = testRedisKeyPrefix();
    const overrides: DeepPartial<CinatraConfig> =
      driver === 'redis' ? { redisUrl, redisKeyPrefix: prefix, queue: { driver } } : { queue: { driver } };
    const kernel = await createKernel(testConfig({ ...overrides, databaseUrl: database.url }));
    cleanups.push(() => kernel.close());
    const knex = kernel.db.knex;
    await knex.raw(
      'CREATE TABLE crash_starts (job_id text NOT NULL, pid integer NOT NULL, attempt integer NOT NULL)',
    );
    await knex.raw(
      'CREATE TABLE crash_results (job_id text PRIMARY KEY, pid integer NOT NULL, attempt integer NOT NULL)',
    );
    const queue = kernel.resolve(QUEUE);
    const { id } = await queue.enqueue('crash', { work: 'important' }, { attempts: 3 });

    const child = spawn(process.execPath, [CHILD], {
      cwd: repoRoot,
      env: {
        PATH: process.env.PATH ?? '',
        CRASH_DATABASE_URL: database.url,
        CRASH_REDIS_URL: driver === 'redis' ? redisUrl : '',
        CRASH_REDIS_PREFIX: prefix,
        CRASH_QUEUE_DRIVER: driver,
        CRASH_LEASE_MS: String(LEASE_MS),
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    cleanups.push(async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    expect(await message<string>(child, 'started')).toBe(id);
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
    expect(await queue.getJob('crash', id)).toMatchObject({ state: 'active', attemptsMade: 1 });

    await queue.work(
      'crash',
      async (_payload, job) => {
        await knex('crashResults').insert({ jobId: job.id, pid: process.pid, attempt: job.attempt });
        return 'recovered';
      },
      { leaseMs: LEASE_MS },
    );
    let job = await queue.getJob('crash', id);
    for (let i = 0; i < 1500 && job?.state !== 'completed'; i += 1) {
      await sleep(20);
      job = await queue.getJob('crash', id);
    }
    expect(job).toMatchObject({ state: 'completed', result: 'recovered', attemptsMade: 2 });
    expect(await knex('crashStarts').select('jobId', 'pid')).toEqual([{ jobId: id, pid: child.pid }]);
    expect(await knex('crashResults').select('jobId', 'pid')).toEqual([{ jobId: id, pid: process.pid }]);
  });
});
