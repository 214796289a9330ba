export * from './Platform.js';
export { createServer, type CinatraServer, type ServerOptions } from './server/createServer.js';
export { SESSION_COOKIE, CSRF_HEADER } from './server/requestContext.js';
export { PROBLEM_CONTENT_TYPE } from './server/problem.js';
export * from './server/sse.js';
export * from './extensions/ExtensionManager.js';
export * from './extensions/ContributionRegistry.js';
export { PACKAGE_STORE, PackageStore, encodeExtensionName } from './extensions/PackageStore.js';
export { hostMigrations } from './database/migrations/index.js';
