import { chmod, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { Command, CommanderError } from 'commander';
import { ManifestError } from '../manifest/validateManifest.js';
import { scaffoldExtension } from './scaffold.js';
import { generateSigningKey, keyIdOf, normalizePublicKeyPem } from '../signing/keys.js';
import { packExtension } from '../signing/packExtension.js';
import { signExtension } from '../signing/signExtension.js';
import { readTarball } from '../signing/tarball.js';
import { publishCommand } from './publishCommand.js';
import { agentsCommand } from './agentsCommand.js';
import { PackageVerificationError, verifyPackageTarball, type TrustedKey } from '../signing/verifyPackage.js';

export const EXIT_OK = 0;
/** Something the author can fix: invalid manifest, refused signature, missing file. */
export const EXIT_FAILURE = 1;
/** The command line itself was wrong: unknown command or option, missing argument. */
export const EXIT_USAGE = 2;

export interface ExtCliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  cwd: string;
}

/** A failure already put into one line saying what is wrong and how to fix it. */
class ExtCliFailure extends Error {
  constructor(
    message: string,
    readonly exitCode = EXIT_FAILURE,
  ) {
    super(message);
  }
}
const fail = (message: string, exitCode = EXIT_FAILURE): never => {
  throw new ExtCliFailure(message, exitCode);
};

export const PRIVATE_KEY_FILE = 'cinatra-signing.key.pem';
export const PUBLIC_KEY_FILE = 'cinatra-signing.pub.pem';

/**
 * Runs one `cinatra-ext` command line (`argv` without `node` and the script) and resolves to
 * the exit code; never exits the process, so it can also run in-process.
 */
export async function runExtCli(argv: readonly string[], io: ExtCliIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT_OK;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    if (error instanceof ExtCliFailure) {
      io.stderr.write(`${error.message}\n`);
      return error.exitCode;
    }
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(`${message.split('\n')[0]}\n`);
    return EXIT_FAILURE;
  }
}

function buildProgram(io: ExtCliIo): Command {
  const out = (line: string) => io.stdout.write(`${line}\n`);
  const path = (p: string) => resolve(io.cwd, p);
  const program = new Command('cinatra-ext')
    .description(
      'Scaffold, pack, sign and verify Cinatra extension packages; validate, review and compile agents.',
    )
    .helpOption('-h, --help', 'show help')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: (text, write) => write(`${text.trim().replace(/\s*\n\s*/g, ' ')}\n`),
    });

  program
    .command('init')
    .description('scaffold a working extension (one MCP tool, a test, a README) in a new directory')
    .argument('<dir>', 'directory to create (must be empty if it exists)')
    .option('--name <name>', 'npm package name (default: @<publisher>/<dir name>)')
    .option('--publisher <id>', "your publisher id (default: the name's scope)")
    .action(async (dir: string, options: { name?: string; publisher?: string }) => {
      const target = path(dir);
      const made = await scaffoldExtension({ dir: target, ...options }).catch((error: unknown) => {
        if (error instanceof ManifestError) fail(`${error.message}. Pass a valid --name and --publisher.`);
        return fail(`Cannot scaffold ${target}: ${(error as Error).message}.`);
      });
      out(`Created ${made.name} (publisher ${made.publisher}) in ${target}: ${made.files.join(', ')}`);
      out(`Next: cd ${dir} && npm install && npm test`);
    });

  program
    .command('keygen')
    .description('create an ECDSA P-256 signing key pair (private key written with mode 0600)')
    .option('--out <dir>', 'directory for the key files', '.')
    .option('--force', 'overwrite existing key files')
    .action(async (options: { out: string; force?: boolean }) => {
      const dir = path(options.out);
      const privatePath = join(dir, PRIVATE_KEY_FILE);
      const publicPath = join(dir, PUBLIC_KEY_FILE);
      if (!options.force && (await exists(privatePath))) {
        fail(`${privatePath} already exists: keep it, choose another --out, or pass --force to replace it.`);
      }
      const key = generateSigningKey();
      await mkdir(dir, { recursive: true });
      await writeFile(privatePath, key.privateKeyPem, { mode: 0o600 });
      await chmod(privatePath, 0o600); // an existing file keeps its old mode otherwise
      await writeFile(publicPath, key.publicKeyPem);
      out(`Private key: ${privatePath} (keep it secret; never commit it)`);
      out(`Public key:  ${publicPath}`);
      out(`Key id:      ${key.keyId}`);
      out(`Next: cinatra-ext pack <extension dir>, then cinatra-ext sign <tarball> --key ${privatePath}`);
      out(
        `Operators trust it with: cinatra trust add-key ${publicPath} --publisher <your publisher id> --tier <tier>`,
      );
    });

  program
    .command('pack')
    .description('validate the manifest and pack the extension into a reproducible tarball')
    .argument('[dir]', 'extension directory', '.')
    .option('--out <file>', 'tarball path (default: <name>-<version>.tgz in the current directory)')
    .action(async (dir: string, options: { out?: string }) => {
      const packed = await packExtension(path(dir)).catch((error: unknown) => {
        if (error instanceof ManifestError) fail(`${error.message}. Fix package.json and pack again.`);
        throw error;
      });
      const file = path(
        options.out ?? `${packed.name.replace(/^@/, '').replace('/', '-')}-${packed.version}.tgz`,
      );
      await writeFile(file, packed.tarball);
      out(
        `Packed ${packed.name}@${packed.version}: ${packed.files.length} files, ${packed.tarball.length} bytes → ${file}`,
      );
      out(`Next: cinatra-ext sign ${file} --key <private key .pem>`);
    });

  program
    .command('sign')
    .description('sign a packed tarball with your private key (writes a Sigstore bundle)')
    .argument('<tarball>', 'tarball made by `cinatra-ext pack`')
    .requiredOption('--key <file>', 'private key PEM from `cinatra-ext keygen`')
    .option('--out <file>', 'bundle path (default: <tarball without .tgz>.sigstore.json)')
    .action(async (tarballPath: string, options: { key: string; out?: string }) => {
      const tarball = await readInput(path(tarballPath), 'tarball');
      const privateKeyPem = (await readInput(path(options.key), 'private key')).toString('utf8');
      const bundle = await signExtension({ tarball, privateKeyPem }).catch((error: unknown) =>
        fail(`Cannot sign ${tarballPath}: ${(error as Error).message}.`),
      );
      const file = path(options.out ?? `${tarballPath.replace(/\.tgz$/, '')}.sigstore.json`);
      await writeFile(file, `${JSON.stringify(bundle, null, 2)}\n`);
      const hint = bundle.verificationMaterial?.publicKey?.hint ?? '';
      out(`Signed ${basename(tarballPath)} with key ${hint} → ${file}`);
      out(`Next: cinatra-ext verify ${tarballPath} --bundle ${file} --key <public key .pem>`);
    });

  program
    .command('verify')
    .description('verify a tarball against its bundle and a public key (or a directory of trusted keys)')
    .argument('<tarball>', 'the packed extension')
    .requiredOption('--bundle <file>', 'the Sigstore bundle from `cinatra-ext sign`')
    .option('--key <file>', 'the publisher public key PEM')
    .option('--publisher <id>', "with --key: the key's publisher (default: the publisher the package names)")
    .option('--trust <dir>', 'directory of trusted keys, one <publisher>.pem or <publisher>.pub.pem each')
    .action(
      async (
        tarballPath: string,
        options: { bundle: string; key?: string; publisher?: string; trust?: string },
      ) => {
        if (!options.key === !options.trust)
          fail('Pass exactly one of --key <public.pem> or --trust <dir>.', EXIT_USAGE);
        const tarball = await readInput(path(tarballPath), 'tarball');
        const bundleText = (await readInput(path(options.bundle), 'bundle')).toString('utf8');
        const keys = options.key
          ? [await loadKey(path(options.key), options.publisher ?? publisherOf(tarball))]
          : await loadTrustDir(path(options.trust!));
        const byId = new Map(keys.map((k) => [keyIdOf(k.publicKeyPem), k]));
        try {
          const verified = await verifyPackageTarball(tarball, bundleText, {
            key: (id) => byId.get(id) ?? null,
            versionRevoked: () => false,
          });
          out(
            `Verified ${verified.name}@${verified.version}: ${Object.keys(verified.files).length} files signed by ${verified.publisher} (${verified.keyId})`,
          );
          out(`Next: install it on an instance that trusts this key (cinatra trust add-key …)`);
        } catch (error) {
          if (error instanceof PackageVerificationError) fail(`Refused (${error.code}): ${error.message}`);
          throw error;
        }
      },
    );

  publishCommand(program, { out, path, fail: (message) => fail(message), readInput });
  agentsCommand(program, {
    out,
    fail: (message) => fail(message),
    usage: (message) => fail(message, EXIT_USAGE),
    cwd: io.cwd,
  });
  return program;
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

async function readInput(file: string, what: string): Promise<Buffer> {
  return readFile(file).catch((error: NodeJS.ErrnoException) =>
    fail(
      error.code === 'ENOENT'
        ? `The ${what} ${file} does not exist; check the path.`
        : `Cannot read the ${what} ${file}: ${error.message}.`,
    ),
  );
}

async function loadKey(file: string, publisher: string): Promise<TrustedKey> {
  const pem = (await readInput(file, 'public key')).toString('utf8');
  try {
    return { publicKeyPem: normalizePublicKeyPem(pem), publisher, tier: 'private', revoked: false };
  } catch (error) {
    return fail(`${file}: ${(error as Error).message}.`);
  }
}

async function loadTrustDir(dir: string): Promise<TrustedKey[]> {
  const names = await readdir(dir).catch(() => fail(`The trust directory ${dir} does not exist.`));
  const pems = names.filter((n) => n.endsWith('.pem')).sort();
  if (pems.length === 0) fail(`${dir} holds no <publisher>.pem key files.`);
  return Promise.all(pems.map((n) => loadKey(join(dir, n), n.replace(/(\.pub)?\.pem$/, ''))));
}

/**
 * The publisher the packed package.json names, for `--key` without `--publisher`: the author
 * checking their own package trusts the key for whatever publisher it declares.
 */
function publisherOf(tarball: Buffer): string {
  try {
    const pkg = JSON.parse(readTarball(tarball).get('package.json')?.toString('utf8') ?? '{}') as {
      cinatra?: { publisher?: unknown };
    };
    return typeof pkg.cinatra?.publisher === 'string' ? pkg.cinatra.publisher : '';
  } catch {
    return ''; // verification reports what is wrong with the tarball
  }
}
