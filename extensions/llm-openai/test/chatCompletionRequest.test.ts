import { describe, expect, it } from 'vitest';
import { isStrictSchema, toChatCompletionParams } from '../src/chatCompletionRequest.js';

describe('isStrictSchema', () => {
  const closed = (properties: Record<string, unknown>) => ({
    type: 'object',
    properties,
    required: Object.keys(properties),
    additionalProperties: false,
  });

  it('accepts closed objects with every property required, all the way down', () => {
    expect(
      isStrictSchema(
        closed({ a: { type: 'string' }, b: { type: 'array', items: closed({ c: { type: 'integer' } }) } }),
      ),
    ).toBe(true);
    expect(
      isStrictSchema({
        ...closed({ x: { $ref: '#/$defs/x' } }),
        $defs: { x: closed({ y: { type: 'string' } }) },
      }),
    ).toBe(true);
  });

  it('refuses an optional property or an open object at any depth', () => {
    expect(isStrictSchema({ ...closed({ a: { type: 'string' } }), required: [] })).toBe(false);
    expect(
      isStrictSchema(
        closed({ inner: { type: 'object', properties: { z: { type: 'string' } }, required: ['z'] } }),
      ),
    ).toBe(false);
    expect(
      isStrictSchema(closed({ list: { anyOf: [{ type: 'null' }, { type: 'object', properties: {} }] } })),
    ).toBe(false);
  });

  it('reads a property named like a keyword as a property', () => {
    expect(isStrictSchema(closed({ properties: { type: 'string' }, items: { type: 'string' } }))).toBe(true);
  });
});

describe('toChatCompletionParams', () => {
  it('keeps messages in order, an assistant turn with text and tool calls whole, and a failed tool result as its text', () => {
    const params = toChatCompletionParams({
      model: 'gpt-5.4-mini',
      messages: [
        { role: 'user', content: 'Book it' },
        {
          role: 'assistant',
          content: 'Booking now.',
          toolCalls: [{ id: 'call_1', name: 'book', arguments: { seat: '2A' } }],
        },
        { role: 'tool', toolCallId: 'call_1', name: 'book', content: 'seat taken', isError: true },
        { role: 'system', content: 'Offer another seat.' },
      ],
      toolChoice: 'none',
    });
    expect(params.messages).toEqual([
      { role: 'user', content: 'Book it' },
      {
        role: 'assistant',
        content: 'Booking now.',
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'book', arguments: '{"seat":"2A"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: 'seat taken' },
      { role: 'system', content: 'Offer another seat.' },
    ]);
    expect(params.tool_choice).toBe('none');
    expect(params).not.toHaveProperty('tools');
  });
});
