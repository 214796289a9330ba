import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Value } from 'typebox/value';
import { parse as parseYaml } from 'yaml';
import { ConfigSchema, type CinatraConfig } from './CinatraConfig.js';

/** A setting the operator can give, where it comes from, and what a good value looks like. */
interface SettingSpec {
  path: string;
  env: string;
  kind: 'string' | 'integer' | 'boolean';
  default?: string | number | boolean;
  hint: string;
}

/** Every setting of the instance. The README's configuration table lists each one (a test keeps them in step). */
export const SETTINGS: readonly SettingSpec[] = [
  {
    path: 'dataDir',
    env: 'CINATRA_DATA_DIR',
    kind: 'string',
    default: '.cinatra-data',
    hint: 'a writable directory, e.g. /var/lib/cinatra',
  },
  {
    path: 'databaseUrl',
    env: 'DATABASE_URL',
    kind: 'string',
    hint: 'a URL like postgres://user:pass@host:5432/db, or unset it to use embedded Postgres',
  },
  {
    path: 'redisUrl',
    env: 'REDIS_URL',
    kind: 'string',
    hint: 'a URL like redis://127.0.0.1:6379, or unset it',
  },
  {
    path: 'redisKeyPrefix',
    env: 'CINATRA_REDIS_KEY_PREFIX',
    kind: 'string',
    default: 'cinatra',
    hint: '1 to 64 letters, digits, dots, dashes or underscores',
  },
  {
    path: 'logLevel',
    env: 'CINATRA_LOG_LEVEL',
    kind: 'string',
    default: 'info',
    hint: 'one of fatal, error, warn, info, debug, trace, silent',
  },
  {
    path: 'server.host',
    env: 'CINATRA_HOST',
    kind: 'string',
    default: '127.0.0.1',
    hint: 'an interface address such as 127.0.0.1 or 0.0.0.0',
  },
  {
    path: 'server.port',
    env: 'CINATRA_PORT',
    kind: 'integer',
    default: 8080,
    hint: 'a TCP port from 0 to 65535 (0 picks a free one)',
  },
  {
    path: 'server.publicUrl',
    env: 'CINATRA_PUBLIC_URL',
    kind: 'string',
    hint: 'the external base URL, e.g. https://cinatra.example.com',
  },
  {
    path: 'server.bodyLimitBytes',
    env: 'CINATRA_BODY_LIMIT_BYTES',
    kind: 'integer',
    default: 262_144,
    hint: 'a request body size limit in bytes, at least 1024',
  },
  {
    path: 'auth.sessionTtlHours',
    env: 'CINATRA_SESSION_TTL_HOURS',
    kind: 'integer',
    default: 168,
    hint: 'hours from 1 to 2160',
  },
  {
    path: 'auth.secureCookies',
    env: 'CINATRA_SECURE_COOKIES',
    kind: 'boolean',
    hint: 'true behind HTTPS, false for plain-HTTP development',
  },
  {
    path: 'auth.passwordHashCost',
    env: 'CINATRA_PASSWORD_HASH_COST',
    kind: 'integer',
    default: 17,
    hint: 'log2 of the scrypt cost, from 14 to 20',
  },
  {
    path: 'auth.loginMaxFailures',
    env: 'CINATRA_LOGIN_MAX_FAILURES',
    kind: 'integer',
    default: 10,
    hint: 'failed logins per account and window, at least 1',
  },
  {
    path: 'auth.loginWindowSeconds',
    env: 'CINATRA_LOGIN_WINDOW_SECONDS',
    kind: 'integer',
    default: 900,
    hint: 'seconds from 10 to 86400',
  },
  {
    path: 'auth.credentialCacheSeconds',
    env: 'CINATRA_CREDENTIAL_CACHE_SECONDS',
    kind: 'integer',
    default: 5,
    hint: 'seconds from 0 to 300',
  },
  {
    path: 'audit.retentionDays',
    env: 'CINATRA_AUDIT_RETENTION_DAYS',
    kind: 'integer',
    default: 0,
    hint: 'days to keep audit events, 0 keeps them forever',
  },
  {
    path: 'queue.driver',
    env: 'CINATRA_QUEUE_DRIVER',
    kind: 'string',
    default: 'auto',
    hint: 'auto (redis when REDIS_URL is set, else postgres), postgres or redis',
  },
  {
    path: 'queue.leaseSeconds',
    env: 'CINATRA_QUEUE_LEASE_SECONDS',
    kind: 'integer',
    default: 30,
    hint: 'seconds from 5 to 3600',
  },
  {
    path: 'streams.driver',
    env: 'CINATRA_STREAMS_DRIVER',
    kind: 'string',
    default: 'auto',
    hint: 'auto (redis when REDIS_URL is set, else postgres), postgres or redis',
  },
  {
    path: 'streams.maxLength',
    env: 'CINATRA_STREAMS_MAX_LENGTH',
    kind: 'integer',
    default: 100_000,
    hint: 'events kept per stream, from 100 to 10000000',
  },
  {
    path: 'streams.terminalTtlSeconds',
    env: 'CINATRA_STREAMS_TERMINAL_TTL_SECONDS',
    kind: 'integer',
    default: 86_400,
    hint: 'seconds a finished stream is kept, from 1 to 2592000',
  },
  {
    path: 'secrets.masterKey',
    env: 'CINATRA_SECRETS_MASTER_KEY',
    kind: 'string',
    hint: 'base64 of 32 random bytes (openssl rand -base64 32), or unset it to generate one in the data dir',
  },
  {
    path: 'registry.url',
    env: 'CINATRA_REGISTRY_URL',
    kind: 'string',
    hint: 'an npm registry URL such as https://npm.example.com/, or unset it to run the embedded Verdaccio',
  },
  {
    path: 'registry.token',
    env: 'CINATRA_REGISTRY_TOKEN',
    kind: 'string',
    hint: 'the bearer token for registry.url',
  },
  {
    path: 'github.apiUrl',
    env: 'CINATRA_GITHUB_API_URL',
    kind: 'string',
    default: 'https://api.github.com',
    hint: "GitHub's REST API base URL, e.g. https://github.example.com/api/v3 for GitHub Enterprise",
  },
  {
    path: 'mcp.sessionIdleSeconds',
    env: 'CINATRA_MCP_SESSION_IDLE_SECONDS',
    kind: 'integer',
    default: 1_800,
    hint: 'seconds from 1 to 604800 an MCP session may stay idle',
  },
  {
    path: 'mcp.sessionsPerPrincipal',
    env: 'CINATRA_MCP_SESSIONS_PER_PRINCIPAL',
    kind: 'integer',
    default: 16,
    hint: 'open MCP sessions per user or service account, from 1 to 1000',
  },
  {
    path: 'skills.dir',
    env: 'CINATRA_SKILLS_DIR',
    kind: 'string',
    hint: 'a directory of <folder>/SKILL.md skill files, e.g. /etc/cinatra/skills (default <dataDir>/skills)',
  },
  {
    path: 'agents.dir',
    env: 'CINATRA_AGENTS_DIR',
    kind: 'string',
    default: 'agents',
    hint: 'a directory of <vendor>/<slug>/cinatra/oas.json agent packages, e.g. /srv/cinatra/agents',
  },
];

/** Which driver a service uses: the configured one, or for `auto` Redis when a Redis URL is set. */
export function driverFor(config: CinatraConfig, service: 'queue' | 'streams'): 'postgres' | 'redis' {
  const choice = config[service].driver;
  if (choice === 'auto') return config.redisUrl ? 'redis' : 'postgres';
  return choice;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export interface LoadConfigOptions {
  env?: NodeJS.ProcessEnv;
  /** Path of a JSON or YAML config file; defaults to `$CINATRA_CONFIG` when set. */
  configFile?: string;
  /** Values that win over both the file and the environment (used by tests and the CLI). */
  overrides?: DeepPartial<CinatraConfig>;
}

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

/**
 * Builds the configuration: defaults, then the config file, then environment variables,
 * then explicit overrides. Any invalid value throws a `ConfigError` whose message is one
 * line naming the setting, where it came from, and how to fix it.
 */
export function loadConfig(options: LoadConfigOptions = {}): CinatraConfig {
  const env = options.env ?? process.env;
  const raw: Record<string, unknown> = {};
  const origin = new Map<string, string>();

  for (const spec of SETTINGS) {
    // Sections exist even when none of their settings has a default (e.g. `secrets`).
    if (spec.default !== undefined) setPath(raw, spec.path, spec.default);
    else if (spec.path.includes('.')) raw[spec.path.split('.')[0]!] ??= {};
  }

  const file = options.configFile ?? env.CINATRA_CONFIG;
  if (file) {
    const fromFile = readConfigFile(file);
    for (const spec of SETTINGS) {
      const value = getPath(fromFile, spec.path);
      if (value !== undefined) {
        setPath(raw, spec.path, value);
        origin.set(spec.path, `${spec.path} in ${file}`);
      }
    }
    const known = new Set(SETTINGS.map((s) => s.path));
    for (const path of leafPaths(fromFile)) {
      if (!known.has(path)) {
        throw new ConfigError(
          `Unknown setting "${path}" in ${file}: remove it or check its spelling (see the configuration table in the README).`,
        );
      }
    }
  }

  for (const spec of SETTINGS) {
    const text = env[spec.env];
    if (text === undefined || text === '') continue;
    setPath(raw, spec.path, parseEnvValue(spec, text));
    origin.set(spec.path, spec.env);
  }

  mergeInto(raw, options.overrides ?? {});

  // Secure cookies default to on unless the server only listens on loopback over plain HTTP.
  const auth = raw.auth as Record<string, unknown>;
  if (auth.secureCookies === undefined) {
    const publicUrl = getPath(raw, 'server.publicUrl');
    auth.secureCookies =
      typeof publicUrl === 'string'
        ? publicUrl.startsWith('https://')
        : !isLoopback(String(getPath(raw, 'server.host')));
  }
  const dataDir = resolve(String(raw.dataDir));
  raw.dataDir = dataDir;
  // The skills directory lives in the data directory unless the operator points elsewhere.
  const skills = raw.skills as Record<string, unknown>;
  if (skills.dir === undefined) skills.dir = join(dataDir, 'skills');
  else if (typeof skills.dir === 'string' && skills.dir !== '') skills.dir = resolve(skills.dir);
  // Agents are read from `agents` in the working directory (the repository's own when started
  // from a checkout) unless the operator points elsewhere; relative paths resolve against it too.
  const agents = raw.agents as Record<string, unknown>;
  if (typeof agents.dir === 'string' && agents.dir !== '') agents.dir = resolve(agents.dir);

  const errors = [...Value.Errors(ConfigSchema, raw)];
  const first = errors.find((e) => e.instancePath !== '' && e.keyword !== 'boolean') ?? errors[0];
  if (first) {
    const path = first.instancePath.replace(/^\//, '').replaceAll('/', '.');
    const spec = SETTINGS.find((s) => s.path === path);
    const source = origin.get(path) ?? (spec ? `${spec.env} (default)` : path);
    const got = JSON.stringify(getPath(raw, path));
    throw new ConfigError(
      spec
        ? `Invalid setting ${source}: got ${got}; expected ${spec.hint}.`
        : `Invalid setting ${path || '(root)'}: ${first.message}.`,
    );
  }
  for (const service of ['queue', 'streams'] as const) {
    if (getPath(raw, `${service}.driver`) === 'redis' && !raw.redisUrl) {
      const source = origin.get(`${service}.driver`) ?? `${service}.driver`;
      throw new ConfigError(
        `Invalid setting ${source}: "redis" needs REDIS_URL; set REDIS_URL or use postgres.`,
      );
    }
  }
  return raw as CinatraConfig;
}

function parseEnvValue(spec: SettingSpec, text: string): unknown {
  if (spec.kind === 'integer') {
    if (!/^-?\d+$/.test(text.trim())) {
      throw new ConfigError(`Invalid setting ${spec.env}: got "${text}"; expected ${spec.hint}.`);
    }
    return Number(text);
  }
  if (spec.kind === 'boolean') {
    const lowered = text.trim().toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(lowered)) return true;
    if (['0', 'false', 'no', 'off'].includes(lowered)) return false;
    throw new ConfigError(`Invalid setting ${spec.env}: got "${text}"; expected ${spec.hint}.`);
  }
  return text;
}

function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new ConfigError(
      `Config file ${file} cannot be read: create it or point CINATRA_CONFIG at an existing file.`,
    );
  }
  try {
    const parsed: unknown = /\.json$/i.test(file) ? JSON.parse(text) : parseYaml(text);
    if (parsed === null || parsed === undefined) return {};
    if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('top level is not a mapping');
    return parsed as Record<string, unknown>;
  } catch (error) {
    throw new ConfigError(
      `Config file ${file} is not valid ${/\.json$/i.test(file) ? 'JSON' : 'YAML'} (${(error as Error).message.split('\n')[0]}): fix the syntax.`,
    );
  }
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

function getPath(obj: Record<string, unknown>, path: string): unknown {
  let cursor: unknown = obj;
  for (const key of path.split('.')) {
    if (typeof cursor !== 'object' || cursor === null) return undefined;
    cursor = (cursor as Record<string, unknown>)[key];
  }
  return cursor;
}

function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let cursor = obj;
  for (const key of keys.slice(0, -1)) {
    cursor[key] ??= {};
    cursor = cursor[key] as Record<string, unknown>;
  }
  cursor[keys.at(-1)!] = value;
}

function leafPaths(obj: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(obj).flatMap(([key, value]) =>
    typeof value === 'object' && value !== null && !Array.isArray(value)
      ? leafPaths(value as Record<string, unknown>, `${prefix}${key}.`)
      : [`${prefix}${key}`],
  );
}

function mergeInto(target: Record<string, unknown>, source: object): void {
  for (const [key, value] of Object.entries(source)) {
    if (value === undefined) continue;
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      target[key] ??= {};
      mergeInto(target[key] as Record<string, unknown>, value);
    } else {
      target[key] = value;
    }
  }
}
