import { setTimeout as sleep } from 'node:timers/promises';
import { inject, injectable, type InjectionToken } from 'tsyringe';
import {
  AUDIT_LOG,
  AUTHORIZER,
  DATABASE,
  KernelError,
  LIFECYCLE,
  LOGGER,
  NOTIFICATIONS,
  SECRET_STORE,
  WORKSPACE,
  currentActor,
  currentScope,
  notFound,
  runAsActor,
  systemActor,
  type AuditLog,
  type Authorizer,
  type Database,
  type Lifecycle,
  type Logger,
  type Notifications,
  type SecretGrantee,
  type SecretStore,
} from '@cinatra/kernel';
import {
  DEFAULT_RESOURCES,
  HOST_API_VERSION,
  ManifestError,
  PackageVerificationError,
  RpcError,
  checkToolArguments,
  engineSatisfied,
  parsePermission,
  type CallMeta,
  type CallToolResult,
  type ConnectorSetups,
  type ExtensionManifest,
  type ExtensionMethods,
  type LlmResponse,
  type PackageVerificationCode,
  type TrustLookup,
  type TrustTier,
  type VerifiedPackage,
} from '@cinatra/sdk';
import {
  connectorSetups,
  effectiveSettings,
  isHttpUrl,
  networkHosts,
  type SettingValue,
} from '@cinatra/sdk/process';
import { connectorSetupErrors } from './connectorSetupErrors.js';
import {
  CONTRIBUTION_REGISTRY,
  llmProvidersOf,
  skillsOf,
  toolsOf,
  type ContributionRegistry,
} from './ContributionRegistry.js';
import {
  EXTENSION_SUPERVISOR,
  newTraceId,
  type ExtensionCrash,
  type ExtensionStartSpec,
  type ExtensionSupervisor,
} from './ExtensionSupervisor.js';
import {
  EXTENSION_LOG_BUFFER,
  type ExtensionLogBuffer,
  type ExtensionLogLine,
} from './ExtensionLogBuffer.js';
import { HOST_API_DISPATCHER, type HostApiDispatcher } from './HostApiDispatcher.js';
import { PACKAGE_STORE, type PackageStore } from './PackageStore.js';
import { TRUST_STORE, type TrustStore } from './trust/TrustStore.js';

export type ExtensionState =
  | 'installed'
  | 'active'
  | 'inactive'
  | 'disabled'
  | 'quarantined'
  | 'failed'
  /** Stopped by the install pipeline's archive: settings, grants and data kept; restore to use it. */
  | 'archived';
export type { SettingValue };

/** Why an extension last failed to load or run; shown in the API. */
export interface ExtensionLastError {
  /** A `PackageVerificationError` code, `manifest_invalid`, `engine_unsupported`, or a crash reason. */
  code: string;
  message: string;
  /** The file (verification) or JSON Pointer (manifest) at fault, if any. */
  path: string | null;
  at: string;
}

/**
 * Who signed the installed version, read from its signature bundle and the trust store as it is
 * now, without starting or re-verifying it (every load verifies). `verified`: the bundle names
 * a key the trust store trusts and no load has failed verification since. `failed`: the last
 * load failed verification (state `failed`, `lastError.code` a verification code), or the key is
 * revoked or unknown or the version revoked, so the next load will be refused. `unknown`: the
 * bundle cannot be read or names no key.
 */
export interface ExtensionSignature {
  status: 'verified' | 'failed' | 'unknown';
  /** `sha256:<hex>` of the signing key, as the bundle names it. */
  keyId: string | null;
  /** The key's publisher in the trust store. */
  publisher: string | null;
  /** The key's trust tier (`first-party`, `partner`, `community`, `private`). */
  tier: TrustTier | null;
}

/** A JSON Schema property of one manifest setting. */
export interface SettingSchemaProperty {
  type: 'string' | 'number' | 'boolean';
  description: string;
  default?: SettingValue;
  format?: 'uri';
  /** The value names a kernel secret (read with `secrets.read`), never the secret itself. */
  'x-cinatra-secret'?: true;
}

/** The manifest's `settings` as one JSON Schema object, for a settings form. */
export interface ExtensionSettingsSchema {
  type: 'object';
  properties: Record<string, SettingSchemaProperty>;
  additionalProperties: false;
}

/** A connector as the view lists it: what it is, what setting it up takes, and how it is set up. */
export interface ExtensionConnectorView {
  id: string;
  displayName: string;
  description?: string;
  /** The manifest's `setupSchema` (a JSON Schema object, rendered as a form); null: nothing to set up. */
  setupSchema: Record<string, unknown> | null;
  /** The values it was set up with (`PUT …/connectors/{id}/setup`), or null when never set up. */
  setup: Record<string, unknown> | null;
}

export interface ExtensionView {
  id: string;
  name: string;
  version: string;
  displayName: string;
  publisher: string | null;
  /** The trust tier of the key that signed the installed version (`signature.tier`). */
  tier: TrustTier | null;
  signature: ExtensionSignature;
  enabled: boolean;
  state: ExtensionState;
  /** Process id while a process runs. */
  pid: number | null;
  lastError: ExtensionLastError | null;
  requestedPermissions: string[];
  grantedPermissions: string[];
  settings: Record<string, SettingValue>;
  settingsSchema: ExtensionSettingsSchema;
  contributions: {
    mcpTools: Array<{
      name: string;
      title?: string;
      description: string;
      inputSchema: Record<string, unknown>;
    }>;
    llmProviders: Array<{ id: string; displayName: string; description?: string; models: string[] }>;
    skills: Array<{ id: string; displayName: string; description?: string }>;
    connectors: ExtensionConnectorView[];
    renderers: Array<{ id: string; displayName: string; description?: string; mimeTypes: string[] }>;
    dashboardWidgets: Array<{ id: string; displayName: string; description?: string }>;
  };
  activationEvents: string[];
  /** Crashes within the quarantine window. */
  recentCrashes: number;
  quarantinedAt: string | null;
  installedAt: string;
  updatedAt: string;
}

interface ExtensionRow {
  id: string;
  name: string;
  version: string;
  enabled: boolean;
  state: ExtensionState;
  grantedPermissions: string[];
  settings: Record<string, SettingValue>;
  /** Connector id → setup values (see `setConnectorSetup`). */
  connectorSetups: ConnectorSetups;
  crashTimes: string[];
  quarantinedAt: Date | null;
  lastError: ExtensionLastError | null;
  installedAt: Date;
  updatedAt: Date;
}

const TABLE = 'extensions';

/** Quarantine after this many crashes within the window. */
export const CRASH_BUDGET = 3;
export const CRASH_WINDOW_MS = 5 * 60_000;
/** Wait before restart n (n = crashes in the window): 500 ms, 1 s, 2 s … at most 30 s. */
export const restartDelayMs = (recentCrashes: number): number =>
  recentCrashes <= 0 ? 0 : Math.min(30_000, 500 * 2 ** (recentCrashes - 1));

export interface CallToolOptions {
  signal?: AbortSignal;
  /** Defaults to the manifest's `resources.callTimeoutMs`. */
  deadlineMs?: number;
  /** Added to the call's authorization audit event (the MCP gateway: `{ tool, via, sessionId }`). */
  auditMetadata?: Record<string, unknown>;
}

/** One call of an extension's LLM provider (`callLlm`). */
export interface CallLlmOptions {
  signal?: AbortSignal;
  /** Milliseconds the call may take (the orchestrator's per-attempt timeout); default the manifest's `resources.callTimeoutMs`. */
  deadlineMs?: number;
  /** The orchestrator's trace id of the call; default the current request's. */
  traceId?: string;
  /** `llm.stream` only: receives each delta and tool call as the extension sends it, before the call resolves. */
  onChunk?: (event: ExtensionMethods['llm.stream']['chunk']) => void;
}

/**
 * The installed extensions and what admins decide about them: enable/disable, reload,
 * granted permissions, settings, quarantine. Every transition is written to `extensions`
 * and audited.
 *
 * Loading is lazy and verified: no process runs until a contribution is first used
 * (`callTool`) or, for `onStartup` extensions, until the platform starts. Before EVERY
 * process start the package directory is verified against its signature bundle and the
 * current trust store and its manifest re-validated; a failure refuses the load, sets state
 * `failed` with the reason (`lastError.code` = the `PackageVerificationError` code) and is
 * audited as `extension.load_refused`.
 *
 * Crashes (including memory-limit kills, missed heartbeats and failed starts) are counted:
 * a crashed extension restarts on its next use after a back-off (`restartDelayMs`), and
 * `onStartup` extensions are restarted automatically after it; the third crash within five
 * minutes quarantines it (no restarts until an admin resets it; platform admins are
 * notified). Everything else keeps running.
 *
 * Grant, settings and connector setup changes stop the extension's process: the process receives
 * its grants, network allow-list, settings and connector setups when it starts, so the next use
 * starts it with the new ones.
 */
@injectable()
export class ExtensionManager {
  private closed = false;
  private readonly restartTimers = new Set<NodeJS.Timeout>();

  constructor(
    @inject(DATABASE) private readonly db: Database,
    @inject(AUTHORIZER) private readonly authorizer: Authorizer,
    @inject(AUDIT_LOG) private readonly audit: AuditLog,
    @inject(NOTIFICATIONS) private readonly notifications: Notifications,
    @inject(SECRET_STORE) private readonly secrets: SecretStore,
    @inject(LIFECYCLE) private readonly lifecycle: Lifecycle,
    @inject(LOGGER) private readonly logger: Logger,
    @inject(PACKAGE_STORE) private readonly packages: PackageStore,
    @inject(CONTRIBUTION_REGISTRY) private readonly contributions: ContributionRegistry,
    @inject(EXTENSION_SUPERVISOR) private readonly supervisor: ExtensionSupervisor,
    @inject(HOST_API_DISPATCHER) private readonly hostApi: HostApiDispatcher,
    @inject(TRUST_STORE) private readonly trust: TrustStore,
    @inject(EXTENSION_LOG_BUFFER) private readonly logBuffer: ExtensionLogBuffer,
  ) {
    this.supervisor.on('crash', (crash) => {
      void this.handleCrash(crash).catch((error: unknown) =>
        this.logger.error({ err: error, extension: crash.name }, 'could not record an extension crash'),
      );
    });
  }

  /**
   * Reads the enabled extensions' manifests into the contribution registry (no process
   * starts) and registers the shutdown of every process with the kernel's lifecycle.
   */
  async load(): Promise<void> {
    this.lifecycle.onClose('extensions', () => this.close());
    // Processes of a previous run are gone.
    await this.db
      .knex(TABLE)
      .where('state', 'active')
      .update({ state: 'inactive', updatedAt: this.db.knex.fn.now() });
    const rows = (await this.db.knex(TABLE).where('enabled', true)) as ExtensionRow[];
    for (const row of rows) {
      try {
        this.contributions.set(await this.packages.readManifest(row.name, row.version));
      } catch (error) {
        await runAsActor(systemActor(), () => this.refuseLoad(row, error));
      }
    }
  }

  /** Starts the `onStartup` extensions (in the background: a failing one is recorded, not fatal). */
  startStartupExtensions(): void {
    for (const name of this.contributions.startupExtensions()) this.activateInBackground(name);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.restartTimers) clearTimeout(timer);
    this.restartTimers.clear();
    await this.supervisor.stopAll();
  }

  /** `auditMetadata` is added to the read's authorization event (the MCP gateway: `{ via, sessionId, uri }`). */
  async list(
    filter: { name?: string } = {},
    auditMetadata: Record<string, unknown> = {},
  ): Promise<ExtensionView[]> {
    await this.authorize('list', undefined, auditMetadata);
    const query = this.db.knex(TABLE).orderBy('name');
    if (filter.name !== undefined) query.where('name', filter.name);
    const rows = (await query) as ExtensionRow[];
    const trust = await this.trust.lookup();
    return Promise.all(rows.map((row) => this.view(row, trust)));
  }

  async get(name: string, auditMetadata: Record<string, unknown> = {}): Promise<ExtensionView> {
    const row = await this.find(name);
    await this.authorize('read', row, auditMetadata);
    return this.view(row);
  }

  /**
   * The extension's last log lines, oldest first (see `ExtensionLogBuffer`): what its processes
   * logged, printed and were refused, and their crashes. Authorized as a read of the extension.
   */
  async logs(name: string): Promise<ExtensionLogLine[]> {
    const row = await this.find(name);
    await this.authorize('read', row, { part: 'logs' });
    return this.logBuffer.lines(name);
  }

  /** The name of the extension with this id (the HTTP API addresses extensions by id). */
  async nameOf(id: string): Promise<string> {
    const row = (await this.db.knex(TABLE).where('id', id).first('name')) as { name: string } | undefined;
    if (!row) throw notFound('Extension', id);
    return row.name;
  }

  /**
   * Registers a signed package (see `PackageStore.installFromTarball`), disabled and with no
   * grants. A new version of an installed extension replaces the old one; grants the new
   * manifest no longer requests are dropped.
   */
  async install(tgz: Buffer, bundleJson: unknown): Promise<ExtensionView> {
    await this.authorize('install');
    const { manifest, verified } = await this.packages.installFromTarball(tgz, bundleJson);
    const existing = (await this.db.knex(TABLE).where('name', manifest.name).first()) as
      ExtensionRow | undefined;
    if (existing) await this.supervisor.stop(existing.name);
    const requested = new Set(manifest.cinatra.permissions ?? []);
    const row = await this.db.knex.transaction(async (trx) => {
      const [saved] = (await trx(TABLE)
        .insert({ name: manifest.name, version: manifest.version, state: 'installed', enabled: false })
        .onConflict('name')
        .merge({
          version: manifest.version,
          state: nextInstallState(existing),
          grantedPermissions: JSON.stringify(
            (existing?.grantedPermissions ?? []).filter((p) => requested.has(p)),
          ),
          lastError: null,
          updatedAt: trx.fn.now(),
        })
        .returning('*')) as ExtensionRow[];
      await this.audit.recordInTransaction(trx, {
        operation: 'extension.installed',
        resourceType: 'extension',
        resourceId: manifest.name,
        metadata: {
          version: manifest.version,
          previousVersion: existing?.version ?? null,
          publisher: verified.publisher,
          keyId: verified.keyId,
          tier: verified.tier,
        },
      });
      return saved!;
    });
    if (row.enabled) this.contributions.set(manifest);
    return this.view(row);
  }

  /**
   * Enables the extension: its package is verified and its manifest validated now, so an
   * admin sees a refusal at once (state `failed`, `lastError`); its contributions are listed
   * from then on. `onStartup` extensions are started; others start on first use.
   */
  async enable(name: string): Promise<ExtensionView> {
    const row = await this.find(name);
    await this.authorize('enable', row);
    if (row.state === 'archived') {
      throw new KernelError('conflict', `${name} is archived; restore it to use it again.`);
    }
    if (row.state === 'quarantined') {
      throw new KernelError('conflict', `${name} is quarantined; reset the quarantine to let it run again.`);
    }
    await this.transition(row, { enabled: true, state: 'inactive', lastError: null }, 'extension.enabled');
    const manifest = await this.verifiedManifest({ ...row, enabled: true });
    if (manifest) {
      this.contributions.set(manifest);
      if (this.contributions.startupExtensions().includes(name))
        await this.activate(name).catch(() => undefined);
    }
    return this.get(name);
  }

  /** Disables the extension: its process stops, its contributions disappear, nothing starts it. */
  async disable(name: string): Promise<ExtensionView> {
    const row = await this.find(name);
    await this.authorize('disable', row);
    this.contributions.remove(name);
    await this.supervisor.stop(name);
    // A quarantine outlives disabling: only a reset clears it.
    const state = row.state === 'quarantined' ? 'quarantined' : 'disabled';
    await this.transition(row, { enabled: false, state }, 'extension.disabled');
    return this.get(name);
  }

  /**
   * Stops the process and forgets the loaded manifest: the package is verified and the
   * manifest re-read before the next start, which happens on next use (or now for
   * `onStartup` extensions). Clears a `failed` state so the next use tries again.
   */
  async reload(name: string): Promise<ExtensionView> {
    const row = await this.find(name);
    await this.authorize('reload', row);
    await this.supervisor.stop(name);
    if (!row.enabled) {
      await this.recordTransition(row, 'extension.reloaded', { state: row.state });
      return this.get(name);
    }
    if (row.state === 'quarantined') {
      throw new KernelError('conflict', `${name} is quarantined; reset the quarantine to let it run again.`);
    }
    await this.transition(row, { state: 'inactive', lastError: null }, 'extension.reloaded');
    const manifest = await this.verifiedManifest(row);
    if (manifest) {
      this.contributions.set(manifest);
      if (this.contributions.startupExtensions().includes(name)) this.activateInBackground(name);
    } else {
      this.contributions.remove(name);
    }
    return this.get(name);
  }

  /**
   * Replaces the granted permissions. Each must be one the manifest requests (a network host
   * must be declared AND granted). Granting `secrets.read:<name>` also grants the workspace
   * secret `<name>` to the extension in the secret store when it exists (the secret store
   * requires an explicit grant to the extension; apply the grants again after creating the
   * secret). The running process stops: the next use starts it with the new grants.
   */
  async setGrants(name: string, permissions: string[]): Promise<ExtensionView> {
    const row = await this.find(name);
    await this.authorize('grant', row);
    const manifest = await this.packages.readManifest(row.name, row.version).catch(() => null);
    const requested = new Set(manifest?.cinatra.permissions ?? []);
    const granted = [...new Set(permissions)];
    for (const [index, permission] of granted.entries()) {
      if (!requested.has(permission)) {
        throw new KernelError('validation_failed', `${name} does not request "${permission}".`, {
          errors: [
            { path: `/body/permissions/${index}`, message: 'is not a permission the manifest requests' },
          ],
        });
      }
    }
    const added = granted.filter((p) => !row.grantedPermissions.includes(p));
    const removed = row.grantedPermissions.filter((p) => !granted.includes(p));
    await this.supervisor.stop(name);
    await this.transition(
      row,
      { grantedPermissions: granted, state: row.state === 'active' ? 'inactive' : row.state },
      'extension.grants_changed',
      { added, removed, granted },
    );
    await this.syncSecretGrants(name, granted, removed);
    return this.get(name);
  }

  async grant(name: string, permissions: string[]): Promise<ExtensionView> {
    const row = await this.find(name);
    return this.setGrants(name, [...new Set([...row.grantedPermissions, ...permissions])]);
  }

  async revoke(name: string, permissions: string[]): Promise<ExtensionView> {
    const row = await this.find(name);
    return this.setGrants(
      name,
      row.grantedPermissions.filter((p) => !permissions.includes(p)),
    );
  }

  /**
   * Sets settings values (`null` removes one, falling back to its default). Each must be
   * declared in the manifest with the matching type; `uri` settings must be http(s) URLs.
   */
  async setSettings(name: string, values: Record<string, SettingValue | null>): Promise<ExtensionView> {
    const row = await this.find(name);
    await this.authorize('configure', row);
    const manifest = await this.packages.readManifest(row.name, row.version);
    const declared = manifest.cinatra.settings ?? {};
    const next: Record<string, SettingValue> = { ...row.settings };
    for (const [key, value] of Object.entries(values)) {
      const setting = declared[key];
      const fail = (message: string) => {
        throw new KernelError('validation_failed', `Setting "${key}" ${message}.`, {
          errors: [{ path: `/body/values/${key}`, message }],
        });
      };
      if (!setting) fail(`is not declared by ${name}`);
      if (value === null) {
        delete next[key];
        continue;
      }
      if (typeof value !== setting!.type) fail(`must be a ${setting!.type}`);
      if (setting!.format === 'uri' && !isHttpUrl(value as string)) fail('must be an http(s) URL');
      next[key] = value;
    }
    await this.supervisor.stop(name);
    await this.transition(
      row,
      { settings: next, state: row.state === 'active' ? 'inactive' : row.state },
      'extension.settings_changed',
      { keys: Object.keys(values) },
    );
    return this.get(name);
  }

  /**
   * Sets one connector up: replaces its setup values with `values`, which must match the
   * connector's declared `setupSchema` (every failing field is named, at `/body/values/<field>`;
   * a field marked `x-cinatra-secret` must name a kernel secret). Nothing is stored when any
   * check fails. The running process stops: the next use starts it with the new values
   * (`host.connectors`). Audited as `extension.connector_configured` with the connector and the
   * keys set, never the values.
   */
  async setConnectorSetup(
    name: string,
    connectorId: string,
    values: Record<string, unknown>,
  ): Promise<ExtensionView> {
    const row = await this.find(name);
    await this.authorize('configure', row);
    const manifest = await this.packages.readManifest(row.name, row.version);
    const connector = manifest.cinatra.contributes.connectors?.find((c) => c.id === connectorId);
    if (!connector) {
      throw new KernelError('not_found', `${name} ${row.version} declares no connector "${connectorId}".`);
    }
    if (!connector.setupSchema) {
      throw new KernelError(
        'not_found',
        `Connector "${connectorId}" of ${name} has nothing to set up: its manifest declares no setupSchema.`,
      );
    }
    const errors = connectorSetupErrors(connector.setupSchema, values);
    if (errors.length > 0) {
      throw new KernelError(
        'validation_failed',
        `The setup of ${connector.displayName} was refused: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}.`,
        { errors },
      );
    }
    await this.supervisor.stop(name);
    await this.transition(
      row,
      {
        connectorSetups: { ...row.connectorSetups, [connectorId]: values },
        state: row.state === 'active' ? 'inactive' : row.state,
      },
      'extension.connector_configured',
      { connector: connectorId, keys: Object.keys(values) },
    );
    return this.get(name);
  }

  /** Lets a quarantined extension run again (its crash count starts from zero). */
  async resetQuarantine(name: string): Promise<ExtensionView> {
    const row = await this.find(name);
    await this.authorize('reset_quarantine', row);
    if (row.state !== 'quarantined') throw new KernelError('conflict', `${name} is not quarantined.`);
    await this.transition(
      row,
      { state: row.enabled ? 'inactive' : 'disabled', crashTimes: [], quarantinedAt: null, lastError: null },
      'extension.quarantine_reset',
    );
    if (row.enabled) {
      const manifest = await this.verifiedManifest(row);
      if (manifest) this.contributions.set(manifest);
    }
    return this.get(name);
  }

  /**
   * Calls one of an enabled extension's MCP tools for the current actor, starting (and
   * verifying) the extension first if it does not run. Rejects with an `RpcError`:
   * `not_found` (no such extension or tool), `extension_unavailable` (disabled, quarantined,
   * refused to load), or what the call itself failed with (`deadline_exceeded`, …).
   */
  async callTool(
    extension: string,
    toolName: string,
    args: Record<string, unknown>,
    options: CallToolOptions = {},
  ): Promise<CallToolResult> {
    const row = await this.find(extension).catch(() => null);
    if (!row) throw new RpcError('not_found', `Extension ${extension} is not installed.`);
    if (row.enabled && (row.state === 'quarantined' || row.state === 'failed')) {
      // Its tools are not listed, but say why rather than "no such tool".
      throw new RpcError('extension_unavailable', unavailableReason(row));
    }
    const tool = this.contributions.mcpTool(extension, toolName);
    if (!tool) {
      throw new RpcError('not_found', `No enabled extension ${extension} contributes a tool "${toolName}".`);
    }
    checkToolArguments(tool, args);
    // The tool is the resource's part: a token scope may narrow calls to one tool.
    await this.authorize('call_tool', row, { tool: toolName, ...options.auditMetadata }, toolName);
    await this.activate(extension);
    const scope = currentScope();
    const actor = scope.actor;
    const callActor: CallMeta['actor'] =
      actor.principalType === 'anonymous'
        ? null
        : { principalId: actor.principalId, principalType: actor.principalType };
    const manifest = this.contributions.manifest(extension)!;
    const traceId = scope.requestId ? scope.requestId.replaceAll('-', '') : newTraceId();
    // Host calls the tool makes for this actor (llm.generate) act with the actor's full context.
    return this.hostApi.actingFor(traceId, actor, () =>
      this.supervisor.call(
        extension,
        'mcp.callTool',
        { name: toolName, arguments: args },
        {
          actor: callActor,
          traceId,
          deadlineMs:
            options.deadlineMs ??
            manifest.cinatra.resources?.callTimeoutMs ??
            DEFAULT_RESOURCES.callTimeoutMs,
          signal: options.signal,
        },
      ),
    );
  }

  /**
   * Calls the LLM provider `params.provider` of an enabled extension for the current actor,
   * starting (and verifying) the extension first if it does not run: the provider's first use is
   * its `onLlmProvider:<id>` activation. `llm.stream` reports deltas through `onChunk` and
   * resolves with the whole response. Rejects with an `RpcError`: `not_found` (no such extension
   * or provider), `extension_unavailable` (disabled, quarantined, refused to load, or its
   * process ended mid-call), `provider_error` (the vendor call failed; `LlmProviderError.from`
   * reads it), or what the call itself failed with (`deadline_exceeded`, `cancelled`, …).
   *
   * Authorization, budgets and metering are the kernel's LLM orchestration's, which is the only
   * caller: this is the transport to the extension process.
   */
  async callLlm(
    extension: string,
    method: 'llm.generate' | 'llm.stream',
    params: ExtensionMethods['llm.generate']['params'],
    options: CallLlmOptions = {},
  ): Promise<LlmResponse> {
    const row = await this.find(extension).catch(() => null);
    if (!row) throw new RpcError('not_found', `Extension ${extension} is not installed.`);
    if (row.enabled && (row.state === 'quarantined' || row.state === 'failed')) {
      throw new RpcError('extension_unavailable', unavailableReason(row));
    }
    const manifest = this.contributions.manifest(extension);
    if (!manifest || !llmProvidersOf(manifest).some((provider) => provider.id === params.provider)) {
      throw new RpcError(
        'not_found',
        `No enabled extension ${extension} contributes an LLM provider "${params.provider}".`,
      );
    }
    await this.activate(extension);
    const scope = currentScope();
    const call = {
      actor: callActorOf(scope.actor),
      traceId: options.traceId ?? (scope.requestId ? scope.requestId.replaceAll('-', '') : newTraceId()),
      deadlineMs:
        options.deadlineMs ?? manifest.cinatra.resources?.callTimeoutMs ?? DEFAULT_RESOURCES.callTimeoutMs,
      signal: options.signal,
    };
    return method === 'llm.stream'
      ? this.supervisor.call(extension, 'llm.stream', params, { ...call, onChunk: options.onChunk })
      : this.supervisor.call(extension, 'llm.generate', params, call);
  }

  /** Process id and resident memory of a running extension (diagnostics, benchmarks). */
  processInfo(name: string): { pid: number | null; rssBytes: number | null } {
    return { pid: this.supervisor.pid(name), rssBytes: this.supervisor.rssBytes(name) };
  }

  /**
   * Makes sure the extension runs: waits out a crash back-off, verifies the package and
   * starts the process. Used by every contribution's first use; exported for `onStartup`
   * and benchmarks.
   */
  async activate(name: string): Promise<void> {
    if (this.supervisor.isRunning(name)) return;
    const row = await this.find(name);
    if (!row.enabled) throw new RpcError('extension_unavailable', `${name} is disabled.`);
    if (row.state === 'quarantined') throw new RpcError('extension_unavailable', unavailableReason(row));
    const recent = recentCrashes(row.crashTimes);
    if (recent.length > 0) {
      const wait = Date.parse(recent.at(-1)!) + restartDelayMs(recent.length) - Date.now();
      if (wait > 0) await sleep(wait);
    }
    if (this.supervisor.isRunning(name)) return;
    const manifest = await this.verifiedManifest(row);
    if (!manifest) throw new RpcError('extension_unavailable', unavailableReason(await this.find(name)));
    this.contributions.set(manifest);
    await this.supervisor.ensureStarted(
      await this.startSpec(
        name,
        row.version,
        manifest,
        row.grantedPermissions,
        row.settings,
        row.connectorSetups,
      ),
    );
    await this.db
      .knex(TABLE)
      .where({ name, state: row.state })
      .update({ state: 'active', updatedAt: this.db.knex.fn.now() });
    if (row.state !== 'active') {
      await this.audit.record({
        operation: 'extension.activated',
        resourceType: 'extension',
        resourceId: name,
        metadata: { version: row.version, from: row.state, to: 'active', pid: this.supervisor.pid(name) },
      });
    }
  }

  /**
   * Health check of an installed version beside the current one (the install pipeline, before
   * it switches): verifies that version's files against its bundle and the trust store, its
   * manifest, engine range and publisher, then starts it in a probe process with these grants,
   * settings and connector setups and activates it. Rejects with the reason; touches no row,
   * counts no crash.
   */
  async probeVersion(
    name: string,
    version: string,
    grantedPermissions: readonly string[],
    storedSettings: Record<string, SettingValue>,
    storedConnectorSetups: ConnectorSetups = {},
  ): Promise<void> {
    const verified = await this.packages.verify(name, version);
    const manifest = await this.packages.readManifest(name, version);
    if (!engineSatisfied(manifest)) {
      throw new KernelError(
        'conflict',
        `${name}@${version} needs host API ${manifest.cinatra.engine}; this host provides ${HOST_API_VERSION}.`,
      );
    }
    if (manifest.cinatra.publisher !== verified.publisher) {
      throw new PackageVerificationError(
        'publisher_mismatch',
        `The manifest names publisher ${manifest.cinatra.publisher}, the signing key belongs to ${verified.publisher}.`,
      );
    }
    await this.supervisor.probe(
      await this.startSpec(
        name,
        version,
        manifest,
        grantedPermissions,
        storedSettings,
        storedConnectorSetups,
      ),
    );
  }

  /**
   * What a process of `name@version` starts with: its package, grants, data dir, settings and
   * connector setups.
   */
  private async startSpec(
    name: string,
    version: string,
    manifest: ExtensionManifest,
    grantedPermissions: readonly string[],
    storedSettings: Record<string, SettingValue>,
    storedConnectorSetups: ConnectorSetups,
  ): Promise<ExtensionStartSpec> {
    const granted = grantedPermissions.map(parsePermission);
    const settings = effectiveSettings(manifest, storedSettings);
    return {
      name,
      version,
      packageDir: this.packages.packageDir(name, version),
      dataDir: granted.some((p) => p.capability === 'storage')
        ? await this.packages.ensureDataDir(name)
        : null,
      entry: manifest.cinatra.entry,
      resources: { ...DEFAULT_RESOURCES, ...manifest.cinatra.resources },
      networkHosts: networkHosts(
        granted.map((p) => p.text),
        settings,
      ),
      settings,
      connectors: connectorSetups(manifest, storedConnectorSetups),
      permissions: granted,
    };
  }

  /**
   * After the install pipeline changed an extension's row (new version, archived, restored,
   * uninstalled): stops its process and drops or re-reads its contributions. An enabled
   * extension is verified again and starts on next use (now for `onStartup` ones).
   */
  async refresh(name: string): Promise<void> {
    await this.supervisor.stop(name);
    const row = (await this.db.knex(TABLE).where('name', name).first()) as ExtensionRow | undefined;
    if (!row || !row.enabled || row.state === 'quarantined' || row.state === 'archived') {
      this.contributions.remove(name);
      return;
    }
    const manifest = await this.verifiedManifest(row);
    if (!manifest) {
      this.contributions.remove(name);
      return;
    }
    this.contributions.set(manifest);
    if (this.contributions.startupExtensions().includes(name)) this.activateInBackground(name);
  }

  /**
   * Verifies the package and validates its manifest; on failure records state `failed` with
   * the reason (audited) and returns null.
   */
  private async verifiedManifest(row: ExtensionRow): Promise<ExtensionManifest | null> {
    try {
      const verified: VerifiedPackage = await this.packages.verify(row.name, row.version);
      const manifest = await this.packages.readManifest(row.name, row.version);
      if (!engineSatisfied(manifest)) {
        throw Object.assign(
          new Error(
            `${row.name} needs host API ${manifest.cinatra.engine}; this host provides ${HOST_API_VERSION}.`,
          ),
          { code: 'engine_unsupported' },
        );
      }
      if (manifest.cinatra.publisher !== verified.publisher) {
        throw new PackageVerificationError(
          'publisher_mismatch',
          `The manifest names publisher ${manifest.cinatra.publisher}, the signing key belongs to ${verified.publisher}.`,
        );
      }
      return manifest;
    } catch (error) {
      await this.refuseLoad(row, error);
      return null;
    }
  }

  private async refuseLoad(row: ExtensionRow, error: unknown): Promise<void> {
    const lastError = describeLoadError(error);
    this.contributions.remove(row.name);
    await this.db.knex.transaction(async (trx) => {
      await trx(TABLE)
        .where('id', row.id)
        .update({ state: 'failed', lastError: JSON.stringify(lastError), updatedAt: trx.fn.now() });
      await this.audit.recordInTransaction(trx, {
        operation: 'extension.load_refused',
        resourceType: 'extension',
        resourceId: row.name,
        decision: 'deny',
        reason: lastError.code,
        metadata: {
          version: row.version,
          from: row.state,
          to: 'failed',
          message: lastError.message,
          path: lastError.path,
        },
      });
    });
    this.logger.warn(
      { extension: row.name, version: row.version, ...lastError },
      'extension refused to load',
    );
  }

  private async handleCrash(crash: ExtensionCrash): Promise<void> {
    const row = (await this.db.knex(TABLE).where('name', crash.name).first()) as ExtensionRow | undefined;
    if (!row || this.closed) return;
    const now = new Date();
    const crashTimes = [...recentCrashes(row.crashTimes, now.getTime()), now.toISOString()];
    const quarantine = crashTimes.length >= CRASH_BUDGET && row.state !== 'quarantined';
    const lastError: ExtensionLastError = {
      code: crash.reason,
      message: crash.message,
      path: null,
      at: now.toISOString(),
    };
    const state: ExtensionState =
      quarantine || row.state === 'quarantined' ? 'quarantined' : row.enabled ? 'inactive' : row.state;
    await runAsActor(systemActor(), () =>
      this.db.knex.transaction(async (trx) => {
        await trx(TABLE)
          .where('id', row.id)
          .update({
            state,
            crashTimes: JSON.stringify(crashTimes),
            lastError: JSON.stringify(lastError),
            ...(quarantine ? { quarantinedAt: now } : {}),
            updatedAt: trx.fn.now(),
          });
        await this.audit.recordInTransaction(trx, {
          operation: 'extension.crashed',
          resourceType: 'extension',
          resourceId: row.name,
          reason: crash.reason,
          metadata: {
            version: crash.version,
            from: row.state,
            to: state,
            exitCode: crash.code,
            signal: crash.signal,
            recentCrashes: crashTimes.length,
          },
        });
        if (quarantine) {
          await this.audit.recordInTransaction(trx, {
            operation: 'extension.quarantined',
            resourceType: 'extension',
            resourceId: row.name,
            reason: `${crashTimes.length} crashes within ${CRASH_WINDOW_MS / 60_000} minutes`,
            metadata: { version: crash.version, from: row.state, to: 'quarantined', crashTimes },
          });
        }
      }),
    );
    if (quarantine) {
      this.contributions.remove(row.name);
      await this.supervisor.stop(row.name);
      await this.notifications.notifyPlatformAdmins({
        level: 'error',
        title: `Extension ${row.name} was quarantined`,
        body: `It crashed ${crashTimes.length} times within ${CRASH_WINDOW_MS / 60_000} minutes (last: ${crash.reason}). It stays stopped until a platform admin resets the quarantine; the rest of the platform keeps running.`,
        link: `/extensions/${row.id}`,
        dedupeKey: `extension-quarantined:${row.name}`,
      });
      return;
    }
    // Lazy extensions restart on their next use; onStartup ones are restarted after the back-off.
    if (row.enabled && this.contributions.startupExtensions().includes(row.name)) {
      const timer = setTimeout(() => {
        this.restartTimers.delete(timer);
        this.activateInBackground(row.name);
      }, restartDelayMs(crashTimes.length));
      timer.unref();
      this.restartTimers.add(timer);
    }
  }

  private activateInBackground(name: string): void {
    if (this.closed) return;
    void runAsActor(systemActor(), () => this.activate(name)).catch((error: unknown) =>
      this.logger.warn({ err: error, extension: name }, 'extension could not be started'),
    );
  }

  /** Grants (or withdraws) workspace secrets named by `secrets.read:<name>` permissions. */
  private async syncSecretGrants(extension: string, granted: string[], removed: string[]): Promise<void> {
    const names = (permissions: string[]) =>
      permissions
        .map(parsePermission)
        .filter((p) => p.capability === 'secrets.read' && p.qualifier && !p.qualifier.includes('*'))
        .map((p) => p.qualifier!);
    const grantee: SecretGrantee = { type: 'extension', id: extension };
    for (const [secretNames, apply] of [
      [names(granted), (id: string) => this.secrets.grant(id, grantee)],
      [names(removed), (id: string) => this.secrets.revoke(id, grantee).catch(() => undefined)],
    ] as const) {
      if (secretNames.length === 0) continue;
      const rows = (await this.db
        .knex('secrets')
        .where('ownerTier', 'workspace')
        .whereIn('name', secretNames)
        .select('id')) as Array<{ id: string }>;
      for (const { id } of rows) await apply(id);
    }
  }

  private async transition(
    row: ExtensionRow,
    changes: Partial<
      Pick<
        ExtensionRow,
        | 'enabled'
        | 'state'
        | 'grantedPermissions'
        | 'settings'
        | 'connectorSetups'
        | 'crashTimes'
        | 'quarantinedAt'
        | 'lastError'
      >
    >,
    operation: string,
    metadata: Record<string, unknown> = {},
  ): Promise<void> {
    const update: Record<string, unknown> = { updatedAt: this.db.knex.fn.now() };
    for (const [key, value] of Object.entries(changes)) {
      update[key] =
        key === 'enabled' || key === 'state' || key === 'quarantinedAt' || value === null
          ? value
          : JSON.stringify(value);
    }
    await this.db.knex.transaction(async (trx) => {
      await trx(TABLE).where('id', row.id).update(update);
      await this.audit.recordInTransaction(trx, {
        operation,
        resourceType: 'extension',
        resourceId: row.name,
        metadata: { version: row.version, from: row.state, to: changes.state ?? row.state, ...metadata },
      });
    });
  }

  private async recordTransition(
    row: ExtensionRow,
    operation: string,
    metadata: Record<string, unknown>,
  ): Promise<void> {
    await this.audit.record({
      operation,
      resourceType: 'extension',
      resourceId: row.name,
      metadata: { version: row.version, ...metadata },
    });
  }

  private async authorize(
    action: string,
    row?: ExtensionRow,
    auditMetadata: Record<string, unknown> = {},
    part?: string,
  ): Promise<void> {
    await this.authorizer.authorize(
      currentActor(),
      action,
      { type: 'extension', ...(row ? { id: row.name } : {}), ...(part ? { part } : {}), owner: WORKSPACE },
      auditMetadata,
    );
  }

  private async find(name: string): Promise<ExtensionRow> {
    const row = (await this.db.knex(TABLE).where('name', name).first()) as ExtensionRow | undefined;
    if (!row) throw notFound('Extension', name);
    return row;
  }

  /** `trust`: a trust store snapshot to reuse (a list reads it once). */
  private async view(row: ExtensionRow, trust?: TrustLookup): Promise<ExtensionView> {
    const [manifest, signature] = await Promise.all([
      this.packages.readManifest(row.name, row.version).catch(() => null),
      this.signatureOf(row, trust),
    ]);
    return {
      id: row.id,
      name: row.name,
      version: row.version,
      displayName: manifest?.cinatra.displayName ?? row.name,
      publisher: manifest?.cinatra.publisher ?? null,
      tier: signature.tier,
      signature,
      enabled: row.enabled,
      state: row.state,
      pid: this.supervisor.pid(row.name),
      lastError: row.lastError,
      requestedPermissions: manifest?.cinatra.permissions ?? [],
      grantedPermissions: row.grantedPermissions,
      settings: manifest ? effectiveSettings(manifest, row.settings) : row.settings,
      settingsSchema: settingsSchemaOf(manifest),
      contributions: {
        mcpTools: manifest
          ? toolsOf(manifest).map(({ name, title, description, inputSchema }) => ({
              name,
              ...(title ? { title } : {}),
              description,
              inputSchema,
            }))
          : [],
        llmProviders: manifest
          ? llmProvidersOf(manifest).map(({ id, displayName, description, models }) => ({
              id,
              displayName,
              ...(description ? { description } : {}),
              models,
            }))
          : [],
        skills: manifest
          ? skillsOf(manifest).map(({ id, displayName, description }) => ({
              id,
              displayName,
              ...(description ? { description } : {}),
            }))
          : [],
        connectors: connectorViews(manifest, row.connectorSetups),
        renderers: (manifest?.cinatra.contributes.renderers ?? []).map((renderer) => ({
          ...idContribution(renderer),
          mimeTypes: renderer.mimeTypes,
        })),
        dashboardWidgets: idContributions(manifest?.cinatra.contributes.dashboardWidgets),
      },
      activationEvents: manifest ? activationEvents(manifest) : [],
      recentCrashes: recentCrashes(row.crashTimes).length,
      quarantinedAt: row.quarantinedAt ? new Date(row.quarantinedAt).toISOString() : null,
      installedAt: new Date(row.installedAt).toISOString(),
      updatedAt: new Date(row.updatedAt).toISOString(),
    };
  }

  /** See `ExtensionSignature`. */
  private async signatureOf(row: ExtensionRow, trust?: TrustLookup): Promise<ExtensionSignature> {
    const keyId = await this.packages.signingKeyId(row.name, row.version);
    if (!keyId) return { status: 'unknown', keyId: null, publisher: null, tier: null };
    const lookup = trust ?? (await this.trust.lookup());
    const key = lookup.key(keyId);
    const refused =
      !key ||
      key.revoked ||
      lookup.versionRevoked(row.name, row.version) ||
      (row.state === 'failed' &&
        row.lastError !== null &&
        Object.hasOwn(VERIFICATION_CODES, row.lastError.code));
    return {
      status: refused ? 'failed' : 'verified',
      keyId,
      publisher: key?.publisher ?? null,
      tier: key?.tier ?? null,
    };
  }
}

/** Every `PackageVerificationCode`: a `lastError` with one of them is a failed verification. */
const VERIFICATION_CODES: Record<PackageVerificationCode, true> = {
  bundle_malformed: true,
  signature_invalid: true,
  unknown_key: true,
  key_revoked: true,
  version_revoked: true,
  publisher_mismatch: true,
  name_mismatch: true,
  version_mismatch: true,
  tarball_digest_mismatch: true,
  file_modified: true,
  file_missing: true,
  file_added: true,
};

/**
 * The manifest's settings as a JSON Schema object (empty without a manifest). A `secret`
 * setting's value is the name of a kernel secret, never the secret: `x-cinatra-secret` marks it
 * and its description says so.
 */
function settingsSchemaOf(manifest: ExtensionManifest | null): ExtensionSettingsSchema {
  const properties: Record<string, SettingSchemaProperty> = {};
  for (const [key, setting] of Object.entries(manifest?.cinatra.settings ?? {})) {
    properties[key] = {
      type: setting.type,
      description: setting.secret
        ? `${setting.description} (the name of a kernel secret, not the secret itself)`
        : setting.description,
      ...(setting.default !== undefined ? { default: setting.default } : {}),
      ...(setting.format ? { format: setting.format } : {}),
      ...(setting.secret ? { 'x-cinatra-secret': true as const } : {}),
    };
  }
  return { type: 'object', properties, additionalProperties: false };
}

interface IdContribution {
  id: string;
  displayName: string;
  description?: string;
}

function idContribution({ id, displayName, description }: IdContribution): IdContribution {
  return { id, displayName, ...(description ? { description } : {}) };
}

function idContributions(contributions: readonly IdContribution[] | undefined): IdContribution[] {
  return (contributions ?? []).map(idContribution);
}

/** The view's connectors; `setup` is what the process receives (`connectorSetups`). */
function connectorViews(
  manifest: ExtensionManifest | null,
  stored: ConnectorSetups,
): ExtensionConnectorView[] {
  if (!manifest) return [];
  const delivered = connectorSetups(manifest, stored);
  return (manifest.cinatra.contributes.connectors ?? []).map((connector) => ({
    ...idContribution(connector),
    setupSchema: connector.setupSchema ?? null,
    setup: delivered[connector.id] ?? null,
  }));
}

function activationEvents(manifest: ExtensionManifest): string[] {
  return [
    ...new Set([
      ...(manifest.cinatra.activationEvents ?? []),
      ...toolsOf(manifest).map((tool) => `onMcpTool:${tool.name}`),
      ...llmProvidersOf(manifest).map((provider) => `onLlmProvider:${provider.id}`),
    ]),
  ];
}

/** Who an extension call is made for: the scope's principal, or nobody for an anonymous caller. */
function callActorOf(actor: { principalId: string | null; principalType: string }): CallMeta['actor'] {
  return actor.principalType === 'anonymous'
    ? null
    : { principalId: actor.principalId, principalType: actor.principalType };
}

/** A new version keeps the admin's decision: enabled stays enabled (not yet running), disabled stays disabled. */
function nextInstallState(existing: ExtensionRow | undefined): ExtensionState {
  if (!existing) return 'installed';
  if (existing.state === 'quarantined') return 'quarantined';
  if (existing.enabled) return 'inactive';
  return existing.state === 'disabled' ? 'disabled' : 'installed';
}

function unavailableReason(row: ExtensionRow): string {
  if (row.state === 'quarantined') {
    return `${row.name} is quarantined after ${CRASH_BUDGET} crashes within ${CRASH_WINDOW_MS / 60_000} minutes; a platform admin can reset the quarantine.`;
  }
  return `${row.name} refused to load: ${row.lastError?.code ?? 'unknown'} (${row.lastError?.message ?? 'no detail'}).`;
}

function recentCrashes(times: readonly string[], now = Date.now()): string[] {
  return times.filter((t) => now - Date.parse(t) < CRASH_WINDOW_MS).sort();
}

function describeLoadError(error: unknown): ExtensionLastError {
  const at = new Date().toISOString();
  if (error instanceof PackageVerificationError)
    return { code: error.code, message: error.message, path: error.path, at };
  if (error instanceof ManifestError)
    return { code: error.code, message: error.message, path: error.path, at };
  const code = (error as { code?: unknown }).code;
  return {
    code: typeof code === 'string' && /^[a-z_]+$/.test(code) ? code : 'load_failed',
    message: (error as Error).message,
    path: null,
    at,
  };
}

export const EXTENSION_MANAGER: InjectionToken<ExtensionManager> = ExtensionManager;
