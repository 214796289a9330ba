import { createPlatform } from '../Platform.js';
import { loadCliConfig, type GlobalOptions } from './loadCliConfig.js';
import { CliFailure, EXIT_FAILURE, EXIT_OK, Output, type CliIo } from './output.js';

/**
 * `cinatra start`: runs the platform until SIGINT or SIGTERM, then shuts down cleanly
 * (in-flight requests finish, the audit log is flushed, the database is closed).
 * A second signal during shutdown exits at once.
 */
export async function startCommand(io: CliIo, options: GlobalOptions): Promise<number> {
  const { config, logger } = loadCliConfig(io, options, 'server');
  const out = new Output(io);

  // Listen for signals before anything slow happens, so Ctrl+C during start-up
  // (embedded Postgres, migrations) still shuts down in order instead of killing it.
  let signalled: (signal: NodeJS.Signals) => void = () => {};
  const stopRequested = new Promise<NodeJS.Signals>((resolve) => (signalled = resolve));
  let signals = 0;
  const unsubscribe = io.onSignal((signal) => {
    signals += 1;
    if (signals > 1) {
      out.note(`Received ${signal} again: exiting without a clean shutdown.`);
      io.exitNow(EXIT_FAILURE);
    }
    out.note(`Received ${signal}: stopping… (send it again to exit at once)`);
    signalled(signal);
  });

  try {
    if (!config.databaseUrl) out.note(`Opening the embedded Postgres in ${config.dataDir}…`);
    const platform = await createPlatform(config, { logger });
    try {
      // A signal while the kernel was opening means the operator changed their mind.
      if (signals === 0) {
        let url: string;
        try {
          ({ url } = await platform.start());
        } catch (error) {
          throw listenFailure(error, config.server.host, config.server.port);
        }
        if (signals === 0) announce(out, url, platform.setupToken);
        await stopRequested;
      }
    } finally {
      await platform.stop();
    }
    out.note('Stopped.');
    return EXIT_OK;
  } finally {
    unsubscribe();
  }
}

function announce(out: Output, url: string, setupToken: string | null): void {
  out.line(`Cinatra is running at ${url}`);
  if (setupToken !== null) {
    out.line();
    out.line('  No administrator yet. Create one with');
    out.line("    cinatra admin create --email you@example.com --name 'Your Name'");
    out.line(`  or open ${url.replace(/\/$/, '')}/setup and use the one-time setup token:`);
    out.line(`    ${setupToken}`);
    out.line();
  }
  out.line('Press Ctrl+C to stop.');
}

/** Turns the usual reasons `listen` fails into the one-line form; anything else passes through. */
function listenFailure(error: unknown, host: string, port: number): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') {
    return new CliFailure(
      `Port ${port} on ${host} is already in use: stop the other process or set CINATRA_PORT to a free port.`,
    );
  }
  if (code === 'EACCES') {
    return new CliFailure(`Not allowed to listen on port ${port}: set CINATRA_PORT to a port above 1023.`);
  }
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') {
    return new CliFailure(
      `${host} is not an address of this machine: set CINATRA_HOST to 127.0.0.1 or 0.0.0.0.`,
    );
  }
  return error;
}
