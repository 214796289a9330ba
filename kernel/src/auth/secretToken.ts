import { createHash, randomBytes } from 'node:crypto';

/** A new high-entropy secret, URL-safe, with an optional recognisable prefix. */
export function newSecretToken(prefix = ''): string {
  return prefix + randomBytes(32).toString('base64url');
}

/**
 * Tokens carry 256 bits of entropy, so a fast hash is enough to store them safely
 * (a KDF only helps low-entropy secrets such as passwords).
 */
export function hashSecretToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
