import { lstat, readdir, readFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { validateManifest } from '../manifest/validateManifest.js';
import { comparePaths, writeTarball } from './tarball.js';

export interface PackedExtension {
  /** The gzip'd tarball (entries under `package/`); byte-identical for identical files. */
  tarball: Buffer;
  name: string;
  version: string;
  /** Package-relative paths in the tarball, sorted. */
  files: string[];
}

/** Never packed: VCS data, npm's own files, a previous signature, logs. */
const ALWAYS_IGNORED = new Set([
  '.git',
  '.svn',
  '.hg',
  'CVS',
  '.DS_Store',
  '.npmrc',
  '.npmignore',
  'npm-debug.log',
  'package-lock.json',
  'bundle.sigstore.json',
]);
/** Packed even when `files` does not list them, as npm does. */
const ALWAYS_INCLUDED = /^(package\.json|README(\..*)?|LICEN[CS]E(\..*)?|NOTICE(\..*)?)$/i;

/**
 * Packs an extension directory into an npm-style tarball after validating its manifest.
 *
 * Which files go in (a simplified form of npm's rule, documented in the SDK README):
 * - with a `files` array in package.json: each entry is a file or directory path relative to
 *   the package root (directories are taken whole; glob patterns are not supported), plus
 *   `package.json`, `README*`, `LICENSE*`/`LICENCE*`, `NOTICE*` and the manifest's `entry`;
 * - without `files`: every file in the directory;
 * - never: `node_modules` (except the packages named in `bundledDependencies`), `.git` and
 *   other VCS directories, `.npmrc`, `package-lock.json`, `*.tgz`, `bundle.sigstore.json`.
 * Symbolic links are refused: the signature covers file contents, not where a link points.
 */
export async function packExtension(dir: string): Promise<PackedExtension> {
  const manifestText = await readFile(join(dir, 'package.json'), 'utf8').catch(
    (error: NodeJS.ErrnoException) => {
      throw new Error(
        error.code === 'ENOENT'
          ? `${dir} has no package.json`
          : `cannot read package.json (${error.message})`,
      );
    },
  );
  const manifest = validateManifest(manifestText);
  const pkg = JSON.parse(manifestText) as {
    files?: unknown;
    bundledDependencies?: unknown;
    bundleDependencies?: unknown;
  };
  const bundled = [pkg.bundledDependencies, pkg.bundleDependencies]
    .filter(Array.isArray)
    .flat()
    .filter((d): d is string => typeof d === 'string');

  const all = await walk(dir, '', bundled);
  let selected: string[];
  if (pkg.files === undefined) {
    selected = all;
  } else {
    if (!Array.isArray(pkg.files) || !pkg.files.every((f) => typeof f === 'string')) {
      throw new Error('package.json "files" must be an array of paths');
    }
    const roots = pkg.files.map((f) => posix.normalize(f.replace(/^\.\//, '')).replace(/\/$/, ''));
    const entry = posix.normalize(manifest.cinatra.entry);
    selected = all.filter(
      (path) =>
        ALWAYS_INCLUDED.test(path) ||
        path === entry ||
        path.startsWith('node_modules/') ||
        roots.some((root) => path === root || path.startsWith(`${root}/`)),
    );
  }
  const entry = posix.normalize(manifest.cinatra.entry);
  if (!selected.includes(entry)) {
    throw new Error(
      `the manifest's entry "${manifest.cinatra.entry}" does not exist (build the extension first?)`,
    );
  }
  const files = new Map<string, Buffer>();
  for (const path of selected.sort(comparePaths))
    files.set(path, await readFile(join(dir, ...path.split('/'))));
  return {
    tarball: writeTarball(files),
    name: manifest.name,
    version: manifest.version,
    files: [...files.keys()],
  };
}

async function walk(root: string, relative: string, bundled: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(join(root, relative), { withFileTypes: true })) {
    const path = relative ? `${relative}/${entry.name}` : entry.name;
    if (ALWAYS_IGNORED.has(entry.name) || (relative === '' && entry.name.endsWith('.tgz'))) continue;
    if (path === 'node_modules') {
      for (const dep of bundled) {
        const depPath = `node_modules/${dep}`;
        const stat = await lstat(join(root, depPath)).catch(() => null);
        if (!stat?.isDirectory())
          throw new Error(`bundled dependency "${dep}" is not installed in node_modules`);
        out.push(...(await walk(root, depPath, [])));
      }
      continue;
    }
    if (entry.isSymbolicLink())
      throw new Error(`${path} is a symbolic link; packages may only contain files`);
    if (entry.isDirectory()) out.push(...(await walk(root, path, bundled)));
    else if (entry.isFile()) out.push(path);
    else throw new Error(`${path} is not a regular file`);
  }
  return out;
}
