import {
  RpcError,
  type CallMeta,
  type RpcCancel,
  type RpcErrorShape,
  type RpcRequest,
  type RpcResponse,
  type WireMessage,
} from '../protocol/messages.js';
import { DeadlineTimer } from '../protocol/DeadlineTimer.js';

type MethodMap<T> = { [K in keyof T]: { params: unknown; result: unknown } };

/** Serves a request from the other side; rejecting with an `RpcError` sends its code back. */
export type RpcHandler = (
  method: string,
  params: unknown,
  meta: CallMeta,
  signal: AbortSignal,
) => Promise<unknown>;

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  method: string;
  deadlineMs: number;
  /** `performance.now()` time at which the caller stops waiting. */
  deadlineAt: number;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  onSettled: (() => void) | undefined;
}

interface Serving {
  controller: AbortController;
  deadlineMs: number;
  deadlineAt: number;
}

/**
 * Request/response, cancellation and deadlines over one message pipe (an IPC channel), typed by
 * the method map of the side being called (`ExtensionMethods` from the platform). The caller
 * stops waiting at the deadline or when its signal aborts, and tells the other side with
 * `cancel` so the callee's signal aborts too; a late response is dropped.
 *
 * Deadlines of both directions (calls made, calls served) are kept in their entries and watched by
 * one `DeadlineTimer` each rather than a `setTimeout` per call: this is the hot path of every
 * round trip.
 */
export class RpcChannel<Out extends MethodMap<Out>> {
  private readonly pending = new Map<number, Pending>();
  private readonly serving = new Map<number, Serving>();
  private readonly requestDeadlines = new DeadlineTimer((now) => this.expireRequests(now));
  private readonly servingDeadlines = new DeadlineTimer((now) => this.expireServing(now));
  private nextId = 1;
  private closedWith: RpcError | null = null;

  constructor(
    private readonly send: (message: WireMessage) => void,
    private readonly handler: RpcHandler,
  ) {}

  get inFlight(): number {
    return this.pending.size;
  }

  /**
   * Calls `method` on the other side. `onSettled`, if given, runs once the call is over (answered,
   * failed, past its deadline, cancelled or closed), synchronously and before the returned promise
   * settles: cheaper than chaining `.finally` for bookkeeping such as a concurrency slot.
   */
  request<M extends keyof Out & string>(
    method: M,
    params: Out[M]['params'],
    meta: CallMeta,
    deadlineMs: number,
    signal?: AbortSignal,
    onSettled?: () => void,
  ): Promise<Out[M]['result']> {
    const refused = this.closedWith ?? (signal?.aborted ? abortError(signal) : null);
    if (refused) {
      onSettled?.();
      return Promise.reject(refused);
    }
    const id = this.nextId++;
    const deadlineAt = performance.now() + deadlineMs;
    return new Promise((resolve, reject) => {
      const entry: Pending = {
        resolve: resolve as (value: unknown) => void,
        reject,
        method,
        deadlineMs,
        deadlineAt,
        signal,
        onAbort: undefined,
        onSettled,
      };
      if (signal) {
        entry.onAbort = () => this.abandon(id, abortError(signal));
        signal.addEventListener('abort', entry.onAbort, { once: true });
      }
      this.pending.set(id, entry);
      this.requestDeadlines.schedule(deadlineAt);
      this.send({ kind: 'request', id, method, params, meta, deadlineMs } satisfies RpcRequest);
    });
  }

  /** Handles an RPC message; returns false for anything else (control messages). */
  receive(message: WireMessage): boolean {
    switch (message.kind) {
      case 'response':
        this.settle(message);
        return true;
      case 'request':
        this.serve(message);
        return true;
      case 'cancel':
        this.serving
          .get(message.id)
          ?.controller.abort(new RpcError('cancelled', 'the caller cancelled the call'));
        return true;
      default:
        return false;
    }
  }

  /** Rejects everything in flight and every later request with `error` (the other side is gone). */
  close(error: RpcError): void {
    this.closedWith = error;
    for (const id of [...this.pending.keys()]) this.finish(id)?.reject(error);
    for (const { controller } of this.serving.values()) controller.abort(error);
    this.serving.clear();
    this.requestDeadlines.clear();
    this.servingDeadlines.clear();
  }

  private expireRequests(now: number): number {
    let next = Infinity;
    const due: number[] = [];
    for (const [id, entry] of this.pending) {
      if (entry.deadlineAt <= now) due.push(id);
      else if (entry.deadlineAt < next) next = entry.deadlineAt;
    }
    for (const id of due) {
      const entry = this.pending.get(id);
      if (entry)
        this.abandon(
          id,
          new RpcError('deadline_exceeded', `${entry.method} did not answer within ${entry.deadlineMs} ms`),
        );
    }
    return next;
  }

  private expireServing(now: number): number {
    let next = Infinity;
    for (const entry of this.serving.values()) {
      if (entry.deadlineAt > now) {
        if (entry.deadlineAt < next) next = entry.deadlineAt;
      } else if (!entry.controller.signal.aborted) {
        entry.controller.abort(
          new RpcError('deadline_exceeded', `deadline of ${entry.deadlineMs} ms passed`),
        );
      }
    }
    return next;
  }

  private settle(response: RpcResponse): void {
    const entry = this.finish(response.id);
    if (!entry) return;
    if (response.error) entry.reject(RpcError.fromShape(response.error));
    else entry.resolve(response.result);
  }

  private abandon(id: number, error: RpcError): void {
    const entry = this.finish(id);
    if (!entry) return;
    if (!this.closedWith) this.send({ kind: 'cancel', id } satisfies RpcCancel);
    entry.reject(error);
  }

  private finish(id: number): Pending | undefined {
    const entry = this.pending.get(id);
    if (!entry) return undefined;
    this.pending.delete(id);
    if (this.pending.size === 0) this.requestDeadlines.idle();
    if (entry.onAbort) entry.signal!.removeEventListener('abort', entry.onAbort);
    entry.onSettled?.();
    return entry;
  }

  private serve(request: RpcRequest): void {
    const controller = new AbortController();
    const deadlineAt = performance.now() + Math.max(1, request.deadlineMs);
    this.serving.set(request.id, { controller, deadlineMs: request.deadlineMs, deadlineAt });
    this.servingDeadlines.schedule(deadlineAt);
    let work: Promise<unknown>;
    try {
      work = this.handler(request.method, request.params, request.meta, controller.signal);
    } catch (error) {
      work = Promise.reject(error);
    }
    const done = () => {
      this.serving.delete(request.id);
      if (this.serving.size === 0) this.servingDeadlines.idle();
    };
    work.then(
      (result) => {
        done();
        this.reply({ kind: 'response', id: request.id, result });
      },
      (error: unknown) => {
        done();
        this.reply({ kind: 'response', id: request.id, error: toShape(error) });
      },
    );
  }

  private reply(response: RpcResponse): void {
    if (!this.closedWith) this.send(response);
  }
}

function abortError(signal: AbortSignal): RpcError {
  return signal.reason instanceof RpcError
    ? signal.reason
    : new RpcError('cancelled', 'the caller cancelled the call');
}

function toShape(error: unknown): RpcErrorShape {
  if (error instanceof RpcError) return error.toShape();
  // Host-side failures are not the extension's business beyond "it failed".
  return { code: 'internal_error', message: error instanceof Error ? error.message : String(error) };
}
