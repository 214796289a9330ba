import type { LlmRequest, LlmResponse, LlmStreamEvent } from './protocol/llm.js';
import type {
  CallMeta,
  CallToolResult,
  HostMethods,
  LlmGenerateRequest,
  LlmGenerateResult,
} from './protocol/messages.js';

/**
 * What an extension's entry module exports by default. The runtime inside the extension process
 * imports it, calls `activate` once with the host API built from the extension's granted
 * permissions, then routes tool calls to the returned handlers.
 *
 * ```js
 * import { defineExtension } from '@cinatra/sdk';
 * export default defineExtension({
 *   activate(host) {
 *     return { tools: { hello: async ({ name }) => ({ content: [{ type: 'text', text: `Hello ${name}` }] }) } };
 *   },
 * });
 * ```
 */
export interface ExtensionDefinition {
  activate(host: HostApi, context: ExtensionContext): Activation | Promise<Activation>;
  /** Called before the process stops; release what `activate` opened. Bounded by the stop grace time. */
  deactivate?(): void | Promise<void>;
}

export interface Activation {
  /** Handlers of the tools the manifest declares under `contributes.mcpTools`, by tool name. */
  tools?: Record<string, ToolHandler>;
  /** The providers the manifest declares under `contributes.llmProviders`, by provider id. */
  llmProviders?: Record<string, LlmProviderHandler>;
}

/**
 * One LLM provider served by an extension: translates the platform's `LlmRequest` to its vendor's
 * API and the answer back to `LlmResponse`. A failed vendor call throws `LlmProviderError` with
 * the kind of failure (rate limited, server error…) and the vendor's `retry-after`, so the
 * platform's orchestrator can retry or fall back; the provider itself never retries.
 */
export interface LlmProviderHandler {
  generate(request: LlmRequest, call: CallContext): Promise<LlmResponse>;
  /** Yields deltas and tool calls as they come, and last exactly one `finish` event. */
  stream(request: LlmRequest, call: CallContext): AsyncIterable<LlmStreamEvent>;
}

export type ToolHandler = (
  args: Record<string, unknown>,
  call: CallContext,
) => CallToolResult | Promise<CallToolResult>;

/** Per call: who it is for, how to correlate it, and when to give up. */
export interface CallContext {
  /** Aborts when the caller cancels or the call's deadline passes: pass it to `fetch` and friends. */
  signal: AbortSignal;
  actor: CallMeta['actor'];
  traceId: string;
}

export interface ExtensionContext {
  extensionId: string;
  extensionVersion: string;
  /** The unpacked package, readable by the extension (for bundled assets). */
  packageDir: string;
  /** The permissions the operator granted, as written in the manifest. */
  permissions: readonly string[];
}

/**
 * The platform as an extension sees it. Every method is attributed to the extension and, inside a
 * tool call, to the call's actor and trace id. A method whose permission was not granted throws an
 * `RpcError` with code `permission_denied` without leaving the process; the platform checks again
 * on its side.
 */
export interface HostApi {
  secrets: {
    /** Needs `secrets.read:<name>`. */
    read(name: string): Promise<string>;
  };
  queue: {
    /** Needs `queue.enqueue:<queue>`. */
    enqueue(
      queue: string,
      payload: unknown,
      options?: HostMethods['queue.enqueue']['params']['options'],
    ): Promise<{ id: string }>;
  };
  notifications: {
    /** Needs `notifications.send`; goes to the actor of the current call. */
    send(notification: HostMethods['notifications.send']['params']): Promise<void>;
  };
  llm: {
    /**
     * Needs `llm.invoke`. Calls a model through the platform (the instance's default provider
     * and model unless the request names them), as the actor of the current call, who pays for
     * it; failures are `RpcError`s whose `data.code` is the platform's (`llm_budget_exceeded`…).
     */
    generate(request: LlmGenerateRequest): Promise<LlmGenerateResult>;
  };
  /** Structured logs, forwarded to the platform's log with the extension's id. */
  log: Record<'debug' | 'info' | 'warn' | 'error', (message: string, data?: unknown) => void>;
  storage: {
    /** The extension's writable directory, or null without the `storage` permission. */
    dir: string | null;
  };
  /** Effective settings: manifest defaults merged with the operator's values. */
  settings: Readonly<Record<string, string | number | boolean>>;
  /**
   * Setup values of the connectors a platform admin set up, by connector id (those under
   * `contributes.connectors`; one never set up is absent), as checked against its `setupSchema`.
   * A property marked `x-cinatra-secret` holds the name of a kernel secret: read the secret with
   * `host.secrets.read(name)` (needs `secrets.read:<name>`).
   */
  connectors: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

/** Declares an extension; returns the definition unchanged, typed. */
export function defineExtension(definition: ExtensionDefinition): ExtensionDefinition {
  if (typeof definition?.activate !== 'function') {
    throw new TypeError('defineExtension: `activate` must be a function');
  }
  return definition;
}
