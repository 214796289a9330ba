import { describe, expect, it } from 'vitest';
import { toGenerateContent } from '../src/generateContentRequest.js';
import { ThoughtSignatures, UNKNOWN_THOUGHT_SIGNATURE } from '../src/thoughtSignatures.js';

describe('toGenerateContent', () => {
  it('replays known signatures, and the placeholder only on a step’s first call', () => {
    const signatures = new ThoughtSignatures();
    signatures.remember('call_b', 'sig-b');
    const { contents } = toGenerateContent(
      {
        model: 'gemini-3.5-flash',
        messages: [
          { role: 'user', content: 'Two things' },
          {
            role: 'assistant',
            content: 'On it.',
            toolCalls: [
              { id: 'call_a', name: 'one', arguments: {} },
              { id: 'call_b', name: 'two', arguments: { n: 2 } },
              { id: 'call_c', name: 'three', arguments: {} },
            ],
          },
        ],
      },
      signatures,
    );
    expect(contents[1]).toEqual({
      role: 'model',
      parts: [
        { text: 'On it.' },
        {
          functionCall: { id: 'call_a', name: 'one', args: {} },
          thoughtSignature: UNKNOWN_THOUGHT_SIGNATURE,
        },
        { functionCall: { id: 'call_b', name: 'two', args: { n: 2 } }, thoughtSignature: 'sig-b' },
        { functionCall: { id: 'call_c', name: 'three', args: {} } },
      ],
    });
  });

  it('merges consecutive user turns and joins system messages into systemInstruction', () => {
    const { contents, config } = toGenerateContent(
      {
        model: 'gemini-3.5-flash',
        system: 'Be brief.',
        messages: [
          { role: 'user', content: 'A' },
          { role: 'system', content: 'Use French.' },
          { role: 'user', content: 'B' },
        ],
        toolChoice: 'none',
      },
      new ThoughtSignatures(),
    );
    expect(contents).toEqual([{ role: 'user', parts: [{ text: 'A' }, { text: 'B' }] }]);
    expect(config).toEqual({
      systemInstruction: 'Be brief.\n\nUse French.',
      toolConfig: { functionCallingConfig: { mode: 'NONE' } },
    });
  });
});

describe('ThoughtSignatures', () => {
  it('forgets the oldest signature past its capacity', () => {
    const signatures = new ThoughtSignatures(2);
    signatures.remember('a', '1');
    signatures.remember('b', '2');
    signatures.remember('a', '1'); // used again: now the newest
    signatures.remember('c', '3');
    expect([signatures.recall('a'), signatures.recall('b'), signatures.recall('c')]).toEqual([
      '1',
      undefined,
      '3',
    ]);
  });
});
