import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { inject, injectable, type InjectionToken } from 'tsyringe';
import {
  AUDIT_LOG,
  AUTHORIZER,
  CONFIG,
  DATABASE,
  KernelError,
  LOGGER,
  WORKSPACE,
  currentActor,
  type AuditLog,
  type Authorizer,
  type CinatraConfig,
  type Database,
  type Logger,
} from '@cinatra/kernel';
import {
  HOST_API_VERSION,
  ManifestError,
  PackageVerificationError,
  engineSatisfied,
  readTarball,
  validateManifest,
  verifyPackageDirectory,
  verifyPackageTarball,
  type ConnectorSetups,
  type ExtensionManifest,
  type VerifiedPackage,
} from '@cinatra/sdk';
import semver from 'semver';
import {
  EXTENSION_MANAGER,
  type ExtensionManager,
  type ExtensionState,
  type SettingValue,
} from '../ExtensionManager.js';
import { PACKAGE_STORE, encodeExtensionName, type PackageStore } from '../PackageStore.js';
import { TRUST_STORE, type TrustStore } from '../trust/TrustStore.js';
import {
  INSTALL_JOURNAL,
  type InstallJournal,
  type OperationError,
  type OperationRow,
  type OperationView,
  type Stage,
} from './InstallJournal.js';
import { assertTransition, type LifecycleState, type OperationKind } from './lifecycle.js';
import { OPERATION_NOTIFIER, type OperationNotifier } from './OperationNotifier.js';
import { integrityOf, PackageSourceError, type PackageSource } from './PackageSource.js';

export interface InstallRequest {
  source: PackageSource;
  name: string;
  /** Semver range, exact version or `latest` (default). */
  range?: string;
  /**
   * The permissions the admin approves: must equal what the version requests (install) —
   * for an update, what it requests. `'requested'` approves whatever is requested (the CLI's
   * `--approve`, after printing them). Missing: an install that requests permissions, or an
   * update that requests more than the running version, is held as `pending_consent`.
   */
  approvePermissions?: string[] | 'requested';
  /** Approvals for dependencies installed along the way, by package name. */
  approveDependencies?: Record<string, string[]>;
  /** Progress: called as each stage of this operation (and of dependencies installed for it) starts. */
  onStage?: StageListener;
}

export type StageListener = (
  stage: Stage,
  op: { id: string; kind: OperationKind; extension: string },
) => void;

export type UninstallData = 'keep' | 'delete';

/** Called as each stage starts (after it is journaled): tests inject failures and "crashes" here. */
export type FaultHook = (
  stage: Stage,
  op: { id: string; kind: OperationKind; extension: string },
) => void | Promise<void>;

interface ExtensionRow {
  id: string;
  name: string;
  version: string;
  enabled: boolean;
  state: ExtensionState;
  grantedPermissions: string[];
  settings: Record<string, SettingValue>;
  connectorSetups: ConnectorSetups;
  lastError: unknown;
}

/** A version unpacked, verified and checked, waiting for consent or for persist. */
interface Staged {
  op: OperationRow;
  manifest: ExtensionManifest;
  verified: VerifiedPackage;
  stagingDir: string;
  existing: ExtensionRow | undefined;
  requested: string[];
  added: string[];
}

/** A stage failure with a stable code, kept in the journal and shown to the admin. */
class StageFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly kernelCode: 'validation_failed' | 'conflict' | 'not_found' | 'internal_error' = 'conflict',
  ) {
    super(message);
  }
}

const TABLE = 'extensions';
const BUNDLE_FILE = 'bundle.sigstore.json';

/**
 * Installs, updates, archives, restores and uninstalls extensions through a journaled
 * pipeline (see `README.md` beside this file):
 *
 *     resolve → fetch → verify → unpack → check → consent → persist → activate → commit → health → cleanup
 *
 * Each stage is written to `extension_operation_stages` before it runs. A failing stage rolls
 * back to the previous state: staged and persisted files of the new version are removed and,
 * when the switch had happened, the previous row is put back and the old version started
 * again. An update never stops the running version before its replacement was started and
 * activated beside it (`activate`), so a broken new version leaves the old one serving.
 * Operations a dead process left `running` are recovered (finished when the commit had
 * happened) or rolled back by `recoverInterrupted` at the next start.
 */
@injectable()
export class InstallPipeline {
  private faultHook: FaultHook | null = null;
  /** Progress listeners of operations in flight, by operation id. */
  private readonly listeners = new Map<string, StageListener>();
  private readonly root: string;

  constructor(
    @inject(CONFIG) config: CinatraConfig,
    @inject(DATABASE) private readonly db: Database,
    @inject(AUTHORIZER) private readonly authorizer: Authorizer,
    @inject(AUDIT_LOG) private readonly audit: AuditLog,
    @inject(LOGGER) private readonly logger: Logger,
    @inject(TRUST_STORE) private readonly trust: TrustStore,
    @inject(PACKAGE_STORE) private readonly packages: PackageStore,
    @inject(EXTENSION_MANAGER) private readonly manager: ExtensionManager,
    @inject(INSTALL_JOURNAL) private readonly journal: InstallJournal,
    @inject(OPERATION_NOTIFIER) private readonly notifier: OperationNotifier,
  ) {
    this.root = join(config.dataDir, 'extensions');
  }

  /** Tests: run `hook` as each stage starts. A throwing hook fails the stage; a hook that never settles stands for a killed process. */
  setFaultHook(hook: FaultHook | null): void {
    this.faultHook = hook;
  }

  /** Installs a package (and, first, the extension dependencies it needs that are not installed). */
  async install(request: InstallRequest): Promise<OperationView> {
    await this.authorize('install');
    return this.runPackage('install', request, new Set());
  }

  /** Updates an installed extension to a version (range) or the latest the source has. */
  async update(request: InstallRequest): Promise<OperationView> {
    await this.authorize('update', request.name);
    return this.runPackage('update', request, new Set());
  }

  /**
   * Continues an operation held for consent. `permissions` must equal the requested set; the
   * staged files are verified again (the trust store may have changed while it waited).
   */
  async approve(operationId: string, permissions: string[], onStage?: StageListener): Promise<OperationView> {
    const op = await this.journal.find(operationId);
    await this.authorize('approve', op.extension);
    if (op.status !== 'pending_consent' || !op.stagingDir || !op.toVersion) {
      throw new KernelError('conflict', `Operation ${op.id} is ${op.status}, not waiting for consent.`);
    }
    this.checkApproval(op.requestedPermissions, permissions);
    const existing = await this.row(op.extension);
    if ((existing?.version ?? null) !== op.fromVersion) {
      throw new KernelError(
        'conflict',
        `${op.extension} changed since this operation was staged (now ${existing?.version ?? 'not installed'}); start it again.`,
      );
    }
    await this.journal.update(op.id, { status: 'running' });
    await this.notifier.running(op);
    if (onStage) this.listeners.set(op.id, onStage);
    let staged: Staged | undefined;
    try {
      staged = await this.stage(op, 'consent', async () => {
        const bundleText = await readFile(join(op.stagingDir!, BUNDLE_FILE), 'utf8');
        const verified = await verifyPackageDirectory(
          join(op.stagingDir!, 'package'),
          bundleText,
          await this.trust.lookup(),
        );
        const manifest = validateManifest(
          await readFile(join(op.stagingDir!, 'package', 'package.json'), 'utf8'),
        );
        return {
          op,
          manifest,
          verified,
          stagingDir: op.stagingDir!,
          existing,
          requested: op.requestedPermissions,
          added: op.addedPermissions,
        };
      });
      return await this.complete(staged);
    } catch (error) {
      throw await this.fail(op, error, staged);
    } finally {
      this.listeners.delete(op.id);
    }
  }

  /** Stops the extension and keeps its settings, grants and data; refused while enabled dependents need it. */
  async archive(name: string): Promise<OperationView> {
    await this.authorize('archive', name);
    return this.runStateChange('archive', name, async (row, op) => {
      const dependents = await this.dependentsOf(name, (r) => r.state !== 'archived' && r.enabled);
      this.refuseDependents('archive', name, dependents);
      await this.commit(
        op,
        row,
        'extension.archived',
        { state: 'archived', enabled: false },
        {
          wasEnabled: row.enabled,
        },
      );
    });
  }

  /** Brings an archived extension back, enabled (verified again before it runs). */
  async restore(name: string): Promise<OperationView> {
    await this.authorize('restore', name);
    return this.runStateChange('restore', name, async (row, op) => {
      const manifest = await this.packages.readManifest(name, row.version);
      await this.checkDependencies(manifest, new Set(), undefined, true);
      await this.commit(op, row, 'extension.restored', { state: 'inactive', enabled: true, lastError: null });
    });
  }

  /**
   * Removes the extension's code and row (after withdrawing its grants, so secret grants go
   * too); its data directory is kept or deleted as asked. Refused while any installed
   * extension depends on it, naming them.
   */
  async uninstall(name: string, data: UninstallData): Promise<OperationView> {
    await this.authorize('uninstall', name);
    return this.runStateChange('uninstall', name, async (row, op) => {
      const dependents = await this.dependentsOf(name, () => true);
      this.refuseDependents('uninstall', name, dependents);
      if (row.grantedPermissions.length > 0) await this.manager.setGrants(name, []).catch(() => undefined);
      const commitStage = await this.journal.stageStarted(op.id, 'commit');
      await this.fault('commit', op);
      await this.db.knex.transaction(async (trx) => {
        await trx(TABLE).where('id', row.id).delete();
        await this.audit.recordInTransaction(trx, {
          operation: 'extension.uninstalled',
          resourceType: 'extension',
          resourceId: name,
          metadata: { version: row.version, from: row.state, to: 'absent', data, operationId: op.id },
        });
        await this.journal.stageEnded(commitStage, 'succeeded', null, trx);
      });
      await this.manager.refresh(name);
      await this.stage(op, 'cleanup', async () => {
        await rm(join(this.root, 'packages', encodeExtensionName(name)), { recursive: true, force: true });
        if (data === 'delete') await rm(this.packages.dataDir(name), { recursive: true, force: true });
      });
    });
  }

  async listOperations(
    filter: { extension?: string; status?: OperationView['status']; limit?: number } = {},
  ): Promise<OperationView[]> {
    await this.authorize('list_operations');
    return this.journal.list({ ...filter, limit: filter.limit ?? 50 });
  }

  async getOperation(id: string): Promise<OperationView> {
    await this.authorize('list_operations');
    return this.journal.view(id);
  }

  /**
   * At start: every operation a previous process left `running` is finished when its commit
   * had happened (only cleanup was left) or rolled back otherwise (staged and persisted files
   * of the new version removed; the row was never switched). Audited as
   * `extension.operation_recovered`. Held (`pending_consent`) operations stay held.
   */
  async recoverInterrupted(): Promise<OperationView[]> {
    const interrupted = await this.journal.open({ status: ['running'] });
    const recovered: OperationView[] = [];
    for (const op of interrupted) {
      const committed = await this.journal.stageSucceeded(op.id, 'commit');
      const row = await this.row(op.extension);
      if (op.stagingDir) await rm(op.stagingDir, { recursive: true, force: true });
      let outcome: 'succeeded' | 'rolled_back';
      let error: OperationError | null = null;
      if (committed) {
        // Only cleanup remained: the old version's files (update) or the package (uninstall).
        if (op.kind === 'update' && op.fromVersion && row?.version !== op.fromVersion)
          await this.packages.remove(op.extension, op.fromVersion);
        if (op.kind === 'uninstall' && !row)
          await rm(join(this.root, 'packages', encodeExtensionName(op.extension)), {
            recursive: true,
            force: true,
          });
        outcome = 'succeeded';
        await this.journal.note(op.id, 'recovery', 'recovered');
      } else {
        if ((op.kind === 'install' || op.kind === 'update') && op.toVersion && row?.version !== op.toVersion)
          await this.packages.remove(op.extension, op.toVersion);
        if (op.kind === 'install' && !row)
          await rm(join(this.root, 'packages', encodeExtensionName(op.extension)), {
            recursive: true,
            force: true,
          }).catch(() => undefined);
        outcome = 'rolled_back';
        error = {
          code: 'interrupted',
          message: `The process ended during ${op.stage}; rolled back at the next start.`,
        };
        await this.journal.note(op.id, 'recovery', 'rolled_back', error);
      }
      await this.journal.update(op.id, { status: outcome, error, stagingDir: null });
      await this.audit.record({
        operation: 'extension.operation_recovered',
        resourceType: 'extension',
        resourceId: op.extension,
        reason: outcome,
        metadata: {
          operationId: op.id,
          kind: op.kind,
          stage: op.stage,
          fromVersion: op.fromVersion,
          toVersion: op.toVersion,
          outcome,
        },
      });
      this.logger.warn(
        { operation: op.id, extension: op.extension, stage: op.stage, outcome },
        'recovered an interrupted extension operation',
      );
      recovered.push(await this.journal.view(op.id));
    }
    return recovered;
  }

  // ---------------------------------------------------------------- install / update

  private async runPackage(
    kind: 'install' | 'update',
    request: InstallRequest,
    chain: Set<string>,
  ): Promise<OperationView> {
    const { name, source } = request;
    const range = request.range ?? 'latest';
    const existing = await this.row(name);
    assertTransition(kind, name, existing?.state ?? 'absent');
    await this.supersedeHeld(name);
    const op = await this.journal.create({
      kind,
      extension: name,
      fromVersion: existing?.version ?? null,
      stage: 'resolve',
      source: source.description,
      actorId: currentActor().principalId,
    });
    if (request.onStage) this.listeners.set(op.id, request.onStage);
    await this.notifier.running(op);
    let staged: Staged | undefined;
    try {
      const resolved = await this.stage(op, 'resolve', async () => {
        const found = await source.resolve(name, range).catch((error: unknown) => {
          if (error instanceof KernelError) throw new StageFailure('not_found', error.message, 'not_found');
          if (error instanceof PackageSourceError) {
            const missing = error.code === 'not_found' || error.code === 'no_matching_version';
            throw new StageFailure(error.code, error.message, missing ? 'not_found' : 'conflict');
          }
          throw error;
        });
        if (kind === 'update' && found.version === existing!.version) {
          throw new StageFailure('already_current', `${name} is at ${found.version} already.`);
        }
        await this.journal.update(op.id, { toVersion: found.version });
        op.toVersion = found.version;
        return found;
      });
      const fetched = await this.stage(op, 'fetch', () =>
        source.fetch(name, resolved.version).catch((error: unknown) => {
          if (!(error instanceof PackageSourceError)) throw error;
          const refused = error.code === 'integrity_mismatch' || error.code === 'integrity_missing';
          throw new StageFailure(error.code, error.message, refused ? 'validation_failed' : 'conflict');
        }),
      );
      const verified = await this.stage(op, 'verify', async () => {
        if (fetched.integrity && integrityOf(fetched.tarball) !== fetched.integrity) {
          throw new StageFailure(
            'integrity_mismatch',
            `The bytes fetched for ${name}@${resolved.version} do not match the integrity the source published.`,
            'validation_failed',
          );
        }
        const result = await verifyPackageTarball(fetched.tarball, fetched.bundle, await this.trust.lookup());
        if (result.name !== name || result.version !== resolved.version) {
          throw new PackageVerificationError(
            result.name !== name ? 'name_mismatch' : 'version_mismatch',
            `The package is signed as ${result.name}@${result.version}, expected ${name}@${resolved.version}.`,
          );
        }
        return result;
      });
      const stagingDir = join(this.root, 'staging', op.id);
      await this.stage(op, 'unpack', async () => {
        // Plain files only (the SDK's reader refuses links and paths leaving the package); nothing runs.
        const files = readTarball(fetched.tarball);
        await this.journal.update(op.id, { stagingDir });
        op.stagingDir = stagingDir;
        for (const [path, data] of files) {
          const file = join(stagingDir, 'package', ...path.split('/'));
          await mkdir(dirname(file), { recursive: true });
          await writeFile(file, data, { mode: 0o644 });
        }
        const bundleText =
          typeof fetched.bundle === 'string' ? fetched.bundle : JSON.stringify(fetched.bundle);
        await writeFile(join(stagingDir, BUNDLE_FILE), bundleText, { mode: 0o644 });
        await verifyPackageDirectory(join(stagingDir, 'package'), bundleText, await this.trust.lookup());
      });
      const manifest = await this.stage(op, 'check', async () => {
        const parsed = validateManifest(await readFile(join(stagingDir, 'package', 'package.json'), 'utf8'));
        if (!engineSatisfied(parsed)) {
          throw new StageFailure(
            'engine_unsupported',
            `${name}@${parsed.version} needs host API ${parsed.cinatra.engine}; this host provides ${HOST_API_VERSION}.`,
          );
        }
        if (parsed.cinatra.publisher !== verified.publisher) {
          throw new PackageVerificationError(
            'publisher_mismatch',
            `The manifest names publisher ${parsed.cinatra.publisher}, the signing key belongs to ${verified.publisher}.`,
          );
        }
        await this.checkDependencies(parsed, new Set([...chain, name]), request);
        return parsed;
      });
      const requested = manifest.cinatra.permissions ?? [];
      const previous = existing
        ? ((await this.packages.readManifest(name, existing.version).catch(() => null))?.cinatra
            .permissions ?? [])
        : [];
      const added = requested.filter((p) => !previous.includes(p));
      staged = { op, manifest, verified, stagingDir, existing, requested, added };
      const needsConsent = kind === 'install' ? requested.length > 0 : added.length > 0;
      const approval = request.approvePermissions === 'requested' ? requested : request.approvePermissions;
      const held = await this.stage(op, 'consent', async () => {
        await this.journal.update(op.id, { requestedPermissions: requested, addedPermissions: added });
        op.requestedPermissions = requested;
        op.addedPermissions = added;
        if (!needsConsent) return false;
        if (approval === undefined) return true;
        this.checkApproval(requested, approval);
        return false;
      });
      if (held) {
        await this.journal.update(op.id, { status: 'pending_consent' });
        await this.notifier.held(op);
        await this.audit.record({
          operation: 'extension.consent_requested',
          resourceType: 'extension',
          resourceId: name,
          metadata: {
            operationId: op.id,
            kind,
            version: op.toVersion,
            fromVersion: op.fromVersion,
            requested,
            added,
          },
        });
        return this.journal.view(op.id);
      }
      return await this.complete(staged);
    } catch (error) {
      throw await this.fail(op, error, staged);
    } finally {
      this.listeners.delete(op.id);
    }
  }

  /** persist → activate (beside the old version) → commit (switch) → health → cleanup. */
  private async complete(staged: Staged): Promise<OperationView> {
    const { op, existing, requested, added } = staged;
    const name = op.extension;
    const version = op.toVersion!;
    // Approved now: everything requested (install); what the old version had granted and
    // still requests, plus what this version added (update).
    const granted = existing
      ? [...new Set([...existing.grantedPermissions.filter((p) => requested.includes(p)), ...added])]
      : requested;
    await this.stage(op, 'persist', async () => {
      const target = this.packages.versionDir(name, version);
      await rm(target, { recursive: true, force: true }); // a leftover of an operation rolled back
      await mkdir(dirname(target), { recursive: true });
      await rename(staged.stagingDir, target);
      await this.journal.update(op.id, { stagingDir: null });
      op.stagingDir = null;
    });
    await this.stage(op, 'activate', async () => {
      try {
        await this.manager.probeVersion(
          name,
          version,
          granted,
          existing?.settings ?? {},
          existing?.connectorSetups ?? {},
        );
      } catch (error) {
        throw new StageFailure(
          'health_failed',
          `${name}@${version} did not start: ${(error as Error).message}`,
        );
      }
    });
    const enabled = existing ? existing.enabled : true;
    const nextState: ExtensionState = existing
      ? existing.state === 'active'
        ? 'inactive'
        : existing.state === 'failed'
          ? enabled
            ? 'inactive'
            : 'disabled'
          : existing.state
      : 'inactive';
    if (existing) {
      await this.commit(
        op,
        existing,
        'extension.updated',
        {
          version,
          grantedPermissions: granted,
          state: nextState,
          lastError: null,
        },
        {
          previousVersion: existing.version,
          added,
          publisher: staged.verified.publisher,
          keyId: staged.verified.keyId,
          tier: staged.verified.tier,
        },
      );
    } else {
      const commitStage = await this.journal.stageStarted(op.id, 'commit');
      await this.fault('commit', op);
      await this.db.knex.transaction(async (trx) => {
        await trx(TABLE).insert({
          name,
          version,
          state: 'inactive',
          enabled: true,
          grantedPermissions: JSON.stringify(granted),
        });
        await this.audit.recordInTransaction(trx, {
          operation: 'extension.installed',
          resourceType: 'extension',
          resourceId: name,
          metadata: {
            version,
            previousVersion: null,
            from: 'absent',
            to: 'inactive',
            granted,
            publisher: staged.verified.publisher,
            keyId: staged.verified.keyId,
            tier: staged.verified.tier,
            operationId: op.id,
          },
        });
        await this.journal.stageEnded(commitStage, 'succeeded', null, trx);
      });
    }
    await this.manager.refresh(name);
    if (enabled && nextState !== 'quarantined' && nextState !== 'disabled') {
      await this.stage(op, 'health', async () => {
        try {
          await this.manager.activate(name);
        } catch (error) {
          throw new StageFailure(
            'health_failed',
            `${name}@${version} did not start after the switch: ${(error as Error).message}`,
          );
        }
      });
    }
    await this.stage(op, 'cleanup', async () => {
      if (existing && existing.version !== version) await this.packages.remove(name, existing.version);
    });
    await this.journal.update(op.id, { status: 'succeeded', error: null });
    await this.notifier.succeeded(op, (await this.row(name))?.id ?? null);
    return this.journal.view(op.id);
  }

  // ---------------------------------------------------------------- archive / restore / uninstall

  private async runStateChange(
    kind: 'archive' | 'restore' | 'uninstall',
    name: string,
    work: (row: ExtensionRow, op: OperationRow) => Promise<void>,
  ): Promise<OperationView> {
    const row = await this.row(name);
    assertTransition(kind, name, row?.state ?? 'absent');
    const op = await this.journal.create({
      kind,
      extension: name,
      fromVersion: row!.version,
      toVersion: kind === 'uninstall' ? null : row!.version,
      stage: 'check',
      actorId: currentActor().principalId,
    });
    try {
      await this.stage(op, 'stop', () => this.fault('stop', op));
      await work(row!, op);
      await this.journal.update(op.id, { status: 'succeeded' });
      return await this.journal.view(op.id);
    } catch (error) {
      throw await this.fail(op, error, undefined);
    }
  }

  /**
   * The switch: one transaction changes the extension row, writes the audit event and marks
   * the journal's commit stage, so a process that dies around it leaves either the old row
   * with no commit journaled (rolled back at next start) or the new row with it (finished).
   */
  private async commit(
    op: OperationRow,
    row: ExtensionRow,
    operation: string,
    changes: Partial<Pick<ExtensionRow, 'version' | 'state' | 'enabled' | 'grantedPermissions'>> & {
      lastError?: null;
    },
    metadata: Record<string, unknown> = {},
  ): Promise<void> {
    const commitStage = await this.journal.stageStarted(op.id, 'commit');
    await this.fault('commit', op);
    const update: Record<string, unknown> = { updatedAt: this.db.knex.fn.now() };
    for (const [key, value] of Object.entries(changes)) {
      update[key] = key === 'grantedPermissions' ? JSON.stringify(value) : value;
    }
    await this.db.knex.transaction(async (trx) => {
      await trx(TABLE).where('id', row.id).update(update);
      await this.audit.recordInTransaction(trx, {
        operation,
        resourceType: 'extension',
        resourceId: row.name,
        metadata: {
          version: changes.version ?? row.version,
          from: row.state,
          to: changes.state ?? row.state,
          operationId: op.id,
          ...metadata,
        },
      });
      await this.journal.stageEnded(commitStage, 'succeeded', null, trx);
    });
    await this.manager.refresh(row.name);
  }

  // ---------------------------------------------------------------- failure and rollback

  /**
   * Journals the failure, undoes what the operation did and returns the error to throw:
   * removes staged and persisted files of the new version; when the switch had happened,
   * puts the previous row back (audited) and starts the old version again.
   */
  private async fail(op: OperationRow, error: unknown, staged: Staged | undefined): Promise<KernelError> {
    const described = describe(error);
    try {
      const committed = await this.journal.stageSucceeded(op.id, 'commit');
      if (op.stagingDir) await rm(op.stagingDir, { recursive: true, force: true });
      if (op.kind === 'install' || op.kind === 'update') {
        const previous = staged?.existing;
        if (committed && op.kind === 'update' && previous) {
          await this.db.knex.transaction(async (trx) => {
            await trx(TABLE)
              .where('id', previous.id)
              .update({
                version: previous.version,
                state: previous.state === 'active' ? 'inactive' : previous.state,
                grantedPermissions: JSON.stringify(previous.grantedPermissions),
                lastError: null,
                updatedAt: trx.fn.now(),
              });
            await this.audit.recordInTransaction(trx, {
              operation: 'extension.update_rolled_back',
              resourceType: 'extension',
              resourceId: op.extension,
              reason: described.code,
              metadata: { version: previous.version, failedVersion: op.toVersion, operationId: op.id },
            });
          });
          await this.manager.refresh(op.extension);
          if (previous.enabled) await this.manager.activate(op.extension).catch(() => undefined);
        }
        if (committed && op.kind === 'install') {
          await this.db.knex(TABLE).where('name', op.extension).delete();
          await this.manager.refresh(op.extension);
        }
        const current = await this.row(op.extension);
        if (op.toVersion && current?.version !== op.toVersion && (committed || (await this.persisted(op)))) {
          await this.packages.remove(op.extension, op.toVersion);
        }
      } else if (op.kind !== 'uninstall' || !committed) {
        await this.manager.refresh(op.extension).catch(() => undefined);
      }
      await this.journal.note(op.id, 'rollback', 'rolled_back', described);
      await this.journal.update(op.id, { status: 'rolled_back', error: described, stagingDir: null });
    } catch (rollbackError) {
      this.logger.error(
        { err: rollbackError, operation: op.id },
        'rolling back an extension operation failed',
      );
      await this.journal.update(op.id, { status: 'failed', error: described }).catch(() => undefined);
    }
    await this.audit
      .record({
        operation: 'extension.operation_failed',
        resourceType: 'extension',
        resourceId: op.extension,
        decision: described.code === 'forbidden' ? 'deny' : 'allow',
        reason: described.code,
        metadata: {
          operationId: op.id,
          kind: op.kind,
          stage: op.stage,
          fromVersion: op.fromVersion,
          toVersion: op.toVersion,
          message: described.message,
        },
      })
      .catch(() => undefined);
    await this.notifier.failed(op, described);
    if (error instanceof KernelError) return error;
    const kernelCode =
      error instanceof StageFailure
        ? error.kernelCode
        : error instanceof PackageVerificationError || error instanceof ManifestError || isTarballError(error)
          ? 'validation_failed'
          : 'internal_error';
    return new KernelError(
      kernelCode,
      `${op.kind} of ${op.extension} refused at ${op.stage} (${described.code}): ${described.message} Operation ${op.id} was rolled back.`,
      { errors: [{ path: `/operation/${op.id}/${op.stage}`, message: described.code }] },
    );
  }

  private async persisted(op: OperationRow): Promise<boolean> {
    return this.journal.stageSucceeded(op.id, 'persist');
  }

  // ---------------------------------------------------------------- checks

  /**
   * Dependency closure: every `cinatra.extensionDependencies` entry must be installed (not
   * archived) at a version in range. One that is missing is installed first, from the same
   * source (its own journaled operation, its own consent); a cycle, an archived dependency
   * or an out-of-range one refuses the check.
   */
  private async checkDependencies(
    manifest: ExtensionManifest,
    chain: Set<string>,
    request: InstallRequest | undefined,
    restoring = false,
  ): Promise<void> {
    for (const [dependency, range] of Object.entries(manifest.cinatra.extensionDependencies ?? {})) {
      if (chain.has(dependency)) {
        throw new StageFailure(
          'dependency_cycle',
          `${manifest.name} and ${dependency} depend on each other.`,
        );
      }
      const row = await this.row(dependency);
      if (row?.state === 'archived') {
        throw new StageFailure(
          'dependency_archived',
          `${manifest.name} needs ${dependency}, which is archived: restore it first.`,
        );
      }
      if (row) {
        if (!semver.satisfies(row.version, range, { includePrerelease: true })) {
          throw new StageFailure(
            'dependency_unsatisfied',
            `${manifest.name} needs ${dependency}@${range}; ${row.version} is installed: update it first.`,
          );
        }
        continue;
      }
      if (restoring || !request) {
        throw new StageFailure(
          'dependency_missing',
          `${manifest.name} needs ${dependency}@${range}, which is not installed.`,
        );
      }
      const approval =
        request.approvePermissions === 'requested' ? 'requested' : request.approveDependencies?.[dependency];
      const result = await this.runPackage(
        'install',
        {
          source: request.source,
          name: dependency,
          range,
          ...(approval ? { approvePermissions: approval } : {}),
          ...(request.approveDependencies ? { approveDependencies: request.approveDependencies } : {}),
          ...(request.onStage ? { onStage: request.onStage } : {}),
        },
        chain,
      );
      if (result.status !== 'succeeded') {
        throw new StageFailure(
          'dependency_pending',
          `${manifest.name} needs ${dependency}, whose install (operation ${result.id}) is ${result.status}: approve it, then install ${manifest.name} again.`,
        );
      }
    }
  }

  private checkApproval(requested: readonly string[], approved: readonly string[]): void {
    const want = [...new Set(requested)].sort();
    const got = [...new Set(approved)].sort();
    if (want.length !== got.length || want.some((p, i) => p !== got[i])) {
      throw new KernelError(
        'validation_failed',
        `The approval must name exactly the requested permissions: ${want.join(', ') || '(none)'}.`,
        { errors: [{ path: '/body/approvePermissions', message: `must equal [${want.join(', ')}]` }] },
      );
    }
  }

  /** Installed extensions (matching `filter`) whose manifest depends on `name`. */
  private async dependentsOf(name: string, filter: (row: ExtensionRow) => boolean): Promise<string[]> {
    const rows = ((await this.db.knex(TABLE).whereNot('name', name)) as ExtensionRow[]).filter(filter);
    const dependents: string[] = [];
    for (const row of rows) {
      const manifest = await this.packages.readManifest(row.name, row.version).catch(() => null);
      if (manifest?.cinatra.extensionDependencies?.[name] !== undefined)
        dependents.push(`${row.name}@${row.version}`);
    }
    return dependents;
  }

  private refuseDependents(kind: string, name: string, dependents: string[]): void {
    if (dependents.length === 0) return;
    throw new StageFailure(
      'has_dependents',
      `Cannot ${kind} ${name}: ${dependents.join(', ')} ${dependents.length === 1 ? 'depends' : 'depend'} on it. ${kind === 'archive' ? 'Archive' : 'Uninstall'} ${dependents.length === 1 ? 'it' : 'them'} first.`,
    );
  }

  /** A new install/update of an extension replaces one still waiting for consent. */
  private async supersedeHeld(name: string): Promise<void> {
    for (const held of await this.journal.open({ extension: name, status: ['pending_consent', 'running'] })) {
      if (held.status === 'running') {
        throw new KernelError('conflict', `Operation ${held.id} (${held.kind} of ${name}) is still running.`);
      }
      if (held.stagingDir) await rm(held.stagingDir, { recursive: true, force: true });
      const error = { code: 'superseded', message: 'A newer operation replaced it before it was approved.' };
      await this.journal.note(held.id, 'rollback', 'rolled_back', error);
      await this.journal.update(held.id, { status: 'rolled_back', error, stagingDir: null });
    }
  }

  // ---------------------------------------------------------------- plumbing

  /** Runs one stage: journaled before it starts, its outcome after. */
  private async stage<T>(op: OperationRow, stage: Stage, work: () => Promise<T>): Promise<T> {
    const id = await this.journal.stageStarted(op.id, stage);
    op.stage = stage;
    try {
      await this.fault(stage, op);
      const result = await work();
      await this.journal.stageEnded(id, 'succeeded');
      return result;
    } catch (error) {
      await this.journal.stageEnded(id, 'failed', describe(error));
      throw error;
    }
  }

  private async fault(stage: Stage, op: OperationRow): Promise<void> {
    op.stage = stage;
    this.listeners.get(op.id)?.(stage, { id: op.id, kind: op.kind, extension: op.extension });
    if (this.faultHook) await this.faultHook(stage, { id: op.id, kind: op.kind, extension: op.extension });
  }

  private async row(name: string): Promise<ExtensionRow | undefined> {
    return (await this.db.knex(TABLE).where('name', name).first()) as ExtensionRow | undefined;
  }

  private async authorize(action: string, name?: string): Promise<void> {
    await this.authorizer.authorize(currentActor(), action, {
      type: 'extension',
      ...(name ? { id: name } : {}),
      owner: WORKSPACE,
    });
  }
}

function isTarballError(error: unknown): boolean {
  return (error as Error | undefined)?.name === 'TarballError';
}

function describe(error: unknown): OperationError {
  if (
    error instanceof StageFailure ||
    error instanceof PackageVerificationError ||
    error instanceof ManifestError
  )
    return { code: error.code, message: error.message };
  if (error instanceof KernelError) return { code: error.code, message: error.message };
  if (isTarballError(error)) return { code: 'tarball_invalid', message: (error as Error).message };
  return { code: 'internal_error', message: (error as Error)?.message ?? String(error) };
}

/** Whether a path exists (used by tests and recovery checks). */
export async function pathExists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

export type { LifecycleState };
export const INSTALL_PIPELINE: InjectionToken<InstallPipeline> = InstallPipeline;
