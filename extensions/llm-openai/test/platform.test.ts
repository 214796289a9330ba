import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { LLM_ORCHESTRATOR, LLM_USAGE, runAsActor, type LlmCallOptions } from '@cinatra/kernel';
import { createTestDatabase, testConfig } from '@cinatra/kernel/testing';
import { createPlatform, EXTENSION_MANAGER } from '@cinatra/host';
import {
  startOpenAiServer,
  type LlmStreamEvent,
  type OpenAiReply,
  type VendorServer,
} from '@cinatra/sdk/testing';
import { auditEvents, setUpAdmin, type SessionClient } from '../../../host/test/support/apiClient.js';
import { adminActorOf, installFirstPartyBuild } from '../../../host/test/support/extensionSetup.js';
import { buildExtension } from '../../scripts/build-extension.js';

/**
 * The package the build signed, through the real platform: trusted as a first-party key,
 * installed (verified: the OpenAI SDK bundled into dist/index.js is one of the signed files),
 * configured, granted, enabled, and its provider called as the kernel's LLM orchestration does.
 */

const NAME = '@cinatra/ext-llm-openai';
const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
const API_KEY = 'sk-proj-platform-test';
const db = await createTestDatabase();
const platform = await createPlatform(testConfig({ databaseUrl: db.url }));
const manager = platform.kernel.resolve(EXTENSION_MANAGER);
let admin: SessionClient;
let openai: VendorServer<OpenAiReply>;

beforeAll(async () => {
  await buildExtension(PACKAGE_DIR, { signed: true });
  openai = await startOpenAiServer({ apiKey: API_KEY });
  admin = await setUpAdmin(platform);
}, 120_000);

afterAll(async () => {
  await platform?.stop();
  await db?.drop();
  await openai?.close();
});

test('the signed package installs as first-party and its openai provider answers once granted', async () => {
  const actor = adminActorOf(admin);
  const installed = await installFirstPartyBuild(platform, admin, PACKAGE_DIR);
  expect(installed).toMatchObject({ name: NAME, state: 'installed', publisher: 'cinatra' });
  // The HTTP view lists the provider the package contributes, with its models, before it runs.
  const view = await admin.get(`/api/extensions/${installed.id}`);
  expect(view.statusCode, view.body).toBe(200);
  expect(view.json().contributions).toMatchObject({
    mcpTools: [],
    llmProviders: [
      { id: 'openai', displayName: expect.any(String), models: expect.arrayContaining(['gpt-5.4']) },
    ],
    skills: [],
  });

  const secret = await admin.post('/api/secrets', {
    name: 'openai-api-key',
    owner: { tier: 'workspace' },
    value: API_KEY,
  });
  expect(secret.statusCode, secret.body).toBe(201);
  const id = installed.id;
  expect(
    (await admin.put(`/api/extensions/${id}/settings`, { values: { baseUrl: openai.baseUrl } })).statusCode,
  ).toBe(200);
  const grants = await admin.put(`/api/extensions/${id}/grants`, {
    permissions: ['secrets.read:openai-api-key', 'network:${settings.baseUrl}'],
  });
  expect(grants.statusCode, grants.body).toBe(200);
  expect((await admin.post(`/api/extensions/${id}/enable`)).statusCode).toBe(200);

  openai.reply(
    { text: 'Hello from the platform.', usage: { prompt_tokens: 12, completion_tokens: 5 } },
    { text: ['Streamed ', 'through ', 'the ', 'platform.'] },
  );
  const request = { model: 'gpt-5.4', messages: [{ role: 'user' as const, content: 'Hi' }] };
  const response = await runAsActor(actor, () =>
    manager.callLlm(NAME, 'llm.generate', { provider: 'openai', request }),
  );
  expect(response).toMatchObject({
    text: 'Hello from the platform.',
    usage: { inputTokens: 12, outputTokens: 5, cachedInputTokens: 0, reasoningTokens: 0 },
  });
  expect(openai.requests.at(-1)!.headers.authorization).toBe(`Bearer ${API_KEY}`);

  const chunks: LlmStreamEvent[] = [];
  const streamed = await runAsActor(actor, () =>
    manager.callLlm(
      NAME,
      'llm.stream',
      { provider: 'openai', request },
      { onChunk: (chunk) => chunks.push(chunk) },
    ),
  );
  expect(chunks.map((chunk) => (chunk.type === 'text-delta' ? chunk.text : chunk.type))).toEqual([
    'Streamed ',
    'through ',
    'the ',
    'platform.',
  ]);
  expect(streamed.text).toBe('Streamed through the platform.');

  // The key was read by the extension, on behalf of the admin, and audited as such.
  const [read] = await auditEvents(admin, { operation: 'extension.secrets.read', decision: 'allow' });
  expect(read).toMatchObject({ actorId: NAME, metadata: { qualifier: 'openai-api-key' } });
});

test('through the orchestrator: a 429 is waited out as its retry-after asks, a 500 falls back to the scripted provider', async () => {
  // The scripted provider extension as the fallback target, as `npm run build` signed it. Its own
  // tests rebuild it in parallel with this file, so it is built here only when missing: a rebuild
  // here could remove the package while that file reads it.
  const scriptedDir = resolve(PACKAGE_DIR, '..', 'llm-scripted');
  if (!existsSync(join(scriptedDir, 'dist-package/bundle.sigstore.json'))) {
    await buildExtension(scriptedDir, { signed: true });
  }
  const installed = await installFirstPartyBuild(platform, admin, scriptedDir);
  expect(
    (await admin.put(`/api/extensions/${installed.id}/grants`, { permissions: ['storage'] })).statusCode,
  ).toBe(200);
  expect((await admin.post(`/api/extensions/${installed.id}/enable`)).statusCode).toBe(200);

  const orchestrator = platform.kernel.resolve(LLM_ORCHESTRATOR);
  const generate = (options: Partial<LlmCallOptions> = {}) =>
    runAsActor(adminActorOf(admin), () =>
      orchestrator.generate({
        provider: 'openai',
        model: 'gpt-5.4',
        messages: [{ role: 'user', content: 'hello' }],
        ...options,
      }),
    );

  openai.reply(
    { error: { status: 429, headers: { 'retry-after-ms': '40' } } },
    { text: 'After the wait.', usage: { prompt_tokens: 9, completion_tokens: 3 } },
  );
  const waited = await generate();
  expect(waited).toMatchObject({ provider: 'openai', text: 'After the wait.', attempts: 2 });

  openai.reply({ error: { status: 500 } }, { error: { status: 503 } }, { error: { status: 500 } });
  const fellBack = await generate({ fallback: { provider: 'scripted', model: 'scripted-1' } });
  expect(fellBack).toMatchObject({ provider: 'scripted', attempts: 4 });
  expect(fellBack.text).toMatch(/^Hello! I am the scripted model/);

  // Every vendor attempt is a usage event, the failed ones with their kind.
  await platform.kernel.resolve(LLM_USAGE).flush();
  const rows = (await platform.kernel.db
    .knex('llmUsageEvents')
    .whereIn('id', [...waited.usageEventIds, ...fellBack.usageEventIds])
    .orderBy('occurredAt')) as Array<{ provider: string; status: string; errorKind: string | null }>;
  expect(rows.map((row) => [row.provider, row.status, row.errorKind])).toEqual([
    ['openai', 'error', 'rate_limited'],
    ['openai', 'ok', null],
    ['openai', 'error', 'server_error'],
    ['openai', 'error', 'server_error'],
    ['openai', 'error', 'server_error'],
    ['scripted', 'ok', null],
  ]);
}, 60_000);
