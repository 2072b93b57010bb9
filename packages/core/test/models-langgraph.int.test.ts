/**
 * The record and replay models inside a real LangGraph graph (model node → tool node →
 * model node), streamed with `streamMode: 'messages'`: the agent sees the same tokens once,
 * whether the model is the provider, the recording wrapper or the replay.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { AIMessageChunk, HumanMessage, isAIMessage, type BaseMessage } from '@langchain/core/messages';
import { tool } from '@langchain/core/tools';
import { END, MessagesAnnotation, START, StateGraph } from '@langchain/langgraph';
import { ToolNode } from '@langchain/langgraph/prebuilt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createChatModel } from '../src/agent/models/create-chat-model.js';
import { createRecordingModel } from '../src/agent/models/recording-model.js';
import { createReplayModel } from '../src/agent/models/replay-model.js';
import { startFakeOpenAi, type FakeOpenAi } from './support/fake-openai-server.js';

const diskUsage = tool(({ node }) => `${node}: / is 100% full`, {
  name: 'disk_usage',
  description: 'Disk usage of a node.',
  schema: z.object({ node: z.string() }),
});

function graphFor(model: BaseChatModel) {
  const bound = model.bindTools!([diskUsage]);
  return new StateGraph(MessagesAnnotation)
    .addNode('model', async (state) => ({ messages: [await bound.invoke(state.messages)] }))
    .addNode('tools', new ToolNode([diskUsage]))
    .addEdge(START, 'model')
    .addConditionalEdges('model', (state) => {
      const last = state.messages.at(-1);
      return last !== undefined && isAIMessage(last) && (last.tool_calls?.length ?? 0) > 0 ? 'tools' : END;
    })
    .addEdge('tools', 'model')
    .compile();
}

interface Outcome {
  readonly tokens: string[];
  readonly messages: BaseMessage[];
}

async function runGraph(model: BaseChatModel): Promise<Outcome> {
  const tokens: string[] = [];
  const messages: BaseMessage[] = [];
  const stream = await graphFor(model).stream(
    { messages: [new HumanMessage('Why is node-3 failing?')] },
    { streamMode: ['messages', 'values'] },
  );
  for await (const [mode, payload] of stream as AsyncIterable<[string, unknown]>) {
    if (mode === 'messages') {
      const [chunk] = payload as [BaseMessage];
      if (chunk instanceof AIMessageChunk && chunk.text !== '') tokens.push(chunk.text);
    } else {
      messages.splice(0, messages.length, ...(payload as { messages: BaseMessage[] }).messages);
    }
  }
  return { tokens, messages };
}

const shape = (messages: BaseMessage[]): unknown[] =>
  messages.map((message) => ({
    type: message.type,
    text: message.text,
    toolCalls: isAIMessage(message) ? (message.tool_calls ?? []).map(({ id, name, args }) => ({ id, name, args })) : [],
  }));

describe('record and replay inside a LangGraph graph', () => {
  let fake: FakeOpenAi;
  let directory: string;

  beforeAll(async () => {
    fake = await startFakeOpenAi();
    directory = await mkdtemp(join(tmpdir(), 'aurora-graph-'));
  });
  afterAll(async () => {
    await fake.stop();
    await rm(directory, { recursive: true, force: true });
  });

  it('streams each token once and replays the same conversation offline', async () => {
    const script = [
      { text: 'Checking disk.', toolCalls: [{ id: 'call_d', name: 'disk_usage', arguments: { node: 'node-3' } }] },
      { text: 'The root disk of node-3 is full.' },
    ];
    const model = (): Promise<BaseChatModel> =>
      createChatModel('ollama:llama3.1', { baseUrl: fake.url, maxRetries: 0 });

    fake.enqueue(...script);
    const direct = await runGraph(await model());

    fake.enqueue(...script);
    const file = join(directory, 'graph.jsonl');
    const recording = createRecordingModel(await model(), { file });
    const recorded = await runGraph(recording);
    await recording.flush();

    const replayed = await runGraph(createReplayModel({ file }));

    expect(shape(direct.messages).map((message) => (message as { type: string }).type)).toEqual([
      'human',
      'ai',
      'tool',
      'ai',
    ]);
    expect(shape(recorded.messages)).toEqual(shape(direct.messages));
    expect(shape(replayed.messages)).toEqual(shape(direct.messages));
    // The recording wrapper reports tokens once (not once for itself and once for the provider).
    expect(recorded.tokens).toEqual(direct.tokens);
    expect(direct.tokens.join('')).toBe('Checking disk.The root disk of node-3 is full.');
    expect(replayed.tokens.join('')).toBe(direct.tokens.join(''));
    expect(replayed.tokens.length).toBeGreaterThan(4);
  });
});
