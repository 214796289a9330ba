import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { readTarball, validateManifest, writeTarball } from '@cinatra/sdk';
import {
  PackageSourceError,
  pickVersion,
  type FetchedPackage,
  type PackageSource,
  type ResolvedPackage,
} from './PackageSource.js';

/** A repository on GitHub (or the configured GitHub Enterprise host). */
export interface GitHubRepository {
  owner: string;
  repo: string;
}

/** The fields of GitHub's release asset object this source reads (REST API, 2022-11-28). */
export interface GitHubAsset {
  id: number;
  name: string;
  size: number;
  content_type: string;
  browser_download_url: string;
  /** `sha256:<hex>`, which GitHub computes for assets uploaded since mid-2025; checked when present. */
  digest?: string | null;
}

/** The fields of GitHub's release object this source reads. */
export interface GitHubRelease {
  id: number;
  tag_name: string;
  name: string | null;
  draft: boolean;
  prerelease: boolean;
  published_at: string | null;
  tarball_url: string | null;
  assets: GitHubAsset[];
}

/** A release as the platform shows it: what would be installed from it, or why nothing can be. */
export interface ReleaseView {
  tag: string;
  name: string | null;
  draft: boolean;
  prerelease: boolean;
  publishedAt: string | null;
  /** The `.tgz` asset installed, or `null` when the source tarball is (the repository is the package). */
  packageAsset: { name: string; size: number } | null;
  bundleAsset: string | null;
  installable: boolean;
  /** Why it cannot be installed (no bundle asset, several .tgz assets). */
  reason: string | null;
}

/** Largest download accepted (the embedded registry's `max_body_size` too). */
export const MAX_DOWNLOAD_BYTES = 64 * 1024 * 1024;
const MAX_PAGES = 10;
const MAX_REDIRECTS = 5;
const API_HEADERS = { 'X-GitHub-Api-Version': '2022-11-28', 'User-Agent': 'cinatra' };
const OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
const REPO = /^[A-Za-z0-9._-]{1,100}$/;

/**
 * `https://github.com/<owner>/<repo>` (also with `.git`, a trailing `/` or a deeper path such
 * as `/releases/tag/v1`) → owner and repo. The host must be github.com when the API is
 * api.github.com, else the API's own host (GitHub Enterprise serves `https://<host>/api/v3`
 * beside `https://<host>/<owner>/<repo>`); anything else is `validation_failed` territory.
 */
export function parseRepositoryUrl(url: string, apiUrl: string): GitHubRepository {
  let parsed: URL;
  let api: URL;
  try {
    parsed = new URL(url);
    api = new URL(apiUrl);
  } catch {
    throw new PackageSourceError(
      'invalid_url',
      `${url} is not a URL; paste https://github.com/<owner>/<repo>.`,
    );
  }
  const webHost = api.host === 'api.github.com' ? 'github.com' : api.host;
  const host = parsed.host.replace(/^www\./, '');
  if (host !== webHost || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')) {
    throw new PackageSourceError(
      'invalid_url',
      `${url} is not a repository on ${webHost} (the GitHub this instance is configured for, github.apiUrl).`,
    );
  }
  const [owner, rawRepo] = parsed.pathname.split('/').filter(Boolean);
  const repo = rawRepo?.replace(/\.git$/, '');
  if (!owner || !repo || !OWNER.test(owner) || !REPO.test(repo) || repo === '.' || repo === '..') {
    throw new PackageSourceError(
      'invalid_url',
      `${url} does not name a repository: paste https://${webHost}/<owner>/<repo>.`,
    );
  }
  return { owner, repo };
}

/**
 * GitHub's REST API for releases: list, one by tag (or the latest), and the bytes of an asset
 * or of the source tarball. Redirects (GitHub answers 302 to a signed storage URL) are
 * followed by hand so the token only ever goes to the API's own origin.
 */
export class GitHubClient {
  private readonly api: URL;

  constructor(
    apiUrl: string,
    private readonly token: string | null,
  ) {
    this.api = new URL(apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/`);
  }

  async releases(repo: GitHubRepository): Promise<GitHubRelease[]> {
    const releases: GitHubRelease[] = [];
    let next: string | null = this.url(repo, 'releases?per_page=100');
    for (let page = 0; next && page < MAX_PAGES; page++) {
      const response = await this.get(next, 'application/vnd.github+json', repo);
      const body = (await response.json().catch(() => null)) as unknown;
      if (!Array.isArray(body)) throw invalid(repo, 'the release list is not an array');
      releases.push(...body.map((r) => checkRelease(r, repo)));
      next = /<([^>]+)>;\s*rel="next"/.exec(response.headers.get('link') ?? '')?.[1] ?? null;
    }
    return releases;
  }

  /** The release with `tag`, or GitHub's latest (newest published, not a draft or prerelease). */
  async release(repo: GitHubRepository, tag?: string): Promise<GitHubRelease> {
    const path = tag ? `releases/tags/${encodeURIComponent(tag)}` : 'releases/latest';
    const response = await this.get(this.url(repo, path), 'application/vnd.github+json', repo, tag);
    return checkRelease(await response.json().catch(() => null), repo);
  }

  /** An asset's bytes (`GET …/releases/assets/{id}`, `Accept: application/octet-stream`). */
  async asset(repo: GitHubRepository, asset: GitHubAsset): Promise<Buffer> {
    if (asset.size > MAX_DOWNLOAD_BYTES) throw tooLarge(asset.name);
    const response = await this.get(
      this.url(repo, `releases/assets/${asset.id}`),
      'application/octet-stream',
      repo,
    );
    const bytes = await readCapped(response, asset.name);
    if (asset.digest?.startsWith('sha256:')) {
      const actual = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
      if (actual !== asset.digest) {
        throw new PackageSourceError(
          'integrity_mismatch',
          `The bytes of ${asset.name} do not match the digest GitHub recorded for it (${asset.digest}).`,
        );
      }
    }
    return bytes;
  }

  /** The source tarball GitHub builds for the release's tag (`tarball_url`, redirected to codeload). */
  async sourceTarball(repo: GitHubRepository, release: GitHubRelease): Promise<Buffer> {
    if (!release.tarball_url) throw invalid(repo, `release ${release.tag_name} has no tarball_url`);
    const response = await this.get(release.tarball_url, 'application/vnd.github+json', repo);
    return readCapped(response, `the source tarball of ${release.tag_name}`);
  }

  private url(repo: GitHubRepository, path: string): string {
    return new URL(
      `repos/${encodeURIComponent(repo.owner)}/${encodeURIComponent(repo.repo)}/${path}`,
      this.api,
    ).href;
  }

  /** GET with manual redirects; the token is sent to the API origin only. Maps failures to codes. */
  private async get(url: string, accept: string, repo: GitHubRepository, tag?: string): Promise<Response> {
    let current = url;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const target = new URL(current);
      const headers: Record<string, string> = { ...API_HEADERS, Accept: accept };
      if (this.token && target.origin === this.api.origin) headers.Authorization = `Bearer ${this.token}`;
      let response: Response;
      try {
        response = await fetch(target, { headers, redirect: 'manual', signal: AbortSignal.timeout(60_000) });
      } catch (error) {
        throw new PackageSourceError(
          'unavailable',
          `GitHub (${target.origin}) cannot be reached: ${(error as Error).message}.`,
        );
      }
      if (response.status >= 300 && response.status < 400 && response.headers.get('location')) {
        await response.body?.cancel();
        current = new URL(response.headers.get('location')!, target).href;
        continue;
      }
      if (response.ok) return response;
      const message = await githubMessage(response);
      const name = `${repo.owner}/${repo.repo}`;
      if (response.status === 404) {
        throw new PackageSourceError(
          'not_found',
          tag
            ? `${name} has no release ${tag} (or the repository does not exist or is not visible with this token).`
            : `GitHub answers 404 for ${name}: the repository, release or asset does not exist or is not visible with this token.`,
        );
      }
      if (response.status === 401) {
        throw new PackageSourceError('unauthorized', `GitHub refused the token for ${name}: ${message}.`);
      }
      if (response.status === 403 || response.status === 429) {
        throw new PackageSourceError(
          'forbidden',
          `GitHub refused access to ${name} (${response.status}): ${message}.`,
        );
      }
      throw new PackageSourceError(
        'unavailable',
        `GitHub answered ${response.status} for ${name}: ${message}.`,
      );
    }
    throw new PackageSourceError(
      'unavailable',
      `GitHub redirected more than ${MAX_REDIRECTS} times for ${url}.`,
    );
  }
}

/**
 * What a release offers: the single `.tgz` asset (or none: the source tarball is the package)
 * and its Sigstore bundle, `<tgz base>.sigstore.json` as `cinatra-ext sign` writes it or
 * `bundle.sigstore.json`. A release without a bundle cannot be installed: only signed
 * packages install, and the source tarball GitHub builds is never signed by anyone.
 */
export function describeRelease(
  release: GitHubRelease,
): ReleaseView & { tgz: GitHubAsset | null; bundle: GitHubAsset | null } {
  const tgzs = release.assets.filter((a) => a.name.endsWith('.tgz'));
  const tgz = tgzs.length === 1 ? tgzs[0]! : null;
  const base = tgz?.name.replace(/\.tgz$/, '');
  const bundles = release.assets.filter((a) => a.name.endsWith('.sigstore.json'));
  const bundle =
    bundles.find((a) => base && a.name === `${base}.sigstore.json`) ??
    bundles.find((a) => a.name === 'bundle.sigstore.json') ??
    (bundles.length === 1 ? bundles[0]! : null);
  let reason: string | null = null;
  if (tgzs.length > 1) {
    reason = `release ${release.tag_name} has several .tgz assets (${tgzs.map((a) => a.name).join(', ')}); publish one package per release`;
  } else if (!bundle) {
    reason = `release ${release.tag_name} has no signature bundle asset (bundle.sigstore.json or ${base ?? '<package>'}.sigstore.json); only signed packages install`;
  }
  return {
    tag: release.tag_name,
    name: release.name,
    draft: release.draft,
    prerelease: release.prerelease,
    publishedAt: release.published_at,
    packageAsset: tgz ? { name: tgz.name, size: tgz.size } : null,
    bundleAsset: bundle?.name ?? null,
    installable: reason === null,
    reason,
    tgz,
    bundle,
  };
}

/**
 * One GitHub release as a `PackageSource` for the install pipeline. `load` fetches the
 * release, its package (the `.tgz` asset, or the source tarball made into a package, see
 * `packageFromSourceTarball`) and its bundle before the pipeline starts, because the pipeline
 * needs the package name up front and only the tarball says it. Everything is then checked
 * again by the pipeline exactly as for a registry: integrity, signature, files.
 */
export class GitHubReleaseSource implements PackageSource {
  private constructor(
    readonly description: string,
    readonly repository: GitHubRepository,
    readonly tag: string,
    readonly name: string,
    readonly version: string,
    private readonly fetched: FetchedPackage,
  ) {}

  static async load(
    client: GitHubClient,
    repository: GitHubRepository,
    tag?: string,
  ): Promise<GitHubReleaseSource> {
    const release = await client.release(repository, tag);
    const offer = describeRelease(release);
    if (!offer.installable || !offer.bundle)
      throw new PackageSourceError(
        'bundle_missing',
        `${repository.owner}/${repository.repo}: ${offer.reason}.`,
      );
    let bundle: unknown;
    try {
      bundle = JSON.parse((await client.asset(repository, offer.bundle)).toString('utf8'));
    } catch (error) {
      if (error instanceof PackageSourceError) throw error;
      throw new PackageSourceError(
        'bundle_malformed',
        `${offer.bundle.name} of ${release.tag_name} is not JSON.`,
      );
    }
    const tarball = offer.tgz
      ? await client.asset(repository, offer.tgz)
      : packageFromSourceTarball(await client.sourceTarball(repository, release), bundle);
    let manifest;
    try {
      // The SDK's reader refuses links, absolute paths and `..` before anything is written.
      manifest = validateManifest(readTarball(tarball).get('package.json')?.toString('utf8') ?? '');
    } catch (error) {
      const unsafe = (error as Error).name === 'TarballError';
      throw new PackageSourceError(
        unsafe ? 'archive_unsafe' : 'not_a_package',
        `${offer.tgz?.name ?? 'The source tarball'} of ${repository.owner}/${repository.repo}@${release.tag_name} ${unsafe ? 'is refused' : 'is not an extension package'}: ${(error as Error).message}.`,
      );
    }
    return new GitHubReleaseSource(
      `github ${repository.owner}/${repository.repo}@${release.tag_name} (${offer.tgz?.name ?? 'source tarball'})`,
      repository,
      release.tag_name,
      manifest.name,
      manifest.version,
      { tarball, bundle },
    );
  }

  async resolve(name: string, range: string): Promise<ResolvedPackage> {
    if (name !== this.name || !pickVersion([this.version], range)) {
      throw new PackageSourceError(
        'not_found',
        `${this.description} holds ${this.name}@${this.version}, not ${name}@${range}${name === this.name ? '' : ': install that extension first'}.`,
      );
    }
    return { name, version: this.version };
  }

  async fetch(name: string, version: string): Promise<FetchedPackage> {
    if (name !== this.name || version !== this.version) {
      throw new PackageSourceError(
        'not_found',
        `${this.description} holds ${this.name}@${this.version}, not ${name}@${version}.`,
      );
    }
    return this.fetched;
  }
}

/**
 * A repository that *is* the package: GitHub's source tarball has every file under
 * `<owner>-<repo>-<sha>/` (plus a global pax header with the commit), not npm's `package/`,
 * and holds the whole repository (tests, sources) rather than what was packed. The signed
 * statement in the bundle lists the package's files, so exactly those are taken from the
 * archive (an unlisted file is left out, a listed one missing stays missing and fails
 * verification) and written with the SDK's deterministic writer, which is what
 * `cinatra-ext pack` used: the same files give the same bytes, and the pipeline then checks
 * those bytes against the signed tarball digest as for any other source.
 *
 * The archive is read by `readSourceArchive`, which refuses absolute paths, `..`, entries
 * outside the single top directory and links pointing outside it before anything is kept.
 */
export function packageFromSourceTarball(tgz: Buffer, bundle: unknown): Buffer {
  const listed = signedFiles(bundle);
  const entries = readSourceArchive(tgz);
  const files = new Map<string, Buffer>();
  for (const path of listed) {
    const data = entries.get(path);
    if (data) files.set(path, data);
  }
  if (!files.has('package.json')) {
    throw new PackageSourceError(
      'not_a_package',
      'The source tarball has no package.json at the top of the repository.',
    );
  }
  return writeTarball(files);
}

/** The file list of the bundle's statement (not trusted: the pipeline verifies the signature). */
function signedFiles(bundle: unknown): string[] {
  try {
    const payload = (bundle as { dsseEnvelope: { payload: string } }).dsseEnvelope.payload;
    const statement = JSON.parse(Buffer.from(payload, 'base64').toString('utf8')) as {
      predicate: { files: Record<string, string> };
    };
    const files = Object.keys(statement.predicate.files);
    if (files.length === 0) throw new Error('no files');
    return files;
  } catch {
    throw new PackageSourceError(
      'bundle_malformed',
      'The signature bundle carries no Cinatra statement listing the package files.',
    );
  }
}

const BLOCK = 512;

/**
 * Reads a GitHub source tarball into top-directory-relative paths. Refuses (`archive_unsafe`):
 * absolute paths, backslashes, `..` segments, entries outside the one top directory, links
 * whose target leaves it, devices and FIFOs. Links that stay inside are skipped (a package
 * is plain files; a signed path that is a link in the repository is then missing and fails
 * verification). Directories are implied by the files.
 */
export function readSourceArchive(tgz: Buffer): Map<string, Buffer> {
  let tar: Buffer;
  try {
    tar = gunzipSync(tgz, { maxOutputLength: 512 * 1024 * 1024 });
  } catch (error) {
    throw new PackageSourceError(
      'archive_unsafe',
      `The source tarball is not a gzip'd tarball (${(error as Error).message}).`,
    );
  }
  const files = new Map<string, Buffer>();
  let top: string | null = null;
  let longName: string | null = null;
  let longLink: string | null = null;
  for (let offset = 0; offset + BLOCK <= tar.length;) {
    const head = tar.subarray(offset, offset + BLOCK);
    if (head.every((b) => b === 0)) break;
    const size = parseInt(cString(head.subarray(124, 136)).trim() || '0', 8);
    if (!Number.isFinite(size) || size < 0) throw unsafe(`bad size field at byte ${offset}`);
    const type = String.fromCharCode(head[156]!);
    const start = offset + BLOCK;
    if (start + size > tar.length) throw unsafe('truncated archive');
    const data = tar.subarray(start, start + size);
    offset = start + Math.ceil(size / BLOCK) * BLOCK;
    if (type === 'g') continue;
    if (type === 'x') {
      longName = paxRecord(data, 'path') ?? longName;
      longLink = paxRecord(data, 'linkpath') ?? longLink;
      continue;
    }
    if (type === 'L' || type === 'K') {
      if (type === 'L') longName = cString(data);
      else longLink = cString(data);
      continue;
    }
    const name = longName ?? ustarName(head);
    const link = longLink ?? cString(head.subarray(157, 257));
    longName = longLink = null;
    const segments = name.replace(/\/$/, '').split('/');
    if (name.startsWith('/') || name.includes('\\') || segments.some((s) => s === '..' || s === '')) {
      throw unsafe(`"${name}" is not a plain relative path`);
    }
    const entryTop = segments[0]!;
    if (top === null) top = entryTop;
    if (entryTop !== top) throw unsafe(`"${name}" is outside the archive's top directory ${top}/`);
    const relative = segments.slice(1).join('/');
    if (type === '5') continue;
    if (type === '1' || type === '2') {
      // Hard links name an archive path; symbolic links are relative to the entry's directory.
      const resolved = link.startsWith('/')
        ? null
        : posix.normalize(type === '1' ? link : posix.join(posix.dirname(name), link));
      if (!resolved || resolved.startsWith('../') || resolved === '..' || !resolved.startsWith(`${top}/`)) {
        throw unsafe(`the link "${name}" → "${link}" leaves the archive`);
      }
      continue;
    }
    if (type !== '0' && type !== '\0' && type !== '7')
      throw unsafe(`"${name}" is not a regular file (type ${JSON.stringify(type)})`);
    if (relative === '') throw unsafe(`"${name}" is a file where the top directory should be`);
    if (files.has(relative)) throw unsafe(`"${name}" appears twice`);
    files.set(relative, Buffer.from(data));
  }
  return files;
}

function unsafe(message: string): PackageSourceError {
  return new PackageSourceError('archive_unsafe', `The source tarball is refused: ${message}.`);
}

function cString(field: Buffer): string {
  const end = field.indexOf(0);
  return field.subarray(0, end < 0 ? field.length : end).toString('utf8');
}

function ustarName(head: Buffer): string {
  const name = cString(head.subarray(0, 100));
  const prefix =
    head.subarray(257, 262).toString('latin1') === 'ustar' ? cString(head.subarray(345, 500)) : '';
  return prefix ? `${prefix}/${name}` : name;
}

function paxRecord(data: Buffer, key: string): string | null {
  let found: string | null = null;
  for (let offset = 0; offset < data.length;) {
    const space = data.indexOf(0x20, offset);
    if (space < 0) break;
    const length = parseInt(data.subarray(offset, space).toString('latin1'), 10);
    if (!Number.isFinite(length) || length <= 0) throw unsafe('bad pax header');
    const record = data.subarray(space + 1, offset + length - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (record.slice(0, eq) === key) found = record.slice(eq + 1);
    offset += length;
  }
  return found;
}

async function readCapped(response: Response, what: string): Promise<Buffer> {
  const declared = Number(response.headers.get('content-length') ?? 0);
  if (declared > MAX_DOWNLOAD_BYTES) throw tooLarge(what);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of response.body ?? []) {
    total += (chunk as Uint8Array).byteLength;
    if (total > MAX_DOWNLOAD_BYTES) throw tooLarge(what);
    chunks.push(Buffer.from(chunk as Uint8Array));
  }
  return Buffer.concat(chunks);
}

function tooLarge(what: string): PackageSourceError {
  return new PackageSourceError(
    'too_large',
    `${what} is larger than ${MAX_DOWNLOAD_BYTES / 1024 / 1024} MiB.`,
  );
}

function invalid(repo: GitHubRepository, why: string): PackageSourceError {
  return new PackageSourceError(
    'invalid_response',
    `GitHub's answer for ${repo.owner}/${repo.repo} is not a release API answer: ${why}.`,
  );
}

async function githubMessage(response: Response): Promise<string> {
  const body = (await response.json().catch(() => null)) as { message?: unknown } | null;
  return typeof body?.message === 'string' ? body.message.slice(0, 300) : response.statusText || 'no message';
}

function checkRelease(value: unknown, repo: GitHubRepository): GitHubRelease {
  const r = value as Partial<GitHubRelease> | null;
  if (!r || typeof r.tag_name !== 'string' || !Array.isArray(r.assets))
    throw invalid(repo, 'a release lacks tag_name or assets');
  for (const a of r.assets) {
    if (typeof a?.id !== 'number' || typeof a.name !== 'string' || typeof a.size !== 'number') {
      throw invalid(repo, `an asset of ${r.tag_name} lacks id, name or size`);
    }
  }
  return {
    id: Number(r.id),
    tag_name: r.tag_name,
    name: typeof r.name === 'string' ? r.name : null,
    draft: r.draft === true,
    prerelease: r.prerelease === true,
    published_at: typeof r.published_at === 'string' ? r.published_at : null,
    tarball_url: typeof r.tarball_url === 'string' ? r.tarball_url : null,
    assets: r.assets,
  };
}
