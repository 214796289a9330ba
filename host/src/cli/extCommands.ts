import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { runAsActor, systemActor, type CinatraConfig, type Kernel } from '@cinatra/kernel';
import { EXTENSION_MANAGER, type ExtensionManager } from '../extensions/ExtensionManager.js';
import type { OperationView } from '../extensions/install/InstallJournal.js';
import {
  INSTALL_PIPELINE,
  type InstallPipeline,
  type StageListener,
  type UninstallData,
} from '../extensions/install/InstallPipeline.js';
import {
  LocalPackageSource,
  RegistryPackageSource,
  type PackageSource,
} from '../extensions/install/PackageSource.js';
import { GITHUB_INSTALLER } from '../extensions/install/GitHubInstaller.js';
import { registerExtensions } from '../extensions/registerExtensions.js';
import { ApiClient, type ApiOptions } from './apiClient.js';
import { loadCliConfig, type GlobalOptions } from './loadCliConfig.js';
import { EXIT_OK, EXIT_USAGE, fail, Output, plural, type CliIo } from './output.js';
import { withKernel } from './withKernel.js';

/**
 * `cinatra ext …`: the install pipeline from the command line, on the instance's database
 * and data directory (as the `system:cli` actor, audited like the API). Progress goes to
 * stderr stage by stage; the result and the next command to stdout; failures are one line.
 * These commands do not recover interrupted operations (the platform does at start), so a
 * server running beside them is never undercut.
 */
async function withPipeline<T>(
  io: CliIo,
  options: GlobalOptions,
  work: (pipeline: InstallPipeline, manager: ExtensionManager, kernel: Kernel) => Promise<T>,
): Promise<T> {
  const cli = loadCliConfig(io, options, 'command');
  return withKernel(io, cli, 'require', async (kernel: Kernel) => {
    await registerExtensions(kernel, { recoverOperations: false });
    return runAsActor(systemActor('cli'), () =>
      work(kernel.resolve(INSTALL_PIPELINE), kernel.resolve(EXTENSION_MANAGER), kernel),
    );
  });
}

const progress =
  (out: Output): StageListener =>
  (stage, op) =>
    out.note(`  ${op.extension}: ${stage}…`);

const isTarball = (target: string): boolean => target.endsWith('.tgz') || target.endsWith('.tar.gz');

/**
 * Where a package comes from: a `.tgz` path (its bundle beside it as `<base>.sigstore.json`,
 * or `--bundle`), or a package name from the external registry `registry.url` (names from the
 * embedded registry go through the server: `throughServer`).
 */
function sourceFor(
  target: string,
  options: { bundle?: string },
  registry: CinatraConfig['registry'],
): { source: PackageSource; name: string } {
  if (isTarball(target)) {
    const bundlePath =
      options.bundle ??
      join(dirname(target), `${basename(target).replace(/\.(tgz|tar\.gz)$/, '')}.sigstore.json`);
    let tarball: Buffer;
    let bundle: unknown;
    try {
      tarball = readFileSync(target);
    } catch {
      fail(`Cannot read ${target}: pass the .tgz written by \`cinatra-ext pack\`.`, EXIT_USAGE);
    }
    try {
      bundle = JSON.parse(readFileSync(bundlePath, 'utf8'));
    } catch {
      fail(
        `Cannot read the signature bundle ${bundlePath}: pass --bundle <file> (written by \`cinatra-ext sign\`).`,
        EXIT_USAGE,
      );
    }
    const source = new LocalPackageSource([{ tarball, bundle }]);
    return { source, name: source.primary.name };
  }
  if (registry.url) {
    return {
      source: new RegistryPackageSource({ url: registry.url, token: registry.token ?? null }),
      name: target,
    };
  }
  fail(
    `The embedded registry runs inside the server: install ${target} through the API (POST /api/extensions/install), or pass a signed .tgz (its bundle beside it or --bundle).`,
  );
}

function printOperation(out: Output, op: OperationView, pastTense: string, approveSuffix = ''): number {
  if (op.status === 'pending_consent') {
    const perms = op.kind === 'update' ? op.addedPermissions : op.requestedPermissions;
    out.line(
      `${op.extension}@${op.toVersion} is staged and waits for consent to ${plural(perms.length, 'permission')}${op.kind === 'update' ? ' more than the running version' : ''}:`,
    );
    for (const permission of op.requestedPermissions) {
      out.line(`  ${permission}${perms.includes(permission) && op.kind === 'update' ? '   (new)' : ''}`);
    }
    if (op.kind === 'update') out.line(`${op.extension}@${op.fromVersion} keeps running meanwhile.`);
    out.next(`cinatra ext approve ${op.id}${approveSuffix}`);
    return EXIT_OK;
  }
  out.ok(`${pastTense} ${op.extension}${op.toVersion ? `@${op.toVersion}` : ''} (operation ${op.id}).`);
  return EXIT_OK;
}

export interface ExtInstallOptions extends ApiOptions {
  /** Version or semver range (`--range`; `--version` is the CLI's own version flag). */
  range?: string;
  bundle?: string;
  approve?: boolean;
  /** GitHub: the release tag (default: the latest release). */
  tag?: string;
  /** GitHub: a workspace secret holding a token. */
  tokenSecret?: string;
}

/**
 * `cinatra ext install https://github.com/<owner>/<repo> [--tag T]`: the release's `.tgz`
 * asset (or source tarball) and its bundle asset, through the same pipeline
 * (`GitHubInstaller`; the API base is `github.apiUrl`).
 */
async function fromGitHub(
  io: CliIo,
  kind: 'install' | 'update',
  url: string,
  options: ExtInstallOptions,
): Promise<number> {
  const out = new Output(io);
  if (options.range || options.bundle) {
    fail(
      'A GitHub release is picked with --tag; --range and --bundle are for packages and .tgz files.',
      EXIT_USAGE,
    );
  }
  const op = await withPipeline(io, options, (_pipeline, _manager, kernel) => {
    out.note(
      `${kind === 'install' ? 'Installing' : 'Updating'} from ${url}${options.tag ? ` (release ${options.tag})` : ' (latest release)'}…`,
    );
    return kernel.resolve(GITHUB_INSTALLER)[kind]({
      url,
      ...(options.tag ? { tag: options.tag } : {}),
      ...(options.tokenSecret ? { tokenSecretId: options.tokenSecret } : {}),
      ...(options.approve ? { approvePermissions: 'requested' as const } : {}),
      onStage: progress(out),
    });
  });
  if (options.approve && op.requestedPermissions.length > 0) {
    out.line(`Approved: ${op.requestedPermissions.join(', ')}`);
  }
  printOperation(out, op, kind === 'install' ? 'Installed' : `Updated ${op.fromVersion} →`);
  if (op.status === 'succeeded') out.next(`cinatra ext list`);
  return EXIT_OK;
}

export async function extInstallCommand(
  io: CliIo,
  target: string,
  options: ExtInstallOptions,
): Promise<number> {
  if (/^https?:\/\//.test(target)) return fromGitHub(io, 'install', target, options);
  if (options.tag || options.tokenSecret)
    fail('--tag and --token-secret are for GitHub repository URLs.', EXIT_USAGE);
  if (!isTarball(target) && viaServer(io, options)) return throughServer(io, 'install', target, options);
  const out = new Output(io);
  const { source, name } = sourceFor(target, options, loadCliConfig(io, options, 'command').config.registry);
  const op = await withPipeline(io, options, (pipeline) => {
    out.note(`Installing ${name}${options.range ? `@${options.range}` : ''}…`);
    return pipeline.install({
      source,
      name,
      ...(options.range ? { range: options.range } : {}),
      ...(options.approve ? { approvePermissions: 'requested' as const } : {}),
      onStage: progress(out),
    });
  });
  if (options.approve && op.requestedPermissions.length > 0) {
    out.line(`Approved: ${op.requestedPermissions.join(', ')}`);
  }
  printOperation(out, op, 'Installed');
  if (op.status === 'succeeded') out.next(`cinatra ext list`);
  return EXIT_OK;
}

export async function extUpdateCommand(
  io: CliIo,
  target: string,
  options: ExtInstallOptions,
): Promise<number> {
  if (/^https?:\/\//.test(target)) return fromGitHub(io, 'update', target, options);
  if (options.tag || options.tokenSecret)
    fail('--tag and --token-secret are for GitHub repository URLs.', EXIT_USAGE);
  if (!isTarball(target) && viaServer(io, options)) return throughServer(io, 'update', target, options);
  const out = new Output(io);
  const { source, name } = sourceFor(target, options, loadCliConfig(io, options, 'command').config.registry);
  const op = await withPipeline(io, options, (pipeline) => {
    out.note(`Updating ${name}${options.range ? ` to ${options.range}` : ''}…`);
    return pipeline.update({
      source,
      name,
      ...(options.range ? { range: options.range } : {}),
      ...(options.approve ? { approvePermissions: 'requested' as const } : {}),
      onStage: progress(out),
    });
  });
  printOperation(out, op, `Updated ${op.fromVersion} →`);
  if (op.status === 'succeeded') out.next(`cinatra ext list`);
  return EXIT_OK;
}

export async function extApproveCommand(
  io: CliIo,
  operationId: string,
  options: ApiOptions,
): Promise<number> {
  const out = new Output(io);
  // An operation held by a server reached over the network is approved through that server.
  if (options.url || io.env.CINATRA_URL?.trim()) {
    const api = ApiClient.fromEnvironment(io, options);
    const held = await api.get<OperationView>(`/api/extension-operations/${operationId}`);
    out.note(
      `Approving ${held.requestedPermissions.join(', ') || 'no permissions'} for ${held.extension}@${held.toVersion} through ${api.url}…`,
    );
    const op = await approveThroughServer(api, out, held);
    printOperation(out, op, op.kind === 'update' ? `Updated ${op.fromVersion} →` : 'Installed');
    out.next('cinatra ext list');
    return EXIT_OK;
  }
  const op = await withPipeline(io, options, async (pipeline) => {
    const held = await pipeline.getOperation(operationId);
    out.note(
      `Approving ${held.requestedPermissions.join(', ') || 'no permissions'} for ${held.extension}@${held.toVersion}…`,
    );
    return pipeline.approve(operationId, held.requestedPermissions, progress(out));
  });
  printOperation(out, op, op.kind === 'update' ? `Updated ${op.fromVersion} →` : 'Installed');
  out.next('cinatra ext list');
  return EXIT_OK;
}

/**
 * Whether a package name is installed through a running server: always when one is named
 * (`--url`, `CINATRA_URL`), and when the registry is the embedded one, which only the server
 * runs. Otherwise the name comes from the external `registry.url`, in-process.
 */
function viaServer(io: CliIo, options: ApiOptions): boolean {
  if (options.url || io.env.CINATRA_URL?.trim()) return true;
  return !loadCliConfig(io, options, 'command').config.registry.url;
}

/** How often the journal is read while a request runs: progress, not a deadline. */
const POLL_INTERVAL_MS = 250;
/** Journal rows read per poll; the same window before the request tells new operations apart. */
const POLL_WINDOW = 50;

/**
 * `cinatra ext install|update <name>` through the server's API, as the token's user
 * (authorized and audited like the UI). The request runs the pipeline to its end or to the
 * consent hold and only then answers, so the operation's progress is read meanwhile from the
 * journal (`GET /api/extension-operations`). `--approve` approves the set the held operation
 * names, in a second request (the API takes an approval only as the exact set, which is known
 * once the version is resolved), and follows the rest of it.
 */
async function throughServer(
  io: CliIo,
  kind: 'install' | 'update',
  name: string,
  options: ExtInstallOptions,
): Promise<number> {
  if (options.bundle)
    fail('--bundle is for .tgz files; a package name is fetched with its bundle.', EXIT_USAGE);
  const api = ApiClient.fromEnvironment(io, options);
  const out = new Output(io);
  const range = options.range ? { range: options.range } : {};
  out.note(
    `${kind === 'install' ? `Installing ${name}${options.range ? `@${options.range}` : ''}` : `Updating ${name}${options.range ? ` to ${options.range}` : ''}`} through ${api.url}…`,
  );
  let path = '/api/extensions/install';
  if (kind === 'update') {
    const [installed] = await api.get<Array<{ id: string; name: string }>>('/api/extensions', { name });
    if (!installed) fail(`${name} is not installed: install it with \`cinatra ext install ${name}\`.`);
    path = `/api/extensions/${installed.id}/update`;
  }
  let op = await followNew(api, out, name, () =>
    api.post<OperationView>(path, kind === 'install' ? { name, ...range } : range),
  );
  if (op.status === 'pending_consent' && options.approve) {
    op = await approveThroughServer(api, out, op);
  }
  if (kind === 'install' && options.approve && op.requestedPermissions.length > 0) {
    out.line(`Approved: ${op.requestedPermissions.join(', ')}`);
  }
  printOperation(
    out,
    op,
    kind === 'install' ? 'Installed' : `Updated ${op.fromVersion} →`,
    options.url ? ` --url ${options.url}` : '',
  );
  if (op.status === 'succeeded') out.next('cinatra ext list');
  return EXIT_OK;
}

/** Approves exactly what `held` requests and follows the operation to its end. */
async function approveThroughServer(
  api: ApiClient,
  out: Output,
  held: OperationView,
): Promise<OperationView> {
  const progress = new JournalProgress(out);
  progress.seen(held);
  return following(
    () =>
      api.post<OperationView>(`/api/extension-operations/${held.id}/approve`, {
        permissions: held.requestedPermissions,
      }),
    async () => progress.print([await api.get<OperationView>(`/api/extension-operations/${held.id}`)]),
    (op) => progress.print([op]),
  );
}

/**
 * Runs `request` (an install or update) while printing the stages of the operations it starts:
 * those absent from the journal before it, for `name` and, by the same actor, the
 * dependencies it installs first. Another admin's operation started meanwhile is not shown.
 */
async function followNew(
  api: ApiClient,
  out: Output,
  name: string,
  request: () => Promise<OperationView>,
): Promise<OperationView> {
  const journal = () => api.get<OperationView[]>('/api/extension-operations', { limit: String(POLL_WINDOW) });
  const before = new Set((await journal()).map((op) => op.id));
  const progress = new JournalProgress(out);
  const poll = async () => {
    const fresh = (await journal()).filter((op) => !before.has(op.id));
    const primary = fresh.find((op) => op.extension === name);
    if (!primary) return;
    progress.print(
      fresh
        .filter((op) => op.actorId === primary.actorId)
        .sort((a, b) => a.createdAt.localeCompare(b.createdAt)),
    );
  };
  return following(request, poll, async (op) => {
    await poll();
    progress.print([op]);
  });
}

/**
 * Polls while `request` runs; after it answers, `finish` prints what is left. When it fails,
 * one last poll shows the failed stage before the problem line. Polling errors are ignored:
 * progress is a courtesy, the request's answer decides.
 */
async function following(
  request: () => Promise<OperationView>,
  poll: () => Promise<void>,
  finish: (op: OperationView) => Promise<void> | void,
): Promise<OperationView> {
  let done = false;
  const quietly = () => poll().catch(() => undefined);
  const loop = (async () => {
    while (!done) {
      await delay(POLL_INTERVAL_MS);
      if (!done) await quietly();
    }
  })();
  let op: OperationView;
  try {
    op = await request();
  } catch (error) {
    done = true;
    await loop;
    await quietly();
    throw error;
  }
  done = true;
  await loop;
  await Promise.resolve(finish(op)).catch(() => undefined);
  return op;
}

/** Prints each stage of the followed operations once, as the journal shows it finished. */
class JournalProgress {
  /** Stages printed (or already known), by operation id. */
  private readonly printed = new Map<string, number>();

  constructor(private readonly out: Output) {}

  /** Marks what `op` has done so far as shown (a held operation's stages before consent). */
  seen(op: OperationView): void {
    this.printed.set(op.id, op.stages.length);
  }

  print(ops: OperationView[]): void {
    for (const op of ops) {
      let index = this.printed.get(op.id) ?? 0;
      for (const stage of op.stages.slice(index)) {
        // In order: a stage still running holds back the ones after it.
        if (stage.finishedAt === null) break;
        const outcome =
          stage.status === 'succeeded'
            ? '✓'
            : `${stage.status.replace('_', ' ')}${stage.error ? ` (${stage.error.code})` : ''}`;
        this.out.note(`  ${op.extension}: ${stage.stage} ${outcome}`);
        index += 1;
      }
      this.printed.set(op.id, index);
    }
  }
}

export async function extArchiveCommand(io: CliIo, name: string, options: GlobalOptions): Promise<number> {
  const out = new Output(io);
  await withPipeline(io, options, (pipeline) => pipeline.archive(name));
  out.ok(`Archived ${name}: stopped; settings, grants and data kept.`);
  out.next(`cinatra ext restore ${name}`);
  return EXIT_OK;
}

export async function extRestoreCommand(io: CliIo, name: string, options: GlobalOptions): Promise<number> {
  const out = new Output(io);
  await withPipeline(io, options, (pipeline) => pipeline.restore(name));
  out.ok(`Restored ${name}: enabled again; it starts on first use.`);
  out.next('cinatra ext list');
  return EXIT_OK;
}

export interface ExtUninstallOptions extends GlobalOptions {
  keepData?: boolean;
  deleteData?: boolean;
}

export async function extUninstallCommand(
  io: CliIo,
  name: string,
  options: ExtUninstallOptions,
): Promise<number> {
  if (options.keepData === options.deleteData) {
    fail('Say what happens to its data: pass --keep-data or --delete-data.', EXIT_USAGE);
  }
  const data: UninstallData = options.deleteData ? 'delete' : 'keep';
  const out = new Output(io);
  await withPipeline(io, options, (pipeline) => pipeline.uninstall(name, data));
  out.ok(`Uninstalled ${name}; its data was ${data === 'delete' ? 'deleted' : 'kept'}.`);
  out.next('cinatra ext list');
  return EXIT_OK;
}

export async function extListCommand(io: CliIo, options: GlobalOptions): Promise<number> {
  const out = new Output(io);
  const { extensions, held } = await withPipeline(io, options, async (pipeline, manager) => ({
    extensions: await manager.list(),
    held: await pipeline.listOperations({ status: 'pending_consent' }),
  }));
  if (extensions.length === 0 && held.length === 0) {
    out.line('No extensions installed.');
    out.next('cinatra ext install <package.tgz>');
    return EXIT_OK;
  }
  out.line(`${plural(extensions.length, 'extension')}:`);
  for (const e of extensions) {
    out.line(`  ${e.name}@${e.version}  ${e.state}${e.lastError ? `  (${e.lastError.code})` : ''}`);
  }
  if (held.length > 0) {
    out.line(`${plural(held.length, 'operation')} waiting for consent:`);
    for (const op of held) {
      out.line(
        `  ${op.id}  ${op.kind} ${op.extension}@${op.toVersion}  asks for ${op.requestedPermissions.join(', ')}`,
      );
    }
  }
  return EXIT_OK;
}
