import 'reflect-metadata';

export * from './errors/KernelError.js';
export * from './config/CinatraConfig.js';
export * from './config/loadConfig.js';
export * from './logging/Logger.js';
export * from './database/Database.js';
export * from './database/migrations.js';
export { kernelMigrations } from './database/migrations/index.js';
export { openDatabase, redactUrl } from './database/openDatabase.js';
export * from './authz/ActorContext.js';
export * from './authz/ResourceRef.js';
export * from './authz/ClassificationRegistry.js';
export * from './authz/decide.js';
export * from './authz/Authorizer.js';
export * from './audit/AuditLog.js';
export * from './primitives/Primitive.js';
export * from './primitives/PrimitiveRegistry.js';
export { auditContentDigest, chainHash, GENESIS_HASH, hashAuditEvent } from './audit/auditHash.js';
export * from './auth/PasswordHasher.js';
export * from './auth/CredentialCache.js';
export * from './auth/Authenticator.js';
export * from './auth/ApiTokenService.js';
export * from './auth/FirstAdminSetup.js';
export * from './scopes/UserDirectory.js';
export * from './scopes/OrganizationDirectory.js';
export type { UserView, UserKind } from './models/User.js';
export type { ApiTokenView } from './models/ApiToken.js';
export * from './lifecycle/Lifecycle.js';
export * from './database/PgListener.js';
export * from './redis/RedisConnections.js';
export * from './notifications/Notifications.js';
export * from './notifications/NotificationService.js';
export * from './notifications/notificationClassifications.js';
export * from './streams/EventStreams.js';
export * from './secrets/MasterKey.js';
export * from './secrets/MasterKeyring.js';
export * from './secrets/MasterKeyRotation.js';
export * from './secrets/SecretStore.js';
export * from './secrets/secretClassifications.js';
export * from './queue/QueueDriver.js';
export * from './queue/QueueService.js';
export * from './Kernel.js';
export * from './llm/LlmProvider.js';
export * from './llm/LlmProviderRegistry.js';
export * from './llm/types.js';
export * from './llm/LlmToolSource.js';
export * from './llm/LlmClock.js';
export * from './llm/llmClassifications.js';
export * from './llm/LlmSettings.js';
export * from './llm/LlmPriceTable.js';
export * from './llm/LlmBudgets.js';
export * from './llm/LlmUsageService.js';
export * from './llm/LlmOrchestrator.js';
export * from './llm/PrimitiveToolSource.js';
export * from './llm/Skill.js';
export * from './llm/SkillCatalog.js';
export { LLM_FUNCTION_NAME_PATTERN, mapToolNames, type LlmToolNameMap } from './llm/llmToolNames.js';
export {
  retryDelay,
  RETRY_BASE_DELAY_MS,
  RETRY_MAX_DELAY_MS,
  MAX_RETRY_AFTER_MS,
} from './llm/llmRetryPolicy.js';
