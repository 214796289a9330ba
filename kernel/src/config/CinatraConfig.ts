import type { InjectionToken } from 'tsyringe';
import { Type, type Static } from 'typebox';

const DriverChoice = Type.Union([Type.Literal('auto'), Type.Literal('postgres'), Type.Literal('redis')]);

/**
 * The validated configuration of one platform instance. Built by `loadConfig` from
 * environment variables layered over an optional config file; see `config/README.md`.
 */
export const ConfigSchema = Type.Object(
  {
    dataDir: Type.String({
      minLength: 1,
      description: 'Directory holding embedded Postgres and instance state.',
    }),
    databaseUrl: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
    redisUrl: Type.Optional(Type.String({ pattern: '^rediss?://' })),
    /** Prefix of every Redis key of this instance, so several instances can share a server. */
    redisKeyPrefix: Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' }),
    logLevel: Type.Union([
      Type.Literal('fatal'),
      Type.Literal('error'),
      Type.Literal('warn'),
      Type.Literal('info'),
      Type.Literal('debug'),
      Type.Literal('trace'),
      Type.Literal('silent'),
    ]),
    server: Type.Object({
      host: Type.String({ minLength: 1 }),
      port: Type.Integer({ minimum: 0, maximum: 65535 }),
      publicUrl: Type.Optional(Type.String({ pattern: '^https?://' })),
      bodyLimitBytes: Type.Integer({ minimum: 1024, maximum: 64 * 1024 * 1024 }),
    }),
    auth: Type.Object({
      sessionTtlHours: Type.Integer({ minimum: 1, maximum: 24 * 90 }),
      secureCookies: Type.Boolean(),
      /** log2 of the scrypt cost parameter N; 17 (128 MiB) is OWASP's recommendation. */
      passwordHashCost: Type.Integer({ minimum: 14, maximum: 20 }),
      loginMaxFailures: Type.Integer({ minimum: 1, maximum: 1000 }),
      loginWindowSeconds: Type.Integer({ minimum: 10, maximum: 86_400 }),
      /** How long a verified session or token stays cached in one process. */
      credentialCacheSeconds: Type.Integer({ minimum: 0, maximum: 300 }),
    }),
    audit: Type.Object({
      /** Days an audit event is kept; 0 keeps events forever. */
      retentionDays: Type.Integer({ minimum: 0, maximum: 36_500 }),
    }),
    queue: Type.Object({
      /** `auto`: BullMQ when `redisUrl` is set, else the Postgres driver. */
      driver: DriverChoice,
      /** Postgres driver: how long a worker owns a job before another may take it over. */
      leaseSeconds: Type.Integer({ minimum: 5, maximum: 3_600 }),
    }),
    streams: Type.Object({
      /** `auto`: Redis Streams when `redisUrl` is set, else the Postgres driver. */
      driver: DriverChoice,
      /** Events kept per stream key; older ones are trimmed. */
      maxLength: Type.Integer({ minimum: 100, maximum: 10_000_000 }),
      /** How long a stream is kept after its terminal event. */
      terminalTtlSeconds: Type.Integer({ minimum: 1, maximum: 30 * 86_400 }),
    }),
    secrets: Type.Object({
      /** Base64 of 32 bytes; when unset a key is generated into `<dataDir>/secrets/master.key`. */
      masterKey: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9+/]{43}=$' })),
    }),
    registry: Type.Object({
      /** An external npm registry to use instead of the embedded Verdaccio. */
      url: Type.Optional(Type.String({ pattern: '^https?://' })),
      /** The bearer token this instance reads the external registry with. */
      token: Type.Optional(Type.String({ minLength: 1 })),
    }),
    github: Type.Object({
      /** GitHub's REST API base (GitHub Enterprise: `https://<host>/api/v3`), for installs from releases. */
      apiUrl: Type.String({ pattern: '^https?://' }),
    }),
    mcp: Type.Object({
      /** An MCP session with no request or event stream open for this long is closed (its id then gets 404). */
      sessionIdleSeconds: Type.Integer({ minimum: 1, maximum: 7 * 86_400 }),
      /** Open MCP sessions per principal; a new one closes the least recently used idle one, or is refused. */
      sessionsPerPrincipal: Type.Integer({ minimum: 1, maximum: 1_000 }),
    }),
    skills: Type.Object({
      /** The skills directory (`<dir>/<folder>/SKILL.md`); default `<dataDir>/skills`. */
      dir: Type.String({ minLength: 1 }),
    }),
    agents: Type.Object({
      /** The agent install directory (`<dir>/<vendor>/<slug>/cinatra/oas.json`), absolute once loaded. */
      dir: Type.String({ minLength: 1 }),
    }),
  },
  { additionalProperties: false },
);

export type CinatraConfig = Static<typeof ConfigSchema>;

export const CONFIG: InjectionToken<CinatraConfig> = Symbol.for('cinatra.Config');
