import { unlinkSync } from 'node:fs';
import { inject, injectable } from 'tsyringe';
import type { InjectionToken } from 'tsyringe';
import { currentActor } from '../authz/ActorContext.js';
import { AUTHORIZER, type Authorizer } from '../authz/Authorizer.js';
import { WORKSPACE } from '../authz/ResourceRef.js';
import { CONFIG, type CinatraConfig } from '../config/CinatraConfig.js';
import { KernelError } from '../errors/KernelError.js';
import {
  generateMasterKey,
  masterKeyPaths,
  parseMasterKey,
  readMasterKeyFile,
  syncDirectory,
  writeMasterKeyFile,
  type MasterKey,
} from './MasterKey.js';
import { MASTER_KEYRING, type MasterKeyring } from './MasterKeyring.js';
import { SECRET_STORE, type RotationOptions, type SecretStore } from './SecretStore.js';

export interface KeyRotationResult {
  source: 'config' | 'file';
  /** Id of the key every secret is now encrypted under. */
  keyId: string;
  reencrypted: number;
  /** True when this run finished a rotation an earlier run started. */
  resumed: boolean;
}

/**
 * Replaces the instance's master key and re-encrypts every secret under it.
 *
 * With a generated key file the order makes a crash at any point harmless: the old key is
 * copied to `master.key.previous`, the new key replaces `master.key` (both atomically),
 * rows are re-encrypted, and only then is `master.key.previous` removed. A process that
 * starts meanwhile loads both keys, and running the rotation again finishes the job with
 * the key already on disk instead of making another.
 *
 * With a configured key (`CINATRA_SECRETS_MASTER_KEY`) the new key must be supplied; the
 * operator puts it into the configuration afterwards. Running again with the same new key
 * finishes an interrupted run.
 *
 * Stop the server first: a running instance keeps the keys it loaded.
 */
@injectable()
export class MasterKeyRotation {
  constructor(
    @inject(CONFIG) private readonly config: CinatraConfig,
    @inject(MASTER_KEYRING) private readonly keyring: MasterKeyring,
    @inject(SECRET_STORE) private readonly store: SecretStore,
    @inject(AUTHORIZER) private readonly authorizer: Authorizer,
  ) {}

  async rotate(options: { newKey?: MasterKey } & RotationOptions = {}): Promise<KeyRotationResult> {
    await this.authorizer.authorize(currentActor(), 'rotate_key', { type: 'secret', owner: WORKSPACE });
    const inUse = this.keyring.current();

    if (this.keyring.source === 'config') {
      if (!options.newKey) {
        throw new KernelError(
          'validation_failed',
          'The master key comes from CINATRA_SECRETS_MASTER_KEY: create a new key (openssl rand -base64 32 > new.key) and pass it with --new-key-file.',
        );
      }
      // Compared with the configured key: after an interrupted run in this process the
      // keyring already writes with the new key.
      if (options.newKey.id === parseMasterKey(this.config.secrets.masterKey!)?.id) throw sameKey();
      const newKeyId = options.newKey.id;
      const resumed = (await this.store.keyUsage()).some((usage) => usage.keyId === newKeyId);
      const reencrypted = await this.store.rotateMasterKey(options.newKey, options);
      return { source: 'config', keyId: options.newKey.id, reencrypted, resumed };
    }

    const paths = masterKeyPaths(this.config.dataDir);
    const onDisk = readMasterKeyFile(paths.current) ?? inUse;
    const previous = readMasterKeyFile(paths.previous);
    const resumed = previous !== undefined && previous.id !== onDisk.id;
    let target: MasterKey;
    if (resumed) {
      if (options.newKey && options.newKey.id !== onDisk.id) {
        throw new KernelError(
          'conflict',
          `A rotation to master key ${onDisk.id} is unfinished: run it again without --new-key-file to finish it first.`,
        );
      }
      target = onDisk;
    } else {
      target = options.newKey ?? generateMasterKey();
      if (target.id === onDisk.id) throw sameKey();
      // The new key is on disk before any row is encrypted under it, and the old one stays.
      writeMasterKeyFile(paths.previous, onDisk, 'replace');
      writeMasterKeyFile(paths.current, target, 'replace');
    }
    const reencrypted = await this.store.rotateMasterKey(target, options);
    unlinkSync(paths.previous);
    syncDirectory(paths.dir);
    return { source: 'file', keyId: target.id, reencrypted, resumed };
  }
}

export const MASTER_KEY_ROTATION: InjectionToken<MasterKeyRotation> = MasterKeyRotation;

function sameKey(): KernelError {
  return new KernelError(
    'validation_failed',
    'The new master key is the key already in use: supply a different key.',
  );
}
