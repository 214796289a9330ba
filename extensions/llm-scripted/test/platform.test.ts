import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { runAsActor } from '@cinatra/kernel';
import { createTestDatabase, testConfig } from '@cinatra/kernel/testing';
import { createPlatform, EXTENSION_MANAGER } from '@cinatra/host';
import { LlmProviderError } from '@cinatra/sdk';
import { setUpAdmin, type SessionClient } from '../../../host/test/support/apiClient.js';
import { adminActorOf, installFirstPartyBuild } from '../../../host/test/support/extensionSetup.js';
import { buildExtension } from '../../scripts/build-extension.js';

/**
 * The package the build signed, through the real platform: installed (verified, the demo script
 * among the signed files), granted its storage, enabled, and its provider called as the kernel's
 * LLM orchestration does, with no key and no network.
 */

const NAME = '@cinatra/ext-llm-scripted';
const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
const db = await createTestDatabase();
const platform = await createPlatform(testConfig({ databaseUrl: db.url }));
const manager = platform.kernel.resolve(EXTENSION_MANAGER);
let admin: SessionClient;

beforeAll(async () => {
  await buildExtension(PACKAGE_DIR, { signed: true });
  admin = await setUpAdmin(platform);
}, 120_000);

afterAll(async () => {
  await platform?.stop();
  await db?.drop();
});

test('the signed package installs and answers from its bundled demo script, retries included', async () => {
  const actor = adminActorOf(admin);
  const installed = await installFirstPartyBuild(platform, admin, PACKAGE_DIR);
  expect(installed).toMatchObject({ name: NAME, state: 'installed', publisher: 'cinatra' });
  const grants = await admin.put(`/api/extensions/${installed.id}/grants`, { permissions: ['storage'] });
  expect(grants.statusCode, grants.body).toBe(200);
  expect((await admin.post(`/api/extensions/${installed.id}/enable`)).statusCode).toBe(200);

  const call = (content: string) =>
    runAsActor(actor, () =>
      manager.callLlm(NAME, 'llm.generate', {
        provider: 'scripted',
        request: { model: 'scripted-1', messages: [{ role: 'user', content }] },
      }),
    );
  expect((await call('hello')).text).toMatch(/^Hello! I am the scripted model/);
  const failed = LlmProviderError.from(await call('a flaky call').catch((error: unknown) => error));
  expect(failed?.data).toEqual({
    kind: 'rate_limited',
    status: 429,
    retryAfterMs: 1000,
    vendorCode: 'scripted',
  });
  expect((await call('a flaky call')).text).toBe('You said: a flaky call');
});
