import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import type { CinatraConfig } from '../config/CinatraConfig.js';
import { ConfigError } from '../config/loadConfig.js';

/** An AES-256 key that encrypts secret values, and the short id stored beside each ciphertext. */
export interface MasterKey {
  /** First 8 bytes of SHA-256 of the key, hex: names the key without revealing it. */
  readonly id: string;
  readonly bytes: Buffer;
}

export const MASTER_KEY_BYTES = 32;

export function masterKeyFromBytes(bytes: Buffer): MasterKey {
  if (bytes.length !== MASTER_KEY_BYTES) {
    throw new Error(`A secrets master key is ${MASTER_KEY_BYTES} bytes; got ${bytes.length}.`);
  }
  return Object.freeze({
    id: createHash('sha256').update(bytes).digest('hex').slice(0, 16),
    bytes: Buffer.from(bytes),
  });
}

/** Parses base64 text (as in CINATRA_SECRETS_MASTER_KEY or a key file); undefined when it is not 32 bytes. */
export function parseMasterKey(text: string): MasterKey | undefined {
  const trimmed = text.trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed)) return undefined;
  const bytes = Buffer.from(trimmed, 'base64');
  return bytes.length === MASTER_KEY_BYTES ? masterKeyFromBytes(bytes) : undefined;
}

export function generateMasterKey(): MasterKey {
  return masterKeyFromBytes(randomBytes(MASTER_KEY_BYTES));
}

export const encodeMasterKey = (key: MasterKey): string => key.bytes.toString('base64');

/**
 * Where a generated key lives. `previous` exists only while a rotation is under way: it
 * holds the key that rows not yet re-encrypted still need.
 */
export function masterKeyPaths(dataDir: string): { dir: string; current: string; previous: string } {
  const dir = join(dataDir, 'secrets');
  return { dir, current: join(dir, 'master.key'), previous: join(dir, 'master.key.previous') };
}

const CHECK_MODES = process.platform !== 'win32';

/**
 * Reads a key file, refusing one that group or others could read or that does not hold
 * a 32-byte base64 key. Undefined when the file does not exist.
 */
export function readMasterKeyFile(path: string): MasterKey | undefined {
  let mode: number;
  try {
    const stat = statSync(path);
    if (!stat.isFile()) throw new ConfigError(`Secrets master key ${path} is not a regular file: remove it.`);
    mode = stat.mode & 0o777;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  if (CHECK_MODES && (mode & 0o077) !== 0) {
    throw new ConfigError(
      `Secrets master key ${path} is accessible to group or others (mode ${mode.toString(8).padStart(4, '0')}): run chmod 600 ${path}.`,
    );
  }
  const key = parseMasterKey(readFileSync(path, 'utf8'));
  if (!key) {
    throw new ConfigError(
      `Secrets master key ${path} does not hold base64 of ${MASTER_KEY_BYTES} bytes: restore the file from a backup (or remove it only if no secret was ever stored).`,
    );
  }
  return key;
}

/**
 * Writes a key file atomically with mode 0600 in a 0700 directory: the text goes to a
 * temporary file that is synced and then renamed over (`replace`) or linked to the
 * target, which fails if another process created it first (`exclusive`).
 * Returns false when `exclusive` lost that race.
 */
export function writeMasterKeyFile(path: string, key: MasterKey, mode: 'replace' | 'exclusive'): boolean {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (CHECK_MODES) chmodSync(dir, 0o700);
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(temporary, 'wx', 0o600);
  try {
    writeSync(fd, `${encodeMasterKey(key)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  if (CHECK_MODES) chmodSync(temporary, 0o600);
  try {
    if (mode === 'replace') {
      renameSync(temporary, path);
      return true;
    }
    try {
      linkSync(temporary, path);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    }
  } finally {
    if (mode === 'exclusive') unlinkSync(temporary);
    syncDirectory(dir);
  }
}

/** Makes a rename or unlink in `dir` durable. */
export function syncDirectory(dir: string): void {
  if (process.platform === 'win32') return;
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Checks, without creating anything, that the instance's master key can be used: a
 * generated key file that exists must be private and well-formed. Called when the kernel
 * starts so a bad key file stops the instance with one clear line instead of failing the
 * first secret read later.
 */
export function assertMasterKeyUsable(config: CinatraConfig): void {
  if (config.secrets.masterKey !== undefined) {
    if (!parseMasterKey(config.secrets.masterKey)) {
      throw new ConfigError(
        `Invalid setting CINATRA_SECRETS_MASTER_KEY: expected base64 of ${MASTER_KEY_BYTES} random bytes (openssl rand -base64 32).`,
      );
    }
    return;
  }
  const paths = masterKeyPaths(config.dataDir);
  readMasterKeyFile(paths.current);
  readMasterKeyFile(paths.previous);
}
