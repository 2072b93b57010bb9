import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { ConfigurationError, InvalidInputError } from '../../errors/errors.js';
import type { SecretRedactor } from '../../secrets/redactor.js';
import type { SecretResolver } from '../../secrets/resolver.js';
import { mapModelError } from './model-call-error.js';
import { PROVIDER_INFO, parseModelSpec, type ModelSpec } from './model-spec.js';

export interface CreateChatModelOptions {
  /**
   * A secret REFERENCE (`vault:kv/data/aurora/orgs/{org}/openai#key`, `env:OPENAI_API_KEY`),
   * never the key itself. Resolved through `secrets`; required for openai, anthropic and
   * openrouter. Without one, no key is read from the environment either.
   */
  readonly apiKey?: string;
  /** Resolves `apiKey`; its redactor learns the plaintext. */
  readonly secrets?: SecretResolver;
  /** Resolve `apiKey` for this org (`resolve(ref, { org })`); without it, `resolveDeployment(ref)`. */
  readonly org?: string;
  /** Also taught the key (for example the logger's redactor, when it is another instance). */
  readonly redactor?: SecretRedactor;
  /** The API base URL; required for `vllm` and `openai-compatible`. */
  readonly baseUrl?: string;
  readonly temperature?: number;
  readonly maxTokens?: number;
  /** Per request. */
  readonly timeoutMs?: number;
  /** Retries of retryable failures (429, 5xx, connection) by LangChain. Default 2. */
  readonly maxRetries?: number;
  /** Replaces the client's fetch (tests, proxies). */
  readonly fetch?: typeof globalThis.fetch;
  /** Extra request headers (OpenRouter's `HTTP-Referer` and `X-Title`, for example). */
  readonly headers?: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal;
}

/**
 * A chat model class as `createChatModel` uses it. Typed loosely on purpose: the provider
 * packages are optional peers, so not even their types are imported statically.
 */
export type ChatModelClass = new (fields: Record<string, unknown>) => BaseChatModel;

/** What `createChatModel` loads; replaced in tests to prove the missing-peer error. */
export interface ChatModelModules {
  readonly openai: () => Promise<{ readonly ChatOpenAI: ChatModelClass }>;
  readonly anthropic: () => Promise<{ readonly ChatAnthropic: ChatModelClass }>;
}

const defaultModules: ChatModelModules = {
  openai: () => import('@langchain/openai'),
  anthropic: () => import('@langchain/anthropic'),
};

/** Keys the local servers ignore; sent so the client never falls back to an environment key. */
const PLACEHOLDER_KEY = 'not-needed';

async function load<T>(name: string, loader: () => Promise<T>): Promise<T> {
  try {
    return await loader();
  } catch (error) {
    throw new ConfigurationError({
      message: `This model needs the optional package ${name}: run \`pnpm add ${name}\`.`,
      cause: error,
      details: { setting: 'model', package: name },
    });
  }
}

function checkNumber(name: string, value: number | undefined, min: number, max: number, integer: boolean): void {
  if (value === undefined) return;
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    value < min ||
    value > max ||
    (integer && !Number.isInteger(value))
  ) {
    throw new InvalidInputError({
      message: `Model option ${name} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}.`,
      details: { option: name },
    });
  }
}

function baseUrlFor(spec: ModelSpec, options: CreateChatModelOptions): string {
  const url = options.baseUrl ?? PROVIDER_INFO[spec.provider].defaultBaseUrl;
  if (url === undefined) {
    throw new ConfigurationError({
      message: `Provider "${spec.provider}" has no default address: set baseUrl (for example http://127.0.0.1:8000/v1).`,
      details: { setting: 'baseUrl', provider: spec.provider },
    });
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidInputError({
      message: 'Model option baseUrl is not a valid URL.',
      details: { option: 'baseUrl' },
    });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new InvalidInputError({ message: 'Model option baseUrl must be http(s).', details: { option: 'baseUrl' } });
  }
  return url.replace(/\/+$/, '');
}

async function resolveKey(spec: ModelSpec, options: CreateChatModelOptions): Promise<string> {
  const { apiKey, secrets } = options;
  if (apiKey === undefined) {
    if (PROVIDER_INFO[spec.provider].keyOptional) return PLACEHOLDER_KEY;
    throw new ConfigurationError({
      message: `Provider "${spec.provider}" needs apiKey: a secret reference such as "env:${spec.provider.toUpperCase()}_API_KEY".`,
      details: { setting: 'apiKey', provider: spec.provider },
    });
  }
  if (secrets === undefined) {
    throw new ConfigurationError({
      message: 'apiKey is a secret reference and needs a SecretResolver (option `secrets`) to resolve it.',
      details: { setting: 'secrets' },
    });
  }
  const signal = options.signal === undefined ? {} : { signal: options.signal };
  const key =
    options.org === undefined
      ? await secrets.resolveDeployment(apiKey, signal)
      : await secrets.resolve(apiKey, { org: options.org, ...signal });
  options.redactor?.learn(key);
  return key;
}

/**
 * Every failure of the model's calls leaves as a typed `AuroraError` (see `mapModelError`),
 * scrubbed by `redactor`. The instance stays the provider's own class, so `bindTools`,
 * streaming and `withStructuredOutput` behave exactly as documented by LangChain.
 */
function mapErrors(model: BaseChatModel, spec: ModelSpec, redactor: SecretRedactor | undefined): BaseChatModel {
  const context = { provider: spec.provider, model: spec.id, ...(redactor === undefined ? {} : { redactor }) };
  const target = model as unknown as Record<string, unknown>;
  const generate = model._generate.bind(model);
  target._generate = async (...args: Parameters<BaseChatModel['_generate']>) => {
    try {
      return await generate(...args);
    } catch (error) {
      throw mapModelError(error, context);
    }
  };
  for (const method of ['_streamResponseChunks', '_streamChatModelEvents'] as const) {
    const original = (model[method] as (...args: unknown[]) => AsyncGenerator<unknown>).bind(model);
    target[method] = async function* (...args: unknown[]) {
      try {
        yield* original(...args);
      } catch (error) {
        throw mapModelError(error, context);
      }
    };
  }
  return model;
}

/**
 * Builds a LangChain chat model from `provider:model`: `openai`, `openrouter`, `ollama`,
 * `vllm` and `openai-compatible` through `ChatOpenAI` (Chat Completions API), `anthropic`
 * through `ChatAnthropic`. Both are optional peers, loaded on first use.
 */
export async function createChatModel(
  spec: string,
  options: CreateChatModelOptions = {},
  modules: ChatModelModules = defaultModules,
): Promise<BaseChatModel> {
  const parsed = parseModelSpec(spec);
  checkNumber('temperature', options.temperature, 0, 2, false);
  checkNumber('maxTokens', options.maxTokens, 1, 10_000_000, true);
  checkNumber('timeoutMs', options.timeoutMs, 1, 86_400_000, true);
  checkNumber('maxRetries', options.maxRetries, 0, 20, true);
  const baseUrl = baseUrlFor(parsed, options);
  const apiKey = await resolveKey(parsed, options);
  const redactor = options.redactor ?? options.secrets?.redactor;
  const maxRetries = options.maxRetries ?? 2;
  const common = {
    model: parsed.model,
    apiKey,
    maxRetries,
    ...(options.temperature === undefined ? {} : { temperature: options.temperature }),
    ...(options.maxTokens === undefined ? {} : { maxTokens: options.maxTokens }),
  };
  const client = {
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    ...(options.headers === undefined ? {} : { defaultHeaders: { ...options.headers } }),
    ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs }),
  };

  if (PROVIDER_INFO[parsed.provider].api === 'anthropic') {
    const { ChatAnthropic } = await load('@langchain/anthropic', modules.anthropic);
    const model = new ChatAnthropic({ ...common, anthropicApiUrl: baseUrl, clientOptions: client });
    return mapErrors(model, parsed, redactor);
  }
  const { ChatOpenAI } = await load('@langchain/openai', modules.openai);
  const model = new ChatOpenAI({
    ...common,
    ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs }),
    streamUsage: true,
    configuration: { ...client, baseURL: baseUrl },
  });
  return mapErrors(model, parsed, redactor);
}
