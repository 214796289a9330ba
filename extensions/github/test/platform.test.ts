import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { runAsActor, systemActor, type ActorContext } from '@cinatra/kernel';
import { createTestDatabase, testConfig } from '@cinatra/kernel/testing';
import { createPlatform, EXTENSION_MANAGER, type ExtensionView } from '@cinatra/host';
import { auditEvents, setUpAdmin, type SessionClient } from '../../../host/test/support/apiClient.js';
import {
  buildExtension,
  PACKAGE_DIR,
  startFakeGitHub,
  TOKEN,
  type FakeGitHub,
} from './support/fakeGitHub.js';

/**
 * The package the build signed, through the real platform: trusted as a first-party key,
 * installed (verified), configured, granted and called, as an operator would. The signing key
 * is the one the build used: CINATRA_FIRST_PARTY_KEY, else the local development key.
 */

const NAME = '@cinatra/ext-github';
const db = await createTestDatabase();
const platform = await createPlatform(testConfig({ databaseUrl: db.url }));
const manager = platform.kernel.resolve(EXTENSION_MANAGER);
let admin: SessionClient;
let github: FakeGitHub;

beforeAll(async () => {
  await buildExtension({ signed: true });
  github = await startFakeGitHub();
  admin = await setUpAdmin(platform);
}, 120_000);

afterAll(async () => {
  await platform?.stop();
  await db?.drop();
  await github?.close();
});

test('the signed package installs as first-party, and list_issues and create_issue work once granted', async () => {
  const keyFile = process.env.CINATRA_FIRST_PARTY_KEY
    ? resolve(process.env.CINATRA_FIRST_PARTY_KEY)
    : resolve(PACKAGE_DIR, '../../.cinatra-keys/cinatra-signing.key.pem');
  const publicKeyPem = createPublicKey(readFileSync(keyFile))
    .export({ type: 'spki', format: 'pem' })
    .toString();
  const trusted = await admin.post('/api/trust/keys', {
    publicKeyPem,
    publisher: 'cinatra',
    tier: 'first-party',
  });
  expect(trusted.statusCode, trusted.body).toBe(201);
  expect(trusted.json()).toMatchObject({ publisher: 'cinatra', tier: 'first-party' });

  const tarball = readFileSync(join(PACKAGE_DIR, 'dist-package/cinatra-ext-github-0.1.0.tgz'));
  const bundle = JSON.parse(
    readFileSync(join(PACKAGE_DIR, 'dist-package/bundle.sigstore.json'), 'utf8'),
  ) as unknown;
  const installed = await runAsActor(systemActor(), () => manager.install(tarball, bundle));
  expect(installed).toMatchObject({ name: NAME, state: 'installed', publisher: 'cinatra' });
  expect(installed.contributions.mcpTools.map((tool) => tool.name)).toEqual([
    'list_repositories',
    'list_issues',
    'create_issue',
  ]);

  const secret = await admin.post('/api/secrets', {
    name: 'github-token',
    owner: { tier: 'workspace' },
    value: TOKEN,
  });
  expect(secret.statusCode, secret.body).toBe(201);
  const id = installed.id;
  const settings = await admin.put(`/api/extensions/${id}/settings`, { values: { baseUrl: github.baseUrl } });
  expect(settings.statusCode, settings.body).toBe(200);
  const grants = await admin.put(`/api/extensions/${id}/grants`, {
    permissions: ['secrets.read:github-token', 'network:${settings.baseUrl}'],
  });
  expect(grants.statusCode, grants.body).toBe(200);
  const enabled = await admin.post(`/api/extensions/${id}/enable`);
  expect(enabled.statusCode, enabled.body).toBe(200);

  const actor: ActorContext = {
    principalId: admin.user.id,
    principalType: 'user',
    displayName: 'Admin',
    platformRole: 'platform_admin',
    organizations: [],
    teams: [],
    tokenScopes: null,
    authSource: 'session',
    credentialId: null,
  };
  const issues = await runAsActor(actor, () =>
    manager.callTool(NAME, 'list_issues', { owner: 'octocat', repo: 'hello-world' }),
  );
  expect(issues.isError).toBeUndefined();
  expect(issues.structuredContent).toMatchObject({
    issues: [
      { number: 1347, title: 'Found a bug' },
      { number: 1348, isPullRequest: true },
    ],
  });
  expect(github.requests.at(-1)!.headers.authorization).toBe(`Bearer ${TOKEN}`);

  const created = await runAsActor(actor, () =>
    manager.callTool(NAME, 'create_issue', { owner: 'octocat', repo: 'hello-world', title: 'From Cinatra' }),
  );
  expect(created.structuredContent).toMatchObject({ issue: { number: 1349, title: 'From Cinatra' } });

  const view = (await admin.get(`/api/extensions/${id}`)).json<ExtensionView>();
  expect(view).toMatchObject({
    state: 'active',
    grantedPermissions: ['secrets.read:github-token', 'network:${settings.baseUrl}'],
  });
  // The token was read by the extension, on behalf of the admin, and audited as such.
  const [read] = await auditEvents(admin, { operation: 'extension.secrets.read', decision: 'allow' });
  expect(read).toMatchObject({ actorId: NAME, metadata: { qualifier: 'github-token' } });
});
