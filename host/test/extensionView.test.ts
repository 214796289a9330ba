import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runAsActor, systemActor } from '@cinatra/kernel';
import { createTestDatabase, testConfig } from '@cinatra/kernel/testing';
import { keyIdOf, packExtension, signExtension, type SigningKey } from '@cinatra/sdk';
import { createPlatform, EXTENSION_MANAGER, PACKAGE_STORE, type ExtensionView } from '@cinatra/host';
import { TRUST_STORE } from '../src/extensions/trust/TrustStore.js';
import { createUser, expectProblem, setUpAdmin, signIn, type SessionClient } from './support/apiClient.js';
import { adminActorOf, installFirstPartyBuild, trustTestPublisher } from './support/extensionSetup.js';

/**
 * What the extension view adds for the admin UI, against real signed packages: who signed the
 * installed version (and at which trust tier), the settings as a JSON Schema, every kind of
 * contribution, and the recent log lines of the extension's processes.
 */

const REPO_ROOT = resolve(import.meta.dirname, '../..');
const GITHUB = '@cinatra/ext-github';
const WIDGETS = '@cinatra-test/widgets';
const TAMPERED = '@cinatra-test/tampered';

const db = await createTestDatabase();
const platform = await createPlatform(testConfig({ databaseUrl: db.url }));
const manager = platform.kernel.resolve(EXTENSION_MANAGER);
const packages = platform.kernel.resolve(PACKAGE_STORE);
const work = mkdtempSync(join(tmpdir(), 'cinatra-extension-view-'));

let admin: SessionClient;
let publisher: SigningKey;

/** An extension with a tool, a connector, a renderer and a dashboard widget that logs as it works. */
function writeWidgets(name: string): string {
  const dir = join(work, name.replace('/', '__'));
  mkdirSync(dir, { recursive: true });
  const manifest = {
    name,
    version: '1.0.0',
    type: 'module',
    private: true,
    description: 'Test fixture for the extension view',
    cinatra: {
      apiVersion: 1,
      kinds: ['mcp-tools', 'connector', 'renderer', 'dashboard-widget'],
      displayName: 'View test widgets',
      publisher: 'cinatra-test',
      engine: '^1.0.0',
      entry: 'index.js',
      contributes: {
        mcpTools: [
          {
            name: 'shout',
            description: 'Logs its text',
            inputSchema: { type: 'object', properties: { text: { type: 'string' } } },
          },
          {
            name: 'reach',
            description: 'Fetches a host it was not granted',
            inputSchema: { type: 'object' },
          },
          { name: 'crash', description: 'Crashes the process', inputSchema: { type: 'object' } },
        ],
        connectors: [{ id: 'crm', displayName: 'CRM', description: 'Syncs contacts' }],
        renderers: [
          { id: 'invoice', displayName: 'Invoice', mimeTypes: ['application/vnd.acme.invoice+json'] },
        ],
        dashboardWidgets: [{ id: 'pipeline', displayName: 'Pipeline' }],
      },
      settings: {
        limit: { type: 'number', description: 'Rows per page', default: 20 },
        verbose: { type: 'boolean', description: 'Log more' },
        crmToken: { type: 'string', description: 'CRM API token', secret: true },
      },
    },
  };
  writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
  writeFileSync(
    join(dir, 'index.js'),
    `export default {
  activate(host) {
    host.log.info('widgets ready', { limit: host.settings.limit });
    console.log('hello on stdout');
    console.error('hello on stderr');
    return {
      tools: {
        shout: async ({ text }) => {
          host.log.warn('shouting', { text });
          return { content: [{ type: 'text', text }] };
        },
        reach: async () => {
          await fetch('http://127.0.0.1:59999/').catch(() => undefined);
          return { content: [] };
        },
        crash: async () => {
          setImmediate(() => {
            throw new Error('crashed on purpose');
          });
          return { content: [] };
        },
      },
    };
  },
};
`,
  );
  return dir;
}

async function install(dir: string): Promise<ExtensionView> {
  const { tarball } = await packExtension(dir);
  const bundle = await signExtension({ tarball, privateKeyPem: publisher.privateKeyPem });
  return runAsActor(adminActorOf(admin), () => manager.install(tarball, bundle));
}

async function view(name: string): Promise<ExtensionView> {
  const res = await admin.get(`/api/extensions?name=${encodeURIComponent(name)}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<ExtensionView[]>()[0]!;
}

async function post(name: string, action: string): Promise<ExtensionView> {
  const res = await admin.post(`/api/extensions/${(await view(name)).id}/${action}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<ExtensionView>();
}

interface LogLine {
  at: string;
  level: string;
  message: string;
}

async function logs(name: string): Promise<LogLine[]> {
  const res = await admin.get(`/api/extensions/${(await view(name)).id}/logs`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ lines: LogLine[] }>().lines;
}

const call = (name: string, tool: string, args: Record<string, unknown> = {}) =>
  runAsActor(adminActorOf(admin), () => manager.callTool(name, tool, args));

beforeAll(async () => {
  admin = await setUpAdmin(platform);
  await installFirstPartyBuild(platform, admin, join(REPO_ROOT, 'extensions', 'github'));
  publisher = await trustTestPublisher(platform);
  await install(writeWidgets(WIDGETS));
  await install(writeWidgets(TAMPERED));
}, 120_000);

afterAll(async () => {
  await platform?.stop();
  await db?.drop();
  rmSync(work, { recursive: true, force: true });
});

describe('signature and tier', () => {
  test('a first-party build shows the key that signed it, its publisher and tier, without starting it', async () => {
    const github = await view(GITHUB);
    const releaseKey = JSON.parse(
      readFileSync(join(REPO_ROOT, 'extensions', 'github', 'dist-package', 'bundle.sigstore.json'), 'utf8'),
    ) as { verificationMaterial: { publicKey: { hint: string } } };
    expect(github).toMatchObject({
      state: 'installed',
      pid: null,
      tier: 'first-party',
      signature: {
        status: 'verified',
        keyId: releaseKey.verificationMaterial.publicKey.hint,
        publisher: 'cinatra',
        tier: 'first-party',
      },
    });
    expect(github.signature.keyId).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  test("a private publisher's extension has tier private", async () => {
    expect(await view(WIDGETS)).toMatchObject({
      tier: 'private',
      signature: { status: 'verified', keyId: publisher.keyId, publisher: 'cinatra-test', tier: 'private' },
    });
  });

  test('a load that fails verification shows as failed; restored, it is verified again', async () => {
    await post(TAMPERED, 'enable');
    const file = join(packages.packageDir(TAMPERED, '1.0.0'), 'index.js');
    const original = readFileSync(file);
    writeFileSync(file, `${original}\n// tampered\n`);
    try {
      const refused = await post(TAMPERED, 'reload');
      expect(refused).toMatchObject({
        state: 'failed',
        lastError: { code: 'file_modified' },
        tier: 'private',
        signature: { status: 'failed', keyId: publisher.keyId, publisher: 'cinatra-test', tier: 'private' },
      });
    } finally {
      writeFileSync(file, original);
    }
    expect(await post(TAMPERED, 'reload')).toMatchObject({
      state: 'inactive',
      signature: { status: 'verified' },
    });
  });

  test('without a readable signature bundle the signature is unknown', async () => {
    const bundle = join(packages.versionDir(TAMPERED, '1.0.0'), 'bundle.sigstore.json');
    const original = readFileSync(bundle);
    writeFileSync(bundle, 'not json');
    try {
      expect(await view(TAMPERED)).toMatchObject({
        tier: null,
        signature: { status: 'unknown', keyId: null, publisher: null, tier: null },
      });
    } finally {
      writeFileSync(bundle, original);
    }
  });
});

describe('settings schema and contributions', () => {
  test("the manifest's settings as a JSON Schema; a secret setting is marked and explained", async () => {
    expect((await view(GITHUB)).settingsSchema).toEqual({
      type: 'object',
      properties: {
        baseUrl: {
          type: 'string',
          format: 'uri',
          description: 'GitHub REST API base URL (GitHub Enterprise Server: https://<host>/api/v3)',
          default: 'https://api.github.com',
        },
        tokenSecret: {
          type: 'string',
          description:
            'Name of the kernel workspace secret holding the GitHub token (the name of a kernel secret, not the secret itself)',
          default: 'github-token',
          'x-cinatra-secret': true,
        },
      },
      additionalProperties: false,
    });
    expect((await view(WIDGETS)).settingsSchema.properties).toEqual({
      limit: { type: 'number', description: 'Rows per page', default: 20 },
      verbose: { type: 'boolean', description: 'Log more' },
      crmToken: {
        type: 'string',
        description: 'CRM API token (the name of a kernel secret, not the secret itself)',
        'x-cinatra-secret': true,
      },
    });
  });

  test('connectors, renderers and dashboard widgets are listed from the manifest', async () => {
    const widgets = await view(WIDGETS);
    expect(widgets.pid).toBeNull();
    expect(widgets.contributions).toMatchObject({
      mcpTools: ['shout', 'reach', 'crash'].map((name) => expect.objectContaining({ name })),
      llmProviders: [],
      skills: [],
      connectors: [{ id: 'crm', displayName: 'CRM', description: 'Syncs contacts' }],
      renderers: [
        { id: 'invoice', displayName: 'Invoice', mimeTypes: ['application/vnd.acme.invoice+json'] },
      ],
      dashboardWidgets: [{ id: 'pipeline', displayName: 'Pipeline' }],
    });
    expect((await view(GITHUB)).contributions).toMatchObject({
      connectors: [],
      renderers: [],
      dashboardWidgets: [],
    });
  });
});

describe('logs', () => {
  test("an extension's own logs, stdout, stderr, refused egress and crashes, oldest first", async () => {
    await post(WIDGETS, 'enable');
    expect(await logs(WIDGETS)).toEqual([]);
    await call(WIDGETS, 'shout', { text: 'hi there' });
    const { pid } = await view(WIDGETS);
    await expect
      .poll(async () => (await logs(WIDGETS)).map(({ level, message }) => `${level} ${message}`))
      .toEqual(
        expect.arrayContaining([
          'info widgets ready {"limit":20}',
          'info hello on stdout',
          'warn hello on stderr',
          `info activated 1.0.0 (pid ${pid})`,
          'warn shouting {"text":"hi there"}',
        ]),
      );
    const lines = await logs(WIDGETS);
    for (const line of lines) expect(new Date(line.at).toISOString()).toBe(line.at);
    const order = lines.map((line) => line.message);
    expect(order.indexOf('widgets ready {"limit":20}')).toBeLessThan(
      order.indexOf('shouting {"text":"hi there"}'),
    );

    await call(WIDGETS, 'reach');
    expect((await logs(WIDGETS)).at(-1)).toMatchObject({
      level: 'warn',
      message: 'extension egress refused {"target":"127.0.0.1:59999"}',
    });

    await call(WIDGETS, 'crash');
    await expect
      .poll(async () => (await logs(WIDGETS)).at(-1))
      .toMatchObject({ level: 'error', message: 'process ended (crashed): Error: crashed on purpose' });
    // The uncaught error's report went to stderr first.
    expect((await logs(WIDGETS)).map(({ level, message }) => `${level} ${message}`)).toContain(
      'warn Error: crashed on purpose',
    );
    // Other extensions' buffers are their own.
    expect((await logs(GITHUB)).length).toBe(0);
  });

  test('platform admins only; an unknown extension is a 404 problem', async () => {
    await createUser(admin, 'member@example.com', 'Member');
    const member = await signIn(platform.server, 'member@example.com');
    const { id } = await view(WIDGETS);
    expectProblem(await member.get(`/api/extensions/${id}/logs`), 403, 'forbidden');
    expectProblem(await admin.get(`/api/extensions/${randomUUID()}/logs`), 404, 'not_found');
  });
});

describe('a revoked key', () => {
  test('shows every extension it signed as failed: the next load will be refused', async () => {
    await runAsActor(systemActor(), () =>
      platform.kernel.resolve(TRUST_STORE).revokeKey(keyIdOf(publisher.publicKeyPem), 'compromised'),
    );
    expect(await view(WIDGETS)).toMatchObject({
      tier: 'private',
      signature: { status: 'failed', keyId: publisher.keyId, publisher: 'cinatra-test', tier: 'private' },
    });
    expect((await view(GITHUB)).signature.status).toBe('verified');
  });
});
