import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, driverFor, loadConfig } from './loadConfig.js';

const dirs: string[] = [];

function tempFile(name: string, contents: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'cinatra-config-'));
  dirs.push(dir);
  const path = join(dir, name);
  writeFileSync(path, contents);
  return path;
}

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** The ConfigError `fn` throws; fails the test when it throws anything else or nothing. */
function configErrorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError, but nothing was thrown');
}

describe('loadConfig defaults', () => {
  it('gives a working configuration with no file and no environment', () => {
    const config = loadConfig({ env: {} });
    expect(config).toEqual({
      dataDir: resolve('.cinatra-data'),
      logLevel: 'info',
      server: { host: '127.0.0.1', port: 8080, bodyLimitBytes: 262_144 },
      auth: {
        sessionTtlHours: 168,
        secureCookies: false,
        passwordHashCost: 17,
        loginMaxFailures: 10,
        loginWindowSeconds: 900,
        credentialCacheSeconds: 5,
      },
      audit: { retentionDays: 0 },
      redisKeyPrefix: 'cinatra',
      queue: { driver: 'auto', leaseSeconds: 30 },
      streams: { driver: 'auto', maxLength: 100_000, terminalTtlSeconds: 86_400 },
      secrets: {},
      registry: {},
      github: { apiUrl: 'https://api.github.com' },
      mcp: { sessionIdleSeconds: 1_800, sessionsPerPrincipal: 16 },
      skills: { dir: resolve('.cinatra-data', 'skills') },
      agents: { dir: resolve('agents') },
    });
    expect(driverFor(config, 'queue')).toBe('postgres');
    expect(driverFor(config, 'streams')).toBe('postgres');
    expect(config.databaseUrl).toBeUndefined();
    expect(config.redisUrl).toBeUndefined();
  });

  it('picks the Redis drivers when REDIS_URL is set, and refuses redis without it', () => {
    const withRedis = loadConfig({ env: { REDIS_URL: 'redis://127.0.0.1:6379' } });
    expect([driverFor(withRedis, 'queue'), driverFor(withRedis, 'streams')]).toEqual(['redis', 'redis']);
    const pinned = loadConfig({
      env: { REDIS_URL: 'redis://127.0.0.1:6379', CINATRA_QUEUE_DRIVER: 'postgres' },
    });
    expect([driverFor(pinned, 'queue'), driverFor(pinned, 'streams')]).toEqual(['postgres', 'redis']);
    expect(() => loadConfig({ env: { CINATRA_STREAMS_DRIVER: 'redis' } })).toThrow(
      'Invalid setting CINATRA_STREAMS_DRIVER: "redis" needs REDIS_URL; set REDIS_URL or use postgres.',
    );
    expect(() => loadConfig({ env: { CINATRA_QUEUE_DRIVER: 'kafka' } })).toThrow(/CINATRA_QUEUE_DRIVER/);
    expect(() => loadConfig({ env: { CINATRA_SECRETS_MASTER_KEY: 'short' } })).toThrow(
      /openssl rand -base64 32/,
    );
  });

  it('turns secure cookies on when listening beyond loopback or behind an https public URL', () => {
    expect(loadConfig({ env: { CINATRA_HOST: '0.0.0.0' } }).auth.secureCookies).toBe(true);
    expect(
      loadConfig({ env: { CINATRA_PUBLIC_URL: 'https://cinatra.example.com' } }).auth.secureCookies,
    ).toBe(true);
    expect(
      loadConfig({ env: { CINATRA_HOST: '0.0.0.0', CINATRA_PUBLIC_URL: 'http://intranet:8080' } }).auth
        .secureCookies,
    ).toBe(false);
    expect(
      loadConfig({ env: { CINATRA_HOST: '0.0.0.0', CINATRA_SECURE_COOKIES: 'off' } }).auth.secureCookies,
    ).toBe(false);
  });

  it('resolves the data directory to an absolute path', () => {
    expect(loadConfig({ env: { CINATRA_DATA_DIR: 'relative/data' } }).dataDir).toBe(resolve('relative/data'));
  });

  it('keeps the skills directory in the data directory unless told otherwise', () => {
    const inData = loadConfig({ env: { CINATRA_DATA_DIR: '/var/lib/cinatra' } });
    expect(inData.skills.dir).toBe('/var/lib/cinatra/skills');
    const own = loadConfig({
      env: { CINATRA_DATA_DIR: '/var/lib/cinatra', CINATRA_SKILLS_DIR: 'team/skills' },
    });
    expect(own.skills.dir).toBe(resolve('team/skills'));
  });

  it('reads agents from the working directory unless told otherwise, from the file or the environment', () => {
    expect(loadConfig({ env: {} }).agents.dir).toBe(resolve('agents'));
    expect(loadConfig({ env: { CINATRA_AGENTS_DIR: '/srv/agents' } }).agents.dir).toBe('/srv/agents');
    const file = tempFile('cinatra.yaml', 'agents:\n  dir: team/agents\n');
    expect(loadConfig({ env: {}, configFile: file }).agents.dir).toBe(resolve('team/agents'));
    expect(loadConfig({ env: { CINATRA_AGENTS_DIR: '/srv/agents' }, configFile: file }).agents.dir).toBe(
      '/srv/agents',
    );
  });
});

describe('loadConfig from the environment', () => {
  it('reads every kind of setting from its environment variable', () => {
    const config = loadConfig({
      env: {
        CINATRA_DATA_DIR: '/var/lib/cinatra',
        DATABASE_URL: 'postgres://u:p@db:5432/cinatra',
        REDIS_URL: 'redis://127.0.0.1:6379',
        CINATRA_LOG_LEVEL: 'debug',
        CINATRA_PORT: '9090',
        CINATRA_SECURE_COOKIES: 'yes',
        CINATRA_LOGIN_MAX_FAILURES: '3',
        CINATRA_AUDIT_RETENTION_DAYS: '30',
      },
    });
    expect(config.dataDir).toBe('/var/lib/cinatra');
    expect(config.databaseUrl).toBe('postgres://u:p@db:5432/cinatra');
    expect(config.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(config.logLevel).toBe('debug');
    expect(config.server.port).toBe(9090);
    expect(config.auth.secureCookies).toBe(true);
    expect(config.auth.loginMaxFailures).toBe(3);
    expect(config.audit.retentionDays).toBe(30);
  });

  it('ignores empty environment variables', () => {
    expect(loadConfig({ env: { CINATRA_PORT: '', DATABASE_URL: '' } })).toEqual(loadConfig({ env: {} }));
  });

  it('lets explicit overrides win over the environment', () => {
    const config = loadConfig({ env: { CINATRA_PORT: '9090' }, overrides: { server: { port: 0 } } });
    expect(config.server.port).toBe(0);
    expect(config.server.host).toBe('127.0.0.1');
  });
});

describe('loadConfig from a config file', () => {
  it('reads a YAML file', () => {
    const file = tempFile(
      'cinatra.yaml',
      [
        'logLevel: warn',
        'server:',
        '  port: 7000',
        '  host: 0.0.0.0',
        'auth:',
        '  sessionTtlHours: 12',
        'audit:',
        '  retentionDays: 90',
        '',
      ].join('\n'),
    );
    const config = loadConfig({ env: {}, configFile: file });
    expect(config.logLevel).toBe('warn');
    expect(config.server).toMatchObject({ port: 7000, host: '0.0.0.0', bodyLimitBytes: 262_144 });
    expect(config.auth.sessionTtlHours).toBe(12);
    expect(config.auth.passwordHashCost).toBe(17);
    expect(config.audit.retentionDays).toBe(90);
  });

  it('reads a JSON file', () => {
    const file = tempFile(
      'cinatra.json',
      JSON.stringify({ databaseUrl: 'postgresql://db/cinatra', server: { port: 7001 } }),
    );
    const config = loadConfig({ env: {}, configFile: file });
    expect(config.databaseUrl).toBe('postgresql://db/cinatra');
    expect(config.server.port).toBe(7001);
  });

  it('treats an empty file as no settings', () => {
    const file = tempFile('empty.yaml', '');
    expect(loadConfig({ env: {}, configFile: file })).toEqual(loadConfig({ env: {} }));
  });

  it('finds the file through CINATRA_CONFIG', () => {
    const file = tempFile('cinatra.yml', 'server:\n  port: 7002\n');
    expect(loadConfig({ env: { CINATRA_CONFIG: file } }).server.port).toBe(7002);
  });

  it('lets environment variables win over the file', () => {
    const file = tempFile('cinatra.yaml', 'logLevel: warn\nserver:\n  port: 7000\n  host: 0.0.0.0\n');
    const config = loadConfig({
      env: { CINATRA_PORT: '9000', CINATRA_LOG_LEVEL: 'error' },
      configFile: file,
    });
    expect(config.server.port).toBe(9000);
    expect(config.logLevel).toBe('error');
    expect(config.server.host).toBe('0.0.0.0');
  });

  it('refuses an unknown key, naming it and the file', () => {
    const file = tempFile('cinatra.yaml', 'server:\n  port: 7000\n  prot: 7001\n');
    const error = configErrorOf(() => loadConfig({ env: {}, configFile: file }));
    expect(error.message).toContain('"server.prot"');
    expect(error.message).toContain(file);
    expect(error.message).not.toContain('\n');
  });

  it('refuses an unknown top-level key', () => {
    const file = tempFile('cinatra.json', JSON.stringify({ databaseURL: 'postgres://db/x' }));
    expect(configErrorOf(() => loadConfig({ env: {}, configFile: file })).message).toContain('"databaseURL"');
  });

  it('refuses a file that cannot be read', () => {
    const missing = join(tmpdir(), 'cinatra-does-not-exist', 'cinatra.yaml');
    const error = configErrorOf(() => loadConfig({ env: {}, configFile: missing }));
    expect(error.message).toContain(missing);
    expect(error.message).toMatch(/cannot be read/);
    expect(error.message).not.toContain('\n');

    const directory = mkdtempSync(join(tmpdir(), 'cinatra-config-dir-'));
    dirs.push(directory);
    expect(configErrorOf(() => loadConfig({ env: {}, configFile: directory })).message).toMatch(
      /cannot be read/,
    );
  });

  it('refuses a file with broken syntax in one line', () => {
    const yaml = tempFile('broken.yaml', 'server:\n  port: [7000\n');
    const yamlError = configErrorOf(() => loadConfig({ env: {}, configFile: yaml }));
    expect(yamlError.message).toMatch(/not valid YAML/);
    expect(yamlError.message).not.toContain('\n');

    const json = tempFile('broken.json', '{"server": ');
    expect(configErrorOf(() => loadConfig({ env: {}, configFile: json })).message).toMatch(/not valid JSON/);
  });

  it('refuses a file whose top level is not a mapping', () => {
    const file = tempFile('list.yaml', '- a\n- b\n');
    expect(configErrorOf(() => loadConfig({ env: {}, configFile: file })).message).toMatch(/not valid YAML/);
  });

  it('names the file and setting for an invalid value in the file', () => {
    const file = tempFile('cinatra.yaml', 'server:\n  port: 70000\n');
    const error = configErrorOf(() => loadConfig({ env: {}, configFile: file }));
    expect(error.message).toContain(`server.port in ${file}`);
    expect(error.message).toContain('70000');
    expect(error.message).not.toContain('\n');
  });
});

describe('loadConfig refuses invalid environment values', () => {
  it.each([
    { env: { CINATRA_PORT: 'abc' }, variable: 'CINATRA_PORT', got: 'abc', fix: 'a TCP port from 0 to 65535' },
    {
      env: { CINATRA_PORT: '70000' },
      variable: 'CINATRA_PORT',
      got: '70000',
      fix: 'a TCP port from 0 to 65535',
    },
    { env: { CINATRA_PORT: '-1' }, variable: 'CINATRA_PORT', got: '-1', fix: 'a TCP port from 0 to 65535' },
    {
      env: { CINATRA_PORT: '80.5' },
      variable: 'CINATRA_PORT',
      got: '80.5',
      fix: 'a TCP port from 0 to 65535',
    },
    {
      env: { DATABASE_URL: 'mysql://x' },
      variable: 'DATABASE_URL',
      got: 'mysql://x',
      fix: 'postgres://user:pass@host:5432/db',
    },
    {
      env: { REDIS_URL: 'http://cache' },
      variable: 'REDIS_URL',
      got: 'http://cache',
      fix: 'redis://127.0.0.1:6379',
    },
    {
      env: { CINATRA_LOG_LEVEL: 'loud' },
      variable: 'CINATRA_LOG_LEVEL',
      got: 'loud',
      fix: 'one of fatal, error, warn, info, debug, trace, silent',
    },
    {
      env: { CINATRA_SECURE_COOKIES: 'maybe' },
      variable: 'CINATRA_SECURE_COOKIES',
      got: 'maybe',
      fix: 'true behind HTTPS',
    },
    {
      env: { CINATRA_PASSWORD_HASH_COST: '10' },
      variable: 'CINATRA_PASSWORD_HASH_COST',
      got: '10',
      fix: 'from 14 to 20',
    },
    {
      env: { CINATRA_PUBLIC_URL: 'cinatra.example.com' },
      variable: 'CINATRA_PUBLIC_URL',
      got: 'cinatra.example.com',
      fix: 'https://cinatra.example.com',
    },
  ])(
    '$variable=$got throws a one-line ConfigError naming the variable and a fix',
    ({ env, variable, got, fix }) => {
      const error = configErrorOf(() => loadConfig({ env }));
      expect(error.name).toBe('ConfigError');
      expect(error.message).not.toContain('\n');
      expect(error.message).toContain(variable);
      expect(error.message).toContain(got);
      expect(error.message).toContain('; expected ');
      expect(error.message).toContain(fix);
    },
  );

  it('blames the environment variable, not the file, when the variable overrides the file', () => {
    const file = tempFile('cinatra.yaml', 'server:\n  port: 7000\n');
    const error = configErrorOf(() => loadConfig({ env: { CINATRA_PORT: '99999' }, configFile: file }));
    expect(error.message).toContain('CINATRA_PORT');
    expect(error.message).not.toContain(file);
  });
});
