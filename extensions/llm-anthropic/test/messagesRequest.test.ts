import { describe, expect, it } from 'vitest';
import { toMessageParams } from '../src/messagesRequest.js';

describe('toMessageParams', () => {
  it('puts a turn’s tool results before its text, and drops an empty assistant turn', () => {
    const params = toMessageParams({
      model: 'claude-haiku-4-5',
      messages: [
        { role: 'user', content: 'Book 2A' },
        {
          role: 'assistant',
          content: '',
          toolCalls: [{ id: 'toolu_1', name: 'book', arguments: { seat: '2A' } }],
        },
        { role: 'user', content: 'Hurry please' },
        { role: 'tool', toolCallId: 'toolu_1', name: 'book', content: 'booked' },
        { role: 'assistant', content: '' },
        { role: 'user', content: 'Thanks' },
      ],
      toolChoice: 'none',
    });
    expect(params.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Book 2A' }] },
      {
        role: 'assistant',
        content: [{ type: 'tool_use', id: 'toolu_1', name: 'book', input: { seat: '2A' } }],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_1', content: 'booked' },
          { type: 'text', text: 'Hurry please' },
          { type: 'text', text: 'Thanks' },
        ],
      },
    ]);
    expect(params.tool_choice).toEqual({ type: 'none' });
    expect(params).not.toHaveProperty('system');
  });
});
