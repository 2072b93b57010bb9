/**
 * `modelChunks` with no callback handler skips `BaseChatModel._streamIterator`'s aggregation of
 * every chunk for the end callback. This checks that what it yields is, chunk by chunk, what
 * `_streamIterator` yields, on real provider clients (`@langchain/openai`, `@langchain/anthropic`
 * against local servers speaking their streaming APIs, tools bound as the agent binds them) and
 * on the scripted model; that it aggregates nothing; and that a configured handler still gets
 * LangChain's own path, with its start and end callbacks and the aggregated message.
 */
import { randomBytes } from 'node:crypto';
import { BaseCallbackHandler } from '@langchain/core/callbacks/base';
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { AIMessageChunk, HumanMessage, SystemMessage, type BaseMessage } from '@langchain/core/messages';
import { ChatGenerationChunk, type LLMResult } from '@langchain/core/outputs';
import { ensureConfig } from '@langchain/core/runnables';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { modelChunks, type StreamingModel } from '../src/agent/model-stream.js';
import { createChatModel } from '../src/agent/models/create-chat-model.js';
import { createScriptedChatModel } from '../src/agent/scripted-model.js';
import { createEnvSecretStore } from '../src/secrets/env-secret-store.js';
import { createSecretResolver } from '../src/secrets/resolver.js';
import { createPgliteDatabase } from '../src/storage/pglite/index.js';
import { createHarness, finish, ofType } from './support/agent-harness.js';
import { startFakeAnthropic, type FakeAnthropic } from './support/fake-anthropic-server.js';
import { startFakeOpenAi, type FakeOpenAi } from './support/fake-openai-server.js';

const key = `sk-test-${randomBytes(8).toString('hex')}`;
const secrets = createSecretResolver({
  stores: { env: createEnvSecretStore({ env: { OPENAI_API_KEY: key, ANTHROPIC_API_KEY: key } }) },
});

const tools = [
  {
    type: 'function' as const,
    function: {
      name: 'ops__get_status',
      description: 'Status of a service.',
      parameters: { type: 'object', properties: { service: { type: 'string' } }, required: ['service'] },
    },
  },
];
const input = (): BaseMessage[] => [new SystemMessage('You are on call.'), new HumanMessage('why is checkout slow?')];
const reply = {
  text: 'Checking the api and the database services now.',
  toolCalls: [
    { id: 'call_api', name: 'ops__get_status', arguments: { service: 'api-gateway-eu-west-1' } },
    { id: 'call_db', name: 'ops__get_status', arguments: { service: 'orders-database-primary' } },
  ],
  usage: { input: 80, output: 20 },
};

/** A chunk as data; each message id replaced by its order of appearance in the stream. */
function normalized(chunks: readonly AIMessageChunk[]): unknown[] {
  const ids = new Map<string, string>();
  const idOf = (id: string) => ids.get(id) ?? (ids.set(id, `id${ids.size}`), `id${ids.size - 1}`);
  return chunks.map((chunk) => {
    expect(chunk).toBeInstanceOf(AIMessageChunk);
    return JSON.parse(
      JSON.stringify({
        id: chunk.id === undefined ? undefined : idOf(chunk.id),
        content: chunk.content,
        additional_kwargs: chunk.additional_kwargs,
        response_metadata: chunk.response_metadata,
        tool_call_chunks: chunk.tool_call_chunks,
        tool_calls: chunk.tool_calls,
        invalid_tool_calls: chunk.invalid_tool_calls,
        usage_metadata: chunk.usage_metadata,
        name: chunk.name,
      }),
      // `created` is the provider's clock; the local servers number their replies (`msg_fake2`).
      (name, value: unknown) =>
        name === 'created' ? 'created' : typeof value === 'string' ? value.replace(/fake\d+/, 'fake') : value,
    ) as unknown;
  });
}

/** Counts `ChatGenerationChunk.concat` calls: the aggregation `_streamIterator` does. */
function countConcats() {
  return vi.spyOn(ChatGenerationChunk.prototype, 'concat');
}

async function viaModelChunks(model: StreamingModel<AIMessageChunk>): Promise<AIMessageChunk[]> {
  const out: AIMessageChunk[] = [];
  for await (const chunk of modelChunks(model, input(), new AbortController().signal)) out.push(chunk);
  return out;
}

async function viaLangChain(model: StreamingModel<AIMessageChunk>): Promise<AIMessageChunk[]> {
  const out: AIMessageChunk[] = [];
  for await (const chunk of model._streamIterator!(input(), ensureConfig({ signal: new AbortController().signal })))
    out.push(chunk);
  return out;
}

/** A handler that records what LangChain reports to it. */
class Recorder extends BaseCallbackHandler {
  name = 'recorder';
  starts = 0;
  ends: LLMResult[] = [];
  override handleChatModelStart(): void {
    this.starts++;
  }
  override handleLLMEnd(output: LLMResult): void {
    this.ends.push(output);
  }
}

describe('modelChunks with no callback handler', () => {
  let openai: FakeOpenAi;
  let anthropic: FakeAnthropic;
  beforeAll(async () => {
    [openai, anthropic] = await Promise.all([startFakeOpenAi(), startFakeAnthropic()]);
  });
  afterAll(async () => {
    await Promise.all([openai.stop(), anthropic.stop()]);
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  let scripted: ReturnType<typeof createScriptedChatModel> | undefined;
  const providers = [
    {
      name: 'OpenAI',
      model: () =>
        createChatModel('openai:gpt-4.1-mini', {
          apiKey: 'env:OPENAI_API_KEY',
          secrets,
          baseUrl: openai.url,
          maxRetries: 0,
        }),
      enqueue: () => openai.enqueue(reply),
      asked: () => openai.requests.slice(-2).map((request) => request.body),
    },
    {
      name: 'Anthropic',
      model: () =>
        createChatModel('anthropic:claude-sonnet-4-5', {
          apiKey: 'env:ANTHROPIC_API_KEY',
          secrets,
          baseUrl: anthropic.url,
          maxRetries: 0,
          maxTokens: 1024,
        }),
      enqueue: () => anthropic.enqueue(reply),
      asked: () => anthropic.requests.slice(-2).map((request) => request.body),
    },
    {
      name: 'scripted',
      model: () =>
        Promise.resolve(
          (scripted = createScriptedChatModel({
            repeatLast: true,
            turns: [
              {
                text: reply.text,
                toolCalls: reply.toolCalls.map((call) => ({ id: call.id, name: call.name, args: call.arguments })),
              },
            ],
          })) as BaseChatModel,
        ),
      enqueue: () => undefined,
      asked: () => scripted?.calls.map((call) => ({ messages: call.messages.map((m) => m.text), tools: call.tools })),
    },
  ];

  for (const provider of providers) {
    it(`${provider.name}: with tools bound, the same chunks as _streamIterator, and nothing aggregated`, async () => {
      const bound = (await provider.model()).bindTools!(tools) as unknown as StreamingModel<AIMessageChunk>;
      const concats = countConcats();
      provider.enqueue();
      const direct = await viaModelChunks(bound);
      expect(concats).not.toHaveBeenCalled();
      provider.enqueue();
      const langchain = await viaLangChain(bound);
      // The reference path aggregates every chunk after the first: the spy sees it.
      expect(concats).toHaveBeenCalledTimes(langchain.length - 1);

      expect(direct.length).toBeGreaterThan(3);
      expect(normalized(direct)).toEqual(normalized(langchain));
      // Both paths asked the same: the messages, the bound tools, the call options.
      const [first, second] = provider.asked() ?? [];
      expect(first).toEqual(second);
      expect(JSON.stringify(first)).toContain('ops__get_status');
      // Whole, the same message: text, both calls, usage.
      const whole = direct.reduce((sum, chunk) => sum.concat(chunk));
      expect(whole.text).toBe(reply.text);
      expect(whole.tool_calls?.map((call) => call.args)).toEqual(reply.toolCalls.map((call) => call.arguments));
    }, 30_000);
  }

  it('a model with a handler goes through LangChain: start and end callbacks, the aggregated message', async () => {
    const recorder = new Recorder();
    const model = createScriptedChatModel({ turns: [{ text: 'the checkout service is degraded' }] });
    const bound = model
      .bindTools(tools)
      .withConfig({ callbacks: [recorder] }) as unknown as StreamingModel<AIMessageChunk>;
    const concats = countConcats();
    const chunks = await viaModelChunks(bound);
    expect(concats).toHaveBeenCalledTimes(chunks.length - 1);
    expect(recorder.starts).toBe(1);
    expect(recorder.ends).toHaveLength(1);
    expect(recorder.ends[0]?.generations[0]?.[0]?.text).toBe('the checkout service is degraded');
    // LangChain names the message after the callback run.
    expect(chunks[0]?.id).toMatch(/^run-/);
  });

  it('a handler on the model itself, or verbose, goes through LangChain too', async () => {
    const recorder = new Recorder();
    const model = createScriptedChatModel({ turns: [{ text: 'all clear' }] });
    model.callbacks = [recorder];
    await viaModelChunks(model.bindTools(tools));
    expect(recorder.ends).toHaveLength(1);

    const verbose = createScriptedChatModel({ turns: [{ text: 'all clear' }] });
    verbose.verbose = true;
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const concats = countConcats();
    const chunks = await viaModelChunks(verbose);
    expect(concats).toHaveBeenCalledTimes(chunks.length - 1);
    expect(log).toHaveBeenCalled();
  });

  it("a model that does not stream is answered by LangChain's invoke fallback, as one chunk", async () => {
    const model = createScriptedChatModel({ turns: [{ text: 'one piece' }] });
    model.disableStreaming = true;
    const chunks = await viaModelChunks(model);
    expect(chunks).toHaveLength(1);
    expect(chunks[0]?.text).toBe('one piece');
  });

  it('an abort between chunks rejects with its reason, as _streamIterator does', async () => {
    const model = createScriptedChatModel({ turns: [{ text: 'a b c d e f g h' }] });
    const controller = new AbortController();
    const seen: string[] = [];
    const reason = new Error('cancelled by the operator');
    const consumed = (async () => {
      for await (const chunk of modelChunks(
        model.bindTools(tools) as unknown as StreamingModel<AIMessageChunk>,
        input(),
        controller.signal,
      )) {
        seen.push(chunk.text);
        if (seen.length === 2) controller.abort(reason);
      }
    })();
    await expect(consumed).rejects.toBe(reason);
    expect(seen).toHaveLength(2);
  });

  it("inside the agent's graph (LangGraph's node config, tools bound, a tool call) nothing is aggregated", async () => {
    const database = createPgliteDatabase({ vector: false });
    const h = await createHarness(database, {
      turns: [
        { text: 'Checking the api.', toolCalls: [{ name: 'ops__get_status', args: { service: 'api' } }] },
        { text: 'The api is degraded.' },
      ],
    });
    try {
      const concats = countConcats();
      const { events, result } = await finish(await h.agent.run({ org: 'acme', message: 'why is checkout slow?' }));
      expect(result.status).toBe('completed');
      expect(ofType(events, 'message.completed').map((event) => event.text)).toEqual(['The api is degraded.']);
      expect(h.calls).toEqual([{ tool: 'get_status', args: { service: 'api' } }]);
      expect(concats).not.toHaveBeenCalled();
    } finally {
      await h.close();
      await database.close();
    }
  });
});
