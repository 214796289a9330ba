import { describe, expect, it } from 'vitest';
import { LlmProviderError, type LlmRequest } from '@cinatra/sdk';
import { exampleOfSchema } from '../src/exampleOfSchema.js';
import { parseScript, ScriptError } from '../src/script.js';
import { ScriptReplayer, streamOf, textDeltas } from '../src/scriptReplayer.js';

/** The replay rules as plain functions: matching, placeholders, failures, determinism. */

const script = parseScript(
  {
    rules: [
      {
        name: 'order-status',
        when: { lastUserMessage: 'where is order (\\d+)', tool: 'lookup_order' },
        respond: {
          text: 'Looking up order {{1}}.',
          toolCalls: [{ name: '{{tool}}', arguments: { id: '{{1}}', verbose: true } }],
        },
      },
      {
        name: 'order-answer',
        when: { afterToolResult: true, toolResult: 'shipped' },
        respond: {
          text: 'Your order has shipped ({{toolName}}: {{toolResult}}).',
          usage: { cachedInputTokens: 3 },
        },
      },
      {
        name: 'invoice',
        when: { responseFormat: true, lastUserMessage: 'invoice' },
        respond: { json: { total: 42, note: '{{model}}' } },
      },
      {
        name: 'busy',
        when: { lastUserMessage: 'busy' },
        fail: { kind: 'rate_limited', retryAfterMs: 1500, times: 2 },
      },
      { name: 'busy-answer', when: { lastUserMessage: 'busy' }, respond: { text: 'Now I can.' } },
    ],
  },
  'test script',
);

const ask = (content: string, extra: Partial<LlmRequest> = {}): LlmRequest => ({
  model: 'scripted-1',
  messages: [{ role: 'user', content }],
  ...extra,
});
const answer = (request: LlmRequest, replayer = new ScriptReplayer()) => {
  const outcome = replayer.answer(request, [script]);
  if ('failure' in outcome) throw outcome.failure;
  return outcome.response;
};
const lookupOrder = { name: 'lookup_order', description: 'Find an order', inputSchema: { type: 'object' } };

describe('ScriptReplayer', () => {
  it('answers with the first matching rule, filling in regex groups and the offered tool name', () => {
    const response = answer(ask('Where is order 1042?', { tools: [lookupOrder] }));
    expect(response).toMatchObject({
      text: 'Looking up order 1042.',
      finishReason: 'tool_calls',
      toolCalls: [
        {
          id: expect.stringMatching(/^call_[0-9a-f]{24}$/),
          name: 'lookup_order',
          arguments: { id: '1042', verbose: true },
        },
      ],
    });
    // Without the tool on offer, the rule does not apply: the echo answers.
    expect(answer(ask('Where is order 1042?')).text).toBe('You said: Where is order 1042?');
  });

  it('is deterministic: the same request gives the same response, byte for byte, in any replayer', () => {
    const request = ask('Where is order 7?', { tools: [lookupOrder] });
    expect(JSON.stringify(answer(request))).toBe(JSON.stringify(answer(request)));
    expect(answer(request).toolCalls[0]!.id).not.toBe(
      answer(ask('Where is order 8?', { tools: [lookupOrder] })).toolCalls[0]!.id,
    );
  });

  it('answers after a tool result, with its content and name', () => {
    const response = answer({
      model: 'scripted-1',
      messages: [
        { role: 'user', content: 'Where is order 7?' },
        {
          role: 'assistant',
          content: '',
          toolCalls: [{ id: 'call_1', name: 'lookup_order', arguments: { id: '7' } }],
        },
        { role: 'tool', toolCallId: 'call_1', name: 'lookup_order', content: 'shipped on Monday' },
      ],
    });
    expect(response.text).toBe('Your order has shipped (lookup_order: shipped on Monday).');
    expect(response.usage.cachedInputTokens).toBe(3);
  });

  it('computes usage from lengths (four characters a token) unless the rule sets it', () => {
    const response = answer(ask('Hi there'));
    expect(response.usage).toEqual({
      inputTokens: Math.ceil(JSON.stringify(['', [{ role: 'user', content: 'Hi there' }], []]).length / 4),
      outputTokens: Math.ceil('You said: Hi there'.length / 4),
      cachedInputTokens: 0,
      reasoningTokens: 0,
    });
  });

  it('structured output: the rule’s json, or else a value of the requested schema', () => {
    const schema = {
      type: 'object',
      properties: {
        title: { type: 'string' },
        priority: { enum: ['high', 'low'] },
        tags: { type: 'array', items: { type: 'string' } },
      },
      required: ['title', 'priority', 'tags'],
    };
    const responseFormat = { type: 'json_schema' as const, name: 'x', schema };
    expect(JSON.parse(answer(ask('Make an invoice', { responseFormat })).text)).toEqual({
      total: 42,
      note: 'scripted-1',
    });
    expect(JSON.parse(answer(ask('File a ticket', { responseFormat })).text)).toEqual({
      title: 'File a ticket',
      priority: 'high',
      tags: [],
    });
  });

  it('a failure with times fails that many identical requests, then the next rules answer', () => {
    const replayer = new ScriptReplayer();
    const busy = ask('Are you busy?');
    for (let attempt = 0; attempt < 2; attempt++) {
      const outcome = replayer.answer(busy, [script]);
      expect('failure' in outcome && outcome.failure).toBeInstanceOf(LlmProviderError);
      expect('failure' in outcome && outcome.failure.data).toEqual({
        kind: 'rate_limited',
        retryAfterMs: 1500,
        vendorCode: 'scripted',
      });
    }
    expect(answer(busy, replayer).text).toBe('Now I can.');
    // Another request is counted on its own.
    expect('failure' in replayer.answer(ask('Busy now?'), [script])).toBe(true);
  });

  it('streams a word per delta (long words in pieces), each tool call, then the finish', () => {
    expect(textDeltas('Hello  big world')).toEqual(['Hello  ', 'big ', 'world']);
    expect(textDeltas('x'.repeat(30))).toEqual(['x'.repeat(24), 'x'.repeat(6)]);
    const response = answer(ask('Where is order 9?', { tools: [lookupOrder] }));
    expect(streamOf(response).map((event) => event.type)).toEqual([
      'text-delta',
      'text-delta',
      'text-delta',
      'text-delta',
      'tool-call',
      'finish',
    ]);
  });
});

describe('parseScript', () => {
  it('names the file, the rule and the problem', () => {
    const refused = (value: unknown) => {
      try {
        parseScript(value, 'script.json');
      } catch (error) {
        expect(error).toBeInstanceOf(ScriptError);
        return (error as Error).message;
      }
      throw new Error('accepted');
    };
    expect(refused({})).toBe('script.json: the script: must be an object with a "rules" array');
    expect(refused({ rules: [{ when: { lastUserMessage: '(' }, respond: {} }] })).toMatch(
      /^script\.json: rules\[0\]\.when\.lastUserMessage: Invalid regular expression/,
    );
    expect(refused({ rules: [{ when: { colour: 'red' }, respond: {} }] })).toContain(
      'unknown condition "colour"',
    );
    expect(refused({ rules: [{ respond: {}, fail: { kind: 'rate_limited' } }] })).toContain(
      'exactly one of "respond" and "fail"',
    );
    expect(refused({ rules: [{ fail: { kind: 'teapot' } }] })).toContain(
      'rules[0].fail.kind: must be one of rate_limited',
    );
  });
});

describe('exampleOfSchema', () => {
  it('follows $ref, anyOf, minItems, minimum and minLength', () => {
    expect(
      exampleOfSchema(
        {
          type: 'object',
          properties: {
            item: { $ref: '#/$defs/item' },
            count: { type: 'integer', minimum: 2.5 },
            code: { anyOf: [{ type: 'string', minLength: 3 }, { type: 'null' }] },
          },
          $defs: { item: { type: 'array', minItems: 2, items: { type: 'boolean' } } },
        },
        'ab',
      ),
    ).toEqual({ item: [false, false], count: 3, code: 'ab.' });
  });
});
