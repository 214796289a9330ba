import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { runAsActor, systemActor } from '@cinatra/kernel';
import { packExtension, signExtension, type SigningKey } from '@cinatra/sdk';
import { EXTENSION_MANAGER, type Platform } from '@cinatra/host';

/**
 * Signed test extensions for the LLM orchestration tests, written on the fly: a provider
 * extension answering from the request, and packages with tools or skills.
 */

/** Tokens every test provider reports per request: priced at 1 and 2 USD/MTok that is $0.002. */
export const TEST_USAGE = { inputTokens: 1000, outputTokens: 500, cachedInputTokens: 0, reasoningTokens: 0 };

/**
 * Providers `test-a` and `test-b`, answering from the last user message:
 * `fail:<kind>` throws an `LlmProviderError` of that kind (retry-after 1.5 s); `call:<suffix> <json>`
 * calls the offered tool whose function name ends with `<suffix>` (once; after a tool result the
 * answer is `tool said: <result>`); `tools?` answers the offered function names; `system?` the
 * system prompt; `json:<text>` the text; anything else `<provider>/<model>: <prompt>`.
 */
export const TEST_PROVIDER_SOURCE = `
import { defineExtension, LlmProviderError } from '@cinatra/sdk';

const usage = ${JSON.stringify(TEST_USAGE)};
const lastUser = (request) => request.messages.findLast((m) => m.role === 'user')?.content ?? '';

function answer(id, request) {
  const prompt = lastUser(request);
  const toolResult = request.messages.findLast((m) => m.role === 'tool');
  const reply = (text, toolCalls = []) => ({
    model: request.model,
    text,
    toolCalls,
    finishReason: toolCalls.length ? 'tool_calls' : 'stop',
    usage,
  });
  if (prompt.startsWith('fail:')) {
    throw new LlmProviderError('the vendor says no', { kind: prompt.slice(5), status: 429, retryAfterMs: 1500 });
  }
  if (prompt.startsWith('call:') && !toolResult) {
    const [, suffix, json] = /^call:(\\S+) ?(.*)$/.exec(prompt);
    const tool = (request.tools ?? []).find((t) => t.name.endsWith(suffix));
    if (tool) return reply('', [{ id: 'call-1', name: tool.name, arguments: json ? JSON.parse(json) : {} }]);
  }
  if (toolResult) return reply('tool said: ' + toolResult.content);
  if (prompt === 'tools?') return reply((request.tools ?? []).map((t) => t.name).join(','));
  if (prompt === 'system?') return reply(request.system ?? '');
  if (prompt.startsWith('json:')) return reply(prompt.slice(5));
  return reply(id + '/' + request.model + ': ' + prompt);
}

export default defineExtension({
  activate() {
    const provider = (id) => ({
      async generate(request) {
        return answer(id, request);
      },
      async *stream(request) {
        const response = answer(id, request);
        for (const piece of response.text.split(/(?<= )/)) yield { type: 'text-delta', text: piece };
        yield { type: 'finish', response };
      },
    });
    return { llmProviders: { 'test-a': provider('test-a'), 'test-b': provider('test-b') } };
  },
});
`;

export const TEST_PROVIDER_EXTENSION = '@cinatra-test/llm-providers';

export interface TestPackage {
  name: string;
  kinds: string[];
  contributes: Record<string, unknown>;
  permissions?: string[];
  /** Package files besides package.json (index.js defaults to an empty extension). */
  files?: Record<string, string>;
}

/** Writes, packs, signs (with `publisher`, publisher id `cinatra-test`) and installs a package; returns its directory. */
export async function installTestPackage(
  platform: Platform,
  publisher: SigningKey,
  work: string,
  pkg: TestPackage,
): Promise<string> {
  const dir = await mkdtemp(join(work, 'pkg-'));
  const manifest = {
    name: pkg.name,
    version: '1.0.0',
    type: 'module',
    description: `${pkg.name}, a test extension`,
    cinatra: {
      apiVersion: 1,
      kinds: pkg.kinds,
      displayName: pkg.name,
      publisher: 'cinatra-test',
      engine: '^1.0.0',
      entry: 'index.js',
      contributes: pkg.contributes,
      ...(pkg.permissions ? { permissions: pkg.permissions } : {}),
      resources: { callTimeoutMs: 20_000 },
    },
  };
  const files = { 'index.js': 'export default { activate: () => ({}) };\n', ...pkg.files };
  await writeFile(join(dir, 'package.json'), JSON.stringify(manifest));
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  const { tarball } = await packExtension(dir);
  const bundle = await signExtension({ tarball, privateKeyPem: publisher.privateKeyPem });
  await runAsActor(systemActor(), () => platform.kernel.resolve(EXTENSION_MANAGER).install(tarball, bundle));
  return dir;
}

/** Installs and enables the provider extension serving `test-a` (model echo-1) and `test-b` (echo-2). */
export async function enableTestProviders(
  platform: Platform,
  publisher: SigningKey,
  work: string,
): Promise<void> {
  await installTestPackage(platform, publisher, work, {
    name: TEST_PROVIDER_EXTENSION,
    kinds: ['llm-provider'],
    contributes: {
      llmProviders: [
        { id: 'test-a', displayName: 'Test A', models: ['echo-1'] },
        { id: 'test-b', displayName: 'Test B', models: ['echo-2'] },
      ],
    },
    files: { 'index.js': TEST_PROVIDER_SOURCE },
  });
  await runAsActor(systemActor(), () =>
    platform.kernel.resolve(EXTENSION_MANAGER).enable(TEST_PROVIDER_EXTENSION),
  );
}
