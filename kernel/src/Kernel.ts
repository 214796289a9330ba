import 'reflect-metadata';
import { container as rootContainer, type DependencyContainer, type InjectionToken } from 'tsyringe';
import { ApiTokenService } from './auth/ApiTokenService.js';
import { Authenticator } from './auth/Authenticator.js';
import { CredentialCache } from './auth/CredentialCache.js';
import { FirstAdminSetup } from './auth/FirstAdminSetup.js';
import { PasswordHasher } from './auth/PasswordHasher.js';
import { AuditLog } from './audit/AuditLog.js';
import { Authorizer } from './authz/Authorizer.js';
import { ClassificationRegistry } from './authz/ClassificationRegistry.js';
import { KERNEL_CLASSIFICATIONS } from './authz/kernelClassifications.js';
import { CONFIG, type CinatraConfig } from './config/CinatraConfig.js';
import { DATABASE, type Database } from './database/Database.js';
import { migrateLatest, pendingMigrations, type MigrationSet } from './database/migrations.js';
import { kernelMigrations } from './database/migrations/index.js';
import { openDatabase } from './database/openDatabase.js';
import { PgListener } from './database/PgListener.js';
import { PrimitiveRegistry } from './primitives/PrimitiveRegistry.js';
import { Lifecycle } from './lifecycle/Lifecycle.js';
import { NOTIFICATION_CLASSIFICATIONS } from './notifications/notificationClassifications.js';
import { NotificationService } from './notifications/NotificationService.js';
import { NOTIFICATIONS } from './notifications/Notifications.js';
import { QueueService } from './queue/QueueService.js';
import { RedisConnections } from './redis/RedisConnections.js';
import { ConfiguredEventStreams } from './streams/EventStreams.js';
import { createLogger, LOGGER, type Logger } from './logging/Logger.js';
import { LlmBudgets } from './llm/LlmBudgets.js';
import { LLM_CLOCK, systemLlmClock } from './llm/LlmClock.js';
import { LLM_CLASSIFICATIONS } from './llm/llmClassifications.js';
import { LlmOrchestrator } from './llm/LlmOrchestrator.js';
import { LlmPriceTable } from './llm/LlmPriceTable.js';
import { LlmSettings } from './llm/LlmSettings.js';
import { LLM_TOOL_SOURCE } from './llm/LlmToolSource.js';
import { LlmUsageService } from './llm/LlmUsageService.js';
import { PrimitiveToolSource } from './llm/PrimitiveToolSource.js';
import { SkillCatalog } from './llm/SkillCatalog.js';
import { LlmProviderRegistry } from './llm/LlmProviderRegistry.js';
import { OrganizationDirectory } from './scopes/OrganizationDirectory.js';
import { UserDirectory } from './scopes/UserDirectory.js';
import { assertMasterKeyUsable } from './secrets/MasterKey.js';
import { MasterKeyring } from './secrets/MasterKeyring.js';
import { MasterKeyRotation } from './secrets/MasterKeyRotation.js';
import { SECRET_CLASSIFICATIONS } from './secrets/secretClassifications.js';
import { SecretStore } from './secrets/SecretStore.js';

export interface KernelOptions {
  logger?: Logger;
  /** Migrations of packages built on the kernel, applied after the kernel's own. */
  migrations?: MigrationSet[];
  /** Apply pending migrations while starting (default true; `cinatra migrate` does it explicitly). */
  migrate?: boolean;
}

/** One running kernel: its own DI container, database pool and services. */
export interface Kernel {
  readonly config: CinatraConfig;
  readonly logger: Logger;
  readonly db: Database;
  readonly container: DependencyContainer;
  resolve<T>(token: InjectionToken<T>): T;
  /** Names of the migrations (kernel's and the extra sets) not yet applied. */
  pendingMigrations(): Promise<string[]>;
  /** Applies every pending migration; returns the names applied. */
  migrate(): Promise<string[]>;
  close(): Promise<void>;
}

const SINGLETONS = [
  Lifecycle,
  PgListener,
  RedisConnections,
  ClassificationRegistry,
  AuditLog,
  Authorizer,
  PrimitiveRegistry,
  LlmProviderRegistry,
  PasswordHasher,
  CredentialCache,
  Authenticator,
  ApiTokenService,
  UserDirectory,
  OrganizationDirectory,
  FirstAdminSetup,
  MasterKeyring,
  SecretStore,
  MasterKeyRotation,
  ConfiguredEventStreams,
  NotificationService,
  QueueService,
  LlmSettings,
  LlmPriceTable,
  LlmBudgets,
  LlmUsageService,
  PrimitiveToolSource,
  SkillCatalog,
  LlmOrchestrator,
] as const;

export async function createKernel(config: CinatraConfig, options: KernelOptions = {}): Promise<Kernel> {
  const logger = options.logger ?? createLogger(config.logLevel);
  // A bad master key file stops the instance now, not at the first secret read.
  assertMasterKeyUsable(config);
  const db = await openDatabase(config, logger);
  const migrationSets = [kernelMigrations, ...(options.migrations ?? [])];
  try {
    if (options.migrate !== false) {
      const applied = await migrateLatest(db.knex, migrationSets);
      if (applied.length > 0) logger.info({ applied }, 'database migrations applied');
    }
  } catch (error) {
    await db.close();
    throw error;
  }

  // A child container per kernel keeps two kernels in one process (tests, benchmarks) apart.
  const container = rootContainer.createChildContainer();
  container.register(CONFIG, { useValue: config });
  container.register(LOGGER, { useValue: logger });
  container.register(DATABASE, { useValue: db });
  for (const service of SINGLETONS) container.registerSingleton(service as new (...args: never[]) => unknown);
  container.resolve(ClassificationRegistry).register(...KERNEL_CLASSIFICATIONS);
  container.resolve(ClassificationRegistry).register(...SECRET_CLASSIFICATIONS);
  container.resolve(ClassificationRegistry).register(...NOTIFICATION_CLASSIFICATIONS);
  container.register(NOTIFICATIONS, { useToken: NotificationService });
  container.resolve(ClassificationRegistry).register(...LLM_CLASSIFICATIONS);
  // The host replaces the tool source (MCP gateway catalogue) before anything resolves the orchestrator.
  container.register(LLM_TOOL_SOURCE, { useToken: PrimitiveToolSource });
  container.register(LLM_CLOCK, { useValue: systemLlmClock });

  let closed = false;
  return {
    config,
    logger,
    db,
    container,
    resolve: (token) => container.resolve(token),
    pendingMigrations: () => pendingMigrations(db.knex, migrationSets),
    migrate: () => migrateLatest(db.knex, migrationSets),
    async close() {
      if (closed) return;
      closed = true;
      try {
        // Workers, streams, listeners and Redis first: they may still record audit events.
        await container.resolve(Lifecycle).closeAll();
      } finally {
        await container.resolve(AuditLog).flush();
        await db.close();
      }
    },
  };
}
