import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  kernelMigrations,
  AUTHENTICATOR,
  createKernel,
  FIRST_ADMIN_SETUP,
  type CinatraConfig,
  type Kernel,
} from '../src/index.js';
import { makeDataDir, testConfig } from '../src/testing/index.js';

/** Each applied exactly once, however often the kernel starts. */
const KERNEL_MIGRATIONS = kernelMigrations.migrations.map((m) => `kernel/${m.name}`);

const ADMIN = { email: 'admin@example.com', displayName: 'Admin', password: 'correct horse battery staple' };

const dataDirs: string[] = [];

afterAll(() => {
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

function embeddedConfig(): CinatraConfig {
  const dataDir = makeDataDir();
  dataDirs.push(dataDir);
  const config = testConfig({ dataDir });
  expect(config.databaseUrl).toBeUndefined();
  return config;
}

async function withKernel<T>(config: CinatraConfig, fn: (kernel: Kernel) => Promise<T>): Promise<T> {
  const kernel = await createKernel(config);
  try {
    return await fn(kernel);
  } finally {
    await kernel.close();
  }
}

async function signIn(kernel: Kernel): Promise<string | null> {
  const auth = kernel.resolve(AUTHENTICATOR);
  const { sessionToken } = await auth.login(ADMIN.email, ADMIN.password, { ip: null, userAgent: null });
  return (await auth.authenticateSession(sessionToken))?.actor.principalId ?? null;
}

async function kernelMigrationRows(kernel: Kernel): Promise<string[]> {
  const rows = (await kernel.db.knex('cinatraMigrations').select('name').orderBy('id')) as Array<{
    name: string;
  }>;
  return rows.map((r) => r.name);
}

describe('embedded Postgres in the data directory', { timeout: 300_000 }, () => {
  it('starts from an empty data directory, keeps data across restarts, and migrates once', async () => {
    const config = embeddedConfig();
    const postmasterPid = join(config.dataDir, 'postgres', 'postmaster.pid');

    const adminId = await withKernel(config, async (kernel) => {
      expect(kernel.db.embedded).toBe(true);
      const password = readFileSync(join(config.dataDir, 'secrets', 'postgres-password'), 'utf8').trim();
      expect(kernel.db.displayUrl).not.toContain(password);
      const setup = kernel.resolve(FIRST_ADMIN_SETUP);
      expect(await setup.needsSetup()).toBe(true);
      const admin = await setup.createAdmin(ADMIN);
      expect(admin).toMatchObject({ email: ADMIN.email, platformRole: 'platform_admin' });
      expect(await setup.needsSetup()).toBe(false);
      return admin.id;
    });
    expect(existsSync(postmasterPid)).toBe(false);

    await withKernel(config, async (kernel) => {
      expect(await kernel.resolve(FIRST_ADMIN_SETUP).needsSetup()).toBe(false);
      expect(await signIn(kernel)).toBe(adminId);
      expect(await kernelMigrationRows(kernel)).toEqual(KERNEL_MIGRATIONS);
    });
    expect(existsSync(postmasterPid)).toBe(false);
  });

  it('lets a second kernel on the same data directory use the running cluster', async () => {
    const config = embeddedConfig();
    const first = await createKernel(config);
    try {
      const admin = await first.resolve(FIRST_ADMIN_SETUP).createAdmin(ADMIN);

      await withKernel(config, async (second) => {
        expect(await signIn(second)).toBe(admin.id);
        expect(await second.db.knex('users').pluck('email')).toEqual([ADMIN.email]);
        expect(await kernelMigrationRows(second)).toEqual(KERNEL_MIGRATIONS);
      });

      // Closing the second kernel leaves the cluster to the one that started it.
      expect(existsSync(join(config.dataDir, 'postgres', 'postmaster.pid'))).toBe(true);
      expect(await signIn(first)).toBe(admin.id);
      expect(await first.resolve(FIRST_ADMIN_SETUP).needsSetup()).toBe(false);
    } finally {
      await first.close();
    }
    expect(existsSync(join(config.dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
  });
});
