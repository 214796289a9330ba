import type { InjectionToken } from 'tsyringe';
import { Type, type Static } from 'typebox';

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
  },
  { additionalProperties: false },
);

export type CinatraConfig = Static<typeof ConfigSchema>;

export const CONFIG: InjectionToken<CinatraConfig> = Symbol.for('cinatra.Config');
