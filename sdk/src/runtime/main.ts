import { AsyncLocalStorage } from 'node:async_hooks';
import { subscribe } from 'node:diagnostics_channel';
import { registerHooks } from 'node:module';
import { isAbsolute, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type {
  Activation,
  CallContext,
  ExtensionDefinition,
  HostApi,
  LlmProviderHandler,
  ToolHandler,
} from '../defineExtension.js';
import { isGranted, requiredPermission } from '../protocol/grants.js';
import type { LlmResponse, LlmStreamEvent } from '../protocol/llm.js';
import {
  RpcError,
  type CallMeta,
  type ExtensionMethods,
  type HostMethod,
  type HostMethods,
  type HostToExtensionMessage,
  type InitMessage,
  type RpcErrorShape,
  type RpcRequest,
  type RpcResponse,
  type WireMessage,
} from '../protocol/messages.js';
import { DeadlineTimer } from '../protocol/DeadlineTimer.js';
import { installEgressDispatcher } from './egressDispatcher.js';

/**
 * The main module of every extension process. The platform starts it (see the host's
 * `ExtensionProcess`) under Node's permission model, in its own network namespace, with an empty
 * environment and an IPC channel; this file:
 *
 * 1. waits for the `init` message on the IPC channel (the only input; nothing comes from argv/env);
 * 2. routes `fetch` through the host's egress proxy socket and makes `@cinatra/sdk` resolve to the
 *    extension-facing module, then imports the extension's entry and sends `ready`;
 * 3. answers `ExtensionMethods` (`activate`, `deactivate`, `mcp.callTool`, `llm.generate`,
 *    `llm.stream`), each with the caller's deadline and cancellation wired into the handler's
 *    `signal`, and `ping` with `pong` + RSS;
 * 4. gives the extension a host API built from its granted permissions; host calls made inside a
 *    tool or provider call carry that call's actor, trace id and remaining deadline.
 */

/** Deadline of host calls made outside any tool call (e.g. during `activate`). */
const OWN_CALL_DEADLINE_MS = 30_000;
/** Exit code when the entry cannot be loaded: the host reports it as a failed start. */
const EXIT_LOAD_FAILED = 78;

interface CallScope {
  meta: CallMeta;
  controller: AbortController;
  /** `performance.now()` time of the caller's deadline. */
  deadline: number;
  deadlineMs: number;
  /** Host calls made inside this call and not answered yet (created on the first): abandoned when the call ends early. */
  hostCalls: Set<number> | null;
}

const send = (message: WireMessage) => {
  if (process.connected) process.send!(message);
};

if (!process.send) {
  process.stderr.write(
    'cinatra extension runtime: started without an IPC channel; the platform starts this file\n',
  );
  process.exit(2);
}

process.once('message', (message: HostToExtensionMessage) => {
  if (message.kind !== 'init') {
    process.stderr.write(`cinatra extension runtime: expected init, got ${message.kind}\n`);
    process.exit(2);
  }
  boot(message).catch((error: unknown) => {
    send({ kind: 'log', level: 'error', message: `extension failed to load: ${describe(error)}` });
    process.exitCode = EXIT_LOAD_FAILED;
    process.disconnect();
  });
});
// The platform went away: nobody can call us any more.
process.once('disconnect', () => process.exit(0));

async function boot(init: InitMessage): Promise<void> {
  const current: { runtime?: ExtensionRuntime } = {}; // set once the entry has loaded
  reportPermissionDenials(() => current.runtime?.currentTraceId() ?? null);
  installEgressDispatcher(init.egressSocket, init.caCertificates ?? []);
  const sdkUrl = new URL('./extensionModule.js', import.meta.url).href;
  registerHooks({
    resolve: (specifier, context, nextResolve) =>
      specifier === '@cinatra/sdk' ? { url: sdkUrl, shortCircuit: true } : nextResolve(specifier, context),
  });

  const entryPath = join(init.packageDir, init.entry);
  if (!isAbsolute(entryPath) || !entryPath.startsWith(init.packageDir))
    throw new Error('entry escapes the package');
  const module = (await import(pathToFileURL(entryPath).href)) as { default?: ExtensionDefinition };
  const definition = module.default;
  if (!definition || typeof definition.activate !== 'function') {
    throw new Error(`${init.entry} must export default defineExtension({ activate… })`);
  }
  const runtime = new ExtensionRuntime(init, definition);
  current.runtime = runtime;
  process.on('message', (message: HostToExtensionMessage) => runtime.receive(message));
  send({ kind: 'ready', pid: process.pid });
}

/** Node publishes every refusal of its permission model on these channels, in enforce mode too. */
const PERMISSION_CHANNELS = ['fs', 'child', 'worker', 'addon', 'wasi', 'inspector'] as const;
/** The same refusal is reported once: a loop retrying a write must not flood the audit log. */
const MAX_DISTINCT_DENIALS = 200;

/**
 * Reports each sandbox refusal to the platform, which audits it. Subscribed before the
 * extension's code loads, so refusals at import time are reported too.
 */
function reportPermissionDenials(traceId: () => string | null): void {
  const seen = new Set<string>();
  for (const name of PERMISSION_CHANNELS) {
    subscribe(`node:permission-model:${name}`, (message) => {
      const { permission, resource } = message as { permission?: unknown; resource?: unknown };
      const key = `${String(permission)}\0${String(resource ?? '')}`;
      if (seen.has(key) || seen.size >= MAX_DISTINCT_DENIALS) return;
      seen.add(key);
      send({
        kind: 'permission-denied',
        permission: String(permission),
        resource: String(resource ?? ''),
        traceId: traceId(),
      });
    });
  }
}

class ExtensionRuntime {
  private readonly scope = new AsyncLocalStorage<CallScope>();
  private readonly inbound = new Map<number, CallScope>();
  /** One timer for the deadlines of every call in flight (see `DeadlineTimer`). */
  private readonly deadlines = new DeadlineTimer((now) => this.expire(now));
  private readonly outbound = new Map<
    number,
    { resolve(v: unknown): void; reject(e: Error): void; scope: CallScope | undefined }
  >();
  private nextId = 1;
  private tools: Record<string, ToolHandler> | null = null;
  private llmProviders: Record<string, LlmProviderHandler> | null = null;
  private readonly ownMeta: CallMeta;

  constructor(
    private readonly init: InitMessage,
    private readonly definition: ExtensionDefinition,
  ) {
    this.ownMeta = {
      extensionId: init.extensionId,
      extensionVersion: init.extensionVersion,
      actor: null,
      traceId: '0'.repeat(32),
    };
  }

  /** The trace id of the call whose code is running now, if any. */
  currentTraceId(): string | null {
    return this.scope.getStore()?.meta.traceId ?? null;
  }

  receive(message: HostToExtensionMessage): void {
    switch (message.kind) {
      case 'request':
        this.serve(message);
        return;
      case 'response':
        this.settle(message);
        return;
      case 'cancel': {
        const scope = this.inbound.get(message.id);
        if (scope) this.abort(scope, new RpcError('cancelled', 'the platform cancelled the call'));
        return;
      }
      case 'ping':
        send({ kind: 'pong', seq: message.seq, rssBytes: process.memoryUsage.rss() });
        return;
      default:
        return;
    }
  }

  private serve(request: RpcRequest): void {
    const scope: CallScope = {
      meta: request.meta,
      controller: new AbortController(),
      deadline: performance.now() + request.deadlineMs,
      deadlineMs: request.deadlineMs,
      hostCalls: null,
    };
    this.inbound.set(request.id, scope);
    this.deadlines.schedule(scope.deadline);
    const done = () => {
      this.inbound.delete(request.id);
      if (this.inbound.size === 0) this.deadlines.idle();
    };
    let work: unknown;
    try {
      work = this.scope.run(scope, this.dispatch, request, scope.controller.signal);
    } catch (error) {
      work = Promise.reject(error);
    }
    // A tool's promise is awaited once, here: no async wrapper around it.
    Promise.resolve(work).then(
      (result) => {
        done();
        send({ kind: 'response', id: request.id, result });
      },
      (error: unknown) => {
        done();
        send({ kind: 'response', id: request.id, error: toShape(error) });
      },
    );
  }

  /** Aborts the calls past their deadline; returns the next deadline. */
  private expire(now: number): number {
    let next = Infinity;
    for (const scope of this.inbound.values()) {
      if (scope.controller.signal.aborted) continue;
      if (scope.deadline <= now)
        this.abort(scope, new RpcError('deadline_exceeded', `deadline of ${scope.deadlineMs} ms passed`));
      else if (scope.deadline < next) next = scope.deadline;
    }
    return next;
  }

  /** Ends a call early: its signal aborts, and the host calls it is waiting for are abandoned. */
  private abort(scope: CallScope, reason: RpcError): void {
    scope.controller.abort(reason);
    if (!scope.hostCalls) return;
    for (const id of scope.hostCalls) {
      const pending = this.outbound.get(id);
      this.outbound.delete(id);
      send({ kind: 'cancel', id });
      pending?.reject(reason);
    }
    scope.hostCalls.clear();
  }

  /**
   * Runs a request inside its call scope and returns the handler's result as it is (a value or a
   * promise); `serve` awaits it once.
   */
  private readonly dispatch = (request: RpcRequest, signal: AbortSignal): unknown => {
    switch (request.method as keyof ExtensionMethods) {
      case 'activate':
        return this.activate();
      case 'deactivate':
        return this.deactivate();
      case 'mcp.callTool': {
        const params = request.params as ExtensionMethods['mcp.callTool']['params'];
        if (!this.tools) throw new RpcError('extension_unavailable', 'the extension is not activated');
        const tool = Object.hasOwn(this.tools, params.name) ? this.tools[params.name] : undefined;
        if (!tool) throw new RpcError('not_found', `the extension has no tool "${params.name}"`);
        return tool(params.arguments ?? {}, callContext(request, signal));
      }
      case 'llm.generate': {
        const params = request.params as ExtensionMethods['llm.generate']['params'];
        return this.llmProvider(params.provider).generate(params.request, callContext(request, signal));
      }
      case 'llm.stream': {
        const params = request.params as ExtensionMethods['llm.stream']['params'];
        const events = this.llmProvider(params.provider).stream(params.request, callContext(request, signal));
        return streamLlm(request.id, params.provider, events, signal);
      }
      default:
        throw new RpcError('not_found', `unknown method ${String(request.method)}`);
    }
  };

  private llmProvider(id: string): LlmProviderHandler {
    if (!this.llmProviders) throw new RpcError('extension_unavailable', 'the extension is not activated');
    const provider = Object.hasOwn(this.llmProviders, id) ? this.llmProviders[id] : undefined;
    if (!provider) throw new RpcError('not_found', `the extension has no LLM provider "${id}"`);
    return provider;
  }

  private async activate(): Promise<ExtensionMethods['activate']['result']> {
    const activation: Activation =
      (await this.definition.activate(this.hostApi(), {
        extensionId: this.init.extensionId,
        extensionVersion: this.init.extensionVersion,
        packageDir: this.init.packageDir,
        permissions: this.init.permissions,
      })) ?? {};
    this.tools = { ...activation.tools };
    this.llmProviders = { ...activation.llmProviders };
    return { tools: Object.keys(this.tools), llmProviders: Object.keys(this.llmProviders) };
  }

  private async deactivate(): Promise<ExtensionMethods['deactivate']['result']> {
    await this.definition.deactivate?.();
    this.tools = null;
    this.llmProviders = null;
    return {};
  }

  private settle(response: RpcResponse): void {
    const pending = this.outbound.get(response.id);
    if (!pending) return;
    this.outbound.delete(response.id);
    pending.scope?.hostCalls?.delete(response.id);
    if (response.error) pending.reject(RpcError.fromShape(response.error));
    else pending.resolve(response.result);
  }

  /** Calls the platform, on behalf of the current tool call if there is one. */
  private callHost<M extends HostMethod>(
    method: M,
    params: HostMethods[M]['params'],
  ): Promise<HostMethods[M]['result']> {
    const required = requiredPermission(method, params);
    if (!isGranted(this.init.permissions, required.capability, required.qualifier)) {
      const needed = required.qualifier
        ? `${required.capability}:${required.qualifier}`
        : required.capability;
      return Promise.reject(
        new RpcError(
          'permission_denied',
          `${method} needs the permission "${needed}", which this extension was not granted`,
        ),
      );
    }
    const scope = this.scope.getStore();
    const deadlineMs = scope
      ? Math.max(1, Math.round(scope.deadline - performance.now()))
      : OWN_CALL_DEADLINE_MS;
    if (scope?.controller.signal.aborted) return Promise.reject(scope.controller.signal.reason as Error);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (scope) (scope.hostCalls ??= new Set()).add(id);
      this.outbound.set(id, { resolve: resolve as (value: unknown) => void, reject, scope });
      send({ kind: 'request', id, method, params, meta: scope?.meta ?? this.ownMeta, deadlineMs });
    });
  }

  /** The host API of this extension: what the platform granted, nothing more. */
  private hostApi(): HostApi {
    const log = (level: 'debug' | 'info' | 'warn' | 'error') => (message: string, data?: unknown) =>
      send(
        data === undefined
          ? { kind: 'log', level, message: String(message) }
          : { kind: 'log', level, message: String(message), data },
      );
    return Object.freeze({
      secrets: Object.freeze({
        read: async (name: string) => (await this.callHost('secrets.read', { name })).value,
      }),
      queue: Object.freeze({
        enqueue: (
          queue: string,
          payload: unknown,
          options?: HostMethods['queue.enqueue']['params']['options'],
        ) =>
          this.callHost(
            'queue.enqueue',
            options === undefined ? { queue, payload } : { queue, payload, options },
          ),
      }),
      notifications: Object.freeze({
        send: async (notification: HostMethods['notifications.send']['params']) => {
          await this.callHost('notifications.send', notification);
        },
      }),
      llm: Object.freeze({
        generate: (request: HostMethods['llm.generate']['params']) => this.callHost('llm.generate', request),
      }),
      log: Object.freeze({ debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') }),
      storage: Object.freeze({ dir: this.init.dataDir }),
      settings: Object.freeze({ ...this.init.settings }),
      connectors: deepFreeze(structuredClone(this.init.connectors)),
    });
  }
}

/** Freezes plain JSON data all the way down (setup values may nest objects and arrays). */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const member of Object.values(value)) deepFreeze(member);
    Object.freeze(value);
  }
  return value;
}

function callContext(request: RpcRequest, signal: AbortSignal): CallContext {
  return { signal, actor: request.meta.actor, traceId: request.meta.traceId };
}

/**
 * Serves `llm.stream`: sends each event of the provider's stream but the `finish` as a chunk of
 * request `id`, and answers with the finish event's response. When the call's signal aborts
 * (cancel, deadline) the iteration stops at once and the provider's iterator is told to end
 * (`return()`), as `for await` would on `break`; a stream that ends without `finish` is the
 * provider's bug and fails the call naming it.
 */
async function streamLlm(
  id: number,
  provider: string,
  events: AsyncIterable<LlmStreamEvent>,
  signal: AbortSignal,
): Promise<LlmResponse> {
  const iterator = events[Symbol.asyncIterator]();
  let exhausted = false;
  try {
    for (;;) {
      const step = await untilAborted(iterator.next(), signal);
      if (step.done) {
        exhausted = true;
        throw new RpcError(
          'extension_error',
          `LLM provider "${provider}" ended its stream without a finish event`,
        );
      }
      if (step.value.type === 'finish') return step.value.response;
      send({ kind: 'chunk', id, data: step.value });
    }
  } finally {
    if (!exhausted) closeIterator(iterator);
  }
}

/**
 * Tells a provider's iterator that nobody reads it any more, so a generator runs its `finally`.
 * Not awaited, and its failure ignored: a provider's cleanup must not hold back the answer (or
 * the cancellation), nor replace it.
 */
function closeIterator(iterator: AsyncIterator<unknown>): void {
  try {
    iterator.return?.()?.catch(() => undefined);
  } catch {
    // A hand-written iterator whose return() throws: its own business.
  }
}

/** `step`, or the signal's reason as soon as it aborts (an iterator may not watch the signal itself). */
function untilAborted<T>(step: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    step.catch(() => undefined);
    return Promise.reject(signal.reason as Error);
  }
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    step.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error as Error);
      },
    );
  });
}

function toShape(error: unknown): RpcErrorShape {
  if (error instanceof RpcError) return error.toShape();
  if (isRpcErrorLike(error)) {
    return error.data === undefined
      ? { code: error.code, message: error.message }
      : { code: error.code, message: error.message, data: error.data };
  }
  return { code: 'extension_error', message: describe(error) };
}

/**
 * An `RpcError` (an `LlmProviderError` among them) from a copy of the SDK bundled into the
 * extension rather than the one the runtime provides: another class, the same contract. Its code
 * and data cross as they are, so a bundled provider's `rate_limited` still reaches the
 * orchestrator as `provider_error` with its `retryAfterMs`.
 */
function isRpcErrorLike(error: unknown): error is Error & Pick<RpcError, 'code' | 'data'> {
  return (
    error instanceof Error &&
    error.name === 'RpcError' &&
    typeof (error as { code?: unknown }).code === 'string'
  );
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && !error.message.includes(code)
    ? `${code}: ${error.message}`
    : error.message;
}
