import { createHash, timingSafeEqual } from 'node:crypto';
import type { SerializedBundle } from '@cinatra/sdk';
import semver from 'semver';
import { RegistryClient, type Packument, type PackumentVersion } from './RegistryClient.js';
import { RegistryError } from './RegistryError.js';

export interface FetchedPackage {
  name: string;
  version: string;
  /** The tarball's exact bytes, checked against `dist.integrity`. */
  tarball: Buffer;
  /** The Sigstore bundle published with the version, or null for an unsigned package. */
  bundle: SerializedBundle | null;
  /** `sha512-<base64>`, as recorded by the registry at publish time. */
  integrity: string;
  /** The version object of the full packument (manifest fields, `cinatra` block). */
  manifest: PackumentVersion;
}

/**
 * Resolves `versionOrRange` (an exact version, a dist-tag such as `latest`, or a semver
 * range: the highest matching non-prerelease, as npm does) against the full packument and
 * downloads that version's tarball. The bytes must match the sha512 `dist.integrity` the
 * registry recorded; a package without one is refused, since nothing would bind the bytes.
 * Signature verification is the caller's (it needs the instance trust store).
 */
export async function fetchPackage(
  registryUrl: string,
  name: string,
  versionOrRange: string,
  token?: string | null,
): Promise<FetchedPackage> {
  const client = new RegistryClient(registryUrl, token ?? null);
  const packument = await client.packument(name);
  if (!packument)
    throw new RegistryError('not_found', `${client.url} has no package ${name} (or hides it from you).`);
  const version = resolveVersion(packument, versionOrRange);
  const manifest = packument.versions[version]!;
  const integrity = manifest.dist?.integrity;
  const tarballUrl = manifest.dist?.tarball;
  if (!integrity?.startsWith('sha512-') || !tarballUrl) {
    throw new RegistryError(
      'integrity_missing',
      `${name}@${version} has no sha512 dist.integrity (or no tarball URL); it cannot be verified.`,
    );
  }
  const tarball = await client.tarball(tarballUrl);
  const expected = Buffer.from(integrity.slice('sha512-'.length), 'base64');
  const actual = createHash('sha512').update(tarball).digest();
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) {
    throw new RegistryError(
      'integrity_mismatch',
      `The tarball of ${name}@${version} is not the one published (sha512 differs from dist.integrity).`,
    );
  }
  const bundle = (manifest.cinatraBundle ?? null) as SerializedBundle | null;
  return { name, version, tarball, bundle, integrity, manifest };
}

/** The version `versionOrRange` selects, or `no_matching_version` naming what exists. */
export function resolveVersion(packument: Packument, versionOrRange: string): string {
  const versions = Object.keys(packument.versions);
  const wanted = versionOrRange.trim() || 'latest';
  if (packument.versions[wanted]) return wanted;
  const tagged = packument['dist-tags']?.[wanted];
  if (tagged && packument.versions[tagged]) return tagged;
  const range = semver.validRange(wanted);
  const chosen = range ? semver.maxSatisfying(versions, range) : null;
  if (!chosen) {
    throw new RegistryError(
      'no_matching_version',
      `${packument.name} has no version matching "${wanted}" (versions: ${versions.join(', ') || 'none'}).`,
    );
  }
  return chosen;
}
