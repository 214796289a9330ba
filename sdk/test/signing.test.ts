import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  generateSigningKey,
  keyIdOf,
  packExtension,
  PackageVerificationError,
  readTarball,
  signExtension,
  verifyPackageDirectory,
  verifyPackageTarball,
  writeTarball,
  type PackageVerificationCode,
  type SerializedBundle,
  type SigningKey,
  type TrustLookup,
  type TrustedKey,
} from '../src/index.js';
import { fixtureManifest, PUBLISHER, writeFixtureExtension } from './support/fixtureExtension.js';

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

function trustOf(
  keys: Array<{ key: SigningKey; publisher?: string; revoked?: boolean }>,
  revokedVersions: string[] = [],
): TrustLookup {
  const byId = new Map<string, TrustedKey>(
    keys.map(({ key, publisher = PUBLISHER, revoked = false }) => [
      key.keyId,
      { publicKeyPem: key.publicKeyPem, publisher, tier: 'community', revoked },
    ]),
  );
  return {
    key: (id) => byId.get(id) ?? null,
    versionRevoked: (name, version) => revokedVersions.includes(`${name}@${version}`),
  };
}

async function refusal(promise: Promise<unknown>): Promise<PackageVerificationError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PackageVerificationError);
  return error as PackageVerificationError;
}

async function expectRefused(
  promise: Promise<unknown>,
  code: PackageVerificationCode,
  path: string | null = null,
): Promise<void> {
  const error = await refusal(promise);
  expect({ code: error.code, path: error.path }, error.message).toEqual({ code, path });
}

/** Unpacks a tarball into a fresh directory, as the installer does. */
async function unpack(tgz: Buffer): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cinatra-unpacked-'));
  for (const [path, data] of readTarball(tgz)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), data);
  }
  return dir;
}

let key: SigningKey;
let tarball: Buffer;
let bundle: SerializedBundle;
let trust: TrustLookup;

beforeAll(async () => {
  key = generateSigningKey();
  trust = trustOf([{ key }]);
  const dir = await writeFixtureExtension();
  ({ tarball } = await packExtension(dir));
  bundle = await signExtension({ tarball, privateKeyPem: key.privateKeyPem });
});

describe('keys', () => {
  it('derives the key id from the SPKI DER public key', () => {
    expect(key.keyId).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(keyIdOf(key.publicKeyPem)).toBe(key.keyId);
    expect(generateSigningKey().keyId).not.toBe(key.keyId);
  });
});

describe('packExtension', () => {
  it('packs the same bytes for the same files, with npm-style package/ entries', async () => {
    const a = await packExtension(await writeFixtureExtension());
    const b = await packExtension(await writeFixtureExtension());
    expect(a.tarball.equals(b.tarball)).toBe(true);
    expect(a.files).toEqual(['README.md', 'dist/index.js', 'dist/lib/util.js', 'package.json']);
    expect({ name: a.name, version: a.version }).toEqual({ name: '@acme/hello', version: '1.2.3' });
    expect([...readTarball(a.tarball).keys()]).toEqual(a.files);
  });

  it('honours "files", and never packs node_modules (except bundled), signatures or VCS data', async () => {
    const manifest = fixtureManifest({ files: ['dist'], bundledDependencies: ['kept'] });
    const dir = await writeFixtureExtension(manifest, {
      'src/index.ts': 'source',
      'node_modules/kept/index.js': 'bundled',
      'node_modules/dropped/index.js': 'not bundled',
      'bundle.sigstore.json': '{}',
      '.git/HEAD': 'ref',
      LICENSE: 'Apache-2.0',
    });
    const packed = await packExtension(dir);
    expect(packed.files).toEqual([
      'LICENSE',
      'README.md',
      'dist/index.js',
      'dist/lib/util.js',
      'node_modules/kept/index.js',
      'package.json',
    ]);
  });

  it('validates the manifest first and refuses a missing entry or a symbolic link', async () => {
    const bad = await writeFixtureExtension(fixtureManifest({ version: 'one' }));
    await expect(packExtension(bad)).rejects.toMatchObject({ code: 'manifest_invalid', path: '/version' });
    const noEntry = await writeFixtureExtension();
    await unlink(join(noEntry, 'dist/index.js'));
    await expect(packExtension(noEntry)).rejects.toThrow(/entry "dist\/index.js" does not exist/);
    const linked = await writeFixtureExtension();
    await symlink('/etc/passwd', join(linked, 'dist/passwd'));
    await expect(packExtension(linked)).rejects.toThrow(/symbolic link/);
  });
});

describe('signExtension', () => {
  it('signs a DSSE in-toto statement binding name, version, tarball digest and every file', () => {
    expect(bundle.mediaType).toBe('application/vnd.dev.sigstore.bundle.v0.3+json');
    expect(bundle.verificationMaterial.publicKey?.hint).toBe(key.keyId);
    const envelope = bundle.dsseEnvelope!;
    expect(envelope.payloadType).toBe('application/vnd.in-toto+json');
    const statement = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8'));
    expect(statement).toEqual({
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ name: '@acme/hello@1.2.3.tgz', digest: { sha256: sha256(tarball) } }],
      predicateType: 'https://cinatra.dev/extension-files/v1',
      predicate: {
        name: '@acme/hello',
        version: '1.2.3',
        files: Object.fromEntries([...readTarball(tarball)].map(([path, data]) => [path, sha256(data)])),
      },
    });
    expect(Object.keys(statement.predicate.files)).toEqual(
      [...Object.keys(statement.predicate.files)].sort(),
    );
  });
});

describe('verifyPackageTarball', () => {
  it('accepts the signed tarball and names its signer', async () => {
    const verified = await verifyPackageTarball(tarball, bundle, trust);
    expect(verified).toMatchObject({
      name: '@acme/hello',
      version: '1.2.3',
      keyId: key.keyId,
      publisher: PUBLISHER,
      tier: 'community',
    });
    expect(Object.keys(verified.files)).toHaveLength(4);
    // The bundle may also arrive as its JSON text.
    await expect(verifyPackageTarball(tarball, JSON.stringify(bundle), trust)).resolves.toMatchObject({
      name: '@acme/hello',
    });
  });

  it('refuses a tarball with one changed byte (digest mismatch)', async () => {
    const files = readTarball(tarball);
    const code = files.get('dist/index.js')!;
    code[0] = code[0]! ^ 1;
    await expectRefused(verifyPackageTarball(writeTarball(files), bundle, trust), 'tarball_digest_mismatch');
    const flipped = Buffer.from(tarball);
    flipped[flipped.length - 20] = flipped[flipped.length - 20]! ^ 0xff;
    await expectRefused(verifyPackageTarball(flipped, bundle, trust), 'tarball_digest_mismatch');
  });

  it('refuses a signature for another name or another version', async () => {
    const otherName = await packExtension(
      await writeFixtureExtension(fixtureManifest({ name: '@acme/other' })),
    );
    await expectRefused(verifyPackageTarball(otherName.tarball, bundle, trust), 'name_mismatch');
    const otherVersion = await packExtension(
      await writeFixtureExtension(fixtureManifest({ version: '1.2.4' })),
    );
    await expectRefused(verifyPackageTarball(otherVersion.tarball, bundle, trust), 'version_mismatch');
  });

  it('refuses an unknown key, a revoked key, a revoked version and a foreign publisher', async () => {
    await expectRefused(verifyPackageTarball(tarball, bundle, trustOf([])), 'unknown_key');
    await expectRefused(
      verifyPackageTarball(tarball, bundle, trustOf([{ key, revoked: true }])),
      'key_revoked',
    );
    await expectRefused(
      verifyPackageTarball(tarball, bundle, trustOf([{ key }], ['@acme/hello@1.2.3'])),
      'version_revoked',
    );
    await expectRefused(
      verifyPackageTarball(tarball, bundle, trustOf([{ key, publisher: 'someone-else' }])),
      'publisher_mismatch',
    );
  });

  it('refuses a bundle signed by another key that claims a trusted key id', async () => {
    const attacker = generateSigningKey();
    const forged = await signExtension({ tarball, privateKeyPem: attacker.privateKeyPem });
    forged.verificationMaterial.publicKey!.hint = key.keyId;
    await expectRefused(verifyPackageTarball(tarball, forged, trust), 'signature_invalid');
  });

  it('refuses a tampered DSSE payload and a malformed bundle', async () => {
    const statement = JSON.parse(Buffer.from(bundle.dsseEnvelope!.payload, 'base64').toString('utf8'));
    statement.predicate.files['dist/evil.js'] = sha256('evil');
    const tampered = structuredClone(bundle);
    tampered.dsseEnvelope!.payload = Buffer.from(JSON.stringify(statement)).toString('base64');
    await expectRefused(verifyPackageTarball(tarball, tampered, trust), 'signature_invalid');

    await expectRefused(verifyPackageTarball(tarball, '{ not json', trust), 'bundle_malformed');
    await expectRefused(verifyPackageTarball(tarball, { mediaType: 'nope' }, trust), 'bundle_malformed');
    const wrongType = structuredClone(bundle);
    wrongType.dsseEnvelope!.payloadType = 'text/plain';
    await expectRefused(verifyPackageTarball(tarball, wrongType, trust), 'bundle_malformed');
  });

  it('refuses a signed statement that is not ours, even with a valid signature', async () => {
    const { DSSEBundleBuilder } = await import('@sigstore/sign');
    const { bundleToJSON } = await import('@sigstore/bundle');
    const { createPrivateKey, sign } = await import('node:crypto');
    const privateKey = createPrivateKey(key.privateKeyPem);
    const other = bundleToJSON(
      await new DSSEBundleBuilder({
        witnesses: [],
        signer: {
          sign: async (data) => ({
            signature: sign('sha256', data, privateKey),
            key: { $case: 'publicKey', publicKey: key.publicKeyPem, hint: key.keyId },
          }),
        },
      }).create({ data: Buffer.from('{"_type":"something else"}'), type: 'application/vnd.in-toto+json' }),
    );
    await expectRefused(verifyPackageTarball(tarball, other, trust), 'bundle_malformed');
  });
});

describe('verifyPackageDirectory', () => {
  it('accepts the unpacked package', async () => {
    const dir = await unpack(tarball);
    await expect(verifyPackageDirectory(dir, bundle, trust)).resolves.toMatchObject({
      name: '@acme/hello',
      version: '1.2.3',
      publisher: PUBLISHER,
    });
  });

  it('refuses a changed byte, naming the file', async () => {
    const dir = await unpack(tarball);
    await writeFile(join(dir, 'dist/lib/util.js'), 'export const x = 2;\n');
    await expectRefused(verifyPackageDirectory(dir, bundle, trust), 'file_modified', 'dist/lib/util.js');
  });

  it('refuses a missing file and an added file, naming them', async () => {
    const missing = await unpack(tarball);
    await rm(join(missing, 'README.md'));
    await expectRefused(verifyPackageDirectory(missing, bundle, trust), 'file_missing', 'README.md');
    const added = await unpack(tarball);
    await writeFile(join(added, 'dist/extra.js'), 'globalThis.pwned = true;\n');
    await expectRefused(verifyPackageDirectory(added, bundle, trust), 'file_added', 'dist/extra.js');
    const linked = await unpack(tarball);
    await symlink('/etc/passwd', join(linked, 'dist/passwd'));
    await expectRefused(verifyPackageDirectory(linked, bundle, trust), 'file_added', 'dist/passwd');
  });

  it('refuses a directory of another version, an unknown key, a revoked key or version', async () => {
    const otherVersion = await unpack(
      (await packExtension(await writeFixtureExtension(fixtureManifest({ version: '2.0.0' })))).tarball,
    );
    await expectRefused(verifyPackageDirectory(otherVersion, bundle, trust), 'version_mismatch');
    const otherName = await unpack(
      (await packExtension(await writeFixtureExtension(fixtureManifest({ name: 'hello' })))).tarball,
    );
    await expectRefused(verifyPackageDirectory(otherName, bundle, trust), 'name_mismatch');
    const dir = await unpack(tarball);
    await expectRefused(
      verifyPackageDirectory(dir, bundle, trustOf([{ key: generateSigningKey() }])),
      'unknown_key',
    );
    await expectRefused(
      verifyPackageDirectory(dir, bundle, trustOf([{ key, revoked: true }])),
      'key_revoked',
    );
    await expectRefused(
      verifyPackageDirectory(dir, bundle, trustOf([{ key }], ['@acme/hello@1.2.3'])),
      'version_revoked',
    );
  });
});
