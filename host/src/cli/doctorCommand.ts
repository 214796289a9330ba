import { ConfigError, createKernel, redactUrl, type Kernel } from '@cinatra/kernel';
import { checkPortFree } from './checkPortFree.js';
import { loadCliConfig, type CliConfig, type GlobalOptions } from './loadCliConfig.js';
import { EXIT_FAILURE, EXIT_OK, firstLine, Output, plural, type CliIo } from './output.js';
import { pingRedis } from './pingRedis.js';
import { checkNetworkIsolation } from '@cinatra/sdk/process';
import { hostMigrations } from '../database/migrations/index.js';

const MIN_NODE_MAJOR = 24;

/**
 * `cinatra doctor`: checks, one line each, everything `cinatra start` depends on, and
 * says how to fix each failure. Checks that depend on a failed one are skipped.
 */
export async function doctorCommand(io: CliIo, options: GlobalOptions): Promise<number> {
  const out = new Output(io);
  let failed = 0;
  const pass = (text: string) => out.ok(text);
  const flunk = (text: string, fix: string) => {
    failed += 1;
    out.bad(`${text}. Fix: ${fix}.`);
  };

  const nodeVersion = process.versions.node;
  if (Number(nodeVersion.split('.')[0]) >= MIN_NODE_MAJOR) pass(`Node.js ${nodeVersion}`);
  else flunk(`Node.js ${nodeVersion} is too old`, `install Node.js ${MIN_NODE_MAJOR} or later`);

  // Without a network namespace per extension, Node cannot keep an extension off the network,
  // so the platform starts no extension at all.
  const isolation = await checkNetworkIsolation();
  if (isolation.available) pass('Extension network isolation available (unshare -rn)');
  else
    flunk(
      `Extensions cannot be isolated, none will start: ${isolation.reason}`,
      'install util-linux `unshare` and allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1, or user.max_user_namespaces > 0)',
    );

  let cli: CliConfig | undefined;
  try {
    cli = loadCliConfig(io, options, 'command');
    const file = options.config ?? io.env.CINATRA_CONFIG;
    pass(`Configuration valid (${file ? `file ${file} and environment` : 'environment and defaults'})`);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // The message already names the setting and the fix.
    failed += 1;
    out.bad(`Configuration invalid: ${error.message}`);
  }

  if (cli) {
    const { config, logger } = cli;
    if (!config.databaseUrl) out.note(`Opening the embedded Postgres in ${config.dataDir}…`);
    let kernel: Kernel | undefined;
    try {
      kernel = await createKernel(config, { logger, migrate: false, migrations: [hostMigrations] });
      const { db } = kernel;
      pass(`Database reachable at ${db.displayUrl}${db.embedded ? ' (embedded)' : ''}`);
      const pending = await kernel.pendingMigrations();
      // Pending migrations are not a fault: `cinatra start` applies them.
      pass(
        pending.length === 0
          ? 'Database schema up to date'
          : `Database schema: ${plural(pending.length, 'pending migration')} (applied by \`cinatra start\`, or run \`cinatra migrate\`)`,
      );
    } catch (error) {
      flunk(
        `Database check failed: ${firstLine((error as Error).message).replace(/\.\s*Check DATABASE_URL\.?$/, '')}`,
        config.databaseUrl
          ? 'make sure Postgres is running and DATABASE_URL (host, port, user, password, database) is right'
          : `make sure ${config.dataDir} is writable, or set DATABASE_URL to use an external Postgres`,
      );
    } finally {
      await kernel?.close();
    }

    if (config.redisUrl) {
      const shown = redactUrl(config.redisUrl);
      try {
        await pingRedis(config.redisUrl);
        pass(`Redis answers at ${shown}`);
      } catch (error) {
        const message = (error as Error).message;
        flunk(
          `Redis at ${shown} does not answer PING (${message})`,
          /NOAUTH|WRONGPASS|invalid password/i.test(message)
            ? 'put the right credentials into REDIS_URL, e.g. redis://:password@host:6379'
            : 'start Redis, correct REDIS_URL, or unset REDIS_URL if you do not use Redis',
        );
      }
    }

    const { host, port } = config.server;
    if (port !== 0) {
      const problem = await checkPortFree(host, port);
      if (problem) flunk(`Server address: ${problem.problem}`, problem.fix);
      else pass(`Server address ${host}:${port} is free`);
    }
  }

  if (failed > 0) {
    out.note(`${plural(failed, 'check')} failed: apply the fixes above and run \`cinatra doctor\` again.`);
    return EXIT_FAILURE;
  }
  out.line('All checks passed.');
  out.next('cinatra start');
  return EXIT_OK;
}
