export * from './Platform.js';
export { createServer, type CinatraServer, type ServerOptions } from './server/createServer.js';
export { SESSION_COOKIE, CSRF_HEADER } from './server/requestContext.js';
export { PROBLEM_CONTENT_TYPE } from './server/problem.js';
export * from './server/sse.js';
export * from './extensions/ExtensionManager.js';
export * from './extensions/ContributionRegistry.js';
export { MCP_GATEWAY, McpGateway, type McpSession } from './mcp/McpGateway.js';
export {
  EXTENSION_META_KEY,
  InvalidToolCall,
  MCP_TOOL_CATALOG,
  McpToolCatalog,
  type ToolCallOptions,
  type ToolCallResult,
} from './mcp/McpToolCatalog.js';
export {
  AUDIT_EVENTS_URI,
  EXTENSIONS_URI,
  MCP_RESOURCE_CATALOG,
  McpResourceCatalog,
  PRIMITIVES_URI,
} from './mcp/McpResourceCatalog.js';
export {
  MCP_PROMPT_REGISTRY,
  McpPromptRegistry,
  type PromptArgument,
  type PromptDefinition,
  type PromptRenderContext,
} from './mcp/McpPromptRegistry.js';
export { extensionToolName, extensionToolPrefix } from './mcp/toolNames.js';
export { PACKAGE_STORE, PackageStore, encodeExtensionName } from './extensions/PackageStore.js';
export { hostMigrations } from './database/migrations/index.js';
