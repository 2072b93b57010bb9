/**
 * `createChatModel` for the OpenAI family, through the real `@langchain/openai` client
 * against a local server speaking the documented Chat Completions API.
 */
import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { BaseCallbackHandler } from '@langchain/core/callbacks/base';
import type { AIMessageChunk } from '@langchain/core/messages';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AuroraError } from '../src/errors/aurora-error.js';
import { createChatModel, type CreateChatModelOptions } from '../src/agent/models/create-chat-model.js';
import { ModelCallError } from '../src/agent/models/model-call-error.js';
import { extractUsage } from '../src/agent/models/usage.js';
import { createEnvSecretStore } from '../src/secrets/env-secret-store.js';
import { createSecretResolver, type SecretResolver } from '../src/secrets/resolver.js';
import type { SecretStore } from '../src/secrets/secret-store.js';
import { startFakeOpenAi, type FakeOpenAi } from './support/fake-openai-server.js';

const key = `sk-canary-${randomBytes(16).toString('hex')}`;
const weather = {
  name: 'get_weather',
  description: 'Current weather for a city.',
  schema: z.object({ city: z.string().describe('City name'), unit: z.enum(['c', 'f']).optional() }),
};

/** Everything an operator could see of an error. */
function visible(error: unknown): string {
  const parts = [String(error), inspect(error, { depth: 8 })];
  if (AuroraError.isInstance(error)) parts.push(JSON.stringify(error.toJSON()));
  return parts.join('\n');
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (error: unknown) => error,
  );
}

async function collect(stream: AsyncIterable<AIMessageChunk>): Promise<AIMessageChunk[]> {
  const chunks: AIMessageChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

function concat(chunks: AIMessageChunk[]): AIMessageChunk {
  const [first, ...rest] = chunks;
  if (first === undefined) throw new Error('no chunks');
  return rest.reduce((sum, chunk) => sum.concat(chunk), first);
}

/** An org-scoped store: `mem:orgs/<org>/openai`. */
function memoryStore(values: Record<string, string>): SecretStore {
  const now = new Date();
  return {
    specificationVersion: 'v1',
    scheme: 'mem',
    capabilities: { writable: false, versioned: false },
    get: (path) => {
      const value = values[path];
      return value === undefined ? Promise.reject(new Error('absent')) : Promise.resolve({ key: value });
    },
    put: () => Promise.reject(new Error('read-only')),
    delete: () => Promise.reject(new Error('read-only')),
    list: () => Promise.resolve(Object.keys(values)),
    metadata: (path) => Promise.resolve({ path, version: 1, createdAt: now, updatedAt: now, fields: ['key'] }),
  };
}

describe('createChatModel: OpenAI-compatible providers', () => {
  let fake: FakeOpenAi;
  let secrets: SecretResolver;
  const options = (extra: Partial<CreateChatModelOptions> = {}): CreateChatModelOptions => ({
    apiKey: 'env:OPENAI_API_KEY',
    secrets,
    baseUrl: fake.url,
    maxRetries: 0,
    ...extra,
  });

  beforeAll(async () => {
    fake = await startFakeOpenAi();
  });
  afterAll(async () => {
    await fake.stop();
  });
  beforeEach(() => {
    fake.requests.length = 0;
    secrets = createSecretResolver({
      stores: {
        env: createEnvSecretStore({ env: { OPENAI_API_KEY: key } }),
        mem: memoryStore({ 'orgs/acme/openai': key }),
      },
    });
  });

  it('streams text in several chunks and reports usage', async () => {
    fake.enqueue({ text: 'The disk on node-3 is full.', usage: { input: 42, output: 9 } });
    const model = await createChatModel('openai:gpt-4.1-mini', options());
    const chunks = await collect(await model.stream('Why is the pod failing?'));
    expect(chunks.filter((chunk) => typeof chunk.content === 'string' && chunk.content !== '').length).toBeGreaterThan(
      3,
    );
    const message = concat(chunks);
    expect(message.content).toBe('The disk on node-3 is full.');
    expect(extractUsage(message)).toEqual({ inputTokens: 42, outputTokens: 9 });

    const [request] = fake.requests;
    expect(request?.path).toBe('/v1/chat/completions');
    expect(request?.headers.authorization).toBe(`Bearer ${key}`);
    expect(request?.body).toMatchObject({
      model: 'gpt-4.1-mini',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'Why is the pod failing?' }],
    });
  });

  it('sends bound tools as documented and parses a streamed tool call', async () => {
    fake.enqueue({
      toolCalls: [{ id: 'call_abc', name: 'get_weather', arguments: { city: 'Oslo', unit: 'c' } }],
      usage: { input: 80, output: 20 },
    });
    const model = await createChatModel('openai:gpt-4.1-mini', options());
    const bound = model.bindTools!([weather]);
    const message = concat(await collect(await bound.stream('Weather in Oslo?')));
    expect(message.tool_calls).toEqual([
      { id: 'call_abc', name: 'get_weather', args: { city: 'Oslo', unit: 'c' }, type: 'tool_call' },
    ]);
    expect(extractUsage(message)).toEqual({ inputTokens: 80, outputTokens: 20 });
    const tools = fake.requests[0]?.body.tools as { type: string; function: Record<string, unknown> }[];
    expect(tools).toHaveLength(1);
    expect(tools[0]?.type).toBe('function');
    expect(tools[0]?.function).toMatchObject({
      name: 'get_weather',
      description: 'Current weather for a city.',
      parameters: {
        type: 'object',
        properties: { city: { type: 'string', description: 'City name' }, unit: { type: 'string', enum: ['c', 'f'] } },
        required: ['city'],
      },
    });
  });

  it('answers invoke() with the non-streaming API and a tool call', async () => {
    fake.enqueue({
      text: 'Checking.',
      toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: { city: 'Rome' } }],
    });
    const model = await createChatModel('openai:gpt-4.1-mini', options());
    const message = await model.bindTools!([weather]).invoke('Weather in Rome?');
    expect(fake.requests[0]?.body.stream).not.toBe(true);
    expect(message.content).toBe('Checking.');
    expect(message.tool_calls?.[0]).toMatchObject({ id: 'call_1', name: 'get_weather', args: { city: 'Rome' } });
    expect(extractUsage(message)).toEqual({ inputTokens: 10, outputTokens: 5 });
  });

  it('resolves an org-scoped key reference for the org', async () => {
    fake.enqueue({ text: 'hi' });
    const model = await createChatModel(
      'openai:gpt-4.1-mini',
      options({ apiKey: 'mem:orgs/{org}/openai', org: 'acme' }),
    );
    await model.invoke('hello');
    expect(fake.requests[0]?.headers.authorization).toBe(`Bearer ${key}`);
    expect(secrets.redactor.contains(`x ${key} y`)).toBe(true);
  });

  it('keeps the key out of what callbacks (tracing, logs) see', async () => {
    fake.enqueue({ text: 'traced' });
    const seen: unknown[] = [];
    const handler = BaseCallbackHandler.fromMethods({
      handleChatModelStart: (...args: unknown[]) => void seen.push(args),
      handleLLMEnd: (...args: unknown[]) => void seen.push(args),
    });
    const model = await createChatModel('openai:gpt-4.1-mini', options());
    await model.invoke('hello', { callbacks: [handler] });
    expect(seen).toHaveLength(2);
    expect(inspect(seen, { depth: 12 })).not.toContain(key);
    expect(JSON.stringify(model.toJSON())).not.toContain(key);
  });

  it('maps 401 to UNAUTHENTICATED without the key anywhere in the error', async () => {
    fake.enqueue({ status: 401 });
    const model = await createChatModel('openai:gpt-4.1-mini', options());
    const error = await failure(model.invoke('hello'));
    expect(ModelCallError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'UNAUTHENTICATED', statusCode: 401, retryable: false, provider: 'openai' });
    // The fake echoes the Authorization header in its error body: it must be scrubbed.
    expect(fake.requests).toHaveLength(1);
    expect(visible(error)).not.toContain(key);
    expect(visible(error)).toContain('[REDACTED]');
  });

  it('maps 429 to RATE_LIMITED (retryable, with Retry-After) while streaming', async () => {
    fake.enqueue({ status: 429, retryAfter: '7' });
    const model = await createChatModel('openai:gpt-4.1-mini', options());
    // `stream()` itself rejects: LangChain reads the first chunk before returning.
    const error = await failure((async () => collect(await model.stream('hello')))());
    expect(error).toMatchObject({
      code: 'RATE_LIMITED',
      retryable: true,
      details: { status: 429, retryAfterMs: 7000 },
    });
    expect(visible(error)).not.toContain(key);
  });

  it('maps 500 to UPSTREAM_ERROR, and retries it when asked', async () => {
    fake.enqueue({ status: 500 });
    const once = await createChatModel('openai:gpt-4.1-mini', options());
    const error = await failure(once.invoke('hello'));
    expect(error).toMatchObject({ code: 'UPSTREAM_ERROR', retryable: true, details: { status: 500 } });
    expect(visible(error)).not.toContain(key);

    fake.requests.length = 0;
    fake.enqueue({ status: 500 }, { text: 'recovered' });
    const retrying = await createChatModel('openai:gpt-4.1-mini', options({ maxRetries: 1 }));
    const message = await retrying.invoke('hello');
    expect(message.content).toBe('recovered');
    expect(fake.requests).toHaveLength(2);
  });

  it('maps an unreachable server to UNAVAILABLE', async () => {
    const model = await createChatModel('openai:gpt-4.1-mini', options({ baseUrl: 'http://127.0.0.1:9/v1' }));
    const error = await failure(model.invoke('hello'));
    expect(error).toMatchObject({ code: 'UNAVAILABLE', retryable: true });
  });

  it('maps a request slower than timeoutMs to TIMEOUT, and an abort to CANCELLED', async () => {
    fake.enqueue({ text: 'late', delayMs: 3000 });
    const model = await createChatModel('openai:gpt-4.1-mini', options({ timeoutMs: 200 }));
    expect(await failure(model.invoke('hello'))).toMatchObject({ code: 'TIMEOUT', retryable: true });

    fake.enqueue({ text: 'late', delayMs: 3000 });
    const controller = new AbortController();
    const pending = failure(model.invoke('hello', { signal: controller.signal }));
    setTimeout(() => controller.abort(), 50);
    expect(await pending).toMatchObject({ code: 'CANCELLED' });
  });

  it('injects fetch', async () => {
    const seen: string[] = [];
    const recordingFetch: typeof fetch = (input, init) => {
      seen.push(input instanceof Request ? input.url : String(input));
      return fetch(input, init);
    };
    fake.enqueue({ text: 'via fetch' });
    const model = await createChatModel('openai:gpt-4.1-mini', options({ fetch: recordingFetch }));
    expect((await model.invoke('hello')).content).toBe('via fetch');
    expect(seen).toEqual([`${fake.url}/chat/completions`]);
  });

  it.each([
    ['openrouter:meta-llama/llama-3.1-70b-instruct', 'meta-llama/llama-3.1-70b-instruct'],
    ['ollama:llama3.1', 'llama3.1'],
    ['vllm:Qwen/Qwen2.5-7B', 'Qwen/Qwen2.5-7B'],
    ['openai-compatible:my-model:8b', 'my-model:8b'],
  ])('%s reaches the server at baseUrl with model %s', async (spec, model) => {
    fake.enqueue({ text: 'pong' });
    const keyless = spec.startsWith('openrouter') ? {} : { apiKey: undefined };
    const chat = await createChatModel(spec, { ...options(keyless), headers: { 'X-Title': 'Aurora' } });
    expect((await chat.invoke('ping')).content).toBe('pong');
    expect(fake.requests[0]?.body.model).toBe(model);
    expect(fake.requests[0]?.headers['x-title']).toBe('Aurora');
    if (!spec.startsWith('openrouter')) expect(fake.requests[0]?.headers.authorization).toBe('Bearer not-needed');
  });

  it('uses each provider default base URL', async () => {
    const urls: string[] = [];
    const capture: typeof fetch = (input) => {
      urls.push(input instanceof Request ? input.url : String(input));
      return Promise.resolve(new Response('{"error":{"message":"offline"}}', { status: 503 }));
    };
    for (const spec of ['openai:gpt-4.1-mini', 'openrouter:meta-llama/llama-3.1-70b-instruct', 'ollama:llama3.1']) {
      const model = await createChatModel(spec, {
        ...(spec.startsWith('ollama') ? {} : { apiKey: 'env:OPENAI_API_KEY', secrets }),
        fetch: capture,
        maxRetries: 0,
      });
      await failure(model.invoke('x'));
    }
    expect(urls).toEqual([
      'https://api.openai.com/v1/chat/completions',
      'https://openrouter.ai/api/v1/chat/completions',
      'http://127.0.0.1:11434/v1/chat/completions',
    ]);
  });
});
