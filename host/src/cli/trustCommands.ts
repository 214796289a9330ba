import { readFileSync } from 'node:fs';
import { runAsActor, systemActor, type Kernel } from '@cinatra/kernel';
import { TRUST_TIERS, type TrustTier } from '@cinatra/sdk';
import { TRUST_STORE, type TrustStore } from '../extensions/trust/TrustStore.js';
import { loadCliConfig, type GlobalOptions } from './loadCliConfig.js';
import { EXIT_OK, EXIT_USAGE, fail, Output, plural, type CliIo } from './output.js';
import { withKernel } from './withKernel.js';

/**
 * `cinatra trust …`: the operator's side of the trust store. Whoever runs the CLI has the
 * machine, so changes run as the `system:cli` actor; each is still audited like an API change.
 */
async function withTrust<T>(
  io: CliIo,
  options: GlobalOptions,
  work: (trust: TrustStore) => Promise<T>,
): Promise<T> {
  const cli = loadCliConfig(io, options, 'command');
  return withKernel(io, cli, 'require', (kernel: Kernel) =>
    runAsActor(systemActor('cli'), () => work(kernel.resolve(TRUST_STORE))),
  );
}

export interface TrustAddKeyOptions extends GlobalOptions {
  publisher: string;
  tier: string;
}

export async function trustAddKeyCommand(
  io: CliIo,
  pemFile: string,
  options: TrustAddKeyOptions,
): Promise<number> {
  if (!TRUST_TIERS.includes(options.tier as TrustTier)) {
    fail(`--tier must be one of ${TRUST_TIERS.join(', ')} (use private for your own key).`, EXIT_USAGE);
  }
  let publicKeyPem: string;
  try {
    publicKeyPem = readFileSync(pemFile, 'utf8');
  } catch {
    fail(`Cannot read ${pemFile}: pass the public key file written by \`cinatra-ext keygen\`.`, EXIT_USAGE);
  }
  const key = await withTrust(io, options, (trust) =>
    trust.addKey({ publicKeyPem, publisher: options.publisher, tier: options.tier as TrustTier }),
  );
  const out = new Output(io);
  out.line(`Trusted key ${key.keyId} for publisher ${key.publisher} (tier ${key.tier}).`);
  out.next('install packages signed with it, or `cinatra trust list`');
  return EXIT_OK;
}

export async function trustRevokeKeyCommand(
  io: CliIo,
  keyId: string,
  options: GlobalOptions & { reason: string },
): Promise<number> {
  const key = await withTrust(io, options, (trust) => trust.revokeKey(keyId, options.reason));
  new Output(io).line(
    `Revoked key ${key.keyId} of ${key.publisher}: nothing it signed installs or loads any more (running extensions stop at their next load).`,
  );
  return EXIT_OK;
}

export async function trustRevokeVersionCommand(
  io: CliIo,
  name: string,
  version: string,
  options: GlobalOptions & { reason: string },
): Promise<number> {
  const revoked = await withTrust(io, options, (trust) => trust.revokeVersion(name, version, options.reason));
  new Output(io).line(`Revoked ${revoked.name}@${revoked.version}: it never installs or loads again.`);
  return EXIT_OK;
}

export async function trustListCommand(io: CliIo, options: GlobalOptions): Promise<number> {
  const listing = await withTrust(io, options, (trust) => trust.list());
  const out = new Output(io);
  if (listing.keys.length === 0) {
    out.line('No trusted keys: no extension can be installed or loaded.');
    out.next('cinatra trust add-key <public key .pem> --publisher <id> --tier <tier>');
    return EXIT_OK;
  }
  out.line(`${plural(listing.keys.length, 'key')}:`);
  for (const key of listing.keys) {
    const state = key.revokedAt ? `REVOKED ${key.revokedAt} (${key.revokedReason})` : `added ${key.addedAt}`;
    out.line(`  ${key.keyId}  ${key.publisher}  ${key.tier}  ${state}`);
  }
  if (listing.revokedVersions.length > 0) {
    out.line(`${plural(listing.revokedVersions.length, 'revoked version')}:`);
    for (const v of listing.revokedVersions)
      out.line(`  ${v.name}@${v.version}  ${v.revokedAt}  (${v.reason})`);
  }
  return EXIT_OK;
}
