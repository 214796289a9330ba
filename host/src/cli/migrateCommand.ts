import { loadCliConfig, type GlobalOptions } from './loadCliConfig.js';
import { EXIT_OK, Output, plural, type CliIo } from './output.js';
import { withKernel } from './withKernel.js';

/** `cinatra migrate`: applies pending schema migrations and names each one. */
export async function migrateCommand(io: CliIo, options: GlobalOptions): Promise<number> {
  const cli = loadCliConfig(io, options, 'command');
  const out = new Output(io);
  await withKernel(io, cli, 'ignore', async (kernel) => {
    const pending = await kernel.pendingMigrations();
    if (pending.length === 0) {
      out.line('Database is up to date.');
      return;
    }
    out.note(`Applying ${plural(pending.length, 'migration')} to ${kernel.db.displayUrl}…`);
    const applied = await kernel.migrate();
    for (const name of applied) out.ok(`applied ${name}`);
    out.line(`Applied ${plural(applied.length, 'migration')}.`);
  });
  out.next('cinatra start');
  return EXIT_OK;
}
