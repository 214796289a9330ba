import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
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

/**
 * Where a package comes from: a `.tgz` path (its bundle beside it as `<base>.sigstore.json`,
 * or `--bundle`), or a package name from the external registry
 * `registry.url` (the embedded one runs inside the server: use the API for it).
 */
function sourceFor(
  target: string,
  options: { bundle?: string },
  registry: CinatraConfig['registry'],
): { source: PackageSource; name: string } {
  if (target.endsWith('.tgz') || target.endsWith('.tar.gz')) {
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

function printOperation(out: Output, op: OperationView, pastTense: string): number {
  if (op.status === 'pending_consent') {
    const perms = op.kind === 'update' ? op.addedPermissions : op.requestedPermissions;
    out.line(
      `${op.extension}@${op.toVersion} is staged and waits for consent to ${plural(perms.length, 'permission')}${op.kind === 'update' ? ' more than the running version' : ''}:`,
    );
    for (const permission of op.requestedPermissions) {
      out.line(`  ${permission}${perms.includes(permission) && op.kind === 'update' ? '   (new)' : ''}`);
    }
    if (op.kind === 'update') out.line(`${op.extension}@${op.fromVersion} keeps running meanwhile.`);
    out.next(`cinatra ext approve ${op.id}`);
    return EXIT_OK;
  }
  out.ok(`${pastTense} ${op.extension}${op.toVersion ? `@${op.toVersion}` : ''} (operation ${op.id}).`);
  return EXIT_OK;
}

export interface ExtInstallOptions extends GlobalOptions {
  version?: string;
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
  if (options.version || options.bundle) {
    fail(
      'A GitHub release is picked with --tag; --version and --bundle are for packages and .tgz files.',
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
  const out = new Output(io);
  const { source, name } = sourceFor(target, options, loadCliConfig(io, options, 'command').config.registry);
  const op = await withPipeline(io, options, (pipeline) => {
    out.note(`Installing ${name}${options.version ? `@${options.version}` : ''}…`);
    return pipeline.install({
      source,
      name,
      ...(options.version ? { range: options.version } : {}),
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
  const out = new Output(io);
  const { source, name } = sourceFor(target, options, loadCliConfig(io, options, 'command').config.registry);
  const op = await withPipeline(io, options, (pipeline) => {
    out.note(`Updating ${name}${options.version ? ` to ${options.version}` : ''}…`);
    return pipeline.update({
      source,
      name,
      ...(options.version ? { range: options.version } : {}),
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
  options: GlobalOptions,
): Promise<number> {
  const out = new Output(io);
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
