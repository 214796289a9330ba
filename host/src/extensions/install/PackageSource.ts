import { createHash } from 'node:crypto';
import { KernelError, type Kernel } from '@cinatra/kernel';
import {
  EMBEDDED_REGISTRY,
  fetchPackage,
  RegistryClient,
  RegistryError,
  resolveVersion,
} from '@cinatra/registry';
import { PackageVerificationError, readTarball, validateManifest } from '@cinatra/sdk';
import semver from 'semver';

/** A package version a source can deliver. */
export interface ResolvedPackage {
  name: string;
  version: string;
}

/** The exact bytes of one version: the npm-style tarball and its Sigstore bundle (JSON). */
export interface FetchedPackage {
  tarball: Buffer;
  bundle: unknown;
  /** `sha512-<base64>` the source vouches for (a registry's `dist.integrity`), checked before anything else. */
  integrity?: string;
}

/**
 * Where the install pipeline gets packages from: a registry (`fetchPackage` of
 * `@cinatra/registry`), GitHub releases, or tarballs an admin uploaded. `resolve` turns a
 * name and a semver range (or exact version, or `latest`) into one version; `fetch` returns
 * that version's bytes. Nothing a source says is trusted: the pipeline verifies integrity and
 * signature itself.
 */
export interface PackageSource {
  /** Shown in the journal (`source`), e.g. `upload`, `registry http://127.0.0.1:4873`. */
  readonly description: string;
  resolve(name: string, range: string): Promise<ResolvedPackage>;
  fetch(name: string, version: string): Promise<FetchedPackage>;
}

/** `sha512-<base64>` of the bytes, as npm writes `dist.integrity`. */
export function integrityOf(bytes: Buffer): string {
  return `sha512-${createHash('sha512').update(bytes).digest('base64')}`;
}

/**
 * Packages handed over as bytes (an uploaded tarball + bundle, or a set of them: a package
 * and the dependencies it needs). Names and versions are read from each tarball's
 * `package.json` (the signature check later binds them to the signed statement).
 */
export class LocalPackageSource implements PackageSource {
  readonly description = 'upload';
  private readonly packages: Array<ResolvedPackage & FetchedPackage> = [];

  constructor(packages: ReadonlyArray<{ tarball: Buffer; bundle: unknown }>) {
    for (const { tarball, bundle } of packages) {
      let manifest;
      try {
        manifest = validateManifest(readTarball(tarball).get('package.json')?.toString('utf8') ?? '');
      } catch (error) {
        throw new KernelError(
          'validation_failed',
          `The uploaded tarball is not an extension package: ${(error as Error).message}`,
        );
      }
      this.packages.push({ name: manifest.name, version: manifest.version, tarball, bundle });
    }
  }

  /** The first package handed over (the one an upload installs). */
  get primary(): ResolvedPackage {
    const first = this.packages[0];
    if (!first) throw new KernelError('validation_failed', 'No package was uploaded.');
    return { name: first.name, version: first.version };
  }

  async resolve(name: string, range: string): Promise<ResolvedPackage> {
    const versions = this.packages.filter((p) => p.name === name).map((p) => p.version);
    const version = pickVersion(versions, range);
    if (!version) {
      throw new KernelError(
        'not_found',
        `No uploaded package ${name} matches ${range} (uploaded: ${versions.join(', ') || 'none'}).`,
      );
    }
    return { name, version };
  }

  async fetch(name: string, version: string): Promise<FetchedPackage> {
    const found = this.packages.find((p) => p.name === name && p.version === version);
    if (!found) throw new KernelError('not_found', `${name}@${version} was not uploaded.`);
    return { tarball: found.tarball, bundle: found.bundle, integrity: integrityOf(found.tarball) };
  }
}

/** The highest version satisfying `range` (`latest` or `*` = the highest release). */
export function pickVersion(versions: readonly string[], range: string): string | null {
  const wanted = range === 'latest' ? '*' : range;
  return semver.maxSatisfying([...versions], wanted) ?? (versions.includes(wanted) ? wanted : null);
}

/** A source's refusal with a stable code (`not_found`, `no_matching_version`, `integrity_mismatch`, …). */
export class PackageSourceError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'PackageSourceError';
  }
}

/**
 * Packages from an npm registry: the instance's embedded Verdaccio or an external one
 * (`registry.url`), through `@cinatra/registry`'s `fetchPackage`, which resolves the range
 * against the full packument, downloads the tarball and checks it against the sha512
 * `dist.integrity` recorded at publish. The Sigstore bundle travels in the version's
 * `cinatraBundle` field; a version without one is refused here (unsigned).
 */
export class RegistryPackageSource implements PackageSource {
  constructor(private readonly endpoint: { url: string; token: string | null }) {}

  get description(): string {
    return `registry ${this.endpoint.url}`;
  }

  async resolve(name: string, range: string): Promise<ResolvedPackage> {
    const client = new RegistryClient(this.endpoint.url, this.endpoint.token);
    const packument = await client.packument(name).catch(rethrow);
    if (!packument) throw new PackageSourceError('not_found', `${this.endpoint.url} has no package ${name}.`);
    try {
      return { name, version: resolveVersion(packument, range) };
    } catch (error) {
      return rethrow(error);
    }
  }

  async fetch(name: string, version: string): Promise<FetchedPackage> {
    const fetched = await fetchPackage(this.endpoint.url, name, version, this.endpoint.token).catch(rethrow);
    if (!fetched.bundle) {
      throw new PackageVerificationError(
        'bundle_malformed',
        `${name}@${version} was published without a signature bundle; only signed packages install.`,
      );
    }
    return { tarball: fetched.tarball, bundle: fetched.bundle, integrity: fetched.integrity };
  }
}

function rethrow(error: unknown): never {
  if (error instanceof RegistryError) throw new PackageSourceError(error.code, error.message);
  throw error;
}

/**
 * The instance's own registry as a package source. When it does not run (CLI processes, a
 * platform that failed to start it) this is a `conflict` whose message ends with `alternative`,
 * the other way in for the caller at hand.
 */
export function embeddedRegistrySource(kernel: Kernel, alternative: string): RegistryPackageSource {
  let endpoint;
  try {
    endpoint = kernel.resolve(EMBEDDED_REGISTRY).endpoint();
  } catch {
    throw new KernelError('conflict', `The instance registry is not running: ${alternative}`);
  }
  return new RegistryPackageSource(endpoint);
}
