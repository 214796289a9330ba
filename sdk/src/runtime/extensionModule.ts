/**
 * What `import '@cinatra/sdk'` gives code running inside an extension process: the runtime maps
 * the specifier here (see `main.ts`), so an extension gets the same `defineExtension` and
 * `RpcError` as the runtime without loading the SDK's build-time tooling (manifest validation,
 * signing) or needing its own copy of the SDK. Types come from the full package at compile time.
 */
export { defineExtension } from '../defineExtension.js';
export type {
  Activation,
  CallContext,
  ExtensionContext,
  ExtensionDefinition,
  HostApi,
  LlmProviderHandler,
  ToolHandler,
} from '../defineExtension.js';
export {
  failureDescription,
  isNetworkFailure,
  llmErrorKindOfStatus,
  LlmProviderError,
  RETRYABLE_LLM_ERRORS,
  retryAfterMs,
} from '../protocol/llm.js';
export { API_KEY_TTL_MS, isAuthenticationFailure, providerApiKey } from '../providerApiKey.js';
export type { ProviderApiKey } from '../providerApiKey.js';
export type * from '../protocol/llm.js';
export { RpcError } from '../protocol/messages.js';
export type { CallMeta, CallToolResult, RpcErrorCode, ToolContent } from '../protocol/messages.js';
