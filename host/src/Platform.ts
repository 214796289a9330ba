import type { FastifyInstance } from 'fastify';
import {
  AUDIT_LOG,
  FIRST_ADMIN_SETUP,
  createKernel,
  type CinatraConfig,
  type Kernel,
  type Logger,
} from '@cinatra/kernel';
import { createServer, type ServerOptions } from './server/createServer.js';

/** A running Cinatra instance: kernel plus HTTP server. */
export interface Platform {
  readonly kernel: Kernel;
  readonly server: FastifyInstance;
  /** One-time token to create the first admin over HTTP; null once an admin exists. */
  readonly setupToken: string | null;
  start(): Promise<{ url: string }>;
  stop(): Promise<void>;
}

const RETENTION_INTERVAL_MS = 6 * 3_600_000;
/** How long stop() lets in-flight requests run before cutting their connections. */
const SHUTDOWN_GRACE_MS = 10_000;

export async function createPlatform(
  config: CinatraConfig,
  options: { logger?: Logger } & ServerOptions = {},
): Promise<Platform> {
  const kernel = await createKernel(config, { logger: options.logger });
  let server;
  let setupToken: string | null;
  try {
    server = await createServer(kernel, options);
    setupToken = await kernel.resolve(FIRST_ADMIN_SETUP).issueSetupToken();
  } catch (error) {
    await kernel.close();
    throw error;
  }
  const audit = kernel.resolve(AUDIT_LOG);
  let retentionTimer: NodeJS.Timeout | undefined;
  let stopping: Promise<void> | undefined;

  const applyRetention = () =>
    audit
      .enforceRetention()
      .catch((error: unknown) => kernel.logger.error({ err: error }, 'audit retention failed'));

  return {
    kernel,
    server,
    setupToken,
    async start() {
      await applyRetention();
      retentionTimer = setInterval(applyRetention, RETENTION_INTERVAL_MS);
      retentionTimer.unref();
      await server.listen({ host: config.server.host, port: config.server.port });
      const address = server.server.address();
      const port = typeof address === 'object' && address ? address.port : config.server.port;
      const host = config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host;
      return { url: `http://${host}:${port}` };
    },
    stop() {
      // Close the listener first (in-flight requests finish), then flush audit and stop Postgres.
      stopping ??= (async () => {
        clearInterval(retentionTimer);
        // Keep-alive connections become idle as their last response goes out; close them
        // then, and cut whatever still runs after the grace period.
        const sweep = setInterval(() => server.server.closeIdleConnections(), 50);
        const deadline = setTimeout(() => server.server.closeAllConnections(), SHUTDOWN_GRACE_MS);
        try {
          await server.close();
        } finally {
          clearInterval(sweep);
          clearTimeout(deadline);
        }
        await kernel.close();
      })();
      return stopping;
    },
  };
}
