import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../errors/errors.js';
import { MODEL_PROVIDERS, parseModelSpec } from './model-spec.js';

describe('parseModelSpec', () => {
  it.each([
    ['openai:gpt-4.1-mini', 'openai', 'gpt-4.1-mini'],
    ['anthropic:claude-sonnet-4-5', 'anthropic', 'claude-sonnet-4-5'],
    ['openrouter:meta-llama/llama-3.1-70b-instruct', 'openrouter', 'meta-llama/llama-3.1-70b-instruct'],
    ['ollama:llama3.1:8b', 'ollama', 'llama3.1:8b'],
    ['vllm:Qwen/Qwen2.5-7B', 'vllm', 'Qwen/Qwen2.5-7B'],
    ['openai-compatible:my-model', 'openai-compatible', 'my-model'],
  ])('%s → %s / %s', (spec, provider, model) => {
    expect(parseModelSpec(spec)).toEqual({ provider, model, id: `${provider}:${model}` });
  });

  it.each(['foo', 'unknown:x', ':gpt', 'openai:', ''])('rejects %j listing the providers', (spec) => {
    let caught: unknown;
    try {
      parseModelSpec(spec);
    } catch (error) {
      caught = error;
    }
    expect(InvalidInputError.isInstance(caught)).toBe(true);
    for (const provider of MODEL_PROVIDERS) expect((caught as Error).message).toContain(provider);
  });
});
