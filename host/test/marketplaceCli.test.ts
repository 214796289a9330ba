import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestDatabase, testConfig } from '@cinatra/kernel/testing';
import { generateSigningKey } from '@cinatra/sdk';
import { startVerdaccio, type VerdaccioHandle } from '@cinatra/registry';
import { createPlatform, type Platform } from '@cinatra/host';
import { runCli } from '../src/cli/runCli.js';
import {
  auditEvents,
  createToken,
  createUser,
  setUpAdmin,
  signIn,
  type SessionClient,
} from './support/apiClient.js';
import { bufferIo } from './support/cliIo.js';
import { writeHelloExtension, publishToEmbeddedRegistry } from './support/extensionSetup.js';

/**
 * `cinatra ext search`, `cinatra ext promote` and `cinatra registry destination` against a
 * real platform (its embedded Verdaccio child) and a second Verdaccio playing the public
 * registry, run in-process through `runCli` with the token in the environment.
 */

const work = await mkdtemp(join(tmpdir(), 'cinatra-marketplace-cli-'));

let platform: Platform;
let admin: SessionClient;
let url: string;
let publicRegistry: VerdaccioHandle;
let adminToken: string;
let memberToken: string;
const key = generateSigningKey();

interface Run {
  code: number;
  out: string[];
  err: string[];
}

/** `cinatra <argv>` in-process with exactly `env`; output split into lines. */
async function cinatra(argv: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  const io = bufferIo(env);
  const code = await runCli(argv, io);
  const lines = (chunks: string[]) => chunks.join('').split('\n').filter(Boolean);
  return { code, out: lines(io.out), err: lines(io.err) };
}

const asAdmin = (argv: string[]) => cinatra([...argv, '--url', url], { CINATRA_TOKEN: adminToken });

/** The table row of `name` from `source`, split on the column gaps. */
function row(run: Run, name: string, source: 'private' | 'public'): string[] | undefined {
  return run.out.map((line) => line.split(/ {2,}/)).find((cells) => cells[0] === name && cells[2] === source);
}

async function publish(name: string, permissions: string[], signed: boolean): Promise<void> {
  const dir = await writeHelloExtension(work, { name, permissions });
  await publishToEmbeddedRegistry(platform, dir, adminToken, signed ? key : null);
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  publicRegistry = await startVerdaccio({
    dir: await mkdtemp(join(work, 'public-')),
    auth: { kind: 'htpasswd' },
  });
  const db = await createTestDatabase();
  platform = await createPlatform(testConfig({ databaseUrl: db.url }));
  ({ url } = await platform.start());
  admin = await setUpAdmin(platform);
  const trusted = await admin.post('/api/trust/keys', {
    publicKeyPem: key.publicKeyPem,
    publisher: 'acme',
    tier: 'community',
  });
  expect(trusted.statusCode, trusted.body).toBe(201);
  // Promotion reveals the public registry's token secret as the acting admin: secret:read.
  adminToken = (
    await createToken(admin, {
      name: 'marketplace',
      scopes: ['registry_package:admin', 'registry_destination:admin', 'secret:read'],
    })
  ).token;
  const member = await createUser(admin, 'member@example.com', 'Member');
  memberToken = (
    await createToken(await signIn(platform.server, member.email), {
      name: 'member',
      scopes: ['registry_package:admin', 'secret:read'],
    })
  ).token;
  await publish('@acme/alpha', ['notifications.send'], true);
  await publish('@acme/beta', [], false);
});

afterAll(async () => {
  await Promise.all([platform?.stop(), publicRegistry?.stop()]);
});

describe('reaching the server', () => {
  test('without CINATRA_TOKEN: one line on how to create one, exit 2', async () => {
    const run = await cinatra(['ext', 'search', '--url', url], {});
    expect(run.code).toBe(2);
    expect(run.out).toEqual([]);
    expect(run.err).toEqual([
      'No API token: create one in the UI or with POST /api/tokens, then export CINATRA_TOKEN=cin_….',
    ]);
  });

  test('a URL where no server answers: one line, exit 1', async () => {
    const nowhere = `http://127.0.0.1:${await freePort()}`;
    const run = await cinatra(['ext', 'search'], { CINATRA_TOKEN: adminToken, CINATRA_URL: nowhere });
    expect(run.code).toBe(1);
    expect(run.err.at(-1)).toBe(
      `No Cinatra server answers at ${nowhere}/: start it with \`cinatra start\` or set CINATRA_URL`,
    );
    expect(run.out).toEqual([]);
  });

  test('without --url or CINATRA_URL the configured port is used', async () => {
    const run = await cinatra(['registry', 'destination'], {
      CINATRA_TOKEN: adminToken,
      CINATRA_PORT: new URL(url).port,
    });
    expect(run.code, run.err.join('\n')).toBe(0);
    expect(run.out[0]).toBe('No public registry is configured: packages stay private to this instance.');
    expect(run.out.at(-1)).toBe(
      'Next: cinatra registry destination set <registry-url> --token-secret <secret-id>',
    );
  });

  test('an unknown token is the server problem in one line, exit 1', async () => {
    const run = await cinatra(['ext', 'search', '--url', url], { CINATRA_TOKEN: 'cin_unknown' });
    expect(run.code).toBe(1);
    expect(run.err.at(-1)).toMatch(/^Authentication required: .+ \(code unauthenticated\)$/);
  });
});

describe('the catalogue, the public destination and promotion', () => {
  test('search lists the published packages with their signature status', async () => {
    const run = await asAdmin(['ext', 'search']);
    expect(run.code, run.err.join('\n')).toBe(0);
    expect(run.out[0]!.split(/ {2,}/)).toEqual([
      'NAME',
      'LATEST',
      'SOURCE',
      'PUBLISHER',
      'TIER',
      'SIGNATURE',
      'PERMISSIONS',
    ]);
    expect(row(run, '@acme/alpha', 'private')).toEqual([
      '@acme/alpha',
      '1.0.0',
      'private',
      'acme',
      'community',
      'verified',
      'notifications.send',
    ]);
    expect(row(run, '@acme/beta', 'private')?.slice(5)).toEqual(['unsigned', '-']);
    expect(run.out.at(-1)).toBe('2 packages');
    expect(run.err).toEqual([`Listing the instance and public registries at ${url}/…`]);

    const query = await asAdmin(['ext', 'search', 'alpha', '--source', 'instance']);
    expect(query.out.filter((line) => line.startsWith('@acme/'))).toHaveLength(1);
    expect(row(query, '@acme/alpha', 'private')).toBeDefined();
  });

  test('registry destination set points the instance at the public registry', async () => {
    const accountRes = await fetch(`${publicRegistry.url}-/user/org.couchdb.user:instance`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'instance', password: 'instance-password-123' }),
    });
    expect(accountRes.status).toBe(201);
    const secret = await admin.post('/api/secrets', {
      name: 'public-registry-token',
      owner: { tier: 'workspace' },
      value: ((await accountRes.json()) as { token: string }).token,
    });
    expect(secret.statusCode, secret.body).toBe(201);
    const secretId = secret.json<{ id: string }>().id;
    const grant = await admin.post(`/api/secrets/${secretId}/grants`, {
      granteeType: 'user',
      granteeId: admin.user.id,
    });
    expect(grant.statusCode, grant.body).toBeLessThan(300);

    const usage = await asAdmin(['registry', 'destination', 'set', publicRegistry.url]);
    expect(usage.code).toBe(2);
    expect(usage.err).toHaveLength(1);

    const set = await asAdmin([
      'registry',
      'destination',
      'set',
      publicRegistry.url,
      '--token-secret',
      secretId,
    ]);
    expect(set.code, set.err.join('\n')).toBe(0);
    expect(set.out[0]).toBe(`✓ The public registry is now ${publicRegistry.url}.`);
    expect(set.out).toContain(`token secret: ${secretId}`);
    expect(set.out.at(-1)).toBe('Next: cinatra ext search --source public');

    const show = await asAdmin(['registry', 'destination', 'show']);
    expect(show.code).toBe(0);
    expect(show.out[0]).toBe(`url:          ${publicRegistry.url}`);

    const empty = await asAdmin(['ext', 'search', '--source', 'public']);
    expect(empty.code, empty.err.join('\n')).toBe(0);
    expect(empty.out[0]).toBe('No package in the public registry.');
  });

  test('promotion by a non-admin token is refused in one line', async () => {
    const run = await cinatra(['ext', 'promote', '@acme/alpha', '1.0.0', '--url', url], {
      CINATRA_TOKEN: memberToken,
    });
    expect(run.code).toBe(1);
    expect(run.out).toEqual([]);
    expect(run.err.at(-1)).toMatch(/^Forbidden: .+ \(code forbidden\)$/);
  });

  test('promote publishes the version; search --source public then shows it', async () => {
    const run = await asAdmin(['ext', 'promote', '@acme/alpha', '1.0.0']);
    expect(run.code, run.err.join('\n')).toBe(0);
    expect(run.out[0]).toMatch(
      new RegExp(
        `^✓ Promoted @acme/alpha@1\\.0\\.0 to ${publicRegistry.url} \\(sha512-.+\\)\\. This cannot be undone\\.$`,
      ),
    );
    expect(run.out.at(-1)).toBe('Next: cinatra ext search @acme/alpha --source public');
    const audited = await auditEvents(admin, { operation: 'registry_package.promoted' });
    expect(audited.map((e) => e.resourceId)).toContain('@acme/alpha@1.0.0');

    const pub = await asAdmin(['ext', 'search', '--source', 'public']);
    expect(pub.code, pub.err.join('\n')).toBe(0);
    expect(row(pub, '@acme/alpha', 'public')).toEqual([
      '@acme/alpha',
      '1.0.0',
      'public',
      'acme',
      'community',
      'verified',
      'notifications.send',
    ]);
    expect(pub.out.some((line) => line.includes('private'))).toBe(false);
    expect(pub.out.at(-1)).toBe('1 package');

    const again = await asAdmin(['ext', 'promote', '@acme/alpha', '1.0.0']);
    expect(again.code).toBe(1);
    expect(again.err.at(-1)).toBe(
      `Conflict: @acme/alpha@1.0.0 is already public at ${publicRegistry.url}. (code conflict)`,
    );
  });

  test('registry destination clear unsets it', async () => {
    const run = await asAdmin(['registry', 'destination', 'clear']);
    expect(run.code, run.err.join('\n')).toBe(0);
    const show = await asAdmin(['registry', 'destination']);
    expect(show.out[0]).toMatch(/^No public registry is configured/);
  });
});
