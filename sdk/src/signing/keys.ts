import { createHash, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';

/** A publisher signing key: ECDSA P-256 (verifies with both DSSE and message signatures). */
export interface SigningKey {
  /** PKCS#8 PEM; keep it secret (the CLI writes it with mode 0600). */
  privateKeyPem: string;
  /** SPKI PEM; this is what an operator adds to the trust store. */
  publicKeyPem: string;
  /** `sha256:<hex>` over the SPKI DER public key; the bundle's key hint. */
  keyId: string;
}

export function generateSigningKey(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    keyId: keyIdOf(publicKey),
  };
}

/**
 * The key id: `sha256:` + hex SHA-256 of the SPKI DER encoding. Derived from the key itself,
 * so a bundle cannot claim one key id while carrying another key.
 */
export function keyIdOf(publicKey: string | KeyObject): string {
  const key = typeof publicKey === 'string' ? createPublicKey(publicKey) : publicKey;
  const der = key.export({ type: 'spki', format: 'der' });
  return `sha256:${createHash('sha256').update(der).digest('hex')}`;
}

/** Parses a public key PEM and checks it is ECDSA P-256; returns the normalised SPKI PEM. */
export function normalizePublicKeyPem(pem: string): string {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (error) {
    throw new Error(`not a PEM public key (${(error as Error).message})`, { cause: error });
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new Error('the key must be ECDSA P-256 (create one with `cinatra-ext keygen`)');
  }
  return key.export({ type: 'spki', format: 'pem' }).toString();
}

export const sha256Hex = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');
