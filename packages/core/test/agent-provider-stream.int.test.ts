/**
 * The agent's model node on real provider streams: `@langchain/openai` and
 * `@langchain/anthropic` against local servers speaking their documented streaming APIs, on
 * PGlite with the real MCP host. Text arrives in several deltas, tool-call arguments in
 * 7-character pieces between them, usage at the end; the node gathers text as strings and
 * merges only the chunks that carry more, so this checks that nothing is lost on the way:
 * the streamed tokens, the final message, both tool calls with whole arguments, the usage.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChatModel } from '../src/agent/models/create-chat-model.js';
import { createEnvSecretStore } from '../src/secrets/env-secret-store.js';
import { createSecretResolver } from '../src/secrets/resolver.js';
import { createPgliteDatabase } from '../src/storage/pglite/index.js';
import type { Database } from '../src/storage/database/database.js';
import { createHarness, finish, ofType } from './support/agent-harness.js';
import { startFakeAnthropic, type FakeAnthropic } from './support/fake-anthropic-server.js';
import { startFakeOpenAi, type FakeOpenAi } from './support/fake-openai-server.js';

const key = `sk-test-${randomBytes(8).toString('hex')}`;
const secrets = createSecretResolver({
  stores: { env: createEnvSecretStore({ env: { OPENAI_API_KEY: key, ANTHROPIC_API_KEY: key } }) },
});

describe('agent model node on streamed provider replies', () => {
  let database: Database;
  let openai: FakeOpenAi;
  let anthropic: FakeAnthropic;
  beforeAll(async () => {
    database = createPgliteDatabase({ vector: false });
    [openai, anthropic] = await Promise.all([startFakeOpenAi(), startFakeAnthropic()]);
  });
  afterAll(async () => {
    await Promise.all([openai.stop(), anthropic.stop()]);
    await database.close();
  });

  const providers = [
    {
      name: 'OpenAI',
      spec: 'openai:gpt-4.1-mini',
      apiKey: 'env:OPENAI_API_KEY',
      enqueue: (...replies: Parameters<FakeOpenAi['enqueue']>) => openai.enqueue(...replies),
      baseUrl: () => openai.url,
      requests: () => openai.requests,
      extra: {},
      // Usage as the server reported it.
      usage: [
        { inputTokens: 80, outputTokens: 20 },
        { inputTokens: 120, outputTokens: 9 },
      ],
    },
    {
      name: 'Anthropic',
      spec: 'anthropic:claude-sonnet-4-5',
      apiKey: 'env:ANTHROPIC_API_KEY',
      enqueue: (...replies: Parameters<FakeAnthropic['enqueue']>) => anthropic.enqueue(...replies),
      baseUrl: () => anthropic.url,
      requests: () => anthropic.requests,
      extra: { maxTokens: 1024 },
      // @langchain/anthropic adds message_start's output_tokens (1) to the final count.
      usage: [
        { inputTokens: 80, outputTokens: 21 },
        { inputTokens: 120, outputTokens: 10 },
      ],
    },
  ] as const;

  for (const provider of providers) {
    it(`${provider.name}: streamed text, two tool calls in pieces and usage all arrive whole`, async () => {
      provider.enqueue(
        {
          text: 'Checking the api and the database services now.',
          toolCalls: [
            { id: 'call_api', name: 'ops__get_status', arguments: { service: 'api-gateway-eu-west-1' } },
            { id: 'call_db', name: 'ops__get_status', arguments: { service: 'orders-database-primary' } },
          ],
          usage: { input: 80, output: 20 },
        },
        { text: 'Both services are degraded: p99 latency is 2.3 s.', usage: { input: 120, output: 9 } },
      );
      const model = await createChatModel(provider.spec, {
        apiKey: provider.apiKey,
        secrets,
        baseUrl: provider.baseUrl(),
        maxRetries: 0,
        ...provider.extra,
      });
      const h = await createHarness(database, { turns: [], agent: { model, modelName: provider.spec } });
      try {
        const { events, result } = await finish(await h.agent.run({ org: 'acme', message: 'why is checkout slow?' }));
        expect(result.status).toBe('completed');
        expect(h.calls).toEqual([
          { tool: 'get_status', args: { service: 'api-gateway-eu-west-1' } },
          { tool: 'get_status', args: { service: 'orders-database-primary' } },
        ]);
        const streamed = ofType(events, 'token.streamed')
          .map((event) => event.text)
          .join('');
        expect(streamed).toBe(
          'Checking the api and the database services now.Both services are degraded: p99 latency is 2.3 s.',
        );
        expect(ofType(events, 'message.completed').map((event) => event.text)).toEqual([
          'Both services are degraded: p99 latency is 2.3 s.',
        ]);
        expect(
          ofType(events, 'usage.recorded').map(({ inputTokens, outputTokens }) => ({ inputTokens, outputTokens })),
        ).toEqual(provider.usage);
        expect(result.usage).toMatchObject({
          inputTokens: 200,
          outputTokens: provider.usage[0].outputTokens + provider.usage[1].outputTokens,
        });
        // The first model message keeps its text beside its calls: the second request carries both.
        const second = JSON.stringify(provider.requests().at(-1)?.body);
        expect(second).toContain('Checking the api and the database services now.');
        expect(second).toContain('call_api');
        expect(second).toContain('call_db');
      } finally {
        await h.close();
      }
    }, 60_000);
  }
});
