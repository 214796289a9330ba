// Event streams end to end: events/s from EVENT_STREAMS.append (a producer process) to an SSE
// client (this process) through the platform's sendEventStream (a server process), and the
// append-to-delivery latency at a paced 1,000 events/s, for the Postgres and Redis drivers.
// See README.md.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { TextDecoder } from 'node:util';
import { Redis } from 'ioredis';
import { benchDatabase, forkServer, runBench, stopChild, stopOnSignals } from './support.js';

const BURST = { redis: 100_000, postgres: 20_000 };
const IN_FLIGHT = 64; // appends outstanding at once during the burst
const [PACED_RATE, PACED_SECONDS] = [1_000, 5];
const TARGET = { eventsPerSecond: 20_000, p99Ms: 10 }; // Redis driver
const ROUTE = '/bench/streams/';
const SELF = fileURLToPath(import.meta.url);
const LOCAL_REDIS = 'redis://127.0.0.1:6379';
const now = () => performance.timeOrigin + performance.now(); // wall clock, sub-ms, same across processes

// ---- children: the SSE server and the producer -----------------------------------------
async function childConfig() {
  const k = await import('@cinatra/kernel');
  const dataDir = mkdtempSync(join(tmpdir(), 'cinatra-bench-'));
  chmodSync(dataDir, 0o755);
  process.once('exit', () => rmSync(dataDir, { recursive: true, force: true }));
  const driver = process.env.BENCH_DRIVER;
  const overrides = {
    dataDir,
    logLevel: 'warn',
    databaseUrl: process.env.BENCH_DATABASE_URL,
    server: { host: '127.0.0.1', port: 0 },
    streams: { driver },
    ...(driver === 'redis'
      ? { redisUrl: process.env.BENCH_REDIS_URL, redisKeyPrefix: process.env.BENCH_REDIS_PREFIX }
      : {}),
  };
  return { k, config: k.loadConfig({ env: {}, overrides }) };
}

async function serveStreams() {
  const { createPlatform, sendEventStream } = await import('@cinatra/host');
  const { k, config } = await childConfig();
  const route = (app, kernel) => {
    const streams = kernel.resolve(k.EVENT_STREAMS);
    app.get(`${ROUTE}:key`, { config: { public: true } }, (request, reply) =>
      sendEventStream(request, reply, {
        parseId: (text) => streams.parseId(text),
        source: async function* (after, signal) {
          for await (const e of streams.subscribe(request.params.key, { after, signal })) {
            yield { id: e.id, event: e.terminal ? 'end' : undefined, data: e.data };
          }
        },
      }),
    );
  };
  const platform = await createPlatform(config, { plugins: [route] });
  const { url } = await platform.start();
  return { ready: { url }, stop: () => platform.stop() };
}

async function produce() {
  const { k, config } = await childConfig();
  const kernel = await k.createKernel(config, { migrate: false }); // the server child migrated
  const streams = kernel.resolve(k.EVENT_STREAMS);
  process.on('message', async ({ key, mode, count }) => {
    const started = now();
    if (mode === 'burst') {
      let next = 0;
      const worker = async () => {
        while (next < count) {
          next += 1;
          await streams.append(key, { t: now() });
        }
      };
      await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    } else {
      // Paced: event i is due at started + i ms; appends are not awaited one by one, so a slow
      // append does not delay the ones after it.
      const pending = [];
      for (let i = 0; i < count; i += 1) {
        const wait = started + (i * 1000) / PACED_RATE - now();
        if (wait > 1) await sleep(wait);
        pending.push(streams.append(key, { t: now() }));
      }
      await Promise.all(pending);
    }
    await streams.append(key, { t: now() }, { terminal: true });
    process.send({ started, finished: now() });
  });
  return { ready: {}, stop: () => kernel.close() };
}

async function serve(role) {
  const child = await (role === 'server' ? serveStreams() : produce());
  stopOnSignals(() => child.stop());
  process.send(child.ready);
}

// ---- parent: the SSE client --------------------------------------------------------------
const children = [];

const start = (role, env) => forkServer(SELF, role, env, children);

/** Subscribes to `key` over SSE; resolves once connected, with `deliveries`: every event's latency. */
async function listen(url, key) {
  const response = await globalThis.fetch(`${url}${ROUTE}${key}`);
  if (response.status !== 200) throw new Error(`SSE route answered ${response.status}`);
  const deliveries = (async () => {
    const latencies = [];
    let buffer = '';
    const decoder = new TextDecoder();
    for await (const chunk of response.body) {
      const at = now();
      buffer += decoder.decode(chunk, { stream: true });
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = frame.indexOf('\ndata: ');
        if (data < 0) continue; // retry: or a heartbeat
        latencies.push(at - JSON.parse(frame.slice(data + 7)).t);
        if (frame.includes('\nevent: end\n')) return { latencies, lastAt: at };
      }
    }
    throw new Error('the event stream ended before its terminal event');
  })();
  return { deliveries };
}

function run(producer, key, mode, count) {
  return new Promise((resolve) => producer.once('message', resolve).send({ key, mode, count }));
}

const percentile = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

async function measure(driver, env) {
  const server = await start('server', { ...env, BENCH_DRIVER: driver });
  const producer = await start('producer', { ...env, BENCH_DRIVER: driver });
  const key = (name) => `bench-${name}-${randomBytes(4).toString('hex')}`;
  try {
    // Warm-up: connections, JIT, scripts.
    const warm = key('warm');
    const warmed = await listen(server.url, warm);
    await run(producer.child, warm, 'burst', 2_000);
    await warmed.deliveries;

    const burstKey = key('burst');
    const burst = await listen(server.url, burstKey);
    const count = BURST[driver];
    const produced = await run(producer.child, burstKey, 'burst', count);
    const delivered = await burst.deliveries;
    const endToEnd = (count + 1) / ((delivered.lastAt - produced.started) / 1000);
    const appendOnly = (count + 1) / ((produced.finished - produced.started) / 1000);

    const pacedKey = key('paced');
    const paced = await listen(server.url, pacedKey);
    await run(producer.child, pacedKey, 'paced', PACED_RATE * PACED_SECONDS);
    const latencies = (await paced.deliveries).latencies.sort((a, b) => a - b);
    return {
      driver,
      'burst events': count,
      'append→SSE events/s': Math.round(endToEnd),
      'append-only events/s': Math.round(appendOnly),
      'paced p50 ms': Number(percentile(latencies, 50).toFixed(2)),
      'paced p99 ms': Number(percentile(latencies, 99).toFixed(2)),
      'paced max ms': Number(latencies.at(-1).toFixed(2)),
    };
  } finally {
    await Promise.all([stopChild(producer.child), stopChild(server.child)]);
  }
}

/** REDIS_URL, else the local server if it answers; undefined skips the Redis driver. */
async function benchRedis() {
  const url = process.env.REDIS_URL || LOCAL_REDIS;
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.ping();
    return url;
  } catch (error) {
    console.log(`Redis at ${url} unreachable (${error.message}): the Redis driver is skipped.`);
    return undefined;
  } finally {
    client.disconnect();
  }
}

async function main() {
  const db = await benchDatabase();
  const redisUrl = await benchRedis();
  const prefix = `cinatra-bench-${randomBytes(4).toString('hex')}`;
  const cleanup = async () => {
    await Promise.all(children.map(stopChild));
    await db.drop?.();
    if (redisUrl) {
      const redis = new Redis(redisUrl);
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
    }
  };
  process.once('SIGINT', () => cleanup().finally(() => process.exit(130)));
  try {
    console.log(`Node ${process.version}, ${availableParallelism()} CPUs, Postgres: ${db.label}`);
    console.log(
      `burst: ${IN_FLIGHT} appends in flight; paced: ${PACED_RATE} events/s for ${PACED_SECONDS} s` +
        ' (producer, SSE server and this client are separate processes)\n',
    );
    const env = { BENCH_DATABASE_URL: db.url, BENCH_REDIS_URL: redisUrl ?? '', BENCH_REDIS_PREFIX: prefix };
    const rows = [];
    for (const driver of redisUrl ? ['redis', 'postgres'] : ['postgres']) {
      process.stdout.write(`${driver} … `);
      const row = await measure(driver, env);
      console.log(`${row['append→SSE events/s']} events/s, p99 ${row['paced p99 ms']} ms`);
      rows.push(row);
    }
    console.table(rows);
    const redis = rows.find((row) => row.driver === 'redis');
    if (redis) {
      const ok =
        redis['append→SSE events/s'] >= TARGET.eventsPerSecond && redis['paced p99 ms'] < TARGET.p99Ms;
      console.log(
        `redis: ${redis['append→SSE events/s']} events/s (target ≥ ${TARGET.eventsPerSecond}), ` +
          `p99 ${redis['paced p99 ms']} ms at ${PACED_RATE}/s (target < ${TARGET.p99Ms} ms)  ` +
          (ok ? 'PASS' : 'BELOW TARGET'),
      );
    } else {
      console.log('redis: not measured (no Redis reachable)  BELOW TARGET');
    }
  } finally {
    await cleanup();
  }
}

runBench(main, serve);
