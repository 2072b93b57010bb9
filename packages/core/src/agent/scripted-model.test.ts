import { HumanMessage, type AIMessageChunk } from '@langchain/core/messages';
import { describe, expect, it } from 'vitest';
import { createScriptedChatModel } from './scripted-model.js';

describe('ScriptedChatModel', () => {
  it('follows the script: text streamed token by token, then tool calls assembled from chunks, with usage', async () => {
    const model = createScriptedChatModel({
      turns: [
        { text: 'Hello there world', usage: { inputTokens: 7, outputTokens: 3 } },
        { toolCalls: [{ name: 'aws__list', args: { region: 'eu-west-1', n: 2 } }] },
        (messages, info) => ({ text: `seen ${messages.length} with ${info.tools.join(',')}` }),
      ],
    });
    const tokens: string[] = [];
    let merged: AIMessageChunk | undefined;
    for await (const chunk of await model.stream([new HumanMessage('hi')])) {
      if (typeof chunk.content === 'string' && chunk.content) tokens.push(chunk.content);
      merged = merged ? merged.concat(chunk) : chunk;
    }
    expect(tokens).toEqual(['Hello ', 'there ', 'world']);
    expect(merged?.usage_metadata).toMatchObject({ input_tokens: 7, output_tokens: 3 });

    const bound = model.bindTools([{ type: 'function', function: { name: 'aws__list', parameters: {} } }]);
    const second = await bound.invoke([new HumanMessage('list')]);
    expect(second.tool_calls).toEqual([
      { type: 'tool_call', id: 'call_2_1', name: 'aws__list', args: { region: 'eu-west-1', n: 2 } },
    ]);
    const third = await bound.invoke([new HumanMessage('a'), new HumanMessage('b')]);
    expect(third.content).toBe('seen 2 with aws__list');
    expect(model.calls.map((call) => call.tools)).toEqual([[], ['aws__list'], ['aws__list']]);
    expect(model.calls[0]?.messages[0]?.content).toBe('hi');
    await expect(model.invoke([new HumanMessage('more')])).rejects.toThrow(/no turn 4/);
  });

  it('repeats the last turn when asked', async () => {
    const model = createScriptedChatModel({ turns: [{ text: 'again' }], repeatLast: true });
    await model.invoke([new HumanMessage('1')]);
    expect((await model.invoke([new HumanMessage('2')])).content).toBe('again');
  });
});
