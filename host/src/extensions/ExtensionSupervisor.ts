import { EventEmitter } from 'node:events';
import { inject, injectable, type InjectionToken } from 'tsyringe';
import { LOGGER, type Logger } from '@cinatra/kernel';
import {
  RpcError,
  type CallMeta,
  type ConnectorSetups,
  type ExtensionMethod,
  type ExtensionMethods,
  type Permission,
  type Resources,
} from '@cinatra/sdk';
import { ExtensionProcess, type ChunkOf, type ExtensionProcessExit } from '@cinatra/sdk/process';
import { EXTENSION_LOG_BUFFER, type ExtensionLogBuffer } from './ExtensionLogBuffer.js';
import { HOST_API_DISPATCHER, type HostApiDispatcher } from './HostApiDispatcher.js';

/** Everything needed to start one extension process; built by the manager after verification. */
export interface ExtensionStartSpec {
  name: string;
  version: string;
  packageDir: string;
  dataDir: string | null;
  entry: string;
  resources: Resources;
  networkHosts: string[];
  settings: Record<string, string | number | boolean>;
  /** Setup values of the connectors an admin set up (a snapshot, like the grants). */
  connectors: ConnectorSetups;
  /** Granted permissions (a snapshot: changing grants stops the process, see `ExtensionManager`). */
  permissions: Permission[];
}

/** Why a process ended when it was not asked to: each one counts towards quarantine. */
export interface ExtensionCrash {
  name: string;
  version: string;
  reason: 'crashed' | 'memory_limit' | 'heartbeat_timeout' | 'start_failed';
  code: number | null;
  signal: string | null;
  message: string;
}

interface Running {
  spec: ExtensionStartSpec;
  process: ExtensionProcess;
}

export interface CallOptions<M extends ExtensionMethod = ExtensionMethod> {
  actor: CallMeta['actor'];
  traceId: string;
  deadlineMs?: number;
  signal?: AbortSignal;
  /** Receives the partial results of a streaming method (`llm.stream`), in order, before it settles. */
  onChunk?: (chunk: ChunkOf<ExtensionMethods, M>) => void;
}

/**
 * Owns the extension processes: one OS process per extension, started through
 * `ExtensionProcess.start` (which applies the permission model, memory limit and heartbeats)
 * and activated before first use. Concurrent first uses share one start. A process that ends
 * without being asked (crash, memory limit, missed heartbeats, failure to start) is reported
 * as a `crash` event; restart and quarantine policy is the manager's (it owns the state).
 * What a process logs, and each crash, is also kept in the `ExtensionLogBuffer`.
 */
@injectable()
export class ExtensionSupervisor extends EventEmitter<{ crash: [ExtensionCrash] }> {
  private readonly running = new Map<string, Running>();
  private readonly starting = new Map<string, Promise<Running>>();
  private readonly stopping = new Set<ExtensionProcess>();

  constructor(
    @inject(LOGGER) private readonly logger: Logger,
    @inject(HOST_API_DISPATCHER) private readonly dispatcher: HostApiDispatcher,
    @inject(EXTENSION_LOG_BUFFER) private readonly logs: ExtensionLogBuffer,
  ) {
    super();
  }

  /**
   * True while the extension's process is alive. A process that just ended is not, even before
   * its `exit` has been handled (its proxy closes first): the next use then starts a new one.
   */
  isRunning(name: string): boolean {
    return this.running.get(name)?.process.running ?? false;
  }

  pid(name: string): number | null {
    return this.running.get(name)?.process.pid ?? null;
  }

  rssBytes(name: string): number | null {
    return this.running.get(name)?.process.rssBytes() ?? null;
  }

  /** Names of the extensions with a live process. */
  runningNames(): string[] {
    return [...this.running.keys()];
  }

  /** Starts and activates the extension unless it runs already (or is starting: then waits for that). */
  async ensureStarted(spec: ExtensionStartSpec): Promise<void> {
    if (this.isRunning(spec.name)) return;
    let start = this.starting.get(spec.name);
    if (!start) {
      start = this.start(spec).finally(() => this.starting.delete(spec.name));
      this.starting.set(spec.name, start);
    }
    await start;
  }

  async call<M extends ExtensionMethod>(
    name: string,
    method: M,
    params: ExtensionMethods[M]['params'],
    options: CallOptions<M>,
  ): Promise<ExtensionMethods[M]['result']> {
    const entry = this.running.get(name);
    if (!entry) throw new RpcError('extension_unavailable', `${name} is not running.`);
    return entry.process.call(method, params, {
      meta: this.meta(entry.spec, options.actor, options.traceId),
      deadlineMs: options.deadlineMs,
      signal: options.signal,
      onChunk: options.onChunk,
    });
  }

  /** Stops the extension's process (deactivate, then exit); no crash is reported. */
  async stop(name: string): Promise<void> {
    await this.starting.get(name)?.catch(() => undefined);
    const entry = this.running.get(name);
    if (!entry) return;
    this.running.delete(name);
    this.stopping.add(entry.process);
    try {
      await entry.process
        .call('deactivate', {}, { meta: this.meta(entry.spec, null, newTraceId()), deadlineMs: 2_000 })
        .catch(() => undefined);
      await entry.process.stop();
    } finally {
      this.stopping.delete(entry.process);
    }
  }

  /**
   * Health check of a version that is not (yet) the current one: starts it in a process of its
   * own beside the running one (not registered, crashes not reported: nothing counts towards
   * quarantine), activates it, then deactivates and stops it. Rejects with the reason it did
   * not start or activate. The install pipeline switches to a new version only after this.
   */
  async probe(spec: ExtensionStartSpec): Promise<void> {
    const process = await this.spawn(spec, { probe: true });
    try {
      await process.call('activate', {}, { meta: this.meta(spec, null, newTraceId()) });
      await process
        .call('deactivate', {}, { meta: this.meta(spec, null, newTraceId()), deadlineMs: 2_000 })
        .catch(() => undefined);
    } finally {
      await process.stop();
    }
  }

  async stopAll(): Promise<void> {
    await Promise.allSettled([...this.starting.values()]);
    await Promise.allSettled([...this.running.keys()].map((name) => this.stop(name)));
  }

  /**
   * Starts a process for `spec` with the host API its grants allow; sandbox and egress refusals
   * it reports are audited against the extension.
   */
  private spawn(
    spec: ExtensionStartSpec,
    logContext: Record<string, unknown> = {},
  ): Promise<ExtensionProcess> {
    const logger = this.logger.child({ extension: spec.name, extensionVersion: spec.version, ...logContext });
    const target = {
      name: spec.name,
      version: spec.version,
      granted: () => spec.permissions.map((p) => p.text),
    };
    return ExtensionProcess.start({
      extensionId: spec.name,
      version: spec.version,
      packageDir: spec.packageDir,
      dataDir: spec.dataDir,
      entry: spec.entry,
      resources: spec.resources,
      networkHosts: spec.networkHosts,
      settings: spec.settings,
      connectors: spec.connectors,
      permissions: spec.permissions,
      hostApi: this.dispatcher.forExtension(target),
      onPermissionDenied: (denial) => {
        void this.dispatcher
          .sandboxDenied(target, denial)
          .catch((error: unknown) => logger.error({ err: error }, 'could not audit a sandbox refusal'));
      },
      onEgressDenied: (egress, reason) => {
        void this.dispatcher
          .egressDenied(target, `${egress.host}:${egress.port}`, reason)
          .catch((error: unknown) => logger.error({ err: error }, 'could not audit a refused connection'));
      },
      logger: this.logs.tee(spec.name, logger, logContext.probe ? `probe of ${spec.version}: ` : ''),
    });
  }

  private async start(spec: ExtensionStartSpec): Promise<Running> {
    let process: ExtensionProcess;
    try {
      process = await this.spawn(spec);
    } catch (error) {
      this.reportCrash(spec, 'start_failed', null, null, (error as Error).message);
      throw new RpcError(
        'extension_unavailable',
        `${spec.name} failed to start: ${(error as Error).message}`,
      );
    }
    const entry: Running = { spec, process };
    process.once('exit', (exit: ExtensionProcessExit) => {
      if (this.running.get(spec.name)?.process === process) this.running.delete(spec.name);
      if (this.stopping.has(process) || exit.reason === 'stopped') return;
      this.reportCrash(
        spec,
        exit.reason,
        exit.code,
        exit.signal,
        exit.detail ?? `process ended (${exit.reason})`,
      );
    });
    this.running.set(spec.name, entry);
    try {
      await process.call('activate', {}, { meta: this.meta(spec, null, newTraceId()) });
    } catch (error) {
      this.running.delete(spec.name);
      this.stopping.add(process);
      process.kill('activation failed');
      this.reportCrash(spec, 'start_failed', null, null, `activate failed: ${(error as Error).message}`);
      throw new RpcError(
        'extension_unavailable',
        `${spec.name} failed to activate: ${(error as Error).message}`,
      );
    }
    this.logger.info(
      { extension: spec.name, extensionVersion: spec.version, pid: process.pid },
      'extension activated',
    );
    this.logs.append(spec.name, 'info', `activated ${spec.version} (pid ${process.pid})`);
    return entry;
  }

  private reportCrash(
    spec: ExtensionStartSpec,
    reason: ExtensionCrash['reason'],
    code: number | null,
    signal: string | null,
    message: string,
  ): void {
    this.logger.warn({ extension: spec.name, reason, code, signal }, 'extension process crashed');
    this.logs.append(spec.name, 'error', `process ended (${reason}): ${message}`);
    this.emit('crash', { name: spec.name, version: spec.version, reason, code, signal, message });
  }

  private meta(spec: ExtensionStartSpec, actor: CallMeta['actor'], traceId: string): CallMeta {
    return { extensionId: spec.name, extensionVersion: spec.version, actor, traceId };
  }
}

/** A W3C trace id (32 lowercase hex, not all zero). */
export function newTraceId(): string {
  return crypto.randomUUID().replaceAll('-', '');
}

export const EXTENSION_SUPERVISOR: InjectionToken<ExtensionSupervisor> = ExtensionSupervisor;
