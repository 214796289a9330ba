// Requests/s of an authenticated, authorized, audited JSON route on the Cinatra platform versus a
// bare fastify route returning the same JSON, each server in its own child process. See README.md.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import {
  BENCH_ADMIN,
  BENCH_ITEM,
  BENCH_ITEM_SCHEMA,
  LISTEN,
  benchDatabase,
  forkServer,
  runBench,
  stopChild,
  stopOnSignals,
} from './support.js';

const [CONNECTIONS, DURATION_S, WARMUP_S, ROUNDS, TARGET] = [50, 10, 2, 2, 0.7];
const ROUTE = '/api/bench/item';
const SELF = fileURLToPath(import.meta.url);
const ADMIN = BENCH_ADMIN;
const [ITEM, ITEM_SCHEMA] = [BENCH_ITEM, BENCH_ITEM_SCHEMA];
const RESPONSE = { schema: { response: { 200: ITEM_SCHEMA } } };

// ---- servers under test (child processes) ---------------------------------------------
async function bareServer() {
  const { default: fastify } = await import('fastify');
  const app = fastify({ logger: false });
  app.get(ROUTE, RESPONSE, async () => ITEM);
  return { url: await app.listen(LISTEN), stop: () => app.close() };
}

async function platformServer() {
  const { createPlatform } = await import('@cinatra/host');
  const k = await import('@cinatra/kernel');
  const dataDir = mkdtempSync(join(tmpdir(), 'cinatra-bench-'));
  chmodSync(dataDir, 0o755); // embedded Postgres runs as `postgres` when we are root
  process.once('exit', () => rmSync(dataDir, { recursive: true, force: true }));
  const overrides = { dataDir, logLevel: 'warn', server: LISTEN, auth: { passwordHashCost: 14 } };
  overrides.databaseUrl = process.env.BENCH_DATABASE_URL || undefined; // unset: embedded Postgres
  let resource; // the organization created below, before the server listens
  const benchRoute = (app, kernel) => {
    const authorizer = kernel.resolve(k.AUTHORIZER);
    app.get(ROUTE, RESPONSE, async () => {
      await authorizer.authorize(k.currentActor(), 'read', resource);
      return ITEM;
    });
  };
  const platform = await createPlatform(k.loadConfig({ env: {}, overrides }), { plugins: [benchRoute] });
  try {
    const admin = await platform.kernel.resolve(k.FIRST_ADMIN_SETUP).createAdmin(ADMIN);
    const { token } = await k.runAsActor(k.systemActor(), async () => {
      const orgs = platform.kernel.resolve(k.ORGANIZATION_DIRECTORY);
      const org = await orgs.createOrganization({ slug: 'bench', name: 'Bench', ownerId: admin.id });
      const owner = { tier: 'organization', organizationId: org.id };
      resource = { type: 'organization', id: org.id, owner };
      const tokens = platform.kernel.resolve(k.API_TOKEN_SERVICE);
      return tokens.create({ userId: admin.id, name: 'bench', scopes: ['*'], expiresAt: null });
    });
    const auditCount = async () => {
      await platform.kernel.resolve(k.AUDIT_LOG).flush(); // every event recorded so far is durable
      return Number((await platform.kernel.db.knex('auditEvents').count('* as n').first()).n);
    };
    return { url: (await platform.start()).url, token, auditCount, stop: () => platform.stop() };
  } catch (error) {
    await platform.stop();
    throw error;
  }
}

async function serve(mode) {
  const server = await (mode === 'bare' ? bareServer() : platformServer());
  stopOnSignals(() => server.stop());
  process.on('message', async () => process.send({ auditCount: await server.auditCount() }));
  process.send({ url: server.url, token: server.token });
}

// ---- load generator (parent process) ---------------------------------------------------
const children = [];

const start = (mode, env) => forkServer(SELF, mode, env, children);

const auditCount = (child) =>
  new Promise((resolve) => child.once('message', (m) => resolve(m.auditCount)).send('count'));

async function load(url, token, duration) {
  const headers = { authorization: `Bearer ${token}` };
  const result = await autocannon({ url, connections: CONNECTIONS, duration, headers });
  await sleep(250); // requests in flight when autocannon stopped finish (and are audited) before we go on
  return { ...result, rps: result['2xx'] / result.duration };
}

const sum = (runs, pick) => runs.reduce((total, run) => total + pick(run), 0);
const mean = (runs, pick) => sum(runs, pick) / runs.length;

async function main() {
  const db = await benchDatabase({ embeddedFallback: true });
  const cleanup = async () => {
    await Promise.all(children.map(stopChild));
    await db.drop?.();
  };
  process.once('SIGINT', () => cleanup().finally(() => process.exit(130)));
  try {
    const bare = await start('bare', {});
    const platform = await start('platform', { BENCH_DATABASE_URL: db.url });
    console.log(`Node ${process.version}, ${availableParallelism()} CPUs, Postgres: ${db.label}`);
    console.log(`${CONNECTIONS} connections; per run ${WARMUP_S} s warm-up, ${DURATION_S} s measured\n`);
    const targets = [
      { route: `bare fastify  GET ${ROUTE}`, url: bare.url + ROUTE, runs: [] },
      { route: `platform      GET ${ROUTE}`, url: platform.url + ROUTE, runs: [] },
      { route: 'platform      GET /api/auth/session', url: `${platform.url}/api/auth/session`, runs: [] },
    ];
    for (let round = 1; round <= ROUNDS; round += 1) {
      for (const target of targets) {
        process.stdout.write(`round ${round}/${ROUNDS}: ${target.route} … `);
        await load(target.url, platform.token, WARMUP_S);
        const before = await auditCount(platform.child);
        const run = await load(target.url, platform.token, DURATION_S);
        target.runs.push({ ...run, audited: (await auditCount(platform.child)) - before });
        console.log(`${Math.round(run.rps)} req/s`);
      }
    }
    const table = targets.map(({ route, runs }) => ({
      route,
      'req/s': Math.round(mean(runs, (r) => r.rps)),
      'p50 ms': mean(runs, (r) => r.latency.p50),
      'p99 ms': mean(runs, (r) => r.latency.p99),
      failed: sum(runs, (r) => r.non2xx + r.errors + r.timeouts),
      '2xx (all runs)': sum(runs, (r) => r['2xx']),
      'audit events (all runs)': sum(runs, (r) => r.audited),
    }));
    console.table(table);
    const ratio = table[1]['req/s'] / table[0]['req/s'];
    const verdict = ratio >= TARGET ? 'PASS' : 'BELOW TARGET';
    console.log(`ratio platform/bare on ${ROUTE}: ${ratio.toFixed(3)}  ${verdict} (target ≥ ${TARGET})`);
    const [events, served] = [table[1]['audit events (all runs)'], table[1]['2xx (all runs)']];
    console.log(`audit events written during the measured ${ROUTE} runs: ${events} for ${served} 2xx`);
    if (table.some((row) => row.failed > 0)) console.log('WARNING: some requests failed (see "failed").');
  } finally {
    await cleanup();
  }
}

runBench(main, serve);
