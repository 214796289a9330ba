import { describe, expect, it } from 'vitest';
import {
  type LlmRequest,
  type LlmStreamEvent,
  RpcError,
  collectStream,
  providerErrorOf,
  startOpenAiServer,
} from '@cinatra/sdk/testing';
import { useProviderHarness } from '../../test-support/providerHarness.js';

/**
 * The `openai` provider in a real, isolated extension process (the SDK's harness), its bundled
 * OpenAI SDK talking Chat Completions to a local server that speaks OpenAI's wire format. The
 * process can reach that server only: `baseUrl` points at it, `network:${settings.baseUrl}`
 * grants its host:port.
 */

const API_KEY = 'sk-proj-test-4f2a9c';
const provider = useProviderHarness({
  packageUrl: new URL('..', import.meta.url),
  apiKey: API_KEY,
  secret: 'openai-api-key',
  startServer: startOpenAiServer,
});

const ask = (content: string, extra: Partial<LlmRequest> = {}): LlmRequest => ({
  model: 'gpt-5.4',
  messages: [{ role: 'user', content }],
  ...extra,
});

describe('generate', () => {
  it('sends the request the Chat Completions way and normalizes the answer and its usage', async () => {
    provider.server.reply({
      text: 'Paris.',
      model: 'gpt-5.4-2026-03-05',
      usage: {
        prompt_tokens: 1200,
        completion_tokens: 300,
        prompt_tokens_details: { cached_tokens: 1024 },
        completion_tokens_details: { reasoning_tokens: 256 },
      },
    });
    const response = await provider.ext.llm.generate(
      'openai',
      ask('What is the capital of France?', {
        system: 'Answer in one word.',
        temperature: 0.2,
        maxOutputTokens: 50,
        stop: ['\n\n'],
      }),
    );

    expect(response).toEqual({
      model: 'gpt-5.4-2026-03-05',
      text: 'Paris.',
      toolCalls: [],
      finishReason: 'stop',
      usage: { inputTokens: 1200, outputTokens: 300, cachedInputTokens: 1024, reasoningTokens: 256 },
      responseId: expect.stringMatching(/^chatcmpl-/),
    });
    const request = provider.server.requests.at(-1)!;
    expect(request.path).toBe('/v1/chat/completions');
    expect(request.headers.authorization).toBe(`Bearer ${API_KEY}`);
    // One attempt only: the platform's orchestrator retries, not the SDK.
    expect(request.headers['x-stainless-retry-count']).toBe('0');
    expect(request.body).toEqual({
      model: 'gpt-5.4',
      messages: [
        { role: 'system', content: 'Answer in one word.' },
        { role: 'user', content: 'What is the capital of France?' },
      ],
      temperature: 0.2,
      max_completion_tokens: 50,
      stop: ['\n\n'],
      stream: false,
    });
  });

  it('asks for JSON with response_format json_schema, strict when the schema allows it', async () => {
    const strict = {
      type: 'object',
      properties: { city: { type: 'string' }, population: { type: 'integer' } },
      required: ['city', 'population'],
      additionalProperties: false,
    };
    provider.server.reply({ text: '{"city":"Paris","population":2102650}' }, { text: '{"city":"Lyon"}' });
    const response = await provider.ext.llm.generate(
      'openai',
      ask('Largest city of France?', {
        responseFormat: { type: 'json_schema', name: 'city', schema: strict },
      }),
    );
    expect(JSON.parse(response.text)).toEqual({ city: 'Paris', population: 2102650 });
    expect(provider.lastBody().response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'city', schema: strict, strict: true },
    });

    // An optional property is outside strict mode's rules: the schema is still sent, not enforced.
    const loose = { type: 'object', properties: { city: { type: 'string' }, note: { type: 'string' } } };
    await provider.ext.llm.generate(
      'openai',
      ask('Another city?', { responseFormat: { type: 'json_schema', name: 'city', schema: loose } }),
    );
    expect(provider.lastBody().response_format).toMatchObject({
      json_schema: { schema: loose, strict: false },
    });
  });
});

describe('tool calls', () => {
  const weatherTool = {
    name: 'get_weather',
    description: 'Current weather of a city',
    inputSchema: {
      type: 'object',
      properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['c', 'f'] } },
      required: ['city'],
    },
  };

  it('round trip: the model asks for a tool, the tool result goes back as a tool message, then the answer', async () => {
    provider.server.reply(
      { toolCalls: [{ id: 'call_Wx81', name: 'get_weather', arguments: { city: 'Oslo', unit: 'c' } }] },
      { text: 'It is 4 °C in Oslo.' },
    );
    const request = ask('Weather in Oslo?', { tools: [weatherTool], toolChoice: 'auto' });
    const first = await provider.ext.llm.generate('openai', request);
    expect(first).toMatchObject({
      text: '',
      finishReason: 'tool_calls',
      toolCalls: [{ id: 'call_Wx81', name: 'get_weather', arguments: { city: 'Oslo', unit: 'c' } }],
    });
    expect(provider.lastBody()).toMatchObject({
      tools: [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            description: weatherTool.description,
            parameters: weatherTool.inputSchema,
          },
        },
      ],
      tool_choice: 'auto',
    });

    const second = await provider.ext.llm.generate('openai', {
      ...request,
      messages: [
        ...request.messages,
        { role: 'assistant', content: '', toolCalls: first.toolCalls },
        { role: 'tool', toolCallId: 'call_Wx81', name: 'get_weather', content: '{"temperature":4}' },
      ],
    });
    expect(second).toMatchObject({ text: 'It is 4 °C in Oslo.', finishReason: 'stop', toolCalls: [] });
    expect((provider.lastBody().messages as unknown[]).slice(1)).toEqual([
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          {
            id: 'call_Wx81',
            type: 'function',
            function: { name: 'get_weather', arguments: '{"city":"Oslo","unit":"c"}' },
          },
        ],
      },
      { role: 'tool', tool_call_id: 'call_Wx81', content: '{"temperature":4}' },
    ]);
  });

  it('forces a named tool with tool_choice, and reports tool_calls although OpenAI says stop', async () => {
    provider.server.reply({
      toolCalls: [{ name: 'get_weather', arguments: { city: 'Rome' } }],
      finishReason: 'stop',
    });
    const response = await provider.ext.llm.generate(
      'openai',
      ask('Rome?', { tools: [weatherTool], toolChoice: { name: 'get_weather' } }),
    );
    expect(provider.lastBody().tool_choice).toEqual({ type: 'function', function: { name: 'get_weather' } });
    expect(response.finishReason).toBe('tool_calls');
    expect(response.toolCalls).toEqual([
      { id: expect.stringMatching(/^call_/), name: 'get_weather', arguments: { city: 'Rome' } },
    ]);
  });
});

describe('stream', () => {
  it('yields text deltas, then one finish with the whole answer and the usage chunk', async () => {
    provider.server.reply({
      text: ['The ', 'answer ', 'is ', '42.'],
      usage: {
        prompt_tokens: 80,
        completion_tokens: 12,
        prompt_tokens_details: { cached_tokens: 64 },
        completion_tokens_details: { reasoning_tokens: 5 },
      },
    });
    const events = await collectStream(provider.ext.llm.stream('openai', ask('The answer?')));
    expect(events).toEqual([
      { type: 'text-delta', text: 'The ' },
      { type: 'text-delta', text: 'answer ' },
      { type: 'text-delta', text: 'is ' },
      { type: 'text-delta', text: '42.' },
      {
        type: 'finish',
        response: {
          model: 'gpt-5.4',
          text: 'The answer is 42.',
          toolCalls: [],
          finishReason: 'stop',
          usage: { inputTokens: 80, outputTokens: 12, cachedInputTokens: 64, reasoningTokens: 5 },
          responseId: expect.stringMatching(/^chatcmpl-/),
        },
      },
    ]);
    expect(provider.lastBody()).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  it('assembles tool-call argument fragments and yields each call once, complete', async () => {
    provider.server.reply({
      text: 'Checking both.',
      toolCalls: [
        { id: 'call_a', name: 'get_weather', arguments: { city: 'Oslo', unit: 'c' } },
        { id: 'call_b', name: 'get_weather', arguments: { city: 'Bergen, Vestland county', unit: 'c' } },
      ],
    });
    const events = await collectStream(provider.ext.llm.stream('openai', ask('Oslo and Bergen?')));
    expect(events.filter((event) => event.type === 'tool-call')).toEqual([
      {
        type: 'tool-call',
        toolCall: { id: 'call_a', name: 'get_weather', arguments: { city: 'Oslo', unit: 'c' } },
      },
      {
        type: 'tool-call',
        toolCall: {
          id: 'call_b',
          name: 'get_weather',
          arguments: { city: 'Bergen, Vestland county', unit: 'c' },
        },
      },
    ]);
    expect(events.at(-1)).toMatchObject({
      type: 'finish',
      response: {
        text: 'Checking both.',
        finishReason: 'tool_calls',
        toolCalls: [{ id: 'call_a' }, { id: 'call_b' }],
      },
    });
  });
});

describe('failures', () => {
  it('429 with retry-after → rate_limited with retryAfterMs', async () => {
    provider.server.reply({
      error: {
        status: 429,
        headers: { 'retry-after': '7' },
        message: 'Rate limit reached for gpt-5.4 on requests per min (RPM): Limit 500, Used 500.',
      },
    });
    const error = await providerErrorOf(provider.ext.llm.generate('openai', ask('Hi')));
    expect(error.data).toEqual({
      kind: 'rate_limited',
      status: 429,
      retryAfterMs: 7000,
      vendorCode: 'rate_limit_exceeded',
    });
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('Rate limit reached');
  });

  it('honours retry-after-ms, which OpenAI sends for short waits', async () => {
    provider.server.reply({
      error: { status: 429, headers: { 'retry-after-ms': '350', 'retry-after': '1' } },
    });
    expect((await providerErrorOf(provider.ext.llm.generate('openai', ask('Hi')))).data.retryAfterMs).toBe(
      350,
    );
  });

  it('500 → server_error, 503 → server_error', async () => {
    provider.server.reply(
      { error: { status: 500, message: 'The server had an error while processing your request.' } },
      { error: { status: 503, message: 'The engine is currently overloaded, please try again later.' } },
    );
    expect((await providerErrorOf(provider.ext.llm.generate('openai', ask('Hi')))).data).toMatchObject({
      kind: 'server_error',
      status: 500,
    });
    expect((await providerErrorOf(provider.ext.llm.generate('openai', ask('Hi')))).data).toMatchObject({
      kind: 'server_error',
      status: 503,
    });
  });

  it('401 → authentication, 400 → invalid_request, 404 → not_found; none retryable', async () => {
    const wrongKey = await provider.start({ secrets: { 'openai-api-key': 'sk-wrong' } });
    const auth = await providerErrorOf(wrongKey.llm.generate('openai', ask('Hi')));
    expect(auth.data).toMatchObject({ kind: 'authentication', status: 401, vendorCode: 'invalid_api_key' });
    expect(auth.retryable).toBe(false);

    provider.server.reply(
      {
        error: {
          status: 400,
          code: 'context_length_exceeded',
          message: "This model's maximum context length is 400000 tokens.",
        },
      },
      {
        error: { status: 404, message: 'The model `gpt-9` does not exist or you do not have access to it.' },
      },
    );
    expect((await providerErrorOf(provider.ext.llm.generate('openai', ask('Hi')))).data).toMatchObject({
      kind: 'invalid_request',
      status: 400,
      vendorCode: 'context_length_exceeded',
    });
    expect(
      (await providerErrorOf(provider.ext.llm.generate('openai', ask('Hi', { model: 'gpt-9' })))).data,
    ).toMatchObject({
      kind: 'not_found',
      status: 404,
      vendorCode: 'model_not_found',
    });
  });

  it('a request OpenAI would refuse reaches the vendor as such: a tool message answering no call → invalid_request', async () => {
    const error = await providerErrorOf(
      provider.ext.llm.generate('openai', {
        model: 'gpt-5.4',
        messages: [
          { role: 'user', content: 'Hi' },
          { role: 'tool', toolCallId: 'call_nowhere', name: 'get_weather', content: '{}' },
        ],
      }),
    );
    expect(error.data).toMatchObject({ kind: 'invalid_request', status: 400 });
    expect(error.message).toContain("must be a response to a preceeding message with 'tool_calls'");
  });

  it('a connection dropped mid-stream → connection, promptly, after the deltas already sent', async () => {
    provider.server.reply({ text: ['Once ', 'upon ', 'a ', 'time'], dropAfterEvents: 3 });
    const events: LlmStreamEvent[] = [];
    const failed = providerErrorOf(
      (async () => {
        for await (const event of provider.ext.llm.stream('openai', ask('A story'))) events.push(event);
      })(),
    );
    const error = await failed;
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
    expect((await providerErrorOf(provider.ext.llm.generate('openai', ask('Hi')))).kind).toBe('connection');
    expect((await providerErrorOf(provider.ext.llm.generate('openai', ask('Hi')))).kind).toBe('connection');
  });

  it('an error event inside the stream → server_error', async () => {
    provider.server.reply({
      text: ['Partial ', 'answer'],
      streamError: {
        afterEvents: 2,
        type: 'server_error',
        message: 'The server had an error processing your request.',
      },
    });
    const error = await providerErrorOf(collectStream(provider.ext.llm.stream('openai', ask('Hi'))));
    expect(error.data).toMatchObject({ kind: 'server_error', vendorCode: 'server_error' });
  });

  it('the deadline aborts the vendor call: the caller gets deadline_exceeded, not a provider error', async () => {
    provider.server.reply({ text: 'Too late', delayMs: 5_000 });
    const started = Date.now();
    const error = await provider.ext.llm
      .generate('openai', ask('Hi'), { deadlineMs: 300 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcError);
    expect((error as RpcError).code).toBe('deadline_exceeded');
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('egress to a host that was not granted is refused by the platform → connection', async () => {
    const offline = await provider.start({ permissions: ['secrets.read:openai-api-key'] });
    const before = provider.server.requests.length;
    const error = await providerErrorOf(offline.llm.generate('openai', ask('Hi')));
    expect(error.kind).toBe('connection');
    expect(error.message).toContain('refused by the platform');
    expect(offline.egressDenied).toEqual([
      expect.objectContaining({ host: '127.0.0.1', port: Number(provider.server.host.split(':')[1]) }),
    ]);
    expect(provider.server.requests.length).toBe(before);
  });

  it('a key OpenAI refuses is read again on the next call, so a rotated secret applies at once', async () => {
    const secrets: Record<string, string> = { 'openai-api-key': 'sk-proj-revoked-0000' };
    const rotating = await provider.start({ secrets });
    const refused = await providerErrorOf(rotating.llm.generate('openai', ask('Hi')));
    expect(refused.data).toMatchObject({ kind: 'authentication', status: 401 });
    secrets['openai-api-key'] = API_KEY;
    provider.server.reply({ text: 'Hello again' }, { text: 'And again' });
    expect((await rotating.llm.generate('openai', ask('Hi'))).text).toBe('Hello again');
    expect((await rotating.llm.generate('openai', ask('Hi'))).text).toBe('And again');
    expect(provider.server.requests.slice(-3).map((r) => r.headers.authorization)).toEqual([
      'Bearer sk-proj-revoked-0000',
      `Bearer ${API_KEY}`,
      `Bearer ${API_KEY}`,
    ]);
  });

  it('no API key secret → authentication, naming the secret', async () => {
    const keyless = await provider.start({ secrets: {} });
    const error = await providerErrorOf(keyless.llm.generate('openai', ask('Hi')));
    expect(error.data).toMatchObject({ kind: 'authentication', vendorCode: 'secret_not_found' });
    expect(error.message).toContain('openai-api-key');
  });
});

it('ran inside the sandbox: the bundled vendor SDK touched nothing outside its package', () => {
  for (const extension of provider.started) expect(extension.permissionDenied).toEqual([]);
  expect(provider.ext.egressDenied).toEqual([]);
});
