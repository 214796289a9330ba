import { createPublicKey } from 'node:crypto';
import { lstat, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  bundleFromJSON,
  isBundleWithDsseEnvelope,
  isBundleWithPublicKey,
  type Bundle,
} from '@sigstore/bundle';
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';
import { keyIdOf, sha256Hex } from './keys.js';
import { PAYLOAD_TYPE, parseStatement, type ExtensionStatement } from './statement.js';
import { comparePaths, readTarball, TarballError } from './tarball.js';

export type TrustTier = 'first-party' | 'partner' | 'community' | 'private';
export const TRUST_TIERS: readonly TrustTier[] = ['first-party', 'partner', 'community', 'private'];

export interface TrustedKey {
  publicKeyPem: string;
  publisher: string;
  tier: TrustTier;
  revoked: boolean;
}

/** What verification needs of the instance trust store (a snapshot; lookups are synchronous). */
export interface TrustLookup {
  key(keyId: string): TrustedKey | null;
  versionRevoked(name: string, version: string): boolean;
}

export type PackageVerificationCode =
  | 'bundle_malformed'
  | 'signature_invalid'
  | 'unknown_key'
  | 'key_revoked'
  | 'version_revoked'
  | 'publisher_mismatch'
  | 'name_mismatch'
  | 'version_mismatch'
  | 'tarball_digest_mismatch'
  | 'file_modified'
  | 'file_missing'
  | 'file_added';

/** A package that must not be installed or loaded; `code` is the stable reason. */
export class PackageVerificationError extends Error {
  constructor(
    readonly code: PackageVerificationCode,
    message: string,
    /** The package-relative file, for file_* codes. */
    readonly path: string | null = null,
  ) {
    super(message);
    this.name = 'PackageVerificationError';
  }
}

export interface VerifiedPackage {
  name: string;
  version: string;
  keyId: string;
  publisher: string;
  tier: TrustTier;
  /** Package-relative path → sha256 hex, as signed. */
  files: Record<string, string>;
}

/** No Rekor, CT log, CA or TSA: offline, key-based verification against the trust store only. */
const EMPTY_TRUSTED_ROOT: Parameters<typeof toTrustMaterial>[0] = {
  mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
  tlogs: [],
  certificateAuthorities: [],
  ctlogs: [],
  timestampAuthorities: [],
};

/**
 * Verifies a packed tarball against its bundle before install: signature by a trusted,
 * unrevoked key; the signed name, version and tarball digest; every file and no other.
 */
export async function verifyPackageTarball(
  tgz: Buffer,
  bundleJson: unknown,
  trust: TrustLookup,
): Promise<VerifiedPackage> {
  const signed = verifySignature(bundleJson, trust);
  const digest = sha256Hex(tgz);
  let files: Map<string, Buffer>;
  try {
    files = readTarball(tgz);
  } catch (error) {
    if (!(error instanceof TarballError)) throw error;
    throw new PackageVerificationError(
      'tarball_digest_mismatch',
      `The tarball is not the signed one (it cannot be read: ${error.message}).`,
    );
  }
  const manifest = readManifestFields(files.get('package.json'));
  checkIdentity(signed.statement, manifest);
  if (digest !== signed.statement.subject[0].digest.sha256) {
    throw new PackageVerificationError(
      'tarball_digest_mismatch',
      `The tarball's sha256 ${digest} is not the signed ${signed.statement.subject[0].digest.sha256}.`,
    );
  }
  compareFiles(signed.statement, new Map([...files].map(([path, data]) => [path, sha256Hex(data)])));
  return finish(signed, manifest, trust);
}

/**
 * Verifies an unpacked package directory (the tarball's `package/` contents) against its
 * bundle; run at every load, so a file changed on disk after install never runs.
 */
export async function verifyPackageDirectory(
  packageDir: string,
  bundleJson: unknown,
  trust: TrustLookup,
): Promise<VerifiedPackage> {
  const signed = verifySignature(bundleJson, trust);
  const digests = new Map<string, string>();
  let packageJson: Buffer | undefined;
  for (const path of await listFiles(packageDir, '')) {
    const data = await readFile(join(packageDir, ...path.split('/')));
    if (path === 'package.json') packageJson = data;
    digests.set(path, sha256Hex(data));
  }
  const manifest = readManifestFields(packageJson);
  checkIdentity(signed.statement, manifest);
  compareFiles(signed.statement, digests);
  return finish(signed, manifest, trust);
}

interface SignedStatement {
  statement: ExtensionStatement;
  keyId: string;
  key: TrustedKey;
}

function verifySignature(bundleJson: unknown, trust: TrustLookup): SignedStatement {
  let bundle: Bundle;
  try {
    bundle = bundleFromJSON(typeof bundleJson === 'string' ? JSON.parse(bundleJson) : bundleJson);
  } catch (error) {
    throw new PackageVerificationError(
      'bundle_malformed',
      `The signature bundle is not valid: ${(error as Error).message}.`,
    );
  }
  if (!isBundleWithDsseEnvelope(bundle) || !isBundleWithPublicKey(bundle)) {
    throw new PackageVerificationError(
      'bundle_malformed',
      'The signature bundle must carry a DSSE envelope signed with a publisher key.',
    );
  }
  const envelope = bundle.content.dsseEnvelope;
  if (envelope.payloadType !== PAYLOAD_TYPE) {
    throw new PackageVerificationError('bundle_malformed', `The DSSE payload type must be ${PAYLOAD_TYPE}.`);
  }
  const keyId = bundle.verificationMaterial.content.publicKey.hint;
  const key = trust.key(keyId);
  if (!key) {
    throw new PackageVerificationError(
      'unknown_key',
      `The package is signed with key ${keyId || '(none)'}, which is not in this instance's trust store.`,
    );
  }
  if (key.revoked) {
    throw new PackageVerificationError(
      'key_revoked',
      `The signing key ${keyId} of ${key.publisher} is revoked.`,
    );
  }
  // The trust store is keyed by id; make sure the stored key really has that id.
  const publicKey = createPublicKey(key.publicKeyPem);
  if (keyIdOf(publicKey) !== keyId) {
    throw new PackageVerificationError(
      'unknown_key',
      `The trust store's key for ${keyId} does not match its id.`,
    );
  }
  const material = toTrustMaterial(EMPTY_TRUSTED_ROOT, (hint) => {
    if (hint !== keyId) throw new Error(`unexpected key hint ${hint}`);
    return { publicKey, validFor: () => true };
  });
  try {
    new Verifier(material, { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 }).verify(
      toSignedEntity(bundle),
    );
  } catch (error) {
    throw new PackageVerificationError(
      'signature_invalid',
      `The signature does not verify with key ${keyId}: ${(error as Error).message}.`,
    );
  }
  const statement = parseStatement(envelope.payload);
  if (!statement) {
    throw new PackageVerificationError(
      'bundle_malformed',
      'The signed payload is not a Cinatra extension statement (in-toto v1, extension-files/v1).',
    );
  }
  return { statement, keyId, key };
}

interface ManifestFields {
  name: unknown;
  version: unknown;
  publisher: unknown;
}

function readManifestFields(packageJson: Buffer | undefined): ManifestFields {
  if (!packageJson) {
    throw new PackageVerificationError('file_missing', 'The package has no package.json.', 'package.json');
  }
  try {
    const pkg = JSON.parse(packageJson.toString('utf8')) as Record<string, unknown>;
    const cinatra = pkg.cinatra as Record<string, unknown> | undefined;
    return { name: pkg.name, version: pkg.version, publisher: cinatra?.publisher };
  } catch {
    throw new PackageVerificationError('file_modified', 'package.json is not valid JSON.', 'package.json');
  }
}

function checkIdentity(statement: ExtensionStatement, manifest: ManifestFields): void {
  const { name, version } = statement.predicate;
  if (manifest.name !== name) {
    throw new PackageVerificationError(
      'name_mismatch',
      `The signature is for ${name}, but the package is ${String(manifest.name)}.`,
    );
  }
  if (manifest.version !== version) {
    throw new PackageVerificationError(
      'version_mismatch',
      `The signature is for ${name}@${version}, but the package is version ${String(manifest.version)}.`,
    );
  }
}

function compareFiles(statement: ExtensionStatement, actual: ReadonlyMap<string, string>): void {
  const signed = statement.predicate.files;
  for (const path of Object.keys(signed).sort(comparePaths)) {
    const digest = actual.get(path);
    if (digest === undefined) {
      throw new PackageVerificationError(
        'file_missing',
        `${path} is signed but missing from the package.`,
        path,
      );
    }
    if (digest !== signed[path]) {
      throw new PackageVerificationError('file_modified', `${path} differs from the signed file.`, path);
    }
  }
  for (const path of [...actual.keys()].sort(comparePaths)) {
    if (!Object.hasOwn(signed, path)) {
      throw new PackageVerificationError('file_added', `${path} is not in the signed file list.`, path);
    }
  }
}

function finish(signed: SignedStatement, manifest: ManifestFields, trust: TrustLookup): VerifiedPackage {
  const { name, version, files } = signed.statement.predicate;
  if (manifest.publisher !== signed.key.publisher) {
    throw new PackageVerificationError(
      'publisher_mismatch',
      `The package names publisher "${String(manifest.publisher)}", but key ${signed.keyId} belongs to "${signed.key.publisher}".`,
    );
  }
  if (trust.versionRevoked(name, version)) {
    throw new PackageVerificationError('version_revoked', `${name}@${version} is revoked on this instance.`);
  }
  return {
    name,
    version,
    keyId: signed.keyId,
    publisher: signed.key.publisher,
    tier: signed.key.tier,
    files,
  };
}

/**
 * Every entry under the package directory. Anything that is not a regular file or a
 * directory (a symbolic link in particular) counts as an added file: it is not signed.
 */
async function listFiles(root: string, relative: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(join(root, relative), { withFileTypes: true })) {
    const path = relative ? `${relative}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await listFiles(root, path)));
    else if (entry.isFile()) out.push(path);
    else {
      const stat = await lstat(join(root, path));
      throw new PackageVerificationError(
        'file_added',
        `${path} is not a regular file (${stat.isSymbolicLink() ? 'symbolic link' : 'special file'}).`,
        path,
      );
    }
  }
  return out;
}
