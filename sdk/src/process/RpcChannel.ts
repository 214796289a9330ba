import {
  RpcError,
  type CallMeta,
  type RpcCancel,
  type RpcChunk,
  type RpcErrorShape,
  type RpcRequest,
  type RpcResponse,
  type WireMessage,
} from '../protocol/messages.js';
import { DeadlineTimer } from '../protocol/DeadlineTimer.js';

type MethodMap<T> = { [K in keyof T]: { params: unknown; result: unknown } };

/** The partial results a method sends before its result (its map's `chunk`), `never` for plain methods. */
export type ChunkOf<Out, M extends keyof Out> = Out[M] extends { chunk: infer C } ? C : never;

/**
 * Serves a request from the other side; rejecting with an `RpcError` sends its code back.
 * `chunks` sends partial results of this request to the caller, in order, before the response.
 */
export type RpcHandler = (
  method: string,
  params: unknown,
  meta: CallMeta,
  signal: AbortSignal,
  chunks: ChunkSink,
) => Promise<unknown>;

/** Where the handler of one request sends its chunks. */
export interface ChunkSink {
  /**
   * Sends `data` as a chunk of the request being served. Returns false, sending nothing, once
   * the request is over for the caller: answered, cancelled, past its deadline, or the channel
   * closed; a chunk never follows the response.
   */
  emit(data: unknown): boolean;
}

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
  onChunk: ((data: never) => void) | undefined;
}

/**
 * A request being served. It is its handler's `ChunkSink` too, so serving a request allocates
 * nothing for chunks, whether its handler sends any or not.
 */
class Serving implements ChunkSink {
  constructor(
    readonly id: number,
    readonly controller: AbortController,
    readonly deadlineMs: number,
    readonly deadlineAt: number,
    /** The channel's requests being served: this one leaves it when answered, all on `close`. */
    private readonly serving: ReadonlyMap<number, Serving>,
    private readonly send: (message: WireMessage) => void,
  ) {}

  emit(data: unknown): boolean {
    // Cancel, deadline and close abort the signal; the response removes the entry first.
    if (this.controller.signal.aborted || this.serving.get(this.id) !== this) return false;
    this.send({ kind: 'chunk', id: this.id, data } satisfies RpcChunk);
    return true;
  }
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
   * `onChunk`, if given, receives the chunks the other side sends for this call, in order, until
   * it settles; a throwing `onChunk` abandons the call (cancel sent) with its error.
   */
  request<M extends keyof Out & string>(
    method: M,
    params: Out[M]['params'],
    meta: CallMeta,
    deadlineMs: number,
    signal?: AbortSignal,
    onSettled?: () => void,
    onChunk?: (data: ChunkOf<Out, M>) => void,
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
        onChunk,
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
      case 'chunk':
        this.deliver(message);
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

  /** A chunk of a call in flight goes to its `onChunk`; of an unknown or finished call, nowhere. */
  private deliver(chunk: RpcChunk): void {
    const onChunk = this.pending.get(chunk.id)?.onChunk;
    if (!onChunk) return;
    try {
      onChunk(chunk.data as never);
    } catch (error) {
      this.abandon(chunk.id, error instanceof Error ? error : new Error(String(error)));
    }
  }

  private abandon(id: number, error: Error): void {
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
    const entry = new Serving(
      request.id,
      controller,
      request.deadlineMs,
      deadlineAt,
      this.serving,
      this.send,
    );
    this.serving.set(request.id, entry);
    this.servingDeadlines.schedule(deadlineAt);
    let work: Promise<unknown>;
    try {
      work = this.handler(request.method, request.params, request.meta, controller.signal, entry);
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
