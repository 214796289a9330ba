import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestDatabase, testConfig } from '@cinatra/kernel/testing';
import { generateSigningKey } from '@cinatra/sdk';

import { createPlatform, type Platform } from '@cinatra/host';
import { runCli } from '../src/cli/runCli.js';
import { createToken, setUpAdmin, type SessionClient } from './support/apiClient.js';
import { bufferIo } from './support/cliIo.js';
import { writeHelloExtension, publishToEmbeddedRegistry } from './support/extensionSetup.js';

/**
 * `cinatra ext install|update <name>` and `cinatra ext approve` through a running platform's
 * API (its embedded Verdaccio child holds the packages), run in-process through `runCli` with
 * `CINATRA_URL` and `CINATRA_TOKEN` in the environment: progress read from the journal, the
 * consent hold, and problems in one line.
 */

const work = await mkdtemp(join(tmpdir(), 'cinatra-ext-server-'));

let platform: Platform;
let admin: SessionClient;
let env: NodeJS.ProcessEnv;
let publisherToken: string;
const key = generateSigningKey();

interface Run {
  code: number;
  out: string[];
  err: string[];
}

async function cinatra(argv: string[]): Promise<Run> {
  const io = bufferIo(env);
  const code = await runCli(argv, io);
  const lines = (chunks: string[]) => chunks.join('').split('\n').filter(Boolean);
  return { code, out: lines(io.out), err: lines(io.err) };
}

/** Packs, signs and publishes `name@version` to the platform's embedded registry. */
async function publish(name: string, version: string, permissions: string[]): Promise<void> {
  const dir = await writeHelloExtension(work, { name, version, permissions });
  await publishToEmbeddedRegistry(platform, dir, publisherToken, key);
}

/** The installed extension `name` as the API lists it. */
async function installed(
  name: string,
): Promise<{ name: string; version: string; state: string } | undefined> {
  const res = await admin.get(`/api/extensions?name=${encodeURIComponent(name)}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<Array<{ name: string; version: string; state: string }>>()[0];
}

/** The stages printed as finished for `name`, in order. */
const stagesOf = (run: Run, name: string) =>
  run.err.filter((line) => line.startsWith(`  ${name}: `)).map((line) => line.slice(name.length + 4));

beforeAll(async () => {
  const db = await createTestDatabase();
  platform = await createPlatform(testConfig({ databaseUrl: db.url }));
  const { url } = await platform.start();
  admin = await setUpAdmin(platform);
  const trusted = await admin.post('/api/trust/keys', {
    publicKeyPem: key.publicKeyPem,
    publisher: 'acme',
    tier: 'community',
  });
  expect(trusted.statusCode, trusted.body).toBe(201);
  publisherToken = (await createToken(admin, { name: 'publish', scopes: ['registry_package:write'] })).token;
  const token = (await createToken(admin, { name: 'installer', scopes: ['extension:admin'] })).token;
  env = { CINATRA_URL: url, CINATRA_TOKEN: token, CINATRA_LOG_LEVEL: 'silent' };
  await publish('@acme/tools', '1.0.0', ['notifications.send']);
  await publish('@acme/held', '1.0.0', ['notifications.send']);
}, 120_000);

afterAll(async () => {
  await platform?.stop();
});

describe('cinatra ext install <name> through the server', () => {
  test('--approve installs it, printing each stage and the approved permissions', async () => {
    const run = await cinatra(['ext', 'install', '@acme/tools', '--range', '^1.0.0', '--approve']);
    expect(run.code, run.err.join('\n')).toBe(0);
    expect(run.err[0]).toBe(`Installing @acme/tools@^1.0.0 through ${env.CINATRA_URL}/…`);
    // Held at consent (requested), approved (consent again, journaled by the approval),
    // continued: each stage printed once, in order, as the journal shows it finished.
    expect(stagesOf(run, '@acme/tools')).toEqual([
      'resolve ✓',
      'fetch ✓',
      'verify ✓',
      'unpack ✓',
      'check ✓',
      'consent ✓',
      'consent ✓',
      'persist ✓',
      'activate ✓',
      'commit ✓',
      'health ✓',
      'cleanup ✓',
    ]);
    expect(run.out[0]).toBe('Approved: notifications.send');
    expect(run.out[1]).toMatch(/^✓ Installed @acme\/tools@1\.0\.0 \(operation [0-9a-f-]{36}\)\.$/);
    expect(run.out.at(-1)).toBe('Next: cinatra ext list');
    expect(await installed('@acme/tools')).toMatchObject({ name: '@acme/tools', version: '1.0.0' });
  });

  test('ext update <name> moves it to the latest version through the server', async () => {
    await publish('@acme/tools', '1.1.0', ['notifications.send']);
    const run = await cinatra(['ext', 'update', '@acme/tools']);
    expect(run.code, run.err.join('\n')).toBe(0);
    expect(run.err[0]).toBe(`Updating @acme/tools through ${env.CINATRA_URL}/…`);
    expect(stagesOf(run, '@acme/tools')).toContain('commit ✓');
    expect(run.out[0]).toMatch(/^✓ Updated 1\.0\.0 → @acme\/tools@1\.1\.0 \(operation [0-9a-f-]{36}\)\.$/);
    expect(run.out.at(-1)).toBe('Next: cinatra ext list');
    expect((await installed('@acme/tools'))?.version).toBe('1.1.0');
  });

  test('without --approve it stops at consent and prints the approve command, which continues it', async () => {
    const run = await cinatra(['ext', 'install', '@acme/held']);
    expect(run.code, run.err.join('\n')).toBe(0);
    expect(run.out.slice(0, 2)).toEqual([
      '@acme/held@1.0.0 is staged and waits for consent to 1 permission:',
      '  notifications.send',
    ]);
    const id = /^Next: cinatra ext approve ([0-9a-f-]{36})$/.exec(run.out.at(-1)!)?.[1];
    expect(id, run.out.join('\n')).toBeDefined();
    expect(stagesOf(run, '@acme/held')).toContain('check ✓');
    expect(stagesOf(run, '@acme/held')).not.toContain('commit ✓');
    expect(await installed('@acme/held')).toBeUndefined();

    const approve = await cinatra(['ext', 'approve', id!]);
    expect(approve.code, approve.err.join('\n')).toBe(0);
    expect(approve.err[0]).toBe(
      `Approving notifications.send for @acme/held@1.0.0 through ${env.CINATRA_URL}/…`,
    );
    expect(stagesOf(approve, '@acme/held')).toContain('health ✓');
    expect(approve.out[0]).toBe(`✓ Installed @acme/held@1.0.0 (operation ${id}).`);
    expect((await installed('@acme/held'))?.version).toBe('1.0.0');
  });

  test('a name the registry does not have: the problem in one line, exit 1', async () => {
    const run = await cinatra(['ext', 'install', '@acme/nowhere', '--approve']);
    expect(run.code).toBe(1);
    expect(run.out).toEqual([]);
    expect(run.err.at(-1)).toMatch(/^[A-Z][^:]*: .*@acme\/nowhere.* refused at resolve.*\(code not_found\)$/);
  });

  test('without a token: one line on how to create one, exit 2', async () => {
    const io = bufferIo({ CINATRA_URL: env.CINATRA_URL });
    expect(await runCli(['ext', 'install', '@acme/tools'], io)).toBe(2);
    expect(io.err.join('')).toBe(
      'No API token: create one in the UI or with POST /api/tokens, then export CINATRA_TOKEN=cin_….\n',
    );
  });
});
