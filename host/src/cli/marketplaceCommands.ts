import type { CatalogueEntry, PromotionView, PublicDestinationView } from '@cinatra/registry';
import { ApiClient, type ApiOptions } from './apiClient.js';
import { EXIT_OK, EXIT_USAGE, fail, Output, plural, type CliIo } from './output.js';

/**
 * The marketplace from the command line: `cinatra ext search`, `cinatra ext promote` and
 * `cinatra registry destination …`. The embedded registry and the registry service run
 * inside the server, so these commands call its HTTP API (`ApiClient`) as the token's user:
 * authorized and audited exactly like the UI, never as `system:cli`.
 */

export type CatalogueSource = 'instance' | 'public' | 'all';

export interface ExtSearchOptions extends ApiOptions {
  source: CatalogueSource;
}

const SOURCE_LABEL: Record<CatalogueEntry['source'], string> = { instance: 'private', public: 'public' };

/** `cinatra ext search [query] [--source instance|public|all]`: the catalogue as a table. */
export async function extSearchCommand(
  io: CliIo,
  query: string | undefined,
  options: ExtSearchOptions,
): Promise<number> {
  const api = ApiClient.fromEnvironment(io, options);
  const out = new Output(io);
  const where =
    options.source === 'all' ? 'the instance and public registries' : `the ${options.source} registry`;
  out.note(`${query ? `Searching ${where} for "${query}"` : `Listing ${where}`} at ${api.url}…`);
  // The route always answers for both registries; the source is picked here.
  const { packages } = await api.get<{ packages: CatalogueEntry[] }>(
    '/api/registry/packages',
    query ? { q: query } : {},
  );
  const entries = packages.filter((e) => options.source === 'all' || e.source === options.source);
  if (entries.length === 0) {
    out.line(query ? `No package in ${where} matches "${query}".` : `No package in ${where}.`);
    out.next(
      options.source === 'public'
        ? 'cinatra ext promote <name> <version> (or check `cinatra registry destination`)'
        : 'cinatra-ext publish <package.tgz> --registry <instance registry>',
    );
    return EXIT_OK;
  }
  printTable(out, [
    ['NAME', 'LATEST', 'SOURCE', 'PUBLISHER', 'TIER', 'SIGNATURE', 'PERMISSIONS'],
    ...entries.map((e) => [
      e.name,
      e.latest,
      SOURCE_LABEL[e.source],
      e.publisher ?? '-',
      e.tier ?? '-',
      e.signature.status,
      e.permissions.join(', ') || '-',
    ]),
  ]);
  // Why a signature is not verified is worth a line; a table cell cannot hold it.
  for (const e of entries) {
    if (e.signature.status !== 'verified' && e.signature.detail) {
      out.line(`  ${e.name} (${SOURCE_LABEL[e.source]}): ${e.signature.detail}`);
    }
  }
  out.line(plural(entries.length, 'package'));
  return EXIT_OK;
}

/** Columns padded to their widest cell; the last column is not padded. */
function printTable(out: Output, rows: string[][]): void {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  for (const row of rows) {
    out.line(
      row
        .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!)))
        .join('  ')
        .trimEnd(),
    );
  }
}

/** `cinatra ext promote <name> <version>`: private → public, one-way (admin, audited). */
export async function extPromoteCommand(
  io: CliIo,
  name: string,
  version: string,
  options: ApiOptions,
): Promise<number> {
  const api = ApiClient.fromEnvironment(io, options);
  const out = new Output(io);
  out.note(`Promoting ${name}@${version} to the public registry (exact bytes, signature checked)…`);
  const promotion = await api.post<PromotionView>('/api/registry/promotions', { name, version });
  out.ok(
    `Promoted ${promotion.name}@${promotion.version} to ${promotion.destinationUrl} (${promotion.integrity}). This cannot be undone.`,
  );
  out.next(`cinatra ext search ${name} --source public`);
  return EXIT_OK;
}

/** `cinatra registry destination [show]`: the public registry this instance promotes to. */
export async function registryDestinationShowCommand(io: CliIo, options: ApiOptions): Promise<number> {
  const api = ApiClient.fromEnvironment(io, options);
  const out = new Output(io);
  const { public: destination } = await api.get<{ public: PublicDestinationView | null }>(
    '/api/registry/destinations',
  );
  if (!destination) {
    out.line('No public registry is configured: packages stay private to this instance.');
    out.next('cinatra registry destination set <registry-url> --token-secret <secret-id>');
    return EXIT_OK;
  }
  printDestination(out, destination);
  return EXIT_OK;
}

export interface RegistryDestinationSetOptions extends ApiOptions {
  /** A workspace secret id, or `false` from `--no-token-secret` (an anonymous registry). */
  tokenSecret?: string | false;
}

/**
 * `cinatra registry destination set <registry-url> --token-secret <id>`. The registry URL is
 * an argument because `--url` always names the Cinatra server, on every API command.
 */
export async function registryDestinationSetCommand(
  io: CliIo,
  registryUrl: string,
  options: RegistryDestinationSetOptions,
): Promise<number> {
  if (options.tokenSecret === undefined) {
    fail(
      'Say how the public registry is authenticated: --token-secret <secret-id> (a workspace secret holding its token, granted to the admins) or --no-token-secret.',
      EXIT_USAGE,
    );
  }
  const api = ApiClient.fromEnvironment(io, options);
  const out = new Output(io);
  const destination = await api.put<PublicDestinationView>('/api/registry/destinations/public', {
    url: registryUrl,
    tokenSecretId: options.tokenSecret || null,
  });
  out.ok(`The public registry is now ${destination.url}.`);
  printDestination(out, destination);
  out.next('cinatra ext search --source public');
  return EXIT_OK;
}

/** `cinatra registry destination clear`: promotions already made stay public. */
export async function registryDestinationClearCommand(io: CliIo, options: ApiOptions): Promise<number> {
  const api = ApiClient.fromEnvironment(io, options);
  const out = new Output(io);
  await api.delete('/api/registry/destinations/public');
  out.ok('No public registry is configured any more; versions already promoted stay public there.');
  out.next('cinatra registry destination set <registry-url> --token-secret <secret-id>');
  return EXIT_OK;
}

function printDestination(out: Output, destination: PublicDestinationView): void {
  out.line(`url:          ${destination.url}`);
  out.line(`token secret: ${destination.tokenSecretId ?? 'none (read and published anonymously)'}`);
  out.line(
    `updated:      ${destination.updatedAt}${destination.updatedBy ? ` by ${destination.updatedBy}` : ''}`,
  );
}
