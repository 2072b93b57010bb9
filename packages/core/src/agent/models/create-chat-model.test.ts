import { describe, expect, it } from 'vitest';
import { createSecretRedactor } from '../../secrets/redactor.js';
import { createChatModel } from './create-chat-model.js';
import { ModelCallError, mapModelError } from './model-call-error.js';

const missing = (): Promise<never> =>
  Promise.reject(Object.assign(new Error('Cannot find package'), { code: 'ERR_MODULE_NOT_FOUND' }));

describe('createChatModel without the provider package', () => {
  it.each([
    ['openai:gpt-4.1-mini', '@langchain/openai'],
    ['ollama:llama3.1', '@langchain/openai'],
    ['anthropic:claude-sonnet-4-5', '@langchain/anthropic'],
  ])('%s says to install %s', async (spec, name) => {
    const secrets = { resolveDeployment: () => Promise.resolve('sk-test-123456') } as never;
    const error: unknown = await createChatModel(
      spec,
      { apiKey: 'env:KEY', secrets },
      { openai: missing, anthropic: missing },
    ).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'CONFIGURATION_ERROR' });
    expect((error as Error).message).toContain(`pnpm add ${name}`);
  });
});

describe('createChatModel settings', () => {
  it.each([
    ['foo', {}, 'INVALID_INPUT'],
    ['unknown:x', {}, 'INVALID_INPUT'],
    ['vllm:Qwen/Qwen2.5-7B', {}, 'CONFIGURATION_ERROR'],
    ['openai-compatible:m', {}, 'CONFIGURATION_ERROR'],
    ['openai:gpt-4.1-mini', {}, 'CONFIGURATION_ERROR'],
    ['openai:gpt-4.1-mini', { apiKey: 'env:KEY' }, 'CONFIGURATION_ERROR'],
    ['ollama:llama3.1', { temperature: 5 }, 'INVALID_INPUT'],
    ['ollama:llama3.1', { maxRetries: 1.5 }, 'INVALID_INPUT'],
    ['ollama:llama3.1', { baseUrl: 'ftp://x' }, 'INVALID_INPUT'],
    ['ollama:llama3.1', { baseUrl: 'not a url' }, 'INVALID_INPUT'],
  ] as const)('%s with %j → %s', async (spec, options, code) => {
    await expect(createChatModel(spec, options)).rejects.toMatchObject({ code });
  });
});

describe('mapModelError', () => {
  const key = 'sk-secret-abcdef123456';
  const apiError = (status: number, headers: Record<string, string> = {}): Error =>
    Object.assign(new Error(`${status} bad key ${key}`), { status, headers: new Headers(headers) });

  it.each([
    [400, 'INVALID_INPUT', false],
    [401, 'UNAUTHENTICATED', false],
    [403, 'FORBIDDEN', false],
    [404, 'NOT_FOUND', false],
    [429, 'RATE_LIMITED', true],
    [500, 'UPSTREAM_ERROR', true],
    [503, 'UPSTREAM_ERROR', true],
  ] as const)('%i → %s', (status, code, retryable) => {
    const error = mapModelError(apiError(status), { provider: 'openai' });
    expect(ModelCallError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code, retryable, statusCode: status, details: { status, provider: 'openai' } });
    expect(error.message).not.toContain(key);
    // Without a redactor the foreign error is not kept at all.
    expect(error.cause).toBeUndefined();
  });

  it('reads Retry-After and keeps a scrubbed cause when given a redactor', () => {
    const redactor = createSecretRedactor();
    redactor.learn(key);
    const error = mapModelError(apiError(429, { 'retry-after': '2' }), { redactor });
    expect(error.details).toMatchObject({ retryAfterMs: 2000, providerMessage: '429 bad key [REDACTED]' });
    expect(String((error.cause as Error).message)).toBe('429 bad key [REDACTED]');
  });

  it('maps aborts, timeouts and connection failures', () => {
    expect(mapModelError(Object.assign(new Error('x'), { name: 'AbortError' })).code).toBe('CANCELLED');
    expect(mapModelError(Object.assign(new Error('x'), { name: 'TimeoutError' })).code).toBe('TIMEOUT');
    expect(mapModelError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' })).code).toBe('UNAVAILABLE');
    expect(mapModelError(new TypeError('bug'))).toMatchObject({ code: 'INTERNAL', retryable: false });
  });

  it('passes Aurora errors through', () => {
    const original = mapModelError(apiError(401));
    expect(mapModelError(original)).toBe(original);
  });
});
