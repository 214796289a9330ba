import { encodePackageName } from '@cinatra/sdk';
import { RegistryError } from './RegistryError.js';

/** One version object of a full packument (what the publisher's package.json said, plus dist). */
export interface PackumentVersion {
  name: string;
  version: string;
  description?: string;
  dist?: { tarball?: string; integrity?: string; shasum?: string };
  cinatra?: { publisher?: string; displayName?: string; kinds?: string[]; permissions?: string[] };
  /** The Sigstore bundle `cinatra-ext publish` put next to the version (see the SDK README). */
  cinatraBundle?: unknown;
  [field: string]: unknown;
}

/** npm's full package document (`Accept: application/json`, which keeps custom fields). */
export interface Packument {
  name: string;
  'dist-tags': Record<string, string>;
  versions: Record<string, PackumentVersion>;
  time?: Record<string, string>;
}

export interface SearchHit {
  name: string;
  version: string;
  description: string | null;
}

/** Fewer than this many results per search page would make listing a large registry slow. */
const PAGE = 250;

/**
 * A read-only client of one npm registry (the instance's Verdaccio, an external one, or the
 * public marketplace). The token is sent as `Authorization: Bearer …` and only to the
 * registry's own origin, so a packument that points tarballs elsewhere cannot collect it.
 */
export class RegistryClient {
  readonly url: string;
  private readonly origin: string;

  constructor(
    url: string,
    /** Sent only to this registry's origin. */
    readonly token: string | null = null,
  ) {
    this.url = url.endsWith('/') ? url : `${url}/`;
    this.origin = new URL(this.url).origin;
  }

  /** The full packument, or null when the registry has no such package (or hides it). */
  async packument(name: string): Promise<Packument | null> {
    const response = await this.request(`${this.url}${encodePackageName(name)}`, 'application/json');
    if (response.status === 404) return null;
    await this.check(response, `package ${name}`);
    const body = (await response.json()) as Packument;
    if (!body || typeof body.versions !== 'object' || body.versions === null) {
      throw new RegistryError('invalid_response', `${this.url} sent no versions for ${name}.`);
    }
    return body;
  }

  /** npm's search API (`/-/v1/search`); Verdaccio filters it by what the token may read. */
  async search(text: string): Promise<SearchHit[]> {
    const hits: SearchHit[] = [];
    for (let from = 0; ; from += PAGE) {
      const query = new URLSearchParams({ text, size: String(PAGE), from: String(from) });
      const response = await this.request(`${this.url}-/v1/search?${query}`, 'application/json');
      await this.check(response, 'search');
      const body = (await response.json()) as {
        objects?: Array<{
          package?: {
            name?: unknown;
            version?: unknown;
            description?: unknown;
            'dist-tags'?: { latest?: unknown };
          };
        }>;
      };
      // npmjs sends `version`; Verdaccio sends only `dist-tags`.
      const versionOf = (pkg: { version?: unknown; 'dist-tags'?: { latest?: unknown } }) =>
        typeof pkg.version === 'string' ? pkg.version : pkg['dist-tags']?.latest;
      const page = (body.objects ?? []).flatMap(({ package: pkg }) =>
        pkg && typeof pkg.name === 'string' && typeof versionOf(pkg) === 'string'
          ? [
              {
                name: pkg.name,
                version: versionOf(pkg) as string,
                description: typeof pkg.description === 'string' ? pkg.description : null,
              },
            ]
          : [],
      );
      hits.push(...page);
      if (page.length < PAGE) return hits;
    }
  }

  /** Every package the token may read (an empty search matches all of them). */
  async list(): Promise<SearchHit[]> {
    return this.search('');
  }

  /** The bytes at a tarball URL the packument gave. */
  async tarball(url: string): Promise<Buffer> {
    const response = await this.request(url, 'application/octet-stream');
    await this.check(response, `tarball ${url}`);
    return Buffer.from(await response.arrayBuffer());
  }

  private async request(url: string, accept: string): Promise<Response> {
    const headers: Record<string, string> = { accept };
    if (this.token && new URL(url).origin === this.origin) headers.authorization = `Bearer ${this.token}`;
    try {
      return await fetch(url, { headers });
    } catch (error) {
      throw new RegistryError(
        'unavailable',
        `The registry ${this.url} cannot be reached: ${(error as Error).message}.`,
      );
    }
  }

  private async check(response: Response, what: string): Promise<void> {
    if (response.ok) return;
    const text = (await response.text().catch(() => '')).slice(0, 300);
    const code =
      response.status === 401
        ? 'unauthorized'
        : response.status === 403
          ? 'forbidden'
          : response.status === 404
            ? 'not_found'
            : 'unavailable';
    throw new RegistryError(
      code,
      `${this.url} refused ${what} (${response.status}): ${text || response.statusText}`,
    );
  }
}
