import {
  RpcError,
  type CallMeta,
  type RpcCancel,
  type RpcErrorShape,
  type RpcRequest,
  type RpcResponse,
  type WireMessage,
} from '@cinatra/sdk';

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
  timer: NodeJS.Timeout;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/**
 * Request/response, cancellation and deadlines over one message pipe (an IPC channel), typed by
 * the method map of the side being called (`ExtensionMethods` from the platform). The caller
 * stops waiting at the deadline or when its signal aborts, and tells the other side with
 * `cancel` so the callee's signal aborts too; a late response is dropped.
 */
export class RpcChannel<Out extends MethodMap<Out>> {
  private readonly pending = new Map<number, Pending>();
  private readonly serving = new Map<number, AbortController>();
  private nextId = 1;
  private closedWith: RpcError | null = null;

  constructor(
    private readonly send: (message: WireMessage) => void,
    private readonly handler: RpcHandler,
  ) {}

  get inFlight(): number {
    return this.pending.size;
  }

  request<M extends keyof Out & string>(
    method: M,
    params: Out[M]['params'],
    meta: CallMeta,
    deadlineMs: number,
    signal?: AbortSignal,
  ): Promise<Out[M]['result']> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    if (signal?.aborted) return Promise.reject(abortError(signal));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const entry: Pending = {
        resolve: resolve as (value: unknown) => void,
        reject,
        timer: setTimeout(
          () =>
            this.abandon(
              id,
              new RpcError('deadline_exceeded', `${method} did not answer within ${deadlineMs} ms`),
            ),
          deadlineMs,
        ),
        signal,
        onAbort: undefined,
      };
      if (signal) {
        entry.onAbort = () => this.abandon(id, abortError(signal));
        signal.addEventListener('abort', entry.onAbort, { once: true });
      }
      this.pending.set(id, entry);
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
        this.serving.get(message.id)?.abort(new RpcError('cancelled', 'the caller cancelled the call'));
        return true;
      default:
        return false;
    }
  }

  /** Rejects everything in flight and every later request with `error` (the other side is gone). */
  close(error: RpcError): void {
    this.closedWith = error;
    for (const id of [...this.pending.keys()]) this.finish(id)?.reject(error);
    for (const controller of this.serving.values()) controller.abort(error);
    this.serving.clear();
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
    clearTimeout(entry.timer);
    if (entry.onAbort) entry.signal!.removeEventListener('abort', entry.onAbort);
    return entry;
  }

  private serve(request: RpcRequest): void {
    const controller = new AbortController();
    this.serving.set(request.id, controller);
    const timer = setTimeout(
      () =>
        controller.abort(new RpcError('deadline_exceeded', `deadline of ${request.deadlineMs} ms passed`)),
      Math.max(1, request.deadlineMs),
    );
    let work: Promise<unknown>;
    try {
      work = this.handler(request.method, request.params, request.meta, controller.signal);
    } catch (error) {
      work = Promise.reject(error);
    }
    const done = () => {
      clearTimeout(timer);
      this.serving.delete(request.id);
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
