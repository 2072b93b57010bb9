import { AIMessage, HumanMessage, ToolMessage } from '@langchain/core/messages';
import { JsonPlusSerializer, emptyCheckpoint, type Checkpoint } from '@langchain/langgraph-checkpoint';
import { describe, expect, it } from 'vitest';
import { MessageJsonCache } from './message-json-cache.js';

const text = (bytes: Uint8Array | string): string =>
  typeof bytes === 'string' ? bytes : new TextDecoder().decode(bytes);

function conversation() {
  return [
    new HumanMessage({ content: 'payments?', id: 'h1' }),
    new AIMessage({
      content: 'checking',
      id: 'a1',
      tool_calls: [{ id: 'c1', name: 'ops__get_status', args: { service: 'payments' }, type: 'tool_call' }],
    }),
    new ToolMessage({ content: 'degraded', tool_call_id: 'c1', name: 'ops__get_status' }),
  ];
}

describe('message JSON cache', () => {
  const serde = new JsonPlusSerializer();

  it('serialises a checkpoint to the same bytes as the messages themselves, and loads back', async () => {
    const messages = conversation();
    const checkpoint: Checkpoint = {
      ...emptyCheckpoint(),
      channel_values: { messages, run: { steps: 1, note: undefined }, 'branch:to:model': null },
    };
    const cache = new MessageJsonCache();
    const [, plain] = await serde.dumpsTyped(checkpoint);
    const [, cachedFirst] = await serde.dumpsTyped(cache.checkpoint(checkpoint));
    const [, cachedAgain] = await serde.dumpsTyped(cache.checkpoint(checkpoint));
    expect(text(cachedFirst)).toBe(text(plain));
    expect(text(cachedAgain)).toBe(text(plain));
    const loaded = (await serde.loadsTyped('json', cachedAgain)) as Checkpoint;
    const back = loaded.channel_values.messages as typeof messages;
    expect(AIMessage.isInstance(back[1])).toBe(true);
    expect(back.map((message) => message.content)).toEqual(['payments?', 'checking', 'degraded']);
  });

  it('drops an entry when the message gets an id or new content after it was cached', async () => {
    const cache = new MessageJsonCache();
    const [, , tool] = conversation();
    const before = cache.swap([tool]);
    // As LangGraph's messagesStateReducer does for a message written without an id.
    tool!.id = 'assigned-id';
    tool!.lc_kwargs.id = 'assigned-id';
    const after = cache.swap([tool]);
    expect(after).not.toEqual(before);
    const [, fresh] = await serde.dumpsTyped([tool]);
    const [, swapped] = await serde.dumpsTyped(after);
    expect(text(swapped)).toBe(text(fresh));
    expect(text(swapped)).toContain('assigned-id');
  });

  it('leaves values without messages untouched', () => {
    const cache = new MessageJsonCache();
    const value = { steps: 2 };
    const list = [1, 'a'];
    expect(cache.swap(value)).toBe(value);
    expect(cache.swap(list)).toBe(list);
  });
});
