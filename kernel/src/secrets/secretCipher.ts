import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { MasterKey } from './MasterKey.js';

/** One encrypted value as stored in a `secrets` row. */
export interface SealedValue {
  keyId: string;
  nonce: Buffer;
  ciphertext: Buffer;
  authTag: Buffer;
}

/**
 * What a ciphertext belongs to. It is authenticated as AES-GCM additional data, so a
 * ciphertext copied to another row, another owner or another version no longer opens.
 */
export interface SecretBinding {
  secretId: string;
  /** `user:<id>`, `team:<id>`, `organization:<id>`, `workspace` or `extension:<id>`. */
  ownerKey: string;
  version: number;
}

const ALGORITHM = 'aes-256-gcm';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

function additionalData(binding: SecretBinding): Buffer {
  return Buffer.from(
    ['cinatra.secret.v1', binding.secretId, binding.ownerKey, String(binding.version)].join('\0'),
    'utf8',
  );
}

export function sealSecret(key: MasterKey, plaintext: string, binding: SecretBinding): SealedValue {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv(ALGORITHM, key.bytes, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(additionalData(binding));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return { keyId: key.id, nonce, ciphertext, authTag: cipher.getAuthTag() };
}

/** Decrypts and authenticates; throws when the key, the bytes or the binding do not match. */
export function openSecret(key: MasterKey, sealed: SealedValue, binding: SecretBinding): string {
  if (sealed.keyId !== key.id) throw new Error(`sealed under key ${sealed.keyId}, not ${key.id}`);
  const decipher = createDecipheriv(ALGORITHM, key.bytes, sealed.nonce, { authTagLength: TAG_BYTES });
  decipher.setAAD(additionalData(binding));
  decipher.setAuthTag(sealed.authTag);
  return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]).toString('utf8');
}
