import { AIMessage, HumanMessage, ToolMessage } from '@langchain/core/messages';
import { describe, expect, it } from 'vitest';
import { createSecretRedactor } from '../secrets/redactor.js';
import { prepareForModel, textOf } from './agent-messages.js';

const history = () => [
  new HumanMessage({ content: 'is payments ok? token late-secret-123', id: 'h1' }),
  new AIMessage({
    content: 'checking',
    id: 'a1',
    tool_calls: [
      { id: 'c1', name: 'ops__get_status', args: { service: 'payments' }, type: 'tool_call' },
      { id: 'c2', name: 'ops__get_status', args: { service: 'late-secret-123' }, type: 'tool_call' },
    ],
  }),
  new ToolMessage({ content: 'degraded', tool_call_id: 'c1', id: 't1' }),
];

describe('prepareForModel', () => {
  it('reuses copies while the redactor learns nothing, and redacts again once it does', () => {
    const redactor = createSecretRedactor();
    const messages = history();
    const first = prepareForModel(messages, redactor);
    const second = prepareForModel(messages, redactor);
    expect(second[0]).toBe(first[0]);
    expect(second[1]).toBe(first[1]);
    // The call without a result is answered, every time.
    expect(first.map((message) => message.getType())).toEqual(['human', 'ai', 'tool', 'tool']);
    expect((first[2] as ToolMessage).tool_call_id).toBe('c2');
    expect(textOf(first[2]!)).toContain('did not run');

    redactor.learn('late-secret-123');
    const third = prepareForModel(messages, redactor);
    expect(third[0]).not.toBe(first[0]);
    expect(textOf(third[0]!)).toBe('is payments ok? token [REDACTED]');
    expect((third[1] as AIMessage).tool_calls?.[1]?.args).toEqual({ service: '[REDACTED]' });
    expect(JSON.stringify(third.map((message) => message.toJSON()))).not.toContain('late-secret-123');
  });

  it('makes a new copy when a message changes content', () => {
    const redactor = createSecretRedactor();
    const messages = history();
    const first = prepareForModel(messages, redactor);
    messages[0]!.content = 'changed';
    const second = prepareForModel(messages, redactor);
    expect(second[0]).not.toBe(first[0]);
    expect(textOf(second[0]!)).toBe('changed');
  });
});
