import type { FastifyInstance } from 'fastify';
import {
  AUDIT_LOG,
  FIRST_ADMIN_SETUP,
  QUEUE,
  createKernel,
  runAsActor,
  systemActor,
  type CinatraConfig,
  type Kernel,
  type Logger,
} from '@cinatra/kernel';
import { EMBEDDED_REGISTRY, EmbeddedRegistry, RegistryService, TRUST_SOURCE } from '@cinatra/registry';
import { hostMigrations } from './database/migrations/index.js';
import { TRUST_STORE } from './extensions/trust/TrustStore.js';
import { registerExtensions } from './extensions/registerExtensions.js';
import { registerMarketplacePrimitives } from './extensions/marketplacePrimitives.js';
import { registerLlm } from './llm/registerLlm.js';
import { registerMcp } from './mcp/registerMcp.js';
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

/** The kernel's own housekeeping jobs; any platform process may run them, each fire runs once. */
export const MAINTENANCE_QUEUE = 'kernel.maintenance';
const AUDIT_RETENTION_SCHEDULE = { id: 'audit-retention', cron: '17 */6 * * *' };
/** How long stop() lets in-flight requests run before cutting their connections. */
const SHUTDOWN_GRACE_MS = 10_000;

export async function createPlatform(
  config: CinatraConfig,
  options: { logger?: Logger } & ServerOptions = {},
): Promise<Platform> {
  const kernel = await createKernel(config, { logger: options.logger, migrations: [hostMigrations] });
  let server;
  let setupToken: string | null;
  let extensions;
  try {
    // The instance registry (embedded Verdaccio or registry.url) runs from start() to stop();
    // the marketplace reads publisher tiers and revocations from the extension trust store.
    kernel.container.registerSingleton(EmbeddedRegistry);
    kernel.container.registerSingleton(RegistryService);
    kernel.container.register(TRUST_SOURCE, { useFactory: (c) => c.resolve(TRUST_STORE) });
    // Extension processes stop with the kernel (the manager registers a lifecycle closer).
    extensions = await registerExtensions(kernel);
    // Marketplace and lifecycle as kernel primitives (MCP, /api/primitives, in-process).
    registerMarketplacePrimitives(kernel);
    // MCP tools (also the LLM orchestrator's LLM_TOOL_SOURCE), resources and prompts.
    registerMcp(kernel);
    // After registerMcp (the orchestrator's tool source): skills (directory and extensions) and the LLM primitives.
    await registerLlm(kernel);
    server = await createServer(kernel, options);
    setupToken = await kernel.resolve(FIRST_ADMIN_SETUP).issueSetupToken();
  } catch (error) {
    await kernel.close();
    throw error;
  }
  const audit = kernel.resolve(AUDIT_LOG);
  const queue = kernel.resolve(QUEUE);
  const registry = kernel.resolve(EMBEDDED_REGISTRY);
  let stopping: Promise<void> | undefined;

  return {
    kernel,
    server,
    setupToken,
    async start() {
      // Audit retention is a cron job (wall-clock times, so restarts do not postpone it), run
      // once per fire by whichever platform process takes it.
      await runAsActor(systemActor(), () =>
        queue.schedule(
          MAINTENANCE_QUEUE,
          AUDIT_RETENTION_SCHEDULE.id,
          { cron: AUDIT_RETENTION_SCHEDULE.cron },
          {},
        ),
      );
      // A failing run is retried, then dead-lettered (platform admins are notified).
      await queue.work(MAINTENANCE_QUEUE, () => audit.enforceRetention()); // stopped by kernel.close()
      await registry.start();
      await server.listen({ host: config.server.host, port: config.server.port });
      extensions.startStartupExtensions();
      const address = server.server.address();
      const port = typeof address === 'object' && address ? address.port : config.server.port;
      const host = config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host;
      return { url: `http://${host}:${port}` };
    },
    stop() {
      // Close the listener first (in-flight requests finish), then flush audit and stop Postgres.
      stopping ??= (async () => {
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
        await registry.stop(); // its auth answers need the kernel, so before kernel.close()
        await kernel.close();
      })();
      return stopping;
    },
  };
}
