/**
 * Local servers speaking the vendors' HTTP APIs, for testing provider extensions offline: each
 * answers from a script of planned replies (text, tool calls, usage, an HTTP error with the
 * vendor's headers and body, a connection cut mid-stream) and records what the SDK sent.
 */
export {
  type RecordedVendorRequest,
  type ScriptedCompletionBase,
  type ScriptedDrop,
  type ScriptedErrorReply,
  type ScriptedHttpError,
  type ScriptedStreamError,
  type ScriptedToolCall,
  type VendorServer,
} from './vendorServer.js';
export {
  startOpenAiServer,
  type OpenAiCompletionReply,
  type OpenAiReply,
  type OpenAiServerOptions,
  type OpenAiUsage,
} from './openAiServer.js';
export {
  startAnthropicServer,
  type AnthropicCompletionReply,
  type AnthropicReply,
  type AnthropicServerOptions,
  type AnthropicUsage,
} from './anthropicServer.js';
export {
  startGeminiServer,
  type GeminiCompletionReply,
  type GeminiHttpError,
  type GeminiReply,
  type GeminiServerOptions,
  type GeminiToolCall,
  type GeminiUsage,
} from './geminiServer.js';
