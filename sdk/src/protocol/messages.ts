import type {
  LlmMessage,
  LlmRequest,
  LlmResponse,
  LlmResponseFormat,
  LlmStreamEvent,
  LlmToolChoice,
  LlmToolDefinition,
  LlmUsage,
} from './llm.js';

/**
 * The one protocol between the platform and an extension process (Node IPC, JSON).
 * Every method that crosses the boundary is declared once here: `HostMethods` are what an
 * extension may call on the platform, `ExtensionMethods` what the platform calls on an
 * extension. Both sides are typed against these declarations.
 */

/** Who a message is for and on whose behalf: on every request, in both directions. */
export interface CallMeta {
  extensionId: string;
  extensionVersion: string;
  /** The actor the work is done for (principal id and type), or null for the extension itself. */
  actor: { principalId: string | null; principalType: string } | null;
  /** Correlates the call with its request, run and log lines (W3C trace id, 32 hex). */
  traceId: string;
}

export interface RpcRequest<M extends string = string> {
  kind: 'request';
  id: number;
  method: M;
  params: unknown;
  meta: CallMeta;
  /** Milliseconds the caller waits; the callee should give up after it too. */
  deadlineMs: number;
}

export interface RpcResponse {
  kind: 'response';
  id: number;
  result?: unknown;
  error?: RpcErrorShape;
}

/** Asks the other side to abandon request `id` (its signal aborts); the caller has already stopped waiting. */
export interface RpcCancel {
  kind: 'cancel';
  id: number;
}

export interface RpcErrorShape {
  /** Stable code, see `RpcErrorCode`. */
  code: RpcErrorCode;
  message: string;
  data?: unknown;
}

export type RpcErrorCode =
  | 'permission_denied'
  | 'deadline_exceeded'
  | 'cancelled'
  | 'not_found'
  | 'invalid_params'
  | 'extension_error'
  | 'extension_unavailable'
  /** A provider extension's vendor call failed; `data` is an `LlmErrorData` (see `llm.ts`). */
  | 'provider_error'
  | 'internal_error';

/** Process-level messages: readiness, liveness, logs and sandbox refusals. */
export type ControlMessage =
  | { kind: 'ready'; pid: number }
  | { kind: 'ping'; seq: number }
  | { kind: 'pong'; seq: number; rssBytes: number }
  | { kind: 'log'; level: 'debug' | 'info' | 'warn' | 'error'; message: string; data?: unknown }
  /**
   * The sandbox refused something (Node's permission model: file access outside the grants,
   * a child process, a worker, an addon…). The refusal has happened already; this report lets
   * the platform audit it, tied to the call in progress when there is one.
   */
  | { kind: 'permission-denied'; permission: string; resource: string; traceId: string | null };

/**
 * A partial result of request `id`, sent by the side serving it before its response (the events
 * of a streamed LLM call). Chunks arrive in order; the response that follows ends the stream.
 */
export interface RpcChunk {
  kind: 'chunk';
  id: number;
  data: unknown;
}

export type WireMessage = RpcRequest | RpcResponse | RpcCancel | RpcChunk | ControlMessage;

/**
 * The first message the platform sends to a new extension process, over the IPC channel
 * (never argv or the environment, which other local users can read through /proc). The runtime
 * waits for it, loads `entry` and answers `ready`.
 */
export interface InitMessage {
  kind: 'init';
  extensionId: string;
  extensionVersion: string;
  /** Absolute path of the unpacked package (the only directory the process may read besides the SDK). */
  packageDir: string;
  /** Module to import, relative to `packageDir`. */
  entry: string;
  /** The extension's writable directory, or null without the `storage` permission. */
  dataDir: string | null;
  /** Unix socket of the host's egress proxy for this extension: all `fetch` traffic goes there. */
  egressSocket: string;
  /**
   * Extra PEM CA certificates the extension's `fetch` trusts for https, besides Node's bundled
   * roots: the operator's private CA (or a test's). From the platform's configuration, never the
   * extension's; absent for most installations.
   */
  caCertificates?: string[];
  /** Granted permissions, as written in the manifest (e.g. `secrets.read:github-token`). */
  permissions: string[];
  /** Effective settings (defaults merged with the operator's values). */
  settings: Record<string, string | number | boolean>;
  /** Setup values of the connectors a platform admin set up (see `ConnectorSetups`). */
  connectors: ConnectorSetups;
}

/**
 * Connector id → the values a platform admin set it up with, checked against the connector's
 * `setupSchema`. Only connectors the manifest declares and an admin set up are present. A value
 * of a property marked `x-cinatra-secret` is the name of a kernel secret, never the secret.
 */
export type ConnectorSetups = Record<string, Record<string, unknown>>;

export type HostToExtensionMessage =
  InitMessage | RpcRequest | RpcResponse | RpcCancel | Extract<ControlMessage, { kind: 'ping' }>;

/** An MCP `CallToolResult` (MCP 2025-06-18): what a tool returns to the model. */
export interface CallToolResult {
  content: ToolContent[];
  structuredContent?: Record<string, unknown>;
  /** True when the tool ran but failed: the model sees the content as an error report. */
  isError?: boolean;
}

export type ToolContent =
  | { type: 'text'; text: string }
  | { type: 'image'; data: string; mimeType: string }
  | { type: 'audio'; data: string; mimeType: string }
  | { type: 'resource_link'; uri: string; name: string; mimeType?: string; description?: string }
  | { type: 'resource'; resource: { uri: string; mimeType?: string; text?: string; blob?: string } };

/** Methods the platform calls on an extension: method name → params and result. */
export interface ExtensionMethods {
  /**
   * Runs the extension's `activate`; tools and LLM providers are callable afterwards. The result
   * names the tools and provider ids `activate` returned handlers for.
   */
  activate: { params: Record<string, never>; result: { tools: string[]; llmProviders: string[] } };
  /** Runs the extension's `deactivate` (if any); the process exits soon after. */
  deactivate: { params: Record<string, never>; result: Record<string, never> };
  'mcp.callTool': { params: { name: string; arguments: Record<string, unknown> }; result: CallToolResult };
  /** One LLM call through the provider `provider` (an id under `contributes.llmProviders`). */
  'llm.generate': { params: { provider: string; request: LlmRequest }; result: LlmResponse };
  /**
   * The same, streamed: the extension sends each `LlmStreamEvent` but the last as an `RpcChunk`,
   * and answers with the `finish` event's response.
   */
  'llm.stream': {
    params: { provider: string; request: LlmRequest };
    result: LlmResponse;
    chunk: Exclude<LlmStreamEvent, { type: 'finish' }>;
  };
}

/**
 * Methods an extension may call on the platform: method name → params and result. Each one needs
 * a grant (see `requiredPermission`); the platform checks it on every call whatever the
 * extension's own SDK did.
 */
export interface HostMethods {
  'secrets.read': { params: { name: string }; result: { value: string } };
  'queue.enqueue': {
    params: {
      queue: string;
      payload: unknown;
      options?: { delayMs?: number; attempts?: number; jobId?: string };
    };
    result: { id: string };
  };
  /** Notifies the actor of the current call. */
  'notifications.send': {
    params: { level: 'info' | 'success' | 'warning' | 'error'; title: string; body?: string; link?: string };
    result: Record<string, never>;
  };
  /**
   * One model call through the platform's LLM orchestration (provider and model selection,
   * budget, retries, fallback, skills, metering), made as the actor of the current call and
   * recorded as made by this extension.
   */
  'llm.generate': { params: LlmGenerateRequest; result: LlmGenerateResult };
}

/**
 * What an extension asks the platform's LLM orchestration for (`host.llm.generate`). The
 * platform picks provider and model when the request names none (the instance default), bills
 * the call's actor, and offers the model only `tools`: calls to them come back in `toolCalls`,
 * unexecuted.
 */
export interface LlmGenerateRequest {
  messages: LlmMessage[];
  system?: string;
  provider?: string;
  model?: string;
  tools?: LlmToolDefinition[];
  toolChoice?: LlmToolChoice;
  /** Structured output: the answer is validated against `schema` and returned in `structured`. */
  responseFormat?: LlmResponseFormat;
  temperature?: number;
  maxOutputTokens?: number;
  /** Total time the call may take (retries included); the current call's deadline bounds it too. */
  timeoutMs?: number;
}

/** The model's answer (`usage` of the last vendor request) and what the whole call cost. */
export interface LlmGenerateResult extends LlmResponse {
  /** The provider that answered (the fallback's, when it was used). */
  provider: string;
  /** Tokens of every vendor request of the call, retries included. */
  totalUsage: LlmUsage;
  costUsd: number;
  /** The parsed JSON answer, with `responseFormat`. */
  structured?: unknown;
  /** Skills the platform injected into the instructions. */
  skills: string[];
  traceId: string;
}

export type ExtensionMethod = keyof ExtensionMethods;
export type HostMethod = keyof HostMethods;

/** The error every RPC call rejects with, on both sides of the boundary. */
export class RpcError extends Error {
  override readonly name = 'RpcError';

  constructor(
    readonly code: RpcErrorCode,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }

  /** Rebuilds the error from its wire shape. */
  static fromShape(shape: RpcErrorShape): RpcError {
    return new RpcError(shape.code, shape.message, shape.data);
  }

  toShape(): RpcErrorShape {
    return this.data === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, data: this.data };
  }
}
