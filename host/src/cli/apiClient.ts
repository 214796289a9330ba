import type { Command } from 'commander';
import { loadCliConfig, type GlobalOptions } from './loadCliConfig.js';
import { EXIT_USAGE, fail, firstLine, type CliIo } from './output.js';

/** Options of every command that talks to a running server instead of opening the database. */
export interface ApiOptions extends GlobalOptions {
  /** The server's base URL (default: `CINATRA_URL`, then the configured host and port). */
  url?: string;
}

/** Help text shared by those commands: where the URL and the token come from. */
export const API_HELP = `
These commands call the running server's HTTP API (the registry runs inside it):
  --url or CINATRA_URL     the server (default: http://<server.host>:<server.port> from the
                           configuration, 127.0.0.1 for a wildcard host)
  CINATRA_TOKEN            an API token (cin_…): create one in the UI or with POST /api/tokens.
                           Only from the environment: command-line arguments are readable by
                           every user of the machine (/proc/<pid>/cmdline).`;

/** Adds `--url` and the help on the URL and token to a command that calls the API. */
export function apiCommand(command: Command): Command {
  return command
    .option('--url <url>', 'the Cinatra server (default: $CINATRA_URL, then the configured host and port)')
    .addHelpText('after', API_HELP);
}

/** How long one request may take: a catalogue verifies every signature, a promotion publishes. */
const REQUEST_TIMEOUT_MS = 300_000;

/** RFC 9457 problem details as the server sends them (`host/src/server/problem.ts`). */
interface Problem {
  title: string;
  detail: string;
  code: string;
  status: number;
}

type Query = Record<string, string | undefined>;

/**
 * A small typed client of the server's HTTP API for CLI commands: JSON in and out, an API
 * token as the bearer credential. Every failure becomes a `CliFailure` with one line for the
 * operator: a problem from the server as `<title>: <detail> (code <code>)`, an absent server
 * as a hint to start it, a missing token as how to create one.
 */
export class ApiClient {
  private constructor(
    /** The base URL, always ending in `/`. */
    readonly url: string,
    private readonly token: string,
  ) {}

  /**
   * The client for `options.url` / `CINATRA_URL` / the configured port, authenticated with
   * `CINATRA_TOKEN`. The token is read from the environment only, never from arguments.
   */
  static fromEnvironment(io: CliIo, options: ApiOptions): ApiClient {
    const token = io.env.CINATRA_TOKEN?.trim();
    if (!token) {
      fail(
        'No API token: create one in the UI or with POST /api/tokens, then export CINATRA_TOKEN=cin_….',
        EXIT_USAGE,
      );
    }
    if (!token.startsWith('cin_')) {
      fail(
        'CINATRA_TOKEN is not a Cinatra API token (cin_…): create one in the UI or with POST /api/tokens.',
        EXIT_USAGE,
      );
    }
    return new ApiClient(baseUrl(io, options), token);
  }

  get<T>(path: string, query: Query = {}): Promise<T> {
    return this.request<T>('GET', path, query);
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('POST', path, {}, body);
  }

  put<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PUT', path, {}, body);
  }

  delete(path: string): Promise<void> {
    return this.request<void>('DELETE', path);
  }

  private async request<T>(method: string, path: string, query: Query = {}, body?: unknown): Promise<T> {
    const target = new URL(path.replace(/^\//, ''), this.url);
    for (const [name, value] of Object.entries(query)) {
      if (value !== undefined) target.searchParams.set(name, value);
    }
    let response: Response;
    try {
      response = await fetch(target, {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          accept: 'application/json, application/problem+json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        // Never follow a redirect: the token must not travel to another origin.
        redirect: 'manual',
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      this.unreachable(error);
    }
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    const type = response.headers.get('content-type') ?? '';
    const json = /[/+]json\b/.test(type) ? parseJson(text) : undefined;
    if (response.ok && json !== undefined) return json as T;
    if (isProblem(json)) fail(`${json.title}: ${firstLine(json.detail)} (code ${json.code})`);
    fail(
      `${this.url} answered ${method} ${target.pathname} with ${response.status}${type ? ` (${type.split(';')[0]})` : ''}: is it a Cinatra server? Check --url / CINATRA_URL.`,
    );
  }

  private unreachable(error: unknown): never {
    if (error instanceof DOMException && error.name === 'TimeoutError') {
      fail(`${this.url} did not answer within ${REQUEST_TIMEOUT_MS / 1000} s: check the server's log.`);
    }
    // undici reports the socket error as the cause of a TypeError("fetch failed").
    const code = (error as { cause?: { code?: unknown } }).cause?.code;
    const why = code === 'ECONNREFUSED' || typeof code !== 'string' ? '' : ` (${code})`;
    fail(
      `No Cinatra server answers at ${this.url}${why}: start it with \`cinatra start\` or set CINATRA_URL`,
    );
  }
}

/**
 * `--url`, then `CINATRA_URL`, then the configured address. A wildcard listen address is
 * reached on loopback; a port of 0 (a free one at each start) cannot be guessed.
 */
function baseUrl(io: CliIo, options: ApiOptions): string {
  const given = options.url ?? io.env.CINATRA_URL?.trim();
  if (given) {
    let url: URL;
    try {
      url = new URL(given);
    } catch {
      fail(`${given} is not a URL: pass the server's address, e.g. http://127.0.0.1:3000.`, EXIT_USAGE);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      fail(
        `${given} is not an http(s) URL: pass the server's address, e.g. http://127.0.0.1:3000.`,
        EXIT_USAGE,
      );
    }
    return url.href.endsWith('/') ? url.href : `${url.href}/`;
  }
  const { host, port } = loadCliConfig(io, options, 'command').config.server;
  if (port === 0) {
    fail(
      'The configured port is 0 (a free one at each start): pass --url or set CINATRA_URL to the address `cinatra start` printed.',
      EXIT_USAGE,
    );
  }
  const loopback = host === '0.0.0.0' || host === '::' || host === '' ? '127.0.0.1' : host;
  return `http://${loopback.includes(':') ? `[${loopback}]` : loopback}:${port}/`;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isProblem(value: unknown): value is Problem {
  const v = value as Partial<Problem> | null | undefined;
  return typeof v?.title === 'string' && typeof v.detail === 'string' && typeof v.code === 'string';
}
