import { readFileSync } from 'node:fs';
import {
  MASTER_KEY_ROTATION,
  masterKeyPaths,
  parseMasterKey,
  runAsActor,
  systemActor,
  type MasterKey,
} from '@cinatra/kernel';
import { loadCliConfig, type GlobalOptions } from './loadCliConfig.js';
import { EXIT_OK, EXIT_USAGE, fail, Output, plural, type CliIo } from './output.js';
import { withKernel } from './withKernel.js';

export interface SecretsRotateKeyOptions extends GlobalOptions {
  newKeyFile?: string;
}

/**
 * `cinatra secrets rotate-key`: re-encrypts every secret under a new master key. With a
 * generated key file the new key is generated and replaces the file; with a configured
 * key the new one comes from `--new-key-file` and the operator configures it afterwards.
 * Running it again after an interruption finishes the same rotation.
 */
export async function secretsRotateKeyCommand(io: CliIo, options: SecretsRotateKeyOptions): Promise<number> {
  const cli = loadCliConfig(io, options, 'command');
  const newKey = options.newKeyFile ? readNewKey(options.newKeyFile) : undefined;
  const out = new Output(io);
  const result = await withKernel(io, cli, 'require', (kernel) =>
    runAsActor(systemActor('cli'), () =>
      kernel.resolve(MASTER_KEY_ROTATION).rotate({
        newKey,
        onProgress: (done, total) => out.note(`Re-encrypted ${done} of ${plural(total, 'secret')}…`),
      }),
    ),
  );

  out.line(
    `${result.resumed ? 'Finished the interrupted key rotation' : 'Rotated the secrets master key'}: ${plural(result.reencrypted, 'secret')} re-encrypted, every secret is now under key ${result.keyId}.`,
  );
  if (result.source === 'config') {
    out.next(
      `set CINATRA_SECRETS_MASTER_KEY to the contents of ${options.newKeyFile} and restart; the old key no longer decrypts anything`,
    );
  } else {
    out.line(
      `The new key is in ${masterKeyPaths(cli.config.dataDir).current}: back it up, secrets cannot be read without it.`,
    );
    out.next('cinatra start');
  }
  return EXIT_OK;
}

function readNewKey(path: string): MasterKey {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    fail(
      `Cannot read the new key file ${path}: create it with openssl rand -base64 32 > ${path}.`,
      EXIT_USAGE,
    );
  }
  const key = parseMasterKey(text);
  if (!key) {
    fail(
      `${path} does not hold base64 of 32 bytes: create it with openssl rand -base64 32 > ${path}.`,
      EXIT_USAGE,
    );
  }
  return key;
}
