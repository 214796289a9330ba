// What the benchmark scripts share: a throw-away database, stopping child processes, and the
// entry point of a script that forks itself as server children.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';

export const LOCAL_POSTGRES = 'postgres://postgres@127.0.0.1:5432/postgres';

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
