import { afterAll, beforeAll, expect, test } from 'vitest';
import { runAsActor } from '@cinatra/kernel';
import { createTestDatabase, testConfig } from '@cinatra/kernel/testing';
import { createPlatform, EXTENSION_MANAGER, type ExtensionView } from '@cinatra/host';
import { auditEvents, setUpAdmin, type SessionClient } from '../../../host/test/support/apiClient.js';
import { adminActorOf, installFirstPartyBuild } from '../../../host/test/support/extensionSetup.js';
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
  const installed = await installFirstPartyBuild(platform, admin, PACKAGE_DIR);
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

  const actor = adminActorOf(admin);
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
