import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Ajv from 'ajv';
import {
  DEFAULT_RESOURCES,
  HOST_API_VERSION,
  type ExtensionManifest,
  type Resources,
} from '../manifest/ExtensionManifest.js';
import { checkToolArguments } from '../manifest/toolArguments.js';
import { engineSatisfied, parsePermission, validateManifest } from '../manifest/validateManifest.js';
import { isGranted, requiredPermission } from '../protocol/grants.js';
import { checkHostParams, notificationRecipient } from '../protocol/hostParams.js';
import type { LlmRequest, LlmResponse, LlmStreamEvent } from '../protocol/llm.js';
import {
  RpcError,
  type CallMeta,
  type CallToolResult,
  type ConnectorSetups,
  type HostMethod,
  type HostMethods,
} from '../protocol/messages.js';
import {
  ExtensionProcess,
  type ExtensionProcessExit,
  type PermissionDenial,
  type ProcessLogger,
} from '../process/ExtensionProcess.js';
import type { EgressTarget } from '../process/EgressProxy.js';
import {
  connectorSetups,
  effectiveSettings,
  networkHosts,
  type SettingValue,
} from '../process/launchInputs.js';
import { streamedCall } from '../process/streamedCall.js';

/** The user tool calls are made for unless a test says otherwise. */
export const TEST_ACTOR: NonNullable<CallMeta['actor']> = {
  principalId: '00000000-0000-4000-8000-00000000a11c',
  principalType: 'user',
};

/** Replaces the harness's answer to one host method; grants are checked before it runs. */
export type HostMethodOverride<M extends HostMethod> = (
  params: HostMethods[M]['params'],
  meta: CallMeta,
) => HostMethods[M]['result'] | Promise<HostMethods[M]['result']>;

export interface StartExtensionOptions {
  /**
   * The permissions an operator granted, as written in the manifest. Default: everything the
   * manifest requests. Each must be one the manifest requests, as on the platform.
   */
  permissions?: string[];
  /** Operator's settings values; manifest defaults fill the rest. */
  settings?: Record<string, SettingValue>;
  /**
   * Connector setup values by connector id, as a platform admin would have saved them
   * (`host.connectors`). Each connector must be declared with a `setupSchema`, and its values
   * must match it. Default: no connector is set up.
   */
  connectors?: ConnectorSetups;
  /** Kernel secrets by name, answered to `host.secrets.read` (with the matching grant only). */
  secrets?: Record<string, string>;
  /** Own answers to host methods (e.g. a queue.enqueue that fails); grants are checked first. */
  hostApi?: { [M in HostMethod]?: HostMethodOverride<M> };
  /**
   * Hosts the egress proxy lets through (`host` = ports 80/443, or `host:port`). Default: the
   * hosts the granted `network:` permissions name, `${settings.x}` resolved, as on the platform.
   * Each given host must be one of those: a test cannot reach what the platform would refuse.
   */
  network?: string[];
  /** Overrides of the manifest's `resources` (e.g. a short `callTimeoutMs`). */
  resources?: Partial<Resources>;
}

/** Options of one call to the extension: a tool call or an LLM provider call. */
export interface ToolCallOptions {
  /** Who the call is for; `null` for none. Default `TEST_ACTOR`. */
  actor?: CallMeta['actor'];
  deadlineMs?: number;
  signal?: AbortSignal;
}

export interface CapturedLog {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  /** The data the extension logged with the line, or the line's origin (`{ stream: 'stderr' }`). */
  fields: Record<string, unknown>;
}

export interface HostCall {
  method: string;
  params: unknown;
  meta: CallMeta;
  /** `allowed`, or the `RpcError` code it was refused with. */
  outcome: 'allowed' | RpcError['code'];
}

/** A running extension under test: call its tools, then look at what it did. */
export interface TestExtension {
  readonly name: string;
  readonly version: string;
  readonly manifest: ExtensionManifest;
  /** Tools `activate` returned handlers for. */
  readonly tools: readonly string[];
  /** LLM provider ids `activate` returned handlers for. */
  readonly llmProviders: readonly string[];
  readonly pid: number;
  /** The hosts its egress proxy lets through. */
  readonly networkHosts: readonly string[];
  /** Its writable data directory (with `storage`), removed by `stop`. */
  readonly dataDir: string | null;
  /** Calls a tool as the platform would (the tool must be declared in the manifest). */
  callTool(name: string, args?: Record<string, unknown>, options?: ToolCallOptions): Promise<CallToolResult>;
  /**
   * Calls one of its LLM providers as the platform's orchestrator would (the provider must be
   * declared under `contributes.llmProviders`): `generate` answers the whole response; `stream`
   * yields the deltas and tool calls the extension sent, then one `finish` event with the
   * response. A failed vendor call rejects (or makes the iterator throw) with the provider's
   * error: `LlmProviderError.from(error)` gives its kind and `retryAfterMs`.
   */
  readonly llm: {
    generate(provider: string, request: LlmRequest, options?: ToolCallOptions): Promise<LlmResponse>;
    stream(provider: string, request: LlmRequest, options?: ToolCallOptions): AsyncIterable<LlmStreamEvent>;
  };
  /** Everything the process logged: `host.log.*` lines, stdout and stderr. */
  readonly logs: CapturedLog[];
  /** Every host call it made, allowed or refused. */
  readonly hostCalls: HostCall[];
  readonly enqueued: Array<HostMethods['queue.enqueue']['params'] & { id: string; meta: CallMeta }>;
  readonly notifications: Array<HostMethods['notifications.send']['params'] & { recipient: string }>;
  /** Connections the egress proxy refused. */
  readonly egressDenied: Array<EgressTarget & { reason: string }>;
  /** Sandbox refusals (file access outside the grants, child processes, workers…), in order. */
  readonly permissionDenied: PermissionDenial[];
  /** Resolves when the process has ended, however it ended. */
  readonly exited: Promise<ExtensionProcessExit>;
  /** Deactivates the extension, ends its process and removes its data directory. */
  stop(): Promise<void>;
}

/**
 * Runs the extension in `dir` (a directory with its `package.json`) the way the platform does:
 * the manifest is validated first, then the extension runs in its own process under the same
 * sandbox (`ExtensionProcess`: Node permission model, own network namespace, egress proxy, empty
 * environment), receives the granted permissions and effective settings, and is activated. The
 * harness plays the platform's part: it answers host calls after the same grant check as the
 * platform (a call outside the grants fails with `permission_denied`), reads secrets from
 * `options.secrets`, and records enqueued jobs and notifications for assertions.
 *
 * The package is run from `dir` as it is (no packing or signing): build it first.
 */
export async function startExtension(
  dir: string,
  options: StartExtensionOptions = {},
): Promise<TestExtension> {
  const packageDir = await realpath(resolve(dir));
  const manifest = validateManifest(JSON.parse(await readFile(join(packageDir, 'package.json'), 'utf8')));
  if (!engineSatisfied(manifest)) {
    throw new Error(
      `${manifest.name} needs host API ${manifest.cinatra.engine}; this SDK provides ${HOST_API_VERSION}`,
    );
  }
  const requested = manifest.cinatra.permissions ?? [];
  const granted = [...new Set(options.permissions ?? requested)];
  for (const permission of granted) {
    if (!requested.includes(permission)) {
      throw new Error(
        `${manifest.name} does not request "${permission}": add it to cinatra.permissions in package.json`,
      );
    }
  }
  const settings = effectiveSettings(manifest, options.settings ?? {});
  for (const key of Object.keys(options.settings ?? {})) {
    if (!(key in settings)) throw new Error(`${manifest.name} declares no setting "${key}"`);
  }
  checkConnectorSetups(manifest, options.connectors ?? {});
  const connectors = connectorSetups(manifest, options.connectors ?? {});
  const grantedHosts = networkHosts(granted, settings);
  const hosts = options.network ?? grantedHosts;
  for (const host of hosts) {
    if (!grantedHosts.includes(host)) {
      throw new Error(
        `network host "${host}" is not granted (granted: ${grantedHosts.join(', ') || 'none'}); the manifest must declare network:${host} or network:\${settings.<uri setting>}`,
      );
    }
  }

  const logs: CapturedLog[] = [];
  const hostCalls: HostCall[] = [];
  const enqueued: TestExtension['enqueued'] = [];
  const notifications: TestExtension['notifications'] = [];
  const egressDenied: TestExtension['egressDenied'] = [];
  const permissionDenied: PermissionDenial[] = [];
  const secrets = options.secrets ?? {};
  const overrides = options.hostApi ?? {};

  const serve = async (method: string, params: unknown, meta: CallMeta): Promise<unknown> => {
    checkHostParams(method, params);
    const needed = requiredPermission(method, params as never);
    if (!isGranted(granted, needed.capability, needed.qualifier)) {
      const permission =
        needed.qualifier === null ? needed.capability : `${needed.capability}:${needed.qualifier}`;
      throw new RpcError(
        'permission_denied',
        `${manifest.name} has no grant for ${permission}; a platform admin must grant it.`,
      );
    }
    const override = overrides[method] as HostMethodOverride<typeof method> | undefined;
    if (override) return override(params as never, meta);
    switch (method) {
      case 'secrets.read': {
        const { name } = params as HostMethods['secrets.read']['params'];
        if (!Object.hasOwn(secrets, name)) {
          throw new RpcError('not_found', `There is no workspace secret named "${name}".`);
        }
        return { value: secrets[name]! };
      }
      case 'queue.enqueue': {
        const id = randomUUID();
        enqueued.push({ ...(params as HostMethods['queue.enqueue']['params']), id, meta });
        return { id };
      }
      case 'notifications.send': {
        const recipient = notificationRecipient(meta.actor);
        notifications.push({ ...(params as HostMethods['notifications.send']['params']), recipient });
        return {};
      }
      case 'llm.generate':
        throw new RpcError(
          'extension_unavailable',
          'The test harness has no models: answer llm.generate with hostApi: { "llm.generate": … }.',
        );
    }
  };

  const logger = capturingLogger(logs);
  const resources: Resources = { ...DEFAULT_RESOURCES, ...manifest.cinatra.resources, ...options.resources };
  const dataDir = granted.some((p) => parsePermission(p).capability === 'storage')
    ? await mkdtemp(join(tmpdir(), 'cinatra-ext-data-'))
    : null;
  let child: ExtensionProcess;
  try {
    child = await ExtensionProcess.start({
      extensionId: manifest.name,
      version: manifest.version,
      packageDir,
      dataDir,
      entry: manifest.cinatra.entry,
      resources,
      networkHosts: hosts,
      settings,
      connectors,
      permissions: granted.map(parsePermission),
      hostApi: async (method, params, meta) => {
        try {
          const result = await serve(method, params, meta);
          hostCalls.push({ method, params, meta, outcome: 'allowed' });
          return result;
        } catch (error) {
          hostCalls.push({
            method,
            params,
            meta,
            outcome: error instanceof RpcError ? error.code : 'internal_error',
          });
          throw error;
        }
      },
      onEgressDenied: (target, reason) => egressDenied.push({ ...target, reason }),
      onPermissionDenied: (denial) => permissionDenied.push(denial),
      logger,
    });
  } catch (error) {
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  const exited = new Promise<ExtensionProcessExit>((done) => child.once('exit', done));
  const ownMeta = (actor: CallMeta['actor']): CallMeta => ({
    extensionId: manifest.name,
    extensionVersion: manifest.version,
    actor,
    traceId: randomUUID().replaceAll('-', ''),
  });

  let tools: string[];
  let llmProviders: string[];
  try {
    ({ tools, llmProviders } = await child.call('activate', {}, { meta: ownMeta(null) }));
  } catch (error) {
    await child.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
    throw new Error(`${manifest.name} failed to activate: ${(error as Error).message}`, { cause: error });
  }
  const declared = new Map((manifest.cinatra.contributes.mcpTools ?? []).map((tool) => [tool.name, tool]));
  const declaredProviders = new Set((manifest.cinatra.contributes.llmProviders ?? []).map((p) => p.id));
  const providerCall = (provider: string, call: ToolCallOptions) => {
    if (!declaredProviders.has(provider)) {
      throw new RpcError(
        'not_found',
        `${manifest.name} declares no LLM provider "${provider}" in cinatra.contributes.llmProviders`,
      );
    }
    return {
      meta: ownMeta(call.actor === undefined ? TEST_ACTOR : call.actor),
      deadlineMs: call.deadlineMs ?? resources.callTimeoutMs,
    };
  };

  return {
    name: manifest.name,
    version: manifest.version,
    manifest,
    tools,
    llmProviders,
    pid: child.pid,
    networkHosts: hosts,
    dataDir,
    logs,
    hostCalls,
    enqueued,
    notifications,
    egressDenied,
    permissionDenied,
    exited,
    async callTool(name, args = {}, call = {}) {
      const tool = declared.get(name);
      if (!tool) {
        throw new RpcError(
          'not_found',
          `${manifest.name} declares no tool "${name}" in cinatra.contributes.mcpTools`,
        );
      }
      checkToolArguments(tool, args); // as the platform does before a call reaches the extension
      return child.call(
        'mcp.callTool',
        { name, arguments: args },
        {
          meta: ownMeta(call.actor === undefined ? TEST_ACTOR : call.actor),
          deadlineMs: call.deadlineMs ?? resources.callTimeoutMs,
          signal: call.signal,
        },
      );
    },
    llm: {
      async generate(provider, request, call = {}) {
        return child.call(
          'llm.generate',
          { provider, request },
          { ...providerCall(provider, call), signal: call.signal },
        );
      },
      stream(provider, request, call = {}) {
        return streamedCall(
          (onChunk, signal) =>
            child.call(
              'llm.stream',
              { provider, request },
              { ...providerCall(provider, call), signal, onChunk },
            ),
          (response): LlmStreamEvent => ({ type: 'finish', response }),
          call.signal,
        );
      },
    },
    async stop() {
      if (child.running) {
        await child.call('deactivate', {}, { meta: ownMeta(null), deadlineMs: 2_000 }).catch(() => undefined);
        await child.stop();
      }
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Refuses setups the platform would: undeclared connectors, nothing to set up, values off the
 * schema. Formats (`uri`…) are left to the platform, which checks them when an admin saves.
 */
function checkConnectorSetups(manifest: ExtensionManifest, setups: ConnectorSetups): void {
  if (Object.keys(setups).length === 0) return;
  // A compiler per start: a schema with an `$id` cannot be added to one compiler twice.
  const compiler = new Ajv.default({ strict: false, allErrors: true, validateFormats: false });
  const declared = new Map((manifest.cinatra.contributes.connectors ?? []).map((c) => [c.id, c]));
  for (const [id, values] of Object.entries(setups)) {
    const connector = declared.get(id);
    if (!connector) throw new Error(`${manifest.name} declares no connector "${id}"`);
    if (!connector.setupSchema) {
      throw new Error(
        `connector "${id}" of ${manifest.name} declares no setupSchema: there is nothing to set up`,
      );
    }
    const validate = compiler.compile(connector.setupSchema);
    if (!validate(values)) {
      const failures = (validate.errors ?? []).map((error) => {
        const missing = (error.params as { missingProperty?: string }).missingProperty;
        return `${error.instancePath}${missing ? `/${missing}` : ''} ${error.message ?? 'is invalid'}`;
      });
      throw new Error(
        `the setup of connector "${id}" does not match its setupSchema: ${failures.join('; ')}`,
      );
    }
  }
}

function capturingLogger(logs: CapturedLog[]): ProcessLogger {
  const at =
    (level: CapturedLog['level']) =>
    (fields: Record<string, unknown>, message: string): void => {
      // The process wraps what the extension logged as `{ data }`; keep it as the fields.
      const data = fields.data;
      logs.push({
        level,
        message,
        fields: !('data' in fields)
          ? fields
          : typeof data === 'object' && data !== null
            ? (data as Record<string, unknown>)
            : data === undefined
              ? {}
              : { value: data },
      });
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
