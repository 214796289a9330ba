import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runAsActor } from '@cinatra/kernel';
import { createTestDatabase, testConfig } from '@cinatra/kernel/testing';
import { packExtension, signExtension, type SigningKey } from '@cinatra/sdk';
import { createPlatform, EXTENSION_MANAGER, type ExtensionView } from '@cinatra/host';
import {
  auditEvents,
  createUser,
  expectProblem,
  setUpAdmin,
  signIn,
  type SessionClient,
} from './support/apiClient.js';
import { adminActorOf, trustTestPublisher } from './support/extensionSetup.js';

/**
 * Connector setup end to end, against a real signed extension: the view lists what setting a
 * connector up takes (its `setupSchema`) and how it is set up; `PUT …/connectors/{id}/setup`
 * checks the values against that schema (every failing field named, nothing stored on
 * refusal), stores and audits them (keys only), and restarts the extension, whose
 * `host.connectors` then holds them.
 */

const NAME = '@cinatra-test/crm';

const SETUP_SCHEMA = {
  type: 'object',
  properties: {
    baseUrl: { type: 'string', format: 'uri', description: 'CRM API base URL' },
    tokenSecret: {
      type: 'string',
      description: 'Name of the kernel secret holding the API token',
      'x-cinatra-secret': true,
    },
    region: { type: 'string', enum: ['eu', 'us'], default: 'eu' },
    pageSize: { type: 'integer', minimum: 1, maximum: 500 },
  },
  required: ['baseUrl', 'tokenSecret'],
  additionalProperties: false,
};

const db = await createTestDatabase();
const platform = await createPlatform(testConfig({ databaseUrl: db.url }));
const manager = platform.kernel.resolve(EXTENSION_MANAGER);
const work = mkdtempSync(join(tmpdir(), 'cinatra-connector-setup-'));

let admin: SessionClient;
let publisher: SigningKey;
let id: string;

/** A connector with a setup schema, one without, and a tool that answers what `host.connectors` holds. */
function writeCrm(): string {
  const dir = join(work, 'crm');
  mkdirSync(dir, { recursive: true });
  const manifest = {
    name: NAME,
    version: '1.0.0',
    type: 'module',
    private: true,
    description: 'Test fixture for connector setup',
    cinatra: {
      apiVersion: 1,
      kinds: ['mcp-tools', 'connector'],
      displayName: 'CRM sync',
      publisher: 'cinatra-test',
      engine: '^1.0.0',
      entry: 'index.js',
      contributes: {
        mcpTools: [
          { name: 'connectors', description: 'Answers host.connectors', inputSchema: { type: 'object' } },
        ],
        connectors: [
          { id: 'crm', displayName: 'CRM', description: 'Syncs contacts', setupSchema: SETUP_SCHEMA },
          { id: 'ledger', displayName: 'Ledger' },
        ],
      },
    },
  };
  writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
  writeFileSync(
    join(dir, 'index.js'),
    `export default {
  activate(host) {
    return {
      tools: {
        connectors: async () => ({
          content: [{ type: 'text', text: JSON.stringify(host.connectors) }],
          structuredContent: { connectors: host.connectors, frozen: Object.isFrozen(host.connectors) && Object.values(host.connectors).every(Object.isFrozen) },
        }),
      },
    };
  },
};
`,
  );
  return dir;
}

async function view(): Promise<ExtensionView> {
  const res = await admin.get(`/api/extensions/${id}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<ExtensionView>();
}

const connectorsSeen = async () =>
  (await runAsActor(adminActorOf(admin), () => manager.callTool(NAME, 'connectors', {})))
    .structuredContent as { connectors: Record<string, unknown>; frozen: boolean };

const setUp = (values: unknown, connector = 'crm', client: SessionClient = admin) =>
  client.put(`/api/extensions/${id}/connectors/${connector}/setup`, { values });

beforeAll(async () => {
  admin = await setUpAdmin(platform);
  publisher = await trustTestPublisher(platform);
  const { tarball } = await packExtension(writeCrm());
  const bundle = await signExtension({ tarball, privateKeyPem: publisher.privateKeyPem });
  id = (await runAsActor(adminActorOf(admin), () => manager.install(tarball, bundle))).id;
  const enabled = await admin.post(`/api/extensions/${id}/enable`);
  expect(enabled.statusCode, enabled.body).toBe(200);
}, 120_000);

afterAll(async () => {
  await platform?.stop();
  await db?.drop();
  rmSync(work, { recursive: true, force: true });
});

describe('connector setup', () => {
  test('the view lists each connector with its setup schema; nothing is set up yet', async () => {
    expect((await view()).contributions.connectors).toEqual([
      {
        id: 'crm',
        displayName: 'CRM',
        description: 'Syncs contacts',
        setupSchema: SETUP_SCHEMA,
        setup: null,
      },
      { id: 'ledger', displayName: 'Ledger', setupSchema: null, setup: null },
    ]);
    expect(await connectorsSeen()).toEqual({ connectors: {}, frozen: true });
  });

  test('invalid values are refused with every failing field named; nothing is stored or restarted', async () => {
    const { pid } = await view();
    expect(pid).toEqual(expect.any(Number));
    const refused = expectProblem(
      await setUp({
        baseUrl: 'not a url',
        tokenSecret: 'sk_live 1234/5678',
        region: 'mars',
        pageSize: 0,
        colour: 'red',
      }),
      400,
      'validation_failed',
    );
    const paths = refused.errors?.map((error) => error.path) ?? [];
    expect(new Set(paths)).toEqual(
      new Set([
        '/body/values/baseUrl',
        '/body/values/tokenSecret',
        '/body/values/region',
        '/body/values/pageSize',
        '/body/values/colour',
      ]),
    );
    expect(refused.errors?.find((error) => error.path === '/body/values/tokenSecret')?.message).toMatch(
      /name of a kernel secret/,
    );
    const missing = expectProblem(await setUp({ region: 'us' }), 400, 'validation_failed');
    expect(missing.errors?.map((error) => error.path).sort()).toEqual([
      '/body/values/baseUrl',
      '/body/values/tokenSecret',
    ]);
    expectProblem(await setUp('not an object'), 400, 'validation_failed');

    const after = await view();
    expect(after.contributions.connectors[0]?.setup).toBeNull();
    expect(after.pid).toBe(pid);
    expect(await auditEvents(admin, { operation: 'extension.connector_configured' })).toEqual([]);
  });

  test('valid values are stored, audited without them, and reach the restarted extension', async () => {
    const { pid } = await view();
    const values = {
      baseUrl: 'https://crm.example.com/api',
      tokenSecret: 'crm-token',
      region: 'us',
      pageSize: 100,
    };
    const res = await setUp(values);
    expect(res.statusCode, res.body).toBe(200);
    const saved = res.json<ExtensionView>();
    expect(saved.contributions.connectors[0]).toMatchObject({ id: 'crm', setup: values });
    expect(saved.contributions.connectors[1]).toMatchObject({ id: 'ledger', setup: null });
    expect(saved).toMatchObject({ state: 'inactive', pid: null });

    const [event, ...others] = await auditEvents(admin, {
      operation: 'extension.connector_configured',
      resourceId: NAME,
    });
    expect(others).toEqual([]);
    expect(event).toMatchObject({
      actorId: admin.user.id,
      resourceType: 'extension',
      metadata: { connector: 'crm', keys: ['baseUrl', 'tokenSecret', 'region', 'pageSize'] },
    });
    const metadata = JSON.stringify(event!.metadata);
    for (const value of ['crm.example.com', 'crm-token', '"us"', '100'])
      expect(metadata).not.toContain(value);

    expect(await connectorsSeen()).toEqual({ connectors: { crm: values }, frozen: true });
    const restarted = await view();
    expect(restarted.state).toBe('active');
    expect(restarted.pid).not.toBe(pid);
    expect(restarted.contributions.connectors[0]?.setup).toEqual(values);
  });

  test('a new setup replaces the stored values', async () => {
    const values = { baseUrl: 'https://eu.crm.example.com', tokenSecret: 'crm.token_eu' };
    expect((await setUp(values)).statusCode).toBe(200);
    expect(await connectorsSeen()).toEqual({ connectors: { crm: values }, frozen: true });
  });

  test('an unknown connector, one with nothing to set up, or an unknown extension is a 404', async () => {
    const unknown = expectProblem(await setUp({}, 'nope'), 404, 'not_found');
    expect(unknown.detail).toContain('declares no connector "nope"');
    const nothing = expectProblem(await setUp({}, 'ledger'), 404, 'not_found');
    expect(nothing.detail).toContain('nothing to set up');
    expectProblem(
      await admin.put(`/api/extensions/${randomUUID()}/connectors/crm/setup`, { values: {} }),
      404,
      'not_found',
    );
    const badId = expectProblem(await setUp({}, 'Not_An_Id'), 400, 'validation_failed');
    expect(badId.errors?.[0]?.path).toBe('/params/connectorId');
  });

  test('only platform admins may set a connector up', async () => {
    await createUser(admin, 'member@example.com', 'Member');
    const member = await signIn(platform.server, 'member@example.com');
    const before = (await view()).contributions.connectors[0]?.setup;
    expectProblem(
      await setUp({ baseUrl: 'https://evil.example.com', tokenSecret: 'stolen' }, 'crm', member),
      403,
      'forbidden',
    );
    expectProblem(await setUp({}, 'nope', member), 403, 'forbidden');
    expect((await view()).contributions.connectors[0]?.setup).toEqual(before);
  });
});
