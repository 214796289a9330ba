import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Resources } from '../manifest/ExtensionManifest.js';
import type { Permission } from '../manifest/validateManifest.js';
import {
  RpcError,
  type CallMeta,
  type ConnectorSetups,
  type ExtensionMethods,
  type InitMessage,
  type WireMessage,
} from '../protocol/messages.js';
import { EgressProxy, type EgressTarget } from './EgressProxy.js';
import { RpcChannel, type ChunkOf } from './RpcChannel.js';
import { checkNetworkIsolation, spawnPlan } from './spawnArguments.js';

/**
 * Where the process reports what it sees (the extension's log lines, its stdout/stderr, refused
 * egress, memory kills): pino-style `(fields, message)`. The platform passes its pino logger;
 * the test harness one that keeps the lines for assertions.
 */
export interface ProcessLogger {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

/** A sandbox refusal reported by the extension's runtime (see `permission-denied` in the protocol). */
export interface PermissionDenial {
  /** Node's permission name: FileSystemRead, FileSystemWrite, ChildProcess, WorkerThreads… */
  permission: string;
  /** The path or command refused, when Node names one. */
  resource: string;
  /** The call in progress when it happened, or null (e.g. while the extension was loading). */
  traceId: string | null;
}

export type ExtensionExitReason = 'stopped' | 'crashed' | 'memory_limit' | 'heartbeat_timeout';

export interface ExtensionProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  reason: ExtensionExitReason;
  /** What the platform saw: the reason given to `kill`, or the end of the process's stderr. */
  detail?: string;
}

/** Serves an extension's call to the platform (`HostMethods`); reject with an `RpcError` to refuse. */
export type HostApiHandler = (
  method: string,
  params: unknown,
  meta: CallMeta,
  signal: AbortSignal,
) => Promise<unknown>;

export interface ExtensionProcessOptions {
  extensionId: string;
  version: string;
  /** Unpacked, verified package: the only extension directory the process may read. */
  packageDir: string;
  /** Writable data directory (the `storage` grant), or null: then nothing is writable. */
  dataDir: string | null;
  /** Entry module, relative to `packageDir`. */
  entry: string;
  resources: Resources;
  /** Granted hosts (`host` = ports 80/443, or `host:port`); everything else gets 403 from the egress proxy. */
  networkHosts: string[];
  settings: Record<string, string | number | boolean>;
  /** Setup values of the connectors an admin set up (`host.connectors`); default none. */
  connectors?: ConnectorSetups;
  /** Granted permissions; the extension's host API is built from them. */
  permissions: Permission[];
  hostApi: HostApiHandler;
  logger: ProcessLogger;
  /**
   * Extra PEM CA certificates the extension's `fetch` trusts for https besides Node's bundled
   * roots (an operator's private CA; tests). Passed in the init message: the environment is scrubbed.
   */
  caCertificates?: string[];
  /** Called for each sandbox refusal the runtime reports (the platform audits it); also emitted as `permission-denied`. */
  onPermissionDenied?: (denial: PermissionDenial) => void;
  /** Called for each refused egress target (the platform audits it); the process also emits `egress-denied`. */
  onEgressDenied?: (target: EgressTarget, reason: string) => void;
  /** Holds the egress socket; default a fresh private directory under the OS temp dir, removed on exit. */
  runtimeDir?: string;
  heartbeat?: { intervalMs?: number; missedPongs?: number };
  /** How long the child may take to load its entry and say `ready` (default 15 s). */
  startTimeoutMs?: number;
}

const DEFAULT_HEARTBEAT_MS = 5_000;
const DEFAULT_MISSED_PONGS = 3;
const DEFAULT_START_TIMEOUT_MS = 15_000;
const DEFAULT_STOP_GRACE_MS = 2_000;
const STDERR_TAIL_BYTES = 8 * 1024;
const MIB = 1024 * 1024;

/**
 * Resident memory allowed before the platform kills the process: the heap limit given to V8
 * (`--max-old-space-size`) covers the JavaScript heap only; Buffers, young generation and the
 * runtime itself come on top. 1.5 × the manifest's `memoryMb` plus 64 MiB leaves room for a heap
 * used up to its limit and still catches a process that grows outside the heap.
 */
export function rssLimitBytes(memoryMb: number): number {
  return Math.round((memoryMb * 1.5 + 64) * MIB);
}

/**
 * One extension in its own OS process (see `spawnPlan` for the sandbox), talking the SDK's RPC
 * protocol over the IPC channel. The platform calls `ExtensionMethods` with `call`; the extension's
 * calls to the platform go to `hostApi` after the actor they claim has been checked against the
 * calls in flight. The process is watched: no pong within `missedPongs` heartbeats, or resident
 * memory above `rssLimitBytes`, kills it; every end is reported once through `'exit'`.
 *
 * Calls beyond `resources.concurrency` wait in a FIFO queue; their deadline runs from the moment
 * `call` was made, so waiting counts. A call past its deadline rejects with `deadline_exceeded`
 * and the extension is sent `cancel` (its handler's signal aborts); the process stays up and
 * keeps serving. A handler that blocks the event loop stops the pongs and the process is killed
 * with `heartbeat_timeout`.
 */
export class ExtensionProcess extends EventEmitter {
  private readonly channel: RpcChannel<ExtensionMethods>;
  private readonly queue: Array<() => void> = [];
  private active = 0;
  private heartbeat: NodeJS.Timeout | undefined;
  private pingSeq = 0;
  private lastPongSeq = 0;
  private lastRss: number | null = null;
  private stderrTail = '';
  private killReason: { reason: ExtensionExitReason; detail: string } | null = null;
  private exited: ExtensionProcessExit | null = null;
  private readonly exitPromise: Promise<ExtensionProcessExit>;
  /** Trace id → actor of the platform's calls in flight: the only actors a host call may claim. */
  private readonly actors = new Map<string, { actor: CallMeta['actor']; count: number }>();

  private constructor(
    private readonly child: ChildProcess,
    private readonly options: ExtensionProcessOptions,
    private readonly proxy: EgressProxy,
    private readonly ownedRuntimeDir: string | null,
  ) {
    super();
    this.channel = new RpcChannel<ExtensionMethods>(
      (message) => this.send(message),
      (method, params, meta, signal) => this.serveHost(method, params, meta, signal),
    );
    this.exitPromise = new Promise((resolve) => this.once('exit', resolve));
  }

  /** Spawns the process, hands it its init, and resolves once the entry is loaded (`ready`). */
  static async start(options: ExtensionProcessOptions): Promise<ExtensionProcess> {
    const isolation = await checkNetworkIsolation();
    if (!isolation.available) {
      throw new RpcError(
        'extension_unavailable',
        `extensions cannot be isolated on this machine, so none is started: ${isolation.reason}. Run \`cinatra doctor\``,
      );
    }
    const ownedRuntimeDir = options.runtimeDir ? null : await mkdtemp(join(tmpdir(), 'cinatra-ext-'));
    const runtimeDir = options.runtimeDir ?? ownedRuntimeDir!;
    const egressSocket = join(runtimeDir, 'egress.sock');
    let proxy: EgressProxy | undefined;
    let started: ExtensionProcess | undefined;
    try {
      proxy = await EgressProxy.listen({
        socketPath: egressSocket,
        allowedHosts: options.networkHosts,
        onDenied: (target, reason) => {
          options.logger.warn({ target: `${target.host}:${target.port}` }, 'extension egress refused');
          options.onEgressDenied?.(target, reason);
          started?.emit('egress-denied', target, reason);
        },
      });
      const plan = spawnPlan({
        packageDir: options.packageDir,
        dataDir: options.dataDir,
        runtimeDir,
        memoryMb: options.resources.memoryMb,
      });
      const child = spawn(plan.command, plan.args, {
        env: plan.env,
        cwd: options.packageDir,
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        serialization: 'json',
      });
      started = new ExtensionProcess(child, options, proxy, ownedRuntimeDir);
      await started.boot({
        kind: 'init',
        extensionId: options.extensionId,
        extensionVersion: options.version,
        packageDir: options.packageDir,
        entry: options.entry,
        dataDir: options.dataDir,
        egressSocket,
        ...(options.caCertificates?.length ? { caCertificates: options.caCertificates } : {}),
        permissions: options.permissions.map((permission) => permission.text),
        settings: options.settings,
        connectors: options.connectors ?? {},
      });
      return started;
    } catch (error) {
      // Once the child exists, its exit handler releases the proxy and the runtime dir.
      if (!started) {
        await proxy?.close();
        if (ownedRuntimeDir) await rm(ownedRuntimeDir, { recursive: true, force: true });
      }
      throw error;
    }
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Resident memory in bytes, from /proc or the last pong; null before the first measurement. */
  rssBytes(): number | null {
    return readVmRss(this.pid) ?? this.lastRss;
  }

  /** True until the process has exited. */
  get running(): boolean {
    return this.exited === null;
  }

  /**
   * Calls `method` on the extension. `onChunk` receives the partial results a streaming method
   * (`llm.stream`) sends before its result, in order; none arrive after the call settles.
   */
  call<M extends keyof ExtensionMethods & string>(
    method: M,
    params: ExtensionMethods[M]['params'],
    options: {
      meta: CallMeta;
      deadlineMs?: number;
      signal?: AbortSignal;
      onChunk?: (chunk: ChunkOf<ExtensionMethods, M>) => void;
    },
  ): Promise<ExtensionMethods[M]['result']> {
    if (this.exited) {
      return Promise.reject(
        new RpcError(
          'extension_unavailable',
          `${this.options.extensionId} is not running (${this.exited.reason})`,
        ),
      );
    }
    const deadlineMs = options.deadlineMs ?? this.options.resources.callTimeoutMs;
    const meta: CallMeta = {
      ...options.meta,
      extensionId: this.options.extensionId,
      extensionVersion: this.options.version,
    };
    if (this.active < this.options.resources.concurrency)
      return this.run(method, params, meta, deadlineMs, options.signal, options.onChunk);
    return this.enqueue(method, params, meta, deadlineMs, options.signal, options.onChunk);
  }

  /** Asks the process to end: SIGTERM, then SIGKILL after `graceMs`. Resolves once it has exited. */
  async stop(graceMs = DEFAULT_STOP_GRACE_MS): Promise<void> {
    if (this.exited) return;
    this.killReason ??= { reason: 'stopped', detail: 'stopped by the platform' };
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exitPromise;
    clearTimeout(timer);
  }

  /**
   * Kills the process now (SIGKILL). `reason` is reported in the exit event: `memory_limit` and
   * `heartbeat_timeout` as such, anything else as `stopped` with the text as `detail`.
   */
  kill(reason: string = 'stopped'): void {
    if (this.exited) return;
    const known = reason === 'memory_limit' || reason === 'heartbeat_timeout' || reason === 'crashed';
    this.killReason ??= { reason: known ? (reason as ExtensionExitReason) : 'stopped', detail: reason };
    this.child.kill('SIGKILL');
  }

  private run<M extends keyof ExtensionMethods & string>(
    method: M,
    params: ExtensionMethods[M]['params'],
    meta: CallMeta,
    deadlineMs: number,
    signal: AbortSignal | undefined,
    onChunk: ((chunk: ChunkOf<ExtensionMethods, M>) => void) | undefined,
  ): Promise<ExtensionMethods[M]['result']> {
    this.active++;
    const traced = this.actors.get(meta.traceId);
    if (traced) traced.count++;
    else this.actors.set(meta.traceId, { actor: meta.actor, count: 1 });
    // The slot and the actor binding are released as the call ends, before its caller resumes.
    return this.channel.request(
      method,
      params,
      meta,
      deadlineMs,
      signal,
      () => {
        const entry = this.actors.get(meta.traceId)!;
        if (--entry.count === 0) this.actors.delete(meta.traceId);
        this.active--;
        this.queue.shift()?.();
      },
      onChunk,
    );
  }

  private enqueue<M extends keyof ExtensionMethods & string>(
    method: M,
    params: ExtensionMethods[M]['params'],
    meta: CallMeta,
    deadlineMs: number,
    signal: AbortSignal | undefined,
    onChunk: ((chunk: ChunkOf<ExtensionMethods, M>) => void) | undefined,
  ): Promise<ExtensionMethods[M]['result']> {
    const queuedAt = performance.now();
    return new Promise((resolve, reject) => {
      const leave = (error: RpcError) => {
        const index = this.queue.indexOf(start);
        if (index >= 0) this.queue.splice(index, 1);
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        reject(error);
      };
      const timer = setTimeout(
        () =>
          leave(
            new RpcError(
              'deadline_exceeded',
              `${method} waited ${deadlineMs} ms for one of ${this.options.resources.concurrency} concurrent call slots`,
            ),
          ),
        deadlineMs,
      );
      const onAbort = () => leave(new RpcError('cancelled', 'the caller cancelled the call'));
      signal?.addEventListener('abort', onAbort, { once: true });
      const start = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (this.exited) {
          reject(
            new RpcError(
              'extension_unavailable',
              `${this.options.extensionId} is not running (${this.exited.reason})`,
            ),
          );
          this.queue.shift()?.();
          return;
        }
        const remaining = Math.max(1, Math.round(deadlineMs - (performance.now() - queuedAt)));
        this.run(method, params, meta, remaining, signal, onChunk).then(resolve, reject);
      };
      this.queue.push(start);
    });
  }

  /** An extension's call to the platform: bind it to a call in flight, then hand it to `hostApi`. */
  private serveHost(
    method: string,
    params: unknown,
    claimed: CallMeta,
    signal: AbortSignal,
  ): Promise<unknown> {
    let actor: CallMeta['actor'] = null;
    if (claimed.actor !== null) {
      const traced = this.actors.get(claimed.traceId);
      if (!traced || !sameActor(traced.actor, claimed.actor)) {
        this.options.logger.warn(
          { method, traceId: claimed.traceId },
          'extension claimed an actor of no call in flight',
        );
        throw new RpcError(
          'permission_denied',
          'a host call may only act for the actor of a platform call in flight',
        );
      }
      actor = traced.actor;
    }
    // Identity comes from the process, never from the message.
    const meta: CallMeta = {
      extensionId: this.options.extensionId,
      extensionVersion: this.options.version,
      actor,
      traceId: claimed.traceId,
    };
    // Not an async function: one promise per host call fewer on the round trip's hot path.
    let served: Promise<unknown>;
    try {
      served = this.options.hostApi(method, params, meta, signal);
    } catch (error) {
      return Promise.reject(this.hostFailure(method, error));
    }
    return served.then(undefined, (error: unknown) => {
      throw this.hostFailure(method, error);
    });
  }

  /** What the extension sees of a failed host call: an `RpcError` as is, anything else without details. */
  private hostFailure(method: string, error: unknown): RpcError {
    if (error instanceof RpcError) return error;
    this.options.logger.error({ err: error, method }, 'host API call failed');
    return new RpcError('internal_error', `the platform failed to serve ${method}`);
  }

  private send(message: WireMessage | InitMessage): void {
    if (this.child.connected) this.child.send(message);
  }

  private boot(init: InitMessage): Promise<void> {
    const { child, options } = this;
    const logger = options.logger;
    child.stdout!.setEncoding('utf8').on('data', (text: string) => {
      for (const line of text.split('\n')) if (line.trim()) logger.info({ stream: 'stdout' }, line);
    });
    child.stderr!.setEncoding('utf8').on('data', (text: string) => {
      this.stderrTail = (this.stderrTail + text).slice(-STDERR_TAIL_BYTES);
      for (const line of text.split('\n')) if (line.trim()) logger.warn({ stream: 'stderr' }, line);
    });
    child.once('exit', (code, signal) => void this.onExit(code, signal));

    return new Promise<void>((resolve, reject) => {
      let lastError = '';
      const timer = setTimeout(() => {
        this.kill(`no ready within ${options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS} ms`);
      }, options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS);
      const failed = (exit: ExtensionProcessExit) => {
        clearTimeout(timer);
        const why = lastError || exit.detail || `exit code ${exit.code}, signal ${exit.signal}`;
        reject(new RpcError('extension_unavailable', `${options.extensionId} did not start: ${why}`));
      };
      this.once('exit', failed);
      child.on('message', (message: WireMessage) => {
        if (this.channel.receive(message)) return;
        switch (message.kind) {
          case 'ready':
            clearTimeout(timer);
            this.off('exit', failed);
            this.startHeartbeat();
            resolve();
            return;
          case 'pong':
            this.lastPongSeq = message.seq;
            this.lastRss = message.rssBytes;
            this.checkMemory(message.rssBytes);
            return;
          case 'permission-denied': {
            const denial: PermissionDenial = {
              permission: message.permission,
              resource: message.resource,
              traceId: message.traceId,
            };
            options.onPermissionDenied?.(denial);
            this.emit('permission-denied', denial);
            return;
          }
          case 'log':
            if (message.level === 'error') lastError = message.message;
            logger[message.level]({ data: message.data }, message.message);
            return;
          default:
            return;
        }
      });
      child.once('error', (error) => {
        lastError = error.message;
      });
      this.send(init);
    });
  }

  private startHeartbeat(): void {
    const intervalMs = this.options.heartbeat?.intervalMs ?? DEFAULT_HEARTBEAT_MS;
    const missed = this.options.heartbeat?.missedPongs ?? DEFAULT_MISSED_PONGS;
    this.heartbeat = setInterval(() => {
      if (this.pingSeq - this.lastPongSeq >= missed) {
        this.kill('heartbeat_timeout');
        return;
      }
      const rss = readVmRss(this.pid);
      if (rss !== null) this.checkMemory(rss);
      this.send({ kind: 'ping', seq: ++this.pingSeq });
    }, intervalMs);
    this.heartbeat.unref();
  }

  private checkMemory(rss: number): void {
    if (rss > rssLimitBytes(this.options.resources.memoryMb)) {
      this.options.logger.warn(
        { rssBytes: rss, memoryMb: this.options.resources.memoryMb },
        'extension over its memory limit',
      );
      this.kill('memory_limit');
    }
  }

  private async onExit(code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    clearInterval(this.heartbeat);
    const heapExhausted = /heap out of memory|Reached heap limit|Allocation failed/i.test(this.stderrTail);
    const exit: ExtensionProcessExit = this.killReason
      ? { code, signal, reason: this.killReason.reason, detail: this.killReason.detail }
      : heapExhausted
        ? { code, signal, reason: 'memory_limit', detail: 'the JavaScript heap reached its limit' }
        : { code, signal, reason: 'crashed', detail: crashDetail(this.stderrTail) };
    this.exited = exit;
    this.channel.close(
      new RpcError('extension_unavailable', `${this.options.extensionId} exited (${exit.reason})`),
    );
    for (const start of this.queue.splice(0)) start();
    await this.proxy.close().catch(() => undefined);
    if (this.ownedRuntimeDir)
      await rm(this.ownedRuntimeDir, { recursive: true, force: true }).catch(() => undefined);
    this.emit('exit', exit);
  }
}

function sameActor(a: CallMeta['actor'], b: CallMeta['actor']): boolean {
  return (
    a === b ||
    (a !== null && b !== null && a.principalId === b.principalId && a.principalType === b.principalType)
  );
}

/** The error line of an uncaught exception in `stderr` (`Error: …`), else its last lines. */
function crashDetail(stderr: string): string | undefined {
  const lines = stderr.trim().split('\n');
  const thrown = lines.findLast((line) => /^[A-Za-z]*Error\b/.test(line));
  return thrown ?? (lines.slice(-3).join('\n') || undefined);
}

/** VmRSS of `pid` from /proc, in bytes; null where /proc is not available. */
function readVmRss(pid: number): number | null {
  if (pid <= 0) return null;
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}
