import { createPrivateKey, createPublicKey, sign as cryptoSign } from 'node:crypto';
import { bundleToJSON, type SerializedBundle } from '@sigstore/bundle';
import { DSSEBundleBuilder, type Signer } from '@sigstore/sign';
import { validateManifest } from '../manifest/validateManifest.js';
import { keyIdOf, sha256Hex } from './keys.js';
import {
  PAYLOAD_TYPE,
  PREDICATE_TYPE,
  STATEMENT_TYPE,
  tarballSubjectName,
  type ExtensionStatement,
} from './statement.js';
import { comparePaths, readTarball } from './tarball.js';

export type { SerializedBundle } from '@sigstore/bundle';

/** Builds the statement a signature covers from the tarball's own entries. */
export function statementForTarball(tarball: Buffer): ExtensionStatement {
  const entries = readTarball(tarball);
  const packageJson = entries.get('package.json');
  if (!packageJson) throw new Error('the tarball has no package/package.json');
  const manifest = validateManifest(packageJson.toString('utf8'));
  const files: Record<string, string> = {};
  for (const path of [...entries.keys()].sort(comparePaths)) files[path] = sha256Hex(entries.get(path)!);
  return {
    _type: STATEMENT_TYPE,
    subject: [
      { name: tarballSubjectName(manifest.name, manifest.version), digest: { sha256: sha256Hex(tarball) } },
    ],
    predicateType: PREDICATE_TYPE,
    predicate: { name: manifest.name, version: manifest.version, files },
  };
}

/**
 * Signs a packed extension offline with the publisher's key: a Sigstore bundle v0.3 whose
 * DSSE envelope carries the statement, the key hint being the key id. No transparency log or
 * timestamp witness (`witnesses: []`): verification trusts the instance's trust store, not
 * the public Sigstore infrastructure, so it works on machines without internet access.
 */
export async function signExtension(input: {
  tarball: Buffer;
  privateKeyPem: string;
}): Promise<SerializedBundle> {
  const privateKey = createPrivateKey(input.privateKeyPem);
  if (privateKey.asymmetricKeyType !== 'ec' || privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new Error('the signing key must be ECDSA P-256 (create one with `cinatra-ext keygen`)');
  }
  const publicKey = createPublicKey(privateKey);
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const hint = keyIdOf(publicKey);
  const signer: Signer = {
    sign: async (data) => ({
      signature: cryptoSign('sha256', data, privateKey),
      key: { $case: 'publicKey', publicKey: publicKeyPem, hint },
    }),
  };
  const statement = statementForTarball(input.tarball);
  const bundle = await new DSSEBundleBuilder({ signer, witnesses: [] }).create({
    data: Buffer.from(JSON.stringify(statement)),
    type: PAYLOAD_TYPE,
  });
  return bundleToJSON(bundle);
}
