import { createLogger, loadConfig, type CinatraConfig, type Logger } from '@cinatra/kernel';
import type { CliIo } from './output.js';

/** Options every command accepts, declared once on the program. */
export interface GlobalOptions {
  config?: string;
}

export interface CliConfig {
  config: CinatraConfig;
  logger: Logger;
}

/**
 * Loads the configuration (file from `--config` or `CINATRA_CONFIG`, then the environment)
 * and a logger for it. A `ConfigError` propagates and `runCli` prints it as one line.
 *
 * One-shot commands print their own results, so the default `info` level is lifted to
 * `warn` for them: start-up chatter would bury the one line the operator asked for.
 * An explicit `debug`, `trace`, `error`, `fatal` or `silent` is honoured as given.
 */
export function loadCliConfig(io: CliIo, options: GlobalOptions, purpose: 'server' | 'command'): CliConfig {
  const config = loadConfig({ env: io.env, configFile: options.config });
  const level = purpose === 'command' && config.logLevel === 'info' ? 'warn' : config.logLevel;
  return { config, logger: createLogger(level) };
}
