import { InvalidInputError } from '../../errors/errors.js';

/** Tokens of one model call. */
export interface ModelUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
}

/** USD per million tokens. */
export interface ModelPrice {
  readonly inputPerMTok: number;
  readonly outputPerMTok: number;
}

/** Prices by `provider:model` spec. */
export type PriceTable = Readonly<Record<string, ModelPrice>>;

/**
 * List prices in USD per million tokens (standard tier, no caching or batch discounts),
 * as listed on https://openai.com/api/pricing and https://www.anthropic.com/pricing in
 * 2025. NOT re-checked when this table was written (2026-11-22, on a machine without
 * internet access): verify before relying on them. Prices change: pass your own table
 * (or spread this one and override) to `costOf`. Local models (`ollama:`, `vllm:`) are unpriced; OpenRouter models
 * are priced per route on openrouter.ai/models, so none are listed here.
 */
export const DEFAULT_PRICES: PriceTable = {
  'openai:gpt-4.1': { inputPerMTok: 2, outputPerMTok: 8 },
  'openai:gpt-4.1-mini': { inputPerMTok: 0.4, outputPerMTok: 1.6 },
  'openai:gpt-4.1-nano': { inputPerMTok: 0.1, outputPerMTok: 0.4 },
  'openai:gpt-4o': { inputPerMTok: 2.5, outputPerMTok: 10 },
  'openai:gpt-4o-mini': { inputPerMTok: 0.15, outputPerMTok: 0.6 },
  'openai:o4-mini': { inputPerMTok: 1.1, outputPerMTok: 4.4 },
  'anthropic:claude-opus-4-1': { inputPerMTok: 15, outputPerMTok: 75 },
  'anthropic:claude-sonnet-4-5': { inputPerMTok: 3, outputPerMTok: 15 },
  'anthropic:claude-haiku-4-5': { inputPerMTok: 1, outputPerMTok: 5 },
};

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.round(value) : 0;
}

/**
 * Tokens from a LangChain message's `usage_metadata` (`input_tokens`, `output_tokens`);
 * zero for a message without it (a provider that does not report usage, or a user message).
 */
export function extractUsage(message: unknown): ModelUsage {
  const metadata =
    typeof message === 'object' && message !== null
      ? (message as { usage_metadata?: unknown }).usage_metadata
      : undefined;
  if (typeof metadata !== 'object' || metadata === null) return { inputTokens: 0, outputTokens: 0 };
  const record = metadata as Record<string, unknown>;
  return { inputTokens: count(record.input_tokens), outputTokens: count(record.output_tokens) };
}

/** Adds usages. */
export function addUsage(a: ModelUsage, b: ModelUsage): ModelUsage {
  return { inputTokens: a.inputTokens + b.inputTokens, outputTokens: a.outputTokens + b.outputTokens };
}

/**
 * The cost in USD of `usage` on `model` (a `provider:model` spec), or `undefined` when the
 * table has no price for it. Unpriced is not free: budgets should treat it as unknown.
 */
export function costOf(model: string, usage: ModelUsage, table: PriceTable = DEFAULT_PRICES): number | undefined {
  if (!Object.hasOwn(table, model)) return undefined;
  const price = table[model];
  if (price === undefined) return undefined;
  for (const [name, value] of [
    ['inputPerMTok', price.inputPerMTok],
    ['outputPerMTok', price.outputPerMTok],
  ] as const) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new InvalidInputError({
        message: `The price table entry for "${model}" needs a non-negative ${name}.`,
        details: { model, field: name },
      });
    }
  }
  return (usage.inputTokens * price.inputPerMTok + usage.outputTokens * price.outputPerMTok) / 1_000_000;
}
