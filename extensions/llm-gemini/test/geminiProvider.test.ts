import { describe, expect, it } from 'vitest';
import {
  type LlmRequest,
  type LlmStreamEvent,
  RpcError,
  collectStream,
  providerErrorOf,
  startGeminiServer,
} from '@cinatra/sdk/testing';
import { WEATHER_AND_TIME_TOOLS as tools, useProviderHarness } from '../../test-support/providerHarness.js';

/**
 * The `gemini` provider in a real, isolated extension process (the SDK's harness), its bundled
 * Google Gen AI SDK talking to a local server that speaks the Gemini API's `generateContent` wire
 * format. The process can reach that server only: `baseUrl` points at it,
 * `network:${settings.baseUrl}` grants its host:port.
 */

const API_KEY = 'AIzaSyTest-9b3e';
const MODEL = 'gemini-3.8-flash';
const provider = useProviderHarness({
  packageUrl: new URL('..', import.meta.url),
  apiKey: API_KEY,
  secret: 'gemini-api-key',
  startServer: startGeminiServer,
});

const ask = (content: string, extra: Partial<LlmRequest> = {}): LlmRequest => ({
  model: MODEL,
  messages: [{ role: 'user', content }],
  ...extra,
});

describe('generate', () => {
  it('sends systemInstruction and generationConfig, and adds the thoughts tokens to the output', async () => {
    provider.server.reply({
      text: 'Paris.',
      model: 'gemini-3.8-flash-001',
      usage: {
        promptTokenCount: 1500,
        cachedContentTokenCount: 1024,
        candidatesTokenCount: 20,
        thoughtsTokenCount: 180,
      },
    });
    const response = await provider.ext.llm.generate(
      'gemini',
      ask('What is the capital of France?', {
        system: 'Answer in one word.',
        temperature: 0.2,
        maxOutputTokens: 50,
        stop: ['END'],
      }),
    );

    expect(response).toEqual({
      model: 'gemini-3.8-flash-001',
      text: 'Paris.',
      toolCalls: [],
      finishReason: 'stop',
      usage: { inputTokens: 1500, outputTokens: 200, cachedInputTokens: 1024, reasoningTokens: 180 },
      responseId: expect.any(String),
    });
    const request = provider.server.requests.at(-1)!;
    // @google/genai 3.1 calls the Gemini API's v1 (no longer v1beta).
    expect(request.path).toBe(`/v1/models/${MODEL}:generateContent`);
    expect(request.headers['x-goog-api-key']).toBe(API_KEY);
    expect(request.body).toEqual({
      contents: [{ role: 'user', parts: [{ text: 'What is the capital of France?' }] }],
      systemInstruction: { role: 'user', parts: [{ text: 'Answer in one word.' }] },
      generationConfig: { temperature: 0.2, maxOutputTokens: 50, stopSequences: ['END'] },
    });
  });

  it('asks for JSON with responseMimeType and responseJsonSchema', async () => {
    const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };
    provider.server.reply({ text: '{"city":"Paris"}' });
    const response = await provider.ext.llm.generate(
      'gemini',
      ask('Capital of France as JSON', { responseFormat: { type: 'json_schema', name: 'city', schema } }),
    );
    expect(JSON.parse(response.text)).toEqual({ city: 'Paris' });
    expect(provider.lastBody().generationConfig).toEqual({
      responseMimeType: 'application/json',
      responseJsonSchema: schema,
    });
  });

  it('a blocked prompt → content_filter', async () => {
    provider.server.reply({ blockReason: 'PROHIBITED_CONTENT' });
    const error = await providerErrorOf(provider.ext.llm.generate('gemini', ask('Something forbidden')));
    expect(error.data).toEqual({ kind: 'content_filter', vendorCode: 'PROHIBITED_CONTENT' });
  });
});

describe('tool calls', () => {
  it('round trip: functionCall parts (with their thought signatures) back, then functionResponse parts', async () => {
    provider.server.reply(
      {
        toolCalls: [
          { name: 'get_weather', arguments: { city: 'Oslo' }, thoughtSignature: 'CiQBcsjafQ3sig-weather' },
          { name: 'get_time', arguments: { city: 'Oslo' } },
        ],
      },
      { text: 'It is 4 °C and 09:12 in Oslo.' },
    );
    const request = ask('Weather and time in Oslo?', { tools, toolChoice: 'required' });
    const first = await provider.ext.llm.generate('gemini', request);
    expect(first).toMatchObject({
      text: '',
      finishReason: 'tool_calls',
      toolCalls: [
        {
          id: expect.stringMatching(/^call_[0-9a-f]{24}$/),
          name: 'get_weather',
          arguments: { city: 'Oslo' },
        },
        { id: expect.stringMatching(/^call_[0-9a-f]{24}$/), name: 'get_time', arguments: { city: 'Oslo' } },
      ],
    });
    expect(provider.lastBody()).toMatchObject({
      tools: [
        {
          functionDeclarations: [
            {
              name: 'get_weather',
              description: tools[0]!.description,
              parametersJsonSchema: tools[0]!.inputSchema,
            },
            {
              name: 'get_time',
              description: tools[1]!.description,
              parametersJsonSchema: tools[1]!.inputSchema,
            },
          ],
        },
      ],
      toolConfig: { functionCallingConfig: { mode: 'ANY' } },
    });

    const [weather, time] = first.toolCalls;
    const second = await provider.ext.llm.generate('gemini', {
      ...request,
      messages: [
        ...request.messages,
        { role: 'assistant', content: '', toolCalls: first.toolCalls },
        { role: 'tool', toolCallId: weather!.id, name: 'get_weather', content: '{"temperature":4}' },
        { role: 'tool', toolCallId: time!.id, name: 'get_time', content: 'clock unavailable', isError: true },
      ],
    });
    expect(second).toMatchObject({ text: 'It is 4 °C and 09:12 in Oslo.', finishReason: 'stop' });
    expect((provider.lastBody().contents as unknown[]).slice(1)).toEqual([
      {
        role: 'model',
        parts: [
          {
            functionCall: { id: weather!.id, name: 'get_weather', args: { city: 'Oslo' } },
            thoughtSignature: 'CiQBcsjafQ3sig-weather',
          },
          { functionCall: { id: time!.id, name: 'get_time', args: { city: 'Oslo' } } },
        ],
      },
      {
        role: 'user',
        parts: [
          {
            functionResponse: {
              id: weather!.id,
              name: 'get_weather',
              response: { output: '{"temperature":4}' },
            },
          },
          { functionResponse: { id: time!.id, name: 'get_time', response: { error: 'clock unavailable' } } },
        ],
      },
    ]);
  });

  it("keeps Gemini's own call id, and replays a call of unknown signature with the documented placeholder", async () => {
    provider.server.reply(
      { toolCalls: [{ id: 'fc_7', name: 'get_time', arguments: { city: 'Rome' } }] },
      { text: 'Noon.' },
    );
    const first = await provider.ext.llm.generate(
      'gemini',
      ask('Time in Rome?', { tools, toolChoice: { name: 'get_time' } }),
    );
    expect(provider.lastBody().toolConfig).toEqual({
      functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_time'] },
    });
    expect(first.toolCalls).toEqual([{ id: 'fc_7', name: 'get_time', arguments: { city: 'Rome' } }]);

    // A history another provider produced: its calls have no Gemini signature.
    await provider.ext.llm.generate('gemini', {
      model: MODEL,
      tools,
      messages: [
        { role: 'user', content: 'Time in Rome?' },
        {
          role: 'assistant',
          content: '',
          toolCalls: [{ id: 'toolu_01', name: 'get_time', arguments: { city: 'Rome' } }],
        },
        { role: 'tool', toolCallId: 'toolu_01', name: 'get_time', content: '12:00' },
      ],
    });
    expect((provider.lastBody().contents as Array<{ parts: unknown[] }>)[1]!.parts).toEqual([
      {
        functionCall: { id: 'toolu_01', name: 'get_time', args: { city: 'Rome' } },
        thoughtSignature: 'skip_thought_signature_validator',
      },
    ]);
  });
});

describe('stream', () => {
  it('calls streamGenerateContent?alt=sse, yields text deltas, then one finish with the last chunk usage', async () => {
    provider.server.reply({
      text: ['The ', 'answer ', 'is ', '42.'],
      usage: {
        promptTokenCount: 100,
        cachedContentTokenCount: 64,
        candidatesTokenCount: 8,
        thoughtsTokenCount: 4,
      },
    });
    const events = await collectStream(provider.ext.llm.stream('gemini', ask('The answer?')));
    expect(events).toEqual([
      { type: 'text-delta', text: 'The ' },
      { type: 'text-delta', text: 'answer ' },
      { type: 'text-delta', text: 'is ' },
      { type: 'text-delta', text: '42.' },
      {
        type: 'finish',
        response: {
          model: MODEL,
          text: 'The answer is 42.',
          toolCalls: [],
          finishReason: 'stop',
          usage: { inputTokens: 100, outputTokens: 12, cachedInputTokens: 64, reasoningTokens: 4 },
          responseId: expect.any(String),
        },
      },
    ]);
    const request = provider.server.requests.at(-1)!;
    expect(request.path).toBe(`/v1/models/${MODEL}:streamGenerateContent`);
    expect(request.query).toEqual({ alt: 'sse' });
  });

  it('yields each function call as it arrives', async () => {
    provider.server.reply({
      text: 'Checking.',
      toolCalls: [
        { name: 'get_weather', arguments: { city: 'Bergen' } },
        { name: 'get_time', arguments: { city: 'Bergen' } },
      ],
    });
    const events = await collectStream(provider.ext.llm.stream('gemini', ask('Bergen?', { tools })));
    expect(events.map((event) => event.type)).toEqual(['text-delta', 'tool-call', 'tool-call', 'finish']);
    expect(events.at(-1)).toMatchObject({
      response: {
        finishReason: 'tool_calls',
        toolCalls: [{ name: 'get_weather', arguments: { city: 'Bergen' } }, { name: 'get_time' }],
      },
    });
  });
});

describe('failures', () => {
  it('429 RESOURCE_EXHAUSTED → rate_limited with retryAfterMs from RetryInfo, or from retry-after', async () => {
    provider.server.reply(
      { error: { status: 429, retryDelay: '37s', message: 'You exceeded your current quota.' } },
      { error: { status: 429, headers: { 'retry-after': '3' }, retryDelay: '37s' } },
    );
    const fromBody = await providerErrorOf(provider.ext.llm.generate('gemini', ask('Hi')));
    expect(fromBody.data).toEqual({
      kind: 'rate_limited',
      status: 429,
      retryAfterMs: 37_000,
      vendorCode: 'RESOURCE_EXHAUSTED',
    });
    expect(fromBody.message).toContain('exceeded your current quota');
    expect((await providerErrorOf(provider.ext.llm.generate('gemini', ask('Hi')))).data.retryAfterMs).toBe(
      3000,
    );
  });

  it('500 INTERNAL → server_error, 503 UNAVAILABLE → server_error, 504 → timeout', async () => {
    provider.server.reply(
      { error: { status: 500 } },
      { error: { status: 503, message: 'The model is overloaded.' } },
      { error: { status: 504 } },
    );
    expect((await providerErrorOf(provider.ext.llm.generate('gemini', ask('Hi')))).data).toEqual({
      kind: 'server_error',
      status: 500,
      vendorCode: 'INTERNAL',
    });
    expect((await providerErrorOf(provider.ext.llm.generate('gemini', ask('Hi')))).data).toMatchObject({
      kind: 'server_error',
      status: 503,
    });
    expect((await providerErrorOf(provider.ext.llm.generate('gemini', ask('Hi')))).kind).toBe('timeout');
  });

  it('an invalid key (400 API_KEY_INVALID) → authentication; 400 → invalid_request; 404 → not_found', async () => {
    const wrongKey = await provider.start({ secrets: { 'gemini-api-key': 'AIza-wrong' } });
    expect((await providerErrorOf(wrongKey.llm.generate('gemini', ask('Hi')))).data).toEqual({
      kind: 'authentication',
      status: 400,
      vendorCode: 'API_KEY_INVALID',
    });
    provider.server.reply(
      {
        error: {
          status: 400,
          message: 'The input token count exceeds the maximum number of tokens allowed.',
        },
      },
      { error: { status: 404, message: 'models/gemini-9 is not found for API version v1' } },
    );
    expect((await providerErrorOf(provider.ext.llm.generate('gemini', ask('Hi')))).data).toMatchObject({
      kind: 'invalid_request',
      vendorCode: 'INVALID_ARGUMENT',
    });
    expect(
      (await providerErrorOf(provider.ext.llm.generate('gemini', ask('Hi', { model: 'gemini-9' })))).kind,
    ).toBe('not_found');
  });

  it('a connection dropped mid-stream → connection, promptly, after the deltas already sent', async () => {
    provider.server.reply({ text: ['Once ', 'upon ', 'a ', 'time'], dropAfterEvents: 2 });
    const events: LlmStreamEvent[] = [];
    const error = await providerErrorOf(
      (async () => {
        for await (const event of provider.ext.llm.stream('gemini', ask('A story'))) events.push(event);
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
    expect((await providerErrorOf(provider.ext.llm.generate('gemini', ask('Hi')))).kind).toBe('connection');
    expect((await providerErrorOf(provider.ext.llm.generate('gemini', ask('Hi')))).kind).toBe('connection');
  });

  it('an error inside the stream → server_error', async () => {
    provider.server.reply({
      text: ['Partial ', 'answer'],
      streamError: { afterEvents: 1, type: 'INTERNAL', message: 'An internal error has occurred.' },
    });
    const error = await providerErrorOf(collectStream(provider.ext.llm.stream('gemini', ask('Hi'))));
    expect(error.data).toMatchObject({ kind: 'server_error', vendorCode: 'INTERNAL' });
  });

  it('the deadline aborts the vendor call: the caller gets deadline_exceeded, not a provider error', async () => {
    provider.server.reply({ text: 'Too late', delayMs: 5_000 });
    const error = await provider.ext.llm
      .generate('gemini', ask('Hi'), { deadlineMs: 300 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcError);
    expect((error as RpcError).code).toBe('deadline_exceeded');
  });

  it('egress to a host that was not granted is refused by the platform → connection', async () => {
    const offline = await provider.start({ permissions: ['secrets.read:gemini-api-key'] });
    const before = provider.server.requests.length;
    const error = await providerErrorOf(offline.llm.generate('gemini', ask('Hi')));
    expect(error.kind).toBe('connection');
    expect(error.message).toContain('refused by the platform');
    expect(offline.egressDenied).toHaveLength(1);
    expect(provider.server.requests.length).toBe(before);
  });

  it('no API key secret → authentication, naming the secret', async () => {
    const keyless = await provider.start({ secrets: {} });
    const error = await providerErrorOf(keyless.llm.generate('gemini', ask('Hi')));
    expect(error.data).toMatchObject({ kind: 'authentication', vendorCode: 'secret_not_found' });
    expect(error.message).toContain('gemini-api-key');
  });
});

it('ran inside the sandbox: the bundled vendor SDK touched nothing outside its package', () => {
  for (const extension of provider.started) expect(extension.permissionDenied).toEqual([]);
  expect(provider.ext.egressDenied).toEqual([]);
});
