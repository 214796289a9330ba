import { createHash } from 'node:crypto';
import type { SerializedBundle } from '@sigstore/bundle';
import { readTarball, TarballError } from '../signing/tarball.js';

/**
 * The version-manifest field that carries a package's Sigstore bundle in a registry. npm's
 * full metadata (`Accept: application/json`) keeps any field of a version object, so the
 * bundle travels with the exact version it signs and needs no second download. Abbreviated
 * metadata (`application/vnd.npm.install-v1+json`) drops it: read it from the full document.
 */
export const BUNDLE_FIELD = 'cinatraBundle';

export interface PublishPackageInput {
  /** Registry base URL, e.g. `http://127.0.0.1:4873/`. */
  registryUrl: string;
  /** Bearer token the registry accepts (for a Cinatra registry: a `cin_…` API token). */
  token: string;
  /** The packed tarball, published byte for byte. */
  tarball: Buffer;
  /** The Sigstore bundle for the tarball; `null` publishes an unsigned package. */
  bundle: SerializedBundle | null;
  /** Dist-tag to point at the version (npm's default `latest`). */
  tag?: string;
}

export interface PublishedPackage {
  name: string;
  version: string;
  /** `sha512-<base64>` of the tarball, as the registry records it in `dist.integrity`. */
  integrity: string;
}

export type PublishErrorCode = 'invalid_tarball' | 'unauthorized' | 'forbidden' | 'version_exists' | 'failed';

/** Why a publish failed, with a stable `code` (the CLI and the registry service map it). */
export class PublishError extends Error {
  constructor(
    readonly code: PublishErrorCode,
    message: string,
    readonly status: number | null = null,
  ) {
    super(message);
    this.name = 'PublishError';
  }
}

/**
 * Publishes a tarball the way `npm publish` does (one `PUT /<name>` carrying the version
 * manifest and the tarball as a base64 attachment), plus the bundle in `BUNDLE_FIELD`. The
 * version manifest is the tarball's own `package.json`, so what a registry serves is what
 * was signed; the tarball's bytes are sent unchanged, so promotion from one registry to
 * another keeps its digest and signature.
 */
export async function publishPackage(input: PublishPackageInput): Promise<PublishedPackage> {
  let pkg: Record<string, unknown>;
  try {
    const text = readTarball(input.tarball).get('package.json');
    if (!text) throw new TarballError('it has no package/package.json');
    pkg = JSON.parse(text.toString('utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new PublishError(
      'invalid_tarball',
      `The tarball cannot be published: ${(error as Error).message}.`,
    );
  }
  const name = pkg.name;
  const version = pkg.version;
  if (typeof name !== 'string' || typeof version !== 'string') {
    throw new PublishError('invalid_tarball', 'The tarball\'s package.json has no "name" and "version".');
  }
  const base = input.registryUrl.endsWith('/') ? input.registryUrl : `${input.registryUrl}/`;
  const integrity = `sha512-${createHash('sha512').update(input.tarball).digest('base64')}`;
  const fileName = `${name.replace(/^@[^/]+\//, '')}-${version}.tgz`;
  const attachment = `${name}-${version}.tgz`;
  const versionManifest: Record<string, unknown> = {
    ...pkg,
    _id: `${name}@${version}`,
    dist: {
      integrity,
      shasum: createHash('sha1').update(input.tarball).digest('hex'),
      tarball: `${base}${name}/-/${fileName}`,
    },
  };
  if (input.bundle) versionManifest[BUNDLE_FIELD] = input.bundle;
  const body = {
    _id: name,
    name,
    ...(typeof pkg.description === 'string' ? { description: pkg.description } : {}),
    'dist-tags': { [input.tag ?? 'latest']: version },
    versions: { [version]: versionManifest },
    access: null,
    _attachments: {
      [attachment]: {
        content_type: 'application/octet-stream',
        data: input.tarball.toString('base64'),
        length: input.tarball.length,
      },
    },
  };
  let response: Response;
  try {
    response = await fetch(`${base}${encodePackageName(name)}`, {
      method: 'PUT',
      headers: {
        authorization: `Bearer ${input.token}`,
        'content-type': 'application/json',
        accept: 'application/json',
        'npm-command': 'publish',
      },
      body: JSON.stringify(body),
    });
  } catch (error) {
    throw new PublishError('failed', `The registry ${base} cannot be reached: ${(error as Error).message}.`);
  }
  if (response.ok) {
    await response.arrayBuffer();
    return { name, version, integrity };
  }
  const detail = await errorText(response);
  const code: PublishErrorCode =
    response.status === 401
      ? 'unauthorized'
      : response.status === 403
        ? 'forbidden'
        : response.status === 409
          ? 'version_exists'
          : 'failed';
  const hint =
    code === 'version_exists'
      ? ' Published versions are immutable: bump the version and publish again.'
      : code === 'unauthorized'
        ? ' Pass a valid API token (--token cin_…).'
        : '';
  throw new PublishError(
    code,
    `The registry refused ${name}@${version} (${response.status}): ${detail}.${hint}`,
    response.status,
  );
}

/** npm's path form of a name: the scope's `/` is escaped, the `@` kept. */
export function encodePackageName(name: string): string {
  return name.startsWith('@') ? `@${encodeURIComponent(name.slice(1))}` : encodeURIComponent(name);
}

async function errorText(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  try {
    const json = JSON.parse(text) as { error?: unknown; message?: unknown };
    const message = json.error ?? json.message;
    if (typeof message === 'string' && message) return message.replace(/\.$/, '');
  } catch {
    // not JSON: fall through to the raw text
  }
  return text.trim().slice(0, 200) || response.statusText;
}
