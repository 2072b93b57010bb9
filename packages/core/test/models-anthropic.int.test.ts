/**
 * `createChatModel('anthropic:…')` through the real `@langchain/anthropic` client against a
 * local server speaking the documented Messages API.
 */
import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import type { AIMessageChunk } from '@langchain/core/messages';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AuroraError } from '../src/errors/aurora-error.js';
import { createChatModel, type CreateChatModelOptions } from '../src/agent/models/create-chat-model.js';
import { ModelCallError } from '../src/agent/models/model-call-error.js';
import { extractUsage } from '../src/agent/models/usage.js';
import { createEnvSecretStore } from '../src/secrets/env-secret-store.js';
import { createSecretResolver, type SecretResolver } from '../src/secrets/resolver.js';
import { startFakeAnthropic, type FakeAnthropic } from './support/fake-anthropic-server.js';

const key = `sk-ant-canary-${randomBytes(16).toString('hex')}`;
const weather = {
  name: 'get_weather',
  description: 'Current weather for a city.',
  schema: z.object({ city: z.string().describe('City name') }),
};

function visible(error: unknown): string {
  const parts = [String(error), inspect(error, { depth: 8 })];
  if (AuroraError.isInstance(error)) parts.push(JSON.stringify(error.toJSON()));
  return parts.join('\n');
}

async function failure(work: () => Promise<unknown>): Promise<unknown> {
  return work().then(
    () => {
      throw new Error('expected a failure');
    },
    (error: unknown) => error,
  );
}

async function streamAll(stream: AsyncIterable<AIMessageChunk>): Promise<{ chunks: number; message: AIMessageChunk }> {
  let message: AIMessageChunk | undefined;
  let chunks = 0;
  for await (const chunk of stream) {
    chunks += 1;
    message = message === undefined ? chunk : message.concat(chunk);
  }
  if (message === undefined) throw new Error('no chunks');
  return { chunks, message };
}

describe('createChatModel: Anthropic Messages API', () => {
  let fake: FakeAnthropic;
  let secrets: SecretResolver;
  const options = (extra: Partial<CreateChatModelOptions> = {}): CreateChatModelOptions => ({
    apiKey: 'env:ANTHROPIC_API_KEY',
    secrets,
    baseUrl: fake.url,
    maxRetries: 0,
    maxTokens: 1024,
    ...extra,
  });

  beforeAll(async () => {
    fake = await startFakeAnthropic();
  });
  afterAll(async () => {
    await fake.stop();
  });
  beforeEach(() => {
    fake.requests.length = 0;
    secrets = createSecretResolver({ stores: { env: createEnvSecretStore({ env: { ANTHROPIC_API_KEY: key } }) } });
  });

  it('streams text and reports usage, with the key as x-api-key', async () => {
    fake.enqueue({ text: 'The disk on node-3 is full.', usage: { input: 31, output: 12 } });
    const model = await createChatModel('anthropic:claude-sonnet-4-5', options());
    const { chunks, message } = await streamAll(await model.stream('Why is the pod failing?'));
    expect(chunks).toBeGreaterThan(3);
    expect(message.text).toBe('The disk on node-3 is full.');
    // The stream's message_start reports output_tokens 1 and message_delta the cumulative
    // count; @langchain/anthropic 1.5 adds the two, so streamed output is one token high.
    expect(extractUsage(message)).toEqual({ inputTokens: 31, outputTokens: 13 });
    const [request] = fake.requests;
    expect(request?.path).toBe('/v1/messages');
    expect(request?.headers['x-api-key']).toBe(key);
    expect(request?.headers['anthropic-version']).toBeTypeOf('string');
    expect(request?.body).toMatchObject({
      model: 'claude-sonnet-4-5',
      stream: true,
      max_tokens: 1024,
      messages: [{ role: 'user', content: 'Why is the pod failing?' }],
    });
  });

  it('sends bound tools as documented and parses a streamed tool_use block', async () => {
    fake.enqueue({
      text: 'Let me check.',
      toolCalls: [{ id: 'toolu_01', name: 'get_weather', arguments: { city: 'Oslo' } }],
      usage: { input: 90, output: 30 },
    });
    const model = await createChatModel('anthropic:claude-sonnet-4-5', options());
    const { message } = await streamAll(await model.bindTools!([weather]).stream('Weather in Oslo?'));
    expect(message.tool_calls).toEqual([
      { id: 'toolu_01', name: 'get_weather', args: { city: 'Oslo' }, type: 'tool_call' },
    ]);
    // The stream's message_start reports output_tokens 1 and message_delta the cumulative
    // count; @langchain/anthropic 1.5 adds the two, so streamed output is one token high.
    expect(extractUsage(message)).toEqual({ inputTokens: 90, outputTokens: 31 });
    expect(fake.requests[0]?.body.tools).toEqual([
      {
        name: 'get_weather',
        description: 'Current weather for a city.',
        input_schema: expect.objectContaining({
          type: 'object',
          properties: { city: { type: 'string', description: 'City name' } },
          required: ['city'],
        }) as unknown,
      },
    ]);
  });

  it('answers invoke() with a tool call', async () => {
    fake.enqueue({ toolCalls: [{ id: 'toolu_02', name: 'get_weather', arguments: { city: 'Rome' } }] });
    const model = await createChatModel('anthropic:claude-sonnet-4-5', options());
    const message = await model.bindTools!([weather]).invoke('Weather in Rome?');
    expect(message.tool_calls?.[0]).toMatchObject({ id: 'toolu_02', name: 'get_weather', args: { city: 'Rome' } });
    expect(extractUsage(message)).toEqual({ inputTokens: 10, outputTokens: 5 });
  });

  it.each([
    [401, 'UNAUTHENTICATED', false],
    [429, 'RATE_LIMITED', true],
    [500, 'UPSTREAM_ERROR', true],
    [529, 'UPSTREAM_ERROR', true],
  ] as const)('maps %i to %s, without the key in the error', async (status, code, retryable) => {
    fake.enqueue({ status, ...(status === 429 ? { retryAfter: '3' } : {}) });
    const model = await createChatModel('anthropic:claude-sonnet-4-5', options());
    const error = await failure(() => model.invoke('hello'));
    expect(ModelCallError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code, retryable, statusCode: status, provider: 'anthropic' });
    if (status === 429) expect(error).toMatchObject({ details: { retryAfterMs: 3000 } });
    expect(fake.requests).toHaveLength(1);
    expect(visible(error)).not.toContain(key);
  });

  it('maps a streamed 401 as well', async () => {
    fake.enqueue({ status: 401 });
    const model = await createChatModel('anthropic:claude-sonnet-4-5', options());
    const error = await failure(async () => streamAll(await model.stream('hello')));
    expect(error).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(visible(error)).not.toContain(key);
  });

  it('maps a request slower than timeoutMs to TIMEOUT', async () => {
    fake.enqueue({ text: 'late', delayMs: 3000 });
    const model = await createChatModel('anthropic:claude-sonnet-4-5', options({ timeoutMs: 200 }));
    expect(await failure(() => model.invoke('hello'))).toMatchObject({ code: 'TIMEOUT', retryable: true });
  });

  it('injects fetch', async () => {
    const seen: string[] = [];
    const recordingFetch: typeof fetch = (input, init) => {
      seen.push(input instanceof Request ? input.url : String(input));
      return fetch(input, init);
    };
    fake.enqueue({ text: 'via fetch' });
    const model = await createChatModel('anthropic:claude-sonnet-4-5', options({ fetch: recordingFetch }));
    expect((await model.invoke('hello')).text).toBe('via fetch');
    expect(seen).toEqual([`${fake.url}/v1/messages`]);
  });
});
