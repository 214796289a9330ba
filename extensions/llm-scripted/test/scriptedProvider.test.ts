import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  LlmProviderError,
  collectStream,
  startExtension,
  type LlmRequest,
  type LlmStreamEvent,
  type TestExtension,
} from '@cinatra/sdk/testing';
import { buildExtension } from '../../scripts/build-extension.js';

/**
 * The `scripted` provider in a real, isolated extension process (the SDK's harness): the demo
 * script bundled in the package, the operator's script in the storage directory, the echo, and
 * the scripted failures a demo of retries needs. No network at all.
 */

const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
const started: TestExtension[] = [];
let ext: TestExtension;

async function start(options: Parameters<typeof startExtension>[1] = {}): Promise<TestExtension> {
  const extension = await startExtension(PACKAGE_DIR, options);
  started.push(extension);
  return extension;
}

const ask = (content: string, extra: Partial<LlmRequest> = {}): LlmRequest => ({
  model: 'scripted-1',
  messages: [{ role: 'user', content }],
  ...extra,
});

const listIssues = {
  name: 'github__list_issues',
  description: 'List the issues of a repository',
  inputSchema: { type: 'object', properties: { owner: { type: 'string' }, repo: { type: 'string' } } },
};

beforeAll(async () => {
  await buildExtension(PACKAGE_DIR);
  ext = await start();
});

afterAll(async () => {
  await Promise.all(started.map((e) => e.stop()));
});

describe('the bundled demo script', () => {
  it('echoes what no rule answers, and gives the same answer byte for byte in another process', async () => {
    const request = ask('Tell me about Cinatra', { system: 'Be nice.' });
    const first = await ext.llm.generate('scripted', request);
    expect(first).toMatchObject({
      model: 'scripted-1',
      text: 'You said: Tell me about Cinatra',
      toolCalls: [],
      finishReason: 'stop',
      responseId: expect.stringMatching(/^scripted-[0-9a-f]{24}$/),
    });
    const other = await start();
    expect(JSON.stringify(await other.llm.generate('scripted', request))).toBe(JSON.stringify(first));
  });

  it('a tool round trip: list_issues is called with the repository named, then its result is summarized', async () => {
    const request = ask('What are the open issues in octocat/hello-world?', { tools: [listIssues] });
    const first = await ext.llm.generate('scripted', request);
    expect(first).toMatchObject({
      text: 'Let me look at the open issues of octocat/hello-world.',
      finishReason: 'tool_calls',
      toolCalls: [
        { name: 'github__list_issues', arguments: { owner: 'octocat', repo: 'hello-world', state: 'open' } },
      ],
    });
    const result = '{"issues":[{"number":1347,"title":"Found a bug"}]}';
    const second = await ext.llm.generate('scripted', {
      ...request,
      messages: [
        ...request.messages,
        { role: 'assistant', content: first.text, toolCalls: first.toolCalls },
        { role: 'tool', toolCallId: first.toolCalls[0]!.id, name: 'github__list_issues', content: result },
      ],
    });
    expect(second).toMatchObject({
      text: `Here is what github__list_issues found: ${result}`,
      finishReason: 'stop',
    });
  });

  it('streams the answer a word per delta, then one finish equal to generate’s response', async () => {
    const request = ask('hello');
    const events = await collectStream(ext.llm.stream('scripted', request));
    const text = 'Hello! I am the scripted model: I answer from a script, offline, the same way every time.';
    expect(events.filter((event) => event.type === 'text-delta').map((event) => event.text)).toEqual(
      text.match(/[^ ]+ */g),
    );
    expect(events.at(-1)).toEqual({ type: 'finish', response: await ext.llm.generate('scripted', request) });
  });

  it('"flaky" is rate limited once with retryAfterMs, and the retry succeeds', async () => {
    const request = ask('Run the flaky step');
    const error = LlmProviderError.from(await ext.llm.generate('scripted', request).catch((e: unknown) => e));
    expect(error?.data).toEqual({
      kind: 'rate_limited',
      status: 429,
      retryAfterMs: 1000,
      vendorCode: 'scripted',
    });
    expect(error?.retryable).toBe(true);
    expect((await ext.llm.generate('scripted', request)).text).toBe('You said: Run the flaky step');
  });

  it('"cut off" streams three deltas, then fails with connection', async () => {
    const events: LlmStreamEvent[] = [];
    const failure = await (async () => {
      for await (const event of ext.llm.stream('scripted', ask('This answer gets cut off halfway through')))
        events.push(event);
    })().catch((e: unknown) => e);
    expect(LlmProviderError.from(failure)?.kind).toBe('connection');
    expect(events).toEqual([
      { type: 'text-delta', text: 'You ' },
      { type: 'text-delta', text: 'said: ' },
      { type: 'text-delta', text: 'This ' },
    ]);
  });

  it('answers structured output with a value of the schema', async () => {
    const schema = {
      type: 'object',
      properties: { summary: { type: 'string' }, urgent: { type: 'boolean' } },
      required: ['summary', 'urgent'],
      additionalProperties: false,
    };
    const response = await ext.llm.generate(
      'scripted',
      ask('Summarize this', { responseFormat: { type: 'json_schema', name: 's', schema } }),
    );
    expect(JSON.parse(response.text)).toEqual({ summary: 'Summarize this', urgent: false });
  });
});

describe("the operator's script", () => {
  it('comes before the demo rules, and a change applies on the next call', async () => {
    const own = await start();
    const file = join(own.dataDir!, 'script.json');
    await writeFile(
      file,
      JSON.stringify({
        rules: [
          { name: 'hi', when: { lastUserMessage: '^hello' }, respond: { text: 'Hi from the operator.' } },
        ],
      }),
    );
    expect((await own.llm.generate('scripted', ask('hello'))).text).toBe('Hi from the operator.');

    await writeFile(
      file,
      JSON.stringify({
        rules: [
          {
            name: 'down',
            when: {},
            fail: { kind: 'server_error', status: 503, message: 'Planned maintenance' },
          },
        ],
      }),
    );
    const error = LlmProviderError.from(
      await own.llm.generate('scripted', ask('hello')).catch((e: unknown) => e),
    );
    expect(error?.data).toEqual({ kind: 'server_error', status: 503, vendorCode: 'scripted' });
    expect(error?.message).toBe('Planned maintenance');
  });

  it('a broken script fails the call with invalid_request, naming the rule and the problem', async () => {
    const own = await start();
    await writeFile(
      join(own.dataDir!, 'script.json'),
      JSON.stringify({ rules: [{ when: { tool: 42 }, respond: {} }] }),
    );
    const error = LlmProviderError.from(
      await own.llm.generate('scripted', ask('hello')).catch((e: unknown) => e),
    );
    expect(error?.data).toEqual({ kind: 'invalid_request', vendorCode: 'script_invalid' });
    expect(error?.message).toContain('script.json: rules[0].when.tool: must be a regular expression string');
  });

  it('demoScript false leaves only the operator rules and the echo', async () => {
    const bare = await start({ settings: { demoScript: false } });
    expect((await bare.llm.generate('scripted', ask('hello'))).text).toBe('You said: hello');
  });
});

it('ran inside the sandbox without touching anything outside its package and storage', () => {
  for (const extension of started) expect(extension.permissionDenied).toEqual([]);
  expect(ext.egressDenied).toEqual([]);
});
