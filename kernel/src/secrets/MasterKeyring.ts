import { inject, injectable } from 'tsyringe';
import type { InjectionToken } from 'tsyringe';
import { CONFIG, type CinatraConfig } from '../config/CinatraConfig.js';
import { LOGGER, type Logger } from '../logging/Logger.js';
import {
  generateMasterKey,
  masterKeyPaths,
  parseMasterKey,
  readMasterKeyFile,
  writeMasterKeyFile,
  type MasterKey,
} from './MasterKey.js';

/**
 * The master keys this process knows: the current one, which encrypts every write, and
 * any older ones still needed to decrypt rows a rotation has not reached yet.
 *
 * Loaded on first use. The key comes from `secrets.masterKey` when configured; otherwise
 * from `<dataDir>/secrets/master.key`, generated there the first time. While a rotation is
 * under way `master.key.previous` holds the old key and is loaded too.
 */
@injectable()
export class MasterKeyring {
  private currentKey: MasterKey | undefined;
  private readonly keys = new Map<string, MasterKey>();

  constructor(
    @inject(CONFIG) private readonly config: CinatraConfig,
    @inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Where the key comes from: the configuration or a file in the data directory. */
  get source(): 'config' | 'file' {
    return this.config.secrets.masterKey !== undefined ? 'config' : 'file';
  }

  current(): MasterKey {
    if (!this.currentKey) this.load();
    return this.currentKey!;
  }

  /** The key with this id, if this process has it. */
  find(keyId: string): MasterKey | undefined {
    if (!this.currentKey) this.load();
    return this.keys.get(keyId);
  }

  /** Ids of every key this process can decrypt with. */
  knownKeyIds(): string[] {
    if (!this.currentKey) this.load();
    return [...this.keys.keys()];
  }

  /** Makes `key` the one new writes use; older keys stay available for decryption. */
  adopt(key: MasterKey): void {
    if (!this.currentKey) this.load();
    this.keys.set(key.id, key);
    this.currentKey = key;
  }

  /** Forgets every key but the current one, once no row needs them any more. */
  retireOlderKeys(): void {
    const current = this.current();
    this.keys.clear();
    this.keys.set(current.id, current);
  }

  private load(): void {
    const configured = this.config.secrets.masterKey;
    if (configured !== undefined) {
      const key = parseMasterKey(configured);
      if (!key) throw new Error('CINATRA_SECRETS_MASTER_KEY is not base64 of 32 bytes.');
      this.install(key);
      return;
    }
    const paths = masterKeyPaths(this.config.dataDir);
    let key = readMasterKeyFile(paths.current);
    if (!key) {
      const generated = generateMasterKey();
      // Another process starting at the same moment may win; then its key is the key.
      if (writeMasterKeyFile(paths.current, generated, 'exclusive')) {
        this.logger.info({ path: paths.current, keyId: generated.id }, 'generated the secrets master key');
        key = generated;
      } else {
        key = readMasterKeyFile(paths.current)!;
      }
    }
    const previous = readMasterKeyFile(paths.previous);
    if (previous) this.keys.set(previous.id, previous);
    this.install(key);
  }

  private install(key: MasterKey): void {
    this.keys.set(key.id, key);
    this.currentKey = key;
  }
}

export const MASTER_KEYRING: InjectionToken<MasterKeyring> = MasterKeyring;
