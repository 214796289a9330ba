import { afterEach, describe, expect, it } from 'vitest';
import { startAnthropicServer } from './anthropicServer.js';
import { startGeminiServer } from './geminiServer.js';
import { startOpenAiServer } from './openAiServer.js';

/**
 * The vendor servers over plain HTTP: what they record, their stream framing and their answers
 * when the script runs out. The provider extensions' tests exercise them through the vendors'
 * SDKs.
 */

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

/** The `data:` payloads (and `event:` names) of a server-sent event stream. */
async function events(response: Response): Promise<Array<{ event?: string; data: string }>> {
  const text = await response.text();
  return text
    .split(/\r?\n\r?\n/)
    .filter((block) => block.trim() !== '')
    .map((block) => {
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)![1]!;
      return event ? { event, data } : { data };
    });
}

describe('startOpenAiServer', () => {
  it('records the request and streams chunks, the usage chunk, then [DONE]', async () => {
    const server = await startOpenAiServer({
      replies: [{ text: 'Hi there', usage: { prompt_tokens: 3, completion_tokens: 2 } }],
    });
    closers.push(() => server.close());
    const body = {
      model: 'gpt-5.4',
      messages: [{ role: 'user', content: 'Hi' }],
      stream: true,
      stream_options: { include_usage: true },
    };
    const frames = await events(
      await post(`${server.baseUrl}/chat/completions`, body, { authorization: 'Bearer k' }),
    );
    expect(
      frames.map((frame) =>
        frame.data === '[DONE]' ? '[DONE]' : (JSON.parse(frame.data).choices[0]?.delta ?? 'usage'),
      ),
    ).toEqual([
      { role: 'assistant', content: '', refusal: null },
      { content: 'Hi ' },
      { content: 'there' },
      {},
      'usage',
      '[DONE]',
    ]);
    expect(JSON.parse(frames.at(-2)!.data).usage).toMatchObject({
      prompt_tokens: 3,
      completion_tokens: 2,
      total_tokens: 5,
    });
    expect(server.requests).toEqual([
      {
        method: 'POST',
        path: '/v1/chat/completions',
        query: {},
        headers: expect.objectContaining({ authorization: 'Bearer k' }),
        body,
      },
    ]);
  });

  it('answers 500 in the vendor format once the script has no reply left', async () => {
    const server = await startOpenAiServer();
    closers.push(() => server.close());
    const response = await post(`${server.baseUrl}/chat/completions`, {
      model: 'm',
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({
      error: {
        message: 'The vendor test server has no scripted reply left.',
        type: 'server_error',
        param: null,
        code: null,
      },
    });
  });
});

describe('startAnthropicServer', () => {
  it('streams the named events of a text block and a tool_use block', async () => {
    const server = await startAnthropicServer({
      replies: [{ text: 'On it', toolCalls: [{ id: 'toolu_1', name: 'find', arguments: { q: 'x' } }] }],
    });
    closers.push(() => server.close());
    const body = {
      model: 'claude-haiku-4-5',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'Hi' }],
      stream: true,
    };
    const frames = await events(
      await post(`${server.baseUrl}/v1/messages`, body, { 'anthropic-version': '2023-06-01' }),
    );
    expect(frames.map((frame) => frame.event)).toEqual([
      'message_start',
      'content_block_start',
      'ping',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    const json = frames
      .filter(
        (frame) =>
          frame.event === 'content_block_delta' && JSON.parse(frame.data).delta.type === 'input_json_delta',
      )
      .map((frame) => JSON.parse(frame.data).delta.partial_json as string)
      .join('');
    expect(JSON.parse(json)).toEqual({ q: 'x' });
    expect(JSON.parse(frames.at(-2)!.data).delta).toEqual({ stop_reason: 'tool_use', stop_sequence: null });
  });

  it('refuses, as Anthropic does, a tool_result without its tool_use', async () => {
    const server = await startAnthropicServer({ replies: [{ text: 'unused' }] });
    closers.push(() => server.close());
    const response = await post(
      `${server.baseUrl}/v1/messages`,
      {
        model: 'claude-haiku-4-5',
        max_tokens: 10,
        messages: [
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_x', content: 'r' }] },
        ],
      },
      { 'anthropic-version': '2023-06-01' },
    );
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    expect(server.pending).toBe(1);
  });
});

describe('startGeminiServer', () => {
  it('serves v1 and v1beta, streams with \\r\\n\\r\\n framing, and puts the RetryInfo delay in a 429', async () => {
    const server = await startGeminiServer({
      replies: [{ text: ['a ', 'b'] }, { error: { status: 429, retryDelay: '2s' } }],
    });
    closers.push(() => server.close());
    const body = { contents: [{ role: 'user', parts: [{ text: 'Hi' }] }] };
    const streamed = await post(
      `${server.baseUrl}/v1/models/gemini-3.8-flash:streamGenerateContent?alt=sse`,
      body,
    );
    expect((await streamed.clone().text()).split('\r\n\r\n').filter(Boolean)).toHaveLength(2);
    const chunks = (await events(streamed)).map((frame) => JSON.parse(frame.data));
    expect(chunks.map((chunk) => chunk.candidates[0].content.parts)).toEqual([
      [{ text: 'a ' }],
      [{ text: 'b' }],
    ]);
    expect(chunks[1].candidates[0].finishReason).toBe('STOP');

    const limited = await post(`${server.baseUrl}/v1beta/models/gemini-3.8-flash:generateContent`, body);
    expect(limited.status).toBe(429);
    expect(await limited.json()).toEqual({
      error: {
        code: 429,
        message: 'Scripted error 429',
        status: 'RESOURCE_EXHAUSTED',
        details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '2s' }],
      },
    });
    expect(server.requests.map((request) => request.path)).toEqual([
      '/v1/models/gemini-3.8-flash:streamGenerateContent',
      '/v1beta/models/gemini-3.8-flash:generateContent',
    ]);
  });
});
