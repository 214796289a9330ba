import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { inject, injectable } from 'tsyringe';
import type { InjectionToken } from 'tsyringe';
import { CONFIG, type CinatraConfig } from '../config/CinatraConfig.js';

const KEY_LENGTH = 32;

function scryptAsync(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, KEY_LENGTH, options, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

/**
 * scrypt, a memory-hard KDF built into Node. Hashes are self-describing
 * (`scrypt$ln=17,r=8,p=1$<salt>$<key>`), so raising the cost later keeps old hashes valid.
 */
@injectable()
export class PasswordHasher {
  constructor(@inject(CONFIG) private readonly config: CinatraConfig) {}

  async hash(password: string): Promise<string> {
    const ln = this.config.auth.passwordHashCost;
    const salt = randomBytes(16);
    const key = await scryptAsync(password, salt, optionsFor(ln, 8, 1));
    return `scrypt$ln=${ln},r=8,p=1$${salt.toString('base64')}$${key.toString('base64')}`;
  }

  async verify(password: string, encoded: string): Promise<boolean> {
    const match = /^scrypt\$ln=(\d+),r=(\d+),p=(\d+)\$([^$]+)\$([^$]+)$/.exec(encoded);
    if (!match) return false;
    const [, ln, r, p, salt, key] = match as unknown as [string, string, string, string, string, string];
    const expected = Buffer.from(key, 'base64');
    const actual = await scryptAsync(
      password,
      Buffer.from(salt, 'base64'),
      optionsFor(Number(ln), Number(r), Number(p)),
    );
    return expected.length === actual.length && timingSafeEqual(expected, actual);
  }

  /** Spends the same time as a real verification, so unknown accounts are not revealed by timing. */
  async burn(password: string): Promise<void> {
    await this.hash(password);
  }
}

function optionsFor(ln: number, r: number, p: number): ScryptOptions {
  const N = 2 ** ln;
  return { N, r, p, maxmem: 128 * N * r * p + 1024 * 1024 };
}

export const PASSWORD_HASHER: InjectionToken<PasswordHasher> = PasswordHasher;
