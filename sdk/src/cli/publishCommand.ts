import type { Command } from 'commander';
import type { SerializedBundle } from '@sigstore/bundle';
import { PublishError, publishPackage } from './publishPackage.js';

export interface PublishCommandIo {
  out(line: string): void;
  path(p: string): string;
  fail(message: string): never;
  readInput(file: string, what: string): Promise<Buffer>;
}

/** The registry `cinatra-ext publish` uses when neither `--registry` nor the variable is given. */
const REGISTRY_ENV = 'CINATRA_REGISTRY_URL';
const TOKEN_ENV = 'CINATRA_TOKEN';

/**
 * `cinatra-ext publish <tarball> --bundle <file> --registry <url> --token <cin_…>`: publishes
 * the signed tarball unchanged, with its Sigstore bundle in the version manifest
 * (`cinatraBundle`), to a Cinatra instance registry. The token may come from `CINATRA_TOKEN`
 * so it stays out of shell history.
 */
export function publishCommand(program: Command, io: PublishCommandIo): void {
  program
    .command('publish')
    .description('publish a signed tarball and its Sigstore bundle to a Cinatra registry')
    .argument('<tarball>', 'tarball made by `cinatra-ext pack`')
    .requiredOption('--bundle <file>', 'the Sigstore bundle from `cinatra-ext sign`')
    .option('--registry <url>', `registry URL (default: $${REGISTRY_ENV})`)
    .option('--token <token>', `Cinatra API token with registry_package:write (default: $${TOKEN_ENV})`)
    .option('--tag <tag>', 'dist-tag to point at this version', 'latest')
    .action(
      async (
        tarballPath: string,
        options: { bundle: string; registry?: string; token?: string; tag: string },
      ) => {
        const registryUrl = options.registry ?? process.env[REGISTRY_ENV];
        const token = options.token ?? process.env[TOKEN_ENV];
        if (!registryUrl) io.fail(`Pass --registry <url> or set ${REGISTRY_ENV}.`);
        if (!token) io.fail(`Pass --token <cin_…> or set ${TOKEN_ENV}.`);
        if (!/^https?:\/\//.test(registryUrl!))
          io.fail(`--registry must be an http(s) URL, not ${registryUrl}.`);
        const tarball = await io.readInput(io.path(tarballPath), 'tarball');
        const bundleText = (await io.readInput(io.path(options.bundle), 'bundle')).toString('utf8');
        let bundle: SerializedBundle;
        try {
          bundle = JSON.parse(bundleText) as SerializedBundle;
        } catch {
          return io.fail(
            `${options.bundle} is not JSON: pass the .sigstore.json file \`cinatra-ext sign\` wrote.`,
          );
        }
        io.out(`Publishing ${tarballPath} (${tarball.length} bytes) to ${registryUrl} …`);
        try {
          const published = await publishPackage({
            registryUrl: registryUrl!,
            token: token!,
            tarball,
            bundle,
            tag: options.tag,
          });
          io.out(
            `Published ${published.name}@${published.version} (${published.integrity}) with its signature`,
          );
          io.out(
            `Next: install it on the instance (cinatra ext install ${published.name}@${published.version})`,
          );
        } catch (error) {
          if (error instanceof PublishError) io.fail(`Refused (${error.code}): ${error.message}`);
          throw error;
        }
      },
    );
}
