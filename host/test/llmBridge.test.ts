import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { LLM_PROVIDERS, runAsActor, systemActor, type ActorContext } from '@cinatra/kernel';
import { createTestDatabase, testConfig } from '@cinatra/kernel/testing';
import {
  LlmProviderError,
  packExtension,
  RpcError,
  signExtension,
  type LlmRequest,
  type LlmStreamEvent,
  type SigningKey,
} from '@cinatra/sdk';
import { createPlatform, EXTENSION_MANAGER } from '@cinatra/host';
import { adminActorOf, trustTestPublisher } from './support/extensionSetup.js';
import { setUpAdmin } from './support/apiClient.js';

/**
 * LLM providers served by extensions, through the kernel's LLM_PROVIDERS: signed provider
 * extensions written here, installed and enabled on a real platform, called in their isolated
 * processes (generate, stream, vendor errors, a crash mid-stream, cancellation), and the registry
 * following enable and disable.
 */

const FIRST = '@cinatra-test/llm-a';
const SECOND = '@cinatra-test/llm-b';

/**
 * The provider both extensions run: answers from the last user message. `fail:<kind>` is a vendor
 * error, `crash` dies from an uncaught error after one delta, `endless` streams until cancelled
 * and logs when its iteration is closed.
 */
const PROVIDER_SOURCE = `
import { defineExtension, LlmProviderError } from '@cinatra/sdk';

const usage = { inputTokens: 4, outputTokens: 3, cachedInputTokens: 0, reasoningTokens: 0 };
const prompt = (request) => request.messages.at(-1)?.content ?? '';
const answer = (request, text) => ({ model: request.model, text, toolCalls: [], finishReason: 'stop', usage });
const refuse = (text) => {
  if (text.startsWith('fail:')) {
    throw new LlmProviderError('slow down', { kind: text.slice(5), status: 429, retryAfterMs: 1500 });
  }
};

export default defineExtension({
  activate(host, context) {
    const provider = {
      async generate(request, call) {
        refuse(prompt(request));
        return answer(request, [context.extensionId, prompt(request), call.actor?.principalId ?? 'nobody', call.traceId].join(' | '));
      },
      async *stream(request, call) {
        const text = prompt(request);
        refuse(text);
        if (text === 'crash') {
          yield { type: 'text-delta', text: 'last words' };
          setTimeout(() => { throw new Error('provider exploded'); }, 20);
          await new Promise(() => {});
        }
        if (text === 'endless') {
          try {
            for (let n = 0; ; n++) {
              yield { type: 'text-delta', text: String(n) };
              await new Promise((resolve) => setTimeout(resolve, 10));
            }
          } finally {
            host.log.info('llm stream closed', { aborted: call.signal.aborted });
          }
        }
        for (const word of text.split(' ')) yield { type: 'text-delta', text: word };
        yield { type: 'finish', response: answer(request, text) };
      },
    };
    return { llmProviders: { 'bridge-echo': provider, 'bridge-shared': provider } };
  },
});
`;

const lines: Array<Record<string, unknown>> = [];
const logger = pino(
  { level: 'info' },
  new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n'))
        if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  }),
);

const db = await createTestDatabase();
const platform = await createPlatform(testConfig({ databaseUrl: db.url }), { logger });
const manager = platform.kernel.resolve(EXTENSION_MANAGER);
const providers = platform.kernel.resolve(LLM_PROVIDERS);
const work = mkdtempSync(join(tmpdir(), 'cinatra-llm-bridge-'));
const asSystem = <T>(fn: () => Promise<T>) => runAsActor(systemActor(), fn);
let publisher: SigningKey;
let admin: ActorContext;

async function installProviderExtension(name: string, providerIds: string[]): Promise<void> {
  const dir = mkdtempSync(join(work, 'pkg-'));
  const manifest = {
    name,
    version: '1.0.0',
    type: 'module',
    description: `${name}, a test LLM provider`,
    cinatra: {
      apiVersion: 1,
      kinds: ['llm-provider'],
      displayName: name,
      publisher: 'cinatra-test',
      engine: '^1.0.0',
      entry: 'index.js',
      contributes: {
        llmProviders: providerIds.map((id) => ({ id, displayName: `${id} of ${name}`, models: ['echo-1'] })),
      },
      resources: { callTimeoutMs: 10_000 },
    },
  };
  writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest));
  writeFileSync(join(dir, 'index.js'), PROVIDER_SOURCE);
  const { tarball } = await packExtension(dir);
  const bundle = await signExtension({ tarball, privateKeyPem: publisher.privateKeyPem });
  await asSystem(() => manager.install(tarball, bundle));
}

const ask = (content: string): LlmRequest => ({ model: 'echo-1', messages: [{ role: 'user', content }] });
const call = (signal = new AbortController().signal) => ({
  signal,
  deadlineMs: 10_000,
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
});

async function collect(events: AsyncIterable<LlmStreamEvent>): Promise<LlmStreamEvent[]> {
  const seen: LlmStreamEvent[] = [];
  for await (const event of events) seen.push(event);
  return seen;
}

beforeAll(async () => {
  publisher = await trustTestPublisher(platform);
  admin = adminActorOf(await setUpAdmin(platform));
  await installProviderExtension(FIRST, ['bridge-echo', 'bridge-shared']);
  await installProviderExtension(SECOND, ['bridge-shared']);
}, 60_000);

afterAll(async () => {
  await platform?.stop();
  await db?.drop();
  rmSync(work, { recursive: true, force: true });
});

describe('LLM providers of extensions', () => {
  test('enabling registers the providers from the manifest without starting anything', async () => {
    expect(providers.get('bridge-echo')).toBeUndefined();
    await asSystem(() => manager.enable(FIRST));
    await asSystem(() => manager.enable(SECOND));
    expect(providers.list().map((p) => [p.id, p.extension])).toEqual([
      ['bridge-echo', FIRST],
      ['bridge-shared', FIRST], // the first package by name serves a shared id
    ]);
    expect(providers.require('bridge-echo')).toMatchObject({
      displayName: `bridge-echo of ${FIRST}`,
      models: ['echo-1'],
    });
    expect(manager.processInfo(FIRST).pid).toBeNull();
    expect(lines).toContainEqual(
      expect.objectContaining({ provider: 'bridge-shared', extension: SECOND, holder: FIRST }),
    );
    expect((await asSystem(() => manager.get(FIRST))).activationEvents).toEqual([
      'onLlmProvider:bridge-echo',
      'onLlmProvider:bridge-shared',
    ]);
  });

  test('generate crosses into the extension, which starts on first use, with actor and trace id', async () => {
    const response = await runAsActor(admin, () =>
      providers.require('bridge-echo').generate(ask('hello'), call()),
    );
    expect(response).toEqual({
      model: 'echo-1',
      text: `${FIRST} | hello | ${admin.principalId} | 4bf92f3577b34da6a3ce929d0e0e4736`,
      toolCalls: [],
      finishReason: 'stop',
      usage: { inputTokens: 4, outputTokens: 3, cachedInputTokens: 0, reasoningTokens: 0 },
    });
    expect(manager.processInfo(FIRST).pid).toEqual(expect.any(Number));
  });

  test('stream yields the deltas in order, then finish with the response', async () => {
    const events = await runAsActor(admin, () =>
      collect(providers.require('bridge-echo').stream(ask('one two three'), call())),
    );
    expect(events).toEqual([
      { type: 'text-delta', text: 'one' },
      { type: 'text-delta', text: 'two' },
      { type: 'text-delta', text: 'three' },
      { type: 'finish', response: expect.objectContaining({ text: 'one two three', finishReason: 'stop' }) },
    ]);
  });

  test("a provider's LlmProviderError reaches the host with its kind and retry-after", async () => {
    const provider = providers.require('bridge-echo');
    const failures = await runAsActor(admin, () =>
      Promise.all([
        provider.generate(ask('fail:rate_limited'), call()).catch((e: unknown) => e),
        collect(provider.stream(ask('fail:rate_limited'), call())).catch((e: unknown) => e),
      ]),
    );
    for (const failure of failures) {
      expect(failure).toBeInstanceOf(RpcError);
      const error = LlmProviderError.from(failure);
      expect(error).toBeInstanceOf(LlmProviderError);
      expect(error!.data).toEqual({ kind: 'rate_limited', status: 429, retryAfterMs: 1500 });
      expect(error!.retryable).toBe(true);
    }
  });

  test("aborting the call's signal stops the iteration inside the extension", async () => {
    const controller = new AbortController();
    const deltas: string[] = [];
    const failure = await runAsActor(admin, async () => {
      for await (const event of providers
        .require('bridge-echo')
        .stream(ask('endless'), call(controller.signal))) {
        if (event.type === 'text-delta') deltas.push(event.text);
        if (deltas.length === 3) controller.abort();
      }
    }).catch((e: unknown) => e);
    expect(failure).toMatchObject({ code: 'cancelled' });
    expect(deltas).toEqual(['0', '1', '2']);
    await expect
      .poll(() => lines.find((line) => line.msg === 'llm stream closed'))
      .toMatchObject({ extension: FIRST, data: { aborted: true } });
  });

  test('a process crashing mid-stream ends the stream with a clean error at once', async () => {
    const deltas: string[] = [];
    const started = performance.now();
    const failure = await runAsActor(admin, async () => {
      for await (const event of providers.require('bridge-echo').stream(ask('crash'), call())) {
        if (event.type === 'text-delta') deltas.push(event.text);
      }
    }).catch((e: unknown) => e);
    expect(deltas).toEqual(['last words']);
    expect(failure).toBeInstanceOf(RpcError);
    expect(failure).toMatchObject({ code: 'extension_unavailable', message: `${FIRST} exited (crashed)` });
    // Well before the 10 s deadline: the exit ended the call, not the timeout.
    expect(performance.now() - started).toBeLessThan(5_000);
    // The next use starts the extension again.
    const again = await runAsActor(admin, () =>
      providers.require('bridge-echo').generate(ask('back'), call()),
    );
    expect(again.text).toContain('| back |');
  });

  test('disabling unregisters its providers; a shared id passes to the next extension', async () => {
    const changes: Array<{ provider: string; registered: boolean }> = [];
    const unsubscribe = providers.onChange((change) => changes.push(change));
    await asSystem(() => manager.disable(FIRST));
    unsubscribe();
    expect(providers.get('bridge-echo')).toBeUndefined();
    expect(providers.require('bridge-shared').extension).toBe(SECOND);
    expect(changes).toEqual([
      { provider: 'bridge-echo', registered: false },
      { provider: 'bridge-shared', registered: false },
      { provider: 'bridge-shared', registered: true },
    ]);
    const response = await runAsActor(admin, () =>
      providers.require('bridge-shared').generate(ask('from b'), call()),
    );
    expect(response.text.startsWith(`${SECOND} | from b`)).toBe(true);
    // The provider object of a disabled extension refuses calls rather than reaching a process.
    await expect(
      manager.callLlm(FIRST, 'llm.generate', { provider: 'bridge-echo', request: ask('x') }),
    ).rejects.toMatchObject({
      code: 'not_found',
    });
  });
});
