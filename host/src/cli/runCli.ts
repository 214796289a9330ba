import { readFileSync } from 'node:fs';
import { ConfigError, KernelError } from '@cinatra/kernel';
import { Command, CommanderError, Option } from 'commander';
import { adminCreateCommand, type AdminCreateOptions } from './adminCreateCommand.js';
import { apiCommand, type ApiOptions } from './apiClient.js';
import { auditVerifyCommand } from './auditVerifyCommand.js';
import { doctorCommand } from './doctorCommand.js';
import {
  extApproveCommand,
  extArchiveCommand,
  extInstallCommand,
  extListCommand,
  extRestoreCommand,
  extUninstallCommand,
  extUpdateCommand,
  type ExtInstallOptions,
  type ExtUninstallOptions,
} from './extCommands.js';
import type { GlobalOptions } from './loadCliConfig.js';
import {
  extPromoteCommand,
  extSearchCommand,
  registryDestinationClearCommand,
  registryDestinationSetCommand,
  registryDestinationShowCommand,
  type ExtSearchOptions,
  type RegistryDestinationSetOptions,
} from './marketplaceCommands.js';
import { migrateCommand } from './migrateCommand.js';
import {
  trustAddKeyCommand,
  trustListCommand,
  trustRevokeKeyCommand,
  trustRevokeVersionCommand,
  type TrustAddKeyOptions,
} from './trustCommands.js';
import { secretsRotateKeyCommand, type SecretsRotateKeyOptions } from './secretsRotateKeyCommand.js';
import { CliFailure, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, firstLine, processIo, type CliIo } from './output.js';

/** From `src/cli` and `dist/cli` alike, the package manifest is two levels up. */
const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

/**
 * Runs one `cinatra` command line (`argv` without `node` and the script) and resolves to
 * the process exit code. Never exits the process itself, so tests can run it in-process.
 */
export async function runCli(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  let exitCode = EXIT_OK;
  const program = buildProgram(io, (code) => (exitCode = code));
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    return report(error, io);
  }
}

function buildProgram(io: CliIo, setExitCode: (code: number) => void): Command {
  const program = new Command('cinatra')
    .description('Run and administer a Cinatra instance.')
    .version(version, '-V, --version', 'print the version')
    .option('--config <file>', 'JSON or YAML config file (default: $CINATRA_CONFIG)')
    .helpOption('-h, --help', 'show help')
    .showSuggestionAfterError(true)
    // Settings made here are inherited by every subcommand added below.
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      // Usage errors are one line like every other error ("… (Did you mean start?)").
      outputError: (text, write) => write(`${text.trim().replace(/\s*\n\s*/g, ' ')}\n`),
    })
    .addHelpText(
      'after',
      `
Every setting can also come from the environment (CINATRA_PORT, DATABASE_URL, …); see the README.

First steps:
  cinatra doctor
  cinatra migrate
  cinatra admin create --email you@example.com --name 'Your Name'
  cinatra start`,
    );

  /** Wraps a command so its result becomes the exit code and it sees the global options. */
  const run =
    <O extends GlobalOptions>(command: (io: CliIo, options: O) => Promise<number>) =>
    async (_options: unknown, cmd: Command) =>
      setExitCode(await command(io, cmd.optsWithGlobals<O>()));

  program
    .command('start')
    .description('run the platform until Ctrl+C (applies pending migrations first)')
    .action(
      run(async (cliIo, options) => {
        // Loaded lazily: the HTTP server's dependencies are only needed by `start`.
        const { startCommand } = await import('./startCommand.js');
        return startCommand(cliIo, options);
      }),
    );

  program.command('migrate').description('apply pending database migrations').action(run(migrateCommand));

  program
    .command('admin')
    .description('manage platform administrators')
    .command('create')
    .description(
      'create a platform administrator (reads the password from stdin, a prompt or CINATRA_ADMIN_PASSWORD)',
    )
    .requiredOption('--email <address>', "the administrator's email, used to sign in")
    .requiredOption('--name <name>', 'display name')
    .option('--password-stdin', 'read the password from stdin (e.g. piped from a secret store)')
    .action(run<AdminCreateOptions>(adminCreateCommand));

  program
    .command('audit')
    .description('inspect the audit log')
    .command('verify')
    .description('check that the audit hash chain is unbroken')
    .action(run(auditVerifyCommand));

  program
    .command('secrets')
    .description('manage encrypted secrets')
    .command('rotate-key')
    .description('re-encrypt every secret under a new master key (stop the server first; re-run to resume)')
    .option(
      '--new-key-file <file>',
      'the new key, base64 of 32 bytes (required when CINATRA_SECRETS_MASTER_KEY is set; otherwise generated)',
    )
    .action(run<SecretsRotateKeyOptions>(secretsRotateKeyCommand));

  const trust = program
    .command('trust')
    .description('manage the publisher keys and revocations this instance trusts');
  trust
    .command('add-key')
    .description('trust a publisher signing key (the .pub.pem from `cinatra-ext keygen`)')
    .argument('<pem-file>', 'public key PEM file')
    .requiredOption('--publisher <id>', 'the publisher id its packages name in their manifest')
    .requiredOption('--tier <tier>', 'first-party, partner, community or private (your own key)')
    .action(async (pemFile: string, _options: unknown, cmd: Command) =>
      setExitCode(await trustAddKeyCommand(io, pemFile, cmd.optsWithGlobals<TrustAddKeyOptions>())),
    );
  trust
    .command('revoke-key')
    .description('revoke a key: nothing it signed installs or loads any more')
    .argument('<key-id>', 'sha256:<hex>, as `cinatra trust list` shows it')
    .requiredOption('--reason <text>', 'why (kept with the revocation and in the audit log)')
    .action(async (keyId: string, _options: unknown, cmd: Command) =>
      setExitCode(
        await trustRevokeKeyCommand(io, keyId, cmd.optsWithGlobals<GlobalOptions & { reason: string }>()),
      ),
    );
  trust
    .command('revoke-version')
    .description('revoke one version of an extension package')
    .argument('<name>', 'package name, e.g. @acme/github')
    .argument('<version>', 'exact version, e.g. 1.2.3')
    .requiredOption('--reason <text>', 'why (kept with the revocation and in the audit log)')
    .action(async (name: string, version: string, _options: unknown, cmd: Command) =>
      setExitCode(
        await trustRevokeVersionCommand(
          io,
          name,
          version,
          cmd.optsWithGlobals<GlobalOptions & { reason: string }>(),
        ),
      ),
    );
  trust.command('list').description('list trusted keys and revoked versions').action(run(trustListCommand));

  const ext = program
    .command('ext')
    .description('install, update, archive, restore and uninstall extensions (journaled, with consent)');
  for (const [command, description, action] of [
    [
      'install',
      'install a signed package (.tgz with its bundle) and the dependencies it needs',
      extInstallCommand,
    ],
    ['update', 'update an extension to the version in a signed package (.tgz)', extUpdateCommand],
  ] as const) {
    ext
      .command(command)
      .description(description)
      .argument(
        '<package>',
        'a .tgz from `cinatra-ext pack`, a package name (the embedded registry, through the running server; or registry.url), or https://github.com/<owner>/<repo>',
      )
      .option('--range <range>', 'exact version or semver range to pick (default: the latest)')
      .option('--tag <tag>', 'GitHub: the release to install (default: the latest release)')
      .option('--token-secret <id>', 'GitHub: a workspace secret holding a token (private repositories)')
      .option('--bundle <file>', 'its signature bundle (default: <package>.sigstore.json beside it)')
      .option('--approve', 'approve the permissions it requests (printed); without it the operation waits')
      .option(
        '--url <url>',
        'a package name: install through this Cinatra server (default: $CINATRA_URL; token in CINATRA_TOKEN)',
      )
      .action(async (target: string, _options: unknown, cmd: Command) =>
        setExitCode(await action(io, target, cmd.optsWithGlobals<ExtInstallOptions>())),
      );
  }
  ext
    .command('approve')
    .description('approve the permissions an install or update waits for, and continue it')
    .argument('<operation-id>', 'as `cinatra ext list` shows it')
    .option(
      '--url <url>',
      'approve through this Cinatra server (default: $CINATRA_URL; token in CINATRA_TOKEN)',
    )
    .action(async (id: string, _options: unknown, cmd: Command) =>
      setExitCode(await extApproveCommand(io, id, cmd.optsWithGlobals<ApiOptions>())),
    );
  for (const [command, description, action] of [
    ['archive', 'stop an extension, keeping its settings, grants and data', extArchiveCommand],
    ['restore', 'bring an archived extension back', extRestoreCommand],
  ] as const) {
    ext
      .command(command)
      .description(description)
      .argument('<name>', 'package name, e.g. @acme/github')
      .action(async (name: string, _options: unknown, cmd: Command) =>
        setExitCode(await action(io, name, cmd.optsWithGlobals<GlobalOptions>())),
      );
  }
  ext
    .command('uninstall')
    .description("remove an extension's code; say what happens to its data")
    .argument('<name>', 'package name, e.g. @acme/github')
    .option('--keep-data', 'keep its data directory')
    .option('--delete-data', 'delete its data directory')
    .action(async (name: string, _options: unknown, cmd: Command) =>
      setExitCode(await extUninstallCommand(io, name, cmd.optsWithGlobals<ExtUninstallOptions>())),
    );
  ext
    .command('list')
    .description('installed extensions and operations waiting for consent')
    .action(run(extListCommand));
  // The marketplace runs inside the server: these call its API with CINATRA_TOKEN.
  apiCommand(
    ext
      .command('search')
      .description('search the marketplace: the instance registry (private) and the public registry')
      .argument('[query]', 'npm search text (default: list every package)')
      .addOption(
        new Option('--source <source>', 'which registry')
          .choices(['instance', 'public', 'all'])
          .default('all'),
      ),
  ).action(async (query: string | undefined, _options: unknown, cmd: Command) =>
    setExitCode(await extSearchCommand(io, query, cmd.optsWithGlobals<ExtSearchOptions>())),
  );
  apiCommand(
    ext
      .command('promote')
      .description('make a private package version public (one-way; platform admins; audited)')
      .argument('<name>', 'package name, e.g. @acme/github')
      .argument('<version>', 'exact version, e.g. 1.2.3'),
  ).action(async (name: string, version: string, _options: unknown, cmd: Command) =>
    setExitCode(await extPromoteCommand(io, name, version, cmd.optsWithGlobals<ApiOptions>())),
  );

  const destination = program
    .command('registry')
    .description('marketplace registries (through the running server)')
    .command('destination')
    .description('the public registry this instance promotes to and reads public packages from');
  apiCommand(destination.command('show', { isDefault: true }).description('show it (the default)')).action(
    run<ApiOptions>(registryDestinationShowCommand),
  );
  apiCommand(
    destination
      .command('set')
      .description('set it: an npm registry URL and the workspace secret holding its token')
      .argument('<registry-url>', 'the public registry, e.g. https://registry.example.com/')
      .option('--token-secret <secret-id>', 'workspace secret with its token (grant it to the admins)')
      .option('--no-token-secret', 'the registry needs no token'),
  ).action(async (registryUrl: string, _options: unknown, cmd: Command) =>
    setExitCode(
      await registryDestinationSetCommand(
        io,
        registryUrl,
        cmd.optsWithGlobals<RegistryDestinationSetOptions>(),
      ),
    ),
  );
  apiCommand(
    destination.command('clear').description('unset it (versions already promoted stay public)'),
  ).action(run<ApiOptions>(registryDestinationClearCommand));

  program
    .command('doctor')
    .description('check Node.js, configuration, database, Redis and the server port')
    .action(run(doctorCommand));

  return program;
}

/** Prints a failure as one line on stderr and picks its exit code. */
function report(error: unknown, io: CliIo): number {
  if (error instanceof CommanderError) {
    // Commander already printed help, the version or the usage error.
    return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
  }
  if (error instanceof CliFailure) {
    io.stderr.write(`${error.message}\n`);
    return error.exitCode;
  }
  if (error instanceof ConfigError || error instanceof KernelError) {
    io.stderr.write(`${firstLine(error.message)}\n`);
    return EXIT_FAILURE;
  }
  const message = error instanceof Error ? error.message : String(error);
  io.stderr.write(`${firstLine(message) || 'Unexpected failure'}\n`);
  // The one line is for the operator; whoever debugs asks for the rest.
  if (/^(debug|trace)$/.test(io.env.CINATRA_LOG_LEVEL ?? '') && error instanceof Error) {
    io.stderr.write(`${error.stack}\n`);
  }
  return EXIT_FAILURE;
}
