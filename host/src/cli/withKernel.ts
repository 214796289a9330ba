import { createKernel, type Kernel } from '@cinatra/kernel';
import { hostMigrations } from '../database/migrations/index.js';
import type { CliConfig } from './loadCliConfig.js';
import { fail, Output, plural, type CliIo } from './output.js';

/**
 * What a command needs of the schema: `apply` brings it up to date first (commands that
 * are part of first-time setup), `require` refuses to run on an outdated schema, and
 * `ignore` leaves it alone (`cinatra migrate` handles it itself).
 */
export type SchemaNeed = 'apply' | 'require' | 'ignore';

/**
 * Opens a kernel for one command, runs `work`, and always closes the kernel again (the
 * database pool and, when it was started here, the embedded Postgres) even if `work`
 * fails.
 */
export async function withKernel<T>(
  io: CliIo,
  { config, logger }: CliConfig,
  schema: SchemaNeed,
  work: (kernel: Kernel) => Promise<T>,
): Promise<T> {
  const out = new Output(io);
  if (!config.databaseUrl) {
    // Starting (or first initialising) the embedded cluster takes seconds; say why we wait.
    out.note(`Opening the embedded Postgres in ${config.dataDir}…`);
  }
  const kernel = await createKernel(config, { logger, migrate: false, migrations: [hostMigrations] });
  try {
    if (schema !== 'ignore') {
      const pending = await kernel.pendingMigrations();
      if (pending.length > 0 && schema === 'require') {
        fail(
          `The database schema is behind (${plural(pending.length, 'pending migration')}): run \`cinatra migrate\` first.`,
        );
      }
      if (pending.length > 0) {
        out.note(`Applying ${plural(pending.length, 'pending migration')}…`);
        await kernel.migrate();
      }
    }
    return await work(kernel);
  } finally {
    await kernel.close();
  }
}
