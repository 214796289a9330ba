// Jobs/s through the kernel queue (BullMQ driver, with the actor scope carried and restored) versus raw BullMQ on
// the same Redis, measured side by side in one run; and the Postgres driver's jobs/s. See README.md.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import * as k from '@cinatra/kernel';
import { benchDatabase } from './support.js';

const [JOBS, PG_JOBS, PRODUCERS, CONCURRENCY, ROUNDS, TARGET] = [5000, 2000, 50, 50, 3, 0.8];
const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
// The same retention the kernel's BullMQ driver asks for, so both sides write the same keys.
const KEEP = { removeOnComplete: { age: 7 * 86_400, count: 10_000 }, removeOnFail: { age: 30 * 86_400 } };
const ACTOR = {
  ...k.ANONYMOUS_ACTOR,
  principalId: '00000000-0000-4000-8000-00000000b0b0',
  principalType: 'user',
  displayName: 'Bench',
  authSource: 'api_token',
  credentialId: 'bench-token',
};

/** Enqueues `count` jobs with `PRODUCERS` calls in flight; resolves when the handler saw them all. */
async function pump(count, enqueue, processed) {
  const started = performance.now();
  let next = 0;
  const producer = async () => {
    while (next < count) await enqueue(next++);
  };
  await Promise.all(Array.from({ length: PRODUCERS }, producer));
  await processed;
  return count / ((performance.now() - started) / 1000);
}

/** A promise resolved by the `count`-th call of the returned `tick`. */
function counter(count) {
  let seen = 0;
  let done;
  const all = new Promise((resolve) => (done = resolve));
  return { all, tick: () => ++seen === count && done() };
}

async function rawBullMq(connection, prefix, round) {
  const name = `raw-${round}`;
  const queue = new Queue(name, { connection, prefix });
  const { all, tick } = counter(JOBS);
  const worker = new Worker(name, async (job) => (tick(), job.data.n), {
    connection,
    prefix,
    concurrency: CONCURRENCY,
  });
  await worker.waitUntilReady();
  try {
    return await pump(JOBS, (n) => queue.add(name, { n }, { attempts: 3, ...KEEP }), all);
  } finally {
    await worker.close();
    await queue.close();
  }
}

/** Kernel jobs whose handler ran in the enqueuer's scope (actor and request id), of all kernel jobs. */
const scoped = { asEnqueuer: 0, total: 0 };

async function kernelQueue(kernel, count, round) {
  const name = `kernel-${round}`;
  const queue = kernel.resolve(k.QUEUE);
  const { all, tick } = counter(count);
  // The handler reads the restored scope, as real handlers (authorize, audit) do.
  const worker = await queue.work(
    name,
    async (payload) => {
      const { actor, requestId } = k.currentScope();
      scoped.total += 1;
      if (actor.principalId === ACTOR.principalId && requestId === 'bench') scoped.asEnqueuer += 1;
      tick();
      return payload.n;
    },
    { concurrency: CONCURRENCY },
  );
  const scope = { actor: ACTOR, requestId: 'bench', ip: null };
  try {
    return await k.runInScope(scope, () => pump(count, (n) => queue.enqueue(name, { n }), all));
  } finally {
    await worker.close();
  }
}

function kernelConfig(dataDir, databaseUrl, prefix, driver) {
  return k.loadConfig({
    env: {},
    overrides: {
      dataDir,
      databaseUrl,
      redisUrl: REDIS_URL,
      redisKeyPrefix: prefix,
      logLevel: 'warn',
      queue: { driver },
    },
  });
}

async function deleteKeys(redis, prefix) {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}

const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length;

async function main() {
  const db = await benchDatabase();
  const dataDir = mkdtempSync(join(tmpdir(), 'cinatra-bench-'));
  chmodSync(dataDir, 0o755);
  const prefix = `cinatra-bench-${randomBytes(4).toString('hex')}`;
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const kernels = [];
  try {
    const bullKernel = await k.createKernel(kernelConfig(dataDir, db.url, `${prefix}-k`, 'redis'));
    kernels.push(bullKernel);
    const pgKernel = await k.createKernel(kernelConfig(dataDir, db.url, `${prefix}-k`, 'postgres'));
    kernels.push(pgKernel);
    console.log(
      `Node ${process.version}, ${availableParallelism()} CPUs, Redis ${REDIS_URL}, Postgres: ${db.label}`,
    );
    console.log(
      `${JOBS} jobs per run (Postgres: ${PG_JOBS}), ${PRODUCERS} enqueues in flight, worker concurrency ${CONCURRENCY}\n`,
    );
    await rawBullMq(redis, `${prefix}-raw`, 'warmup');
    await kernelQueue(bullKernel, JOBS, 'warmup');
    const raw = [];
    const kernel = [];
    const postgres = [];
    for (let round = 1; round <= ROUNDS; round += 1) {
      raw.push(await rawBullMq(redis, `${prefix}-raw`, round));
      kernel.push(await kernelQueue(bullKernel, JOBS, round));
      postgres.push(await kernelQueue(pgKernel, PG_JOBS, round));
      const [r, q, p] = [raw, kernel, postgres].map((runs) => Math.round(runs.at(-1)));
      console.log(
        `round ${round}/${ROUNDS}: raw BullMQ ${r} jobs/s, kernel (BullMQ) ${q} jobs/s, kernel (Postgres) ${p} jobs/s`,
      );
    }
    console.table([
      { queue: 'raw BullMQ (Queue.add + Worker)', 'jobs/s': Math.round(mean(raw)) },
      { queue: 'kernel QUEUE, BullMQ driver (actor scope)', 'jobs/s': Math.round(mean(kernel)) },
      { queue: 'kernel QUEUE, Postgres driver (actor scope)', 'jobs/s': Math.round(mean(postgres)) },
    ]);
    const ratio = mean(kernel) / mean(raw);
    console.log(
      `ratio kernel(BullMQ)/raw BullMQ: ${ratio.toFixed(3)}  ${ratio >= TARGET ? 'PASS' : 'BELOW TARGET'} (target ≥ ${TARGET})`,
    );
    console.log(`kernel jobs whose handler ran as the enqueuer: ${scoped.asEnqueuer} of ${scoped.total}`);
  } finally {
    for (const kernel of kernels.reverse()) await kernel.close().catch((error) => console.error(error));
    await deleteKeys(redis, prefix).catch((error) => console.error(error));
    redis.disconnect();
    await db.drop?.();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.exitCode = 1;
  console.error(error);
});
