import { AIMessage, HumanMessage } from '@langchain/core/messages';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PRICES, addUsage, costOf, extractUsage } from './usage.js';

describe('extractUsage', () => {
  it('reads usage_metadata', () => {
    const message = new AIMessage({
      content: 'hi',
      usage_metadata: { input_tokens: 12, output_tokens: 3, total_tokens: 15 },
    });
    expect(extractUsage(message)).toEqual({ inputTokens: 12, outputTokens: 3 });
  });

  it('is zero without usage', () => {
    expect(extractUsage(new HumanMessage('hi'))).toEqual({ inputTokens: 0, outputTokens: 0 });
    expect(extractUsage(undefined)).toEqual({ inputTokens: 0, outputTokens: 0 });
  });

  it('adds', () => {
    expect(addUsage({ inputTokens: 1, outputTokens: 2 }, { inputTokens: 3, outputTokens: 4 })).toEqual({
      inputTokens: 4,
      outputTokens: 6,
    });
  });
});

describe('costOf', () => {
  it('prices per million tokens', () => {
    const table = { 'openai:gpt-4.1-mini': { inputPerMTok: 0.4, outputPerMTok: 1.6 } };
    expect(costOf('openai:gpt-4.1-mini', { inputTokens: 2_000_000, outputTokens: 250_000 }, table)).toBeCloseTo(
      1.2,
      12,
    );
  });

  it('is undefined for an unpriced model, including inherited keys', () => {
    expect(costOf('ollama:llama3.1', { inputTokens: 10, outputTokens: 10 })).toBeUndefined();
    expect(costOf('toString', { inputTokens: 10, outputTokens: 10 })).toBeUndefined();
  });

  it('has a default table with the documented models', () => {
    expect(Object.keys(DEFAULT_PRICES)).toContain('openai:gpt-4.1-mini');
    expect(Object.keys(DEFAULT_PRICES)).toContain('anthropic:claude-sonnet-4-5');
  });

  it('rejects a negative price', () => {
    expect(() =>
      costOf('x:y', { inputTokens: 1, outputTokens: 1 }, { 'x:y': { inputPerMTok: -1, outputPerMTok: 1 } }),
    ).toThrow(/non-negative/);
  });
});
