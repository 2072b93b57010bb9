import { InvalidInputError } from '../../errors/errors.js';

/** The providers `createChatModel` knows, as the part of a spec before the first `:`. */
export const MODEL_PROVIDERS = ['openai', 'anthropic', 'openrouter', 'ollama', 'vllm', 'openai-compatible'] as const;

export type ModelProvider = (typeof MODEL_PROVIDERS)[number];

export interface ProviderInfo {
  /** Which client speaks to it: the OpenAI Chat Completions API or Anthropic's Messages API. */
  readonly api: 'openai' | 'anthropic';
  /** Used when no `baseUrl` is given; `undefined` means `baseUrl` is required. */
  readonly defaultBaseUrl: string | undefined;
  /** Whether calls without an API key are normal (local servers). */
  readonly keyOptional: boolean;
}

export const PROVIDER_INFO: Readonly<Record<ModelProvider, ProviderInfo>> = {
  openai: { api: 'openai', defaultBaseUrl: 'https://api.openai.com/v1', keyOptional: false },
  anthropic: { api: 'anthropic', defaultBaseUrl: 'https://api.anthropic.com', keyOptional: false },
  openrouter: { api: 'openai', defaultBaseUrl: 'https://openrouter.ai/api/v1', keyOptional: false },
  ollama: { api: 'openai', defaultBaseUrl: 'http://127.0.0.1:11434/v1', keyOptional: true },
  vllm: { api: 'openai', defaultBaseUrl: undefined, keyOptional: true },
  'openai-compatible': { api: 'openai', defaultBaseUrl: undefined, keyOptional: true },
};

/** A parsed `provider:model` string. */
export interface ModelSpec {
  readonly provider: ModelProvider;
  /** Everything after the first `:` (it may hold `/` and further `:`, as in `ollama:llama3.1:8b`). */
  readonly model: string;
  /** The canonical `provider:model` text, the key of price tables and usage rows. */
  readonly id: string;
}

function isProvider(value: string): value is ModelProvider {
  return (MODEL_PROVIDERS as readonly string[]).includes(value);
}

/** Parses `provider:model`; anything else is an `InvalidInputError` that lists the providers. */
export function parseModelSpec(spec: string): ModelSpec {
  const listed = MODEL_PROVIDERS.join(', ');
  if (typeof spec !== 'string' || spec.length > 300) {
    throw new InvalidInputError({
      message: `A model spec must be a string "provider:model" of at most 300 characters. Providers: ${listed}.`,
    });
  }
  const colon = spec.indexOf(':');
  const provider = colon < 0 ? '' : spec.slice(0, colon).trim();
  const model = colon < 0 ? '' : spec.slice(colon + 1).trim();
  if (colon < 0 || provider === '' || model === '') {
    throw new InvalidInputError({
      message: `Model spec "${spec}" is not "provider:model" (for example "openai:gpt-4.1-mini"). Providers: ${listed}.`,
      details: { spec, providers: [...MODEL_PROVIDERS] },
    });
  }
  if (!isProvider(provider)) {
    throw new InvalidInputError({
      message: `Unknown model provider "${provider}". Providers: ${listed}.`,
      details: { spec, provider, providers: [...MODEL_PROVIDERS] },
    });
  }
  return { provider, model, id: `${provider}:${model}` };
}
