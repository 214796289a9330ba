import { describe, expect, it } from 'vitest';
import {
  type LlmRequest,
  type LlmStreamEvent,
  RpcError,
  collectStream,
  providerErrorOf,
  startAnthropicServer,
} from '@cinatra/sdk/testing';
import { WEATHER_AND_TIME_TOOLS as tools, useProviderHarness } from '../../test-support/providerHarness.js';

/**
 * The `anthropic` provider in a real, isolated extension process (the SDK's harness), its bundled
 * Anthropic SDK talking to a local server that speaks the Messages API's wire format. The process
 * can reach that server only: `baseUrl` points at it, `network:${settings.baseUrl}` grants its
 * host:port.
 */

const API_KEY = 'sk-ant-api03-test-7d1e';
const provider = useProviderHarness({
  packageUrl: new URL('..', import.meta.url),
  apiKey: API_KEY,
  secret: 'anthropic-api-key',
  startServer: startAnthropicServer,
});

const ask = (content: string, extra: Partial<LlmRequest> = {}): LlmRequest => ({
  model: 'claude-sonnet-4-5',
  messages: [{ role: 'user', content }],
  ...extra,
});

describe('generate', () => {
  it('puts the system prompt at the top level, and counts cache reads and writes as input', async () => {
    provider.server.reply({
      text: 'Paris.',
      model: 'claude-sonnet-4-5-20250929',
      usage: {
        input_tokens: 40,
        cache_read_input_tokens: 2000,
        cache_creation_input_tokens: 500,
        output_tokens: 300,
        output_tokens_details: { thinking_tokens: 120 },
      },
    });
    const response = await provider.ext.llm.generate(
      'anthropic',
      ask('What is the capital of France?', {
        system: 'Answer in one word.',
        temperature: 0.2,
        maxOutputTokens: 50,
        stop: ['\n\nHuman:'],
      }),
    );

    expect(response).toEqual({
      model: 'claude-sonnet-4-5-20250929',
      text: 'Paris.',
      toolCalls: [],
      finishReason: 'stop',
      usage: { inputTokens: 2540, outputTokens: 300, cachedInputTokens: 2000, reasoningTokens: 120 },
      responseId: expect.stringMatching(/^msg_/),
    });
    const request = provider.server.requests.at(-1)!;
    expect(request.path).toBe('/v1/messages');
    // SDK 1.11 sends the API key as a bearer token, with its API version.
    expect(request.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(request.headers['anthropic-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(request.headers['x-stainless-retry-count']).toBe('0');
    expect(request.body).toEqual({
      model: 'claude-sonnet-4-5',
      max_tokens: 50,
      system: 'Answer in one word.',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'What is the capital of France?' }] }],
      temperature: 0.2,
      stop_sequences: ['\n\nHuman:'],
      stream: false,
    });
  });

  it('asks max_tokens 8192 when the request sets none (Anthropic requires it), and merges system messages into system', async () => {
    provider.server.reply({ text: 'Noted.' });
    await provider.ext.llm.generate('anthropic', {
      model: 'claude-haiku-4-5',
      system: 'Be brief.',
      messages: [
        { role: 'user', content: 'Hi' },
        { role: 'system', content: 'The user is an admin.' },
        { role: 'user', content: 'Who am I?' },
      ],
    });
    expect(provider.lastBody()).toMatchObject({
      max_tokens: 8192,
      system: 'Be brief.\n\nThe user is an admin.',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Hi' },
            { type: 'text', text: 'Who am I?' },
          ],
        },
      ],
    });
  });

  it('asks for JSON with output_config.format (structured outputs)', async () => {
    const schema = {
      type: 'object',
      properties: { city: { type: 'string' } },
      required: ['city'],
      additionalProperties: false,
    };
    provider.server.reply({ text: '{"city":"Paris"}' });
    const response = await provider.ext.llm.generate(
      'anthropic',
      ask('Capital of France as JSON', { responseFormat: { type: 'json_schema', name: 'city', schema } }),
    );
    expect(JSON.parse(response.text)).toEqual({ city: 'Paris' });
    expect(provider.lastBody().output_config).toEqual({ format: { type: 'json_schema', schema } });
  });
});

describe('tool calls', () => {
  it('round trip: tool_use blocks, then every tool result as tool_result blocks of one user message', async () => {
    provider.server.reply(
      {
        text: 'Let me check.',
        toolCalls: [
          { id: 'toolu_01A', name: 'get_weather', arguments: { city: 'Oslo' } },
          { id: 'toolu_01B', name: 'get_time', arguments: { city: 'Oslo' } },
        ],
      },
      { text: 'It is 4 °C and 09:12 in Oslo.' },
    );
    const request = ask('Weather and time in Oslo?', { tools, toolChoice: 'required' });
    const first = await provider.ext.llm.generate('anthropic', request);
    expect(first).toMatchObject({
      text: 'Let me check.',
      finishReason: 'tool_calls',
      toolCalls: [
        { id: 'toolu_01A', name: 'get_weather', arguments: { city: 'Oslo' } },
        { id: 'toolu_01B', name: 'get_time', arguments: { city: 'Oslo' } },
      ],
    });
    expect(provider.lastBody()).toMatchObject({
      tools: [
        {
          name: 'get_weather',
          description: tools[0]!.description,
          input_schema: tools[0]!.inputSchema,
        },
        {
          name: 'get_time',
          description: tools[1]!.description,
          input_schema: tools[1]!.inputSchema,
        },
      ],
      tool_choice: { type: 'any' },
    });

    const second = await provider.ext.llm.generate('anthropic', {
      ...request,
      messages: [
        ...request.messages,
        { role: 'assistant', content: first.text, toolCalls: first.toolCalls },
        { role: 'tool', toolCallId: 'toolu_01A', name: 'get_weather', content: '{"temperature":4}' },
        {
          role: 'tool',
          toolCallId: 'toolu_01B',
          name: 'get_time',
          content: 'clock unavailable',
          isError: true,
        },
      ],
    });
    expect(second).toMatchObject({ text: 'It is 4 °C and 09:12 in Oslo.', finishReason: 'stop' });
    expect((provider.lastBody().messages as unknown[]).slice(1)).toEqual([
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Let me check.' },
          { type: 'tool_use', id: 'toolu_01A', name: 'get_weather', input: { city: 'Oslo' } },
          { type: 'tool_use', id: 'toolu_01B', name: 'get_time', input: { city: 'Oslo' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_01A', content: '{"temperature":4}' },
          { type: 'tool_result', tool_use_id: 'toolu_01B', content: 'clock unavailable', is_error: true },
        ],
      },
    ]);
  });

  it('forces a named tool with tool_choice { type: tool }', async () => {
    provider.server.reply({ toolCalls: [{ name: 'get_time', arguments: { city: 'Rome' } }] });
    const response = await provider.ext.llm.generate(
      'anthropic',
      ask('Time in Rome?', { tools, toolChoice: { name: 'get_time' } }),
    );
    expect(provider.lastBody().tool_choice).toEqual({ type: 'tool', name: 'get_time' });
    expect(response.toolCalls).toEqual([
      { id: expect.stringMatching(/^toolu_/), name: 'get_time', arguments: { city: 'Rome' } },
    ]);
  });
});

describe('stream', () => {
  it('yields text_delta text, then one finish with message_delta usage', async () => {
    provider.server.reply({
      text: ['The ', 'answer ', 'is ', '42.'],
      usage: { input_tokens: 10, cache_read_input_tokens: 90, output_tokens: 12 },
    });
    const events = await collectStream(provider.ext.llm.stream('anthropic', ask('The answer?')));
    expect(events).toEqual([
      { type: 'text-delta', text: 'The ' },
      { type: 'text-delta', text: 'answer ' },
      { type: 'text-delta', text: 'is ' },
      { type: 'text-delta', text: '42.' },
      {
        type: 'finish',
        response: {
          model: 'claude-sonnet-4-5',
          text: 'The answer is 42.',
          toolCalls: [],
          finishReason: 'stop',
          usage: { inputTokens: 100, outputTokens: 12, cachedInputTokens: 90, reasoningTokens: 0 },
          responseId: expect.stringMatching(/^msg_/),
        },
      },
    ]);
    expect(provider.lastBody().stream).toBe(true);
  });

  it('assembles input_json_delta fragments and yields each tool call at its content_block_stop', async () => {
    provider.server.reply({
      text: 'Checking.',
      toolCalls: [
        { id: 'toolu_x', name: 'get_weather', arguments: { city: 'Bergen, Vestland county, Norway' } },
        { id: 'toolu_y', name: 'get_time', arguments: {} },
      ],
    });
    const events = await collectStream(provider.ext.llm.stream('anthropic', ask('Bergen?', { tools })));
    expect(events.map((event) => event.type)).toEqual(['text-delta', 'tool-call', 'tool-call', 'finish']);
    expect(events.filter((event) => event.type === 'tool-call')).toEqual([
      {
        type: 'tool-call',
        toolCall: {
          id: 'toolu_x',
          name: 'get_weather',
          arguments: { city: 'Bergen, Vestland county, Norway' },
        },
      },
      { type: 'tool-call', toolCall: { id: 'toolu_y', name: 'get_time', arguments: {} } },
    ]);
    expect(events.at(-1)).toMatchObject({ response: { finishReason: 'tool_calls', text: 'Checking.' } });
  });
});

describe('failures', () => {
  it('429 with retry-after → rate_limited with retryAfterMs', async () => {
    provider.server.reply({
      error: {
        status: 429,
        headers: { 'retry-after': '12', 'anthropic-ratelimit-requests-remaining': '0' },
        message: 'Number of request tokens has exceeded your per-minute rate limit',
      },
    });
    const error = await providerErrorOf(provider.ext.llm.generate('anthropic', ask('Hi')));
    expect(error.data).toEqual({
      kind: 'rate_limited',
      status: 429,
      retryAfterMs: 12_000,
      vendorCode: 'rate_limit_error',
    });
    expect(error.message).toContain('per-minute rate limit');
  });

  it('500 → server_error, 529 overloaded → server_error', async () => {
    provider.server.reply(
      { error: { status: 500, message: 'Internal server error' } },
      { error: { status: 529, message: 'Overloaded' } },
    );
    expect((await providerErrorOf(provider.ext.llm.generate('anthropic', ask('Hi')))).data).toEqual({
      kind: 'server_error',
      status: 500,
      vendorCode: 'api_error',
    });
    const overloaded = await providerErrorOf(provider.ext.llm.generate('anthropic', ask('Hi')));
    expect(overloaded.data).toEqual({ kind: 'server_error', status: 529, vendorCode: 'overloaded_error' });
    expect(overloaded.retryable).toBe(true);
  });

  it('an overloaded_error event inside the stream → server_error', async () => {
    provider.server.reply({
      text: ['Partial ', 'answer'],
      streamError: { afterEvents: 3, type: 'overloaded_error', message: 'Overloaded' },
    });
    const error = await providerErrorOf(collectStream(provider.ext.llm.stream('anthropic', ask('Hi'))));
    expect(error.data).toEqual({ kind: 'server_error', vendorCode: 'overloaded_error' });
  });

  it('401 → authentication, 400 → invalid_request, 404 → not_found', async () => {
    const wrongKey = await provider.start({ secrets: { 'anthropic-api-key': 'sk-ant-wrong' } });
    expect((await providerErrorOf(wrongKey.llm.generate('anthropic', ask('Hi')))).data).toEqual({
      kind: 'authentication',
      status: 401,
      vendorCode: 'authentication_error',
    });
    provider.server.reply(
      { error: { status: 400, message: 'prompt is too long: 250000 tokens > 200000 maximum' } },
      { error: { status: 404, message: 'model: claude-9' } },
    );
    expect((await providerErrorOf(provider.ext.llm.generate('anthropic', ask('Hi')))).data).toMatchObject({
      kind: 'invalid_request',
      status: 400,
      vendorCode: 'invalid_request_error',
    });
    expect(
      (await providerErrorOf(provider.ext.llm.generate('anthropic', ask('Hi', { model: 'claude-9' })))).data,
    ).toMatchObject({
      kind: 'not_found',
      status: 404,
    });
  });

  it('a connection dropped mid-stream → connection, promptly, after the deltas already sent', async () => {
    // message_start, content_block_start, ping, then two deltas.
    provider.server.reply({ text: ['Once ', 'upon ', 'a ', 'time'], dropAfterEvents: 5 });
    const events: LlmStreamEvent[] = [];
    const error = await providerErrorOf(
      (async () => {
        for await (const event of provider.ext.llm.stream('anthropic', ask('A story'))) events.push(event);
      })(),
    );
    expect(error.kind).toBe('connection');
    expect(events).toEqual([
      { type: 'text-delta', text: 'Once ' },
      { type: 'text-delta', text: 'upon ' },
    ]);
  });

  it('a connection dropped before the answer, or mid-body → connection', async () => {
    provider.server.reply(
      { drop: true },
      { text: 'A long answer that never arrives whole', dropAfterEvents: 0 },
    );
    expect((await providerErrorOf(provider.ext.llm.generate('anthropic', ask('Hi')))).kind).toBe(
      'connection',
    );
    expect((await providerErrorOf(provider.ext.llm.generate('anthropic', ask('Hi')))).kind).toBe(
      'connection',
    );
  });

  it('the deadline aborts the vendor call: the caller gets deadline_exceeded, not a provider error', async () => {
    provider.server.reply({ text: 'Too late', delayMs: 5_000 });
    const error = await provider.ext.llm.stream('anthropic', ask('Hi'), { deadlineMs: 300 });
    const failure = await collectStream(error).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(RpcError);
    expect((failure as RpcError).code).toBe('deadline_exceeded');
  });

  it('egress to a host that was not granted is refused by the platform → connection', async () => {
    const offline = await provider.start({ permissions: ['secrets.read:anthropic-api-key'] });
    const before = provider.server.requests.length;
    const error = await providerErrorOf(offline.llm.generate('anthropic', ask('Hi')));
    expect(error.kind).toBe('connection');
    expect(error.message).toContain('refused by the platform');
    expect(offline.egressDenied).toHaveLength(1);
    expect(provider.server.requests.length).toBe(before);
  });

  it('no API key secret → authentication, naming the secret', async () => {
    const keyless = await provider.start({ secrets: {} });
    const error = await providerErrorOf(keyless.llm.generate('anthropic', ask('Hi')));
    expect(error.data).toMatchObject({ kind: 'authentication', vendorCode: 'secret_not_found' });
    expect(error.message).toContain('anthropic-api-key');
  });
});

it('ran inside the sandbox: the bundled vendor SDK touched nothing outside its package', () => {
  for (const extension of provider.started) expect(extension.permissionDenied).toEqual([]);
  expect(provider.ext.egressDenied).toEqual([]);
});
