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
  | 'internal_error';

/** Process-level messages: readiness, liveness and logs. */
export type ControlMessage =
  | { kind: 'ready'; pid: number }
  | { kind: 'ping'; seq: number }
  | { kind: 'pong'; seq: number; rssBytes: number }
  | { kind: 'log'; level: 'debug' | 'info' | 'warn' | 'error'; message: string; data?: unknown };

export type WireMessage = RpcRequest | RpcResponse | RpcCancel | ControlMessage;
