/**
 * `@cinatra/sdk/testing`: run an extension in a real isolated extension process from the
 * author's own tests (`node --test`, vitest, anything). See the SDK README, "Testing".
 */
export {
  startExtension,
  TEST_ACTOR,
  type CapturedLog,
  type HostCall,
  type HostMethodOverride,
  type StartExtensionOptions,
  type TestExtension,
  type ToolCallOptions,
} from './startExtension.js';
export { RpcError, type CallToolResult } from '../protocol/messages.js';
export { LlmProviderError, type LlmRequest, type LlmResponse, type LlmStreamEvent } from '../protocol/llm.js';
export { collectStream, providerErrorOf } from './llmAssertions.js';
/** Local servers speaking the vendors' HTTP APIs, for testing provider extensions offline. */
export * from './vendors/index.js';
