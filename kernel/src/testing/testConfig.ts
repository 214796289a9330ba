import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CinatraConfig } from '../config/CinatraConfig.js';
import { loadConfig, type DeepPartial } from '../config/loadConfig.js';

/** A new, world-traversable temporary data directory (embedded Postgres runs as `postgres` under root). */
export function makeDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cinatra-test-'));
  chmodSync(dir, 0o755);
  return dir;
}

/**
 * Configuration for tests: silent logs, the cheapest allowed password hashing, a fresh
 * data directory, and no environment leaking in.
 */
export function testConfig(overrides: DeepPartial<CinatraConfig> = {}): CinatraConfig {
  return loadConfig({
    env: {},
    overrides: {
      dataDir: makeDataDir(),
      logLevel: 'silent',
      ...overrides,
      server: { port: 0, ...overrides.server },
      auth: { passwordHashCost: 14, ...overrides.auth },
    },
  });
}
