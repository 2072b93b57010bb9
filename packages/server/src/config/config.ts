import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigurationError } from '@aurora-ops/core';
import { parseJson } from '@aurora-ops/core/internal';
import { z } from 'zod';

/**
 * Runs in their start at once per process, unless AURORA_MAX_STARTING_RUNS says otherwise. A
 * start holds its place while its rows are stored, so the number bounds how many starts a
 * database far away can take per second: at 10 ms of round trip, 1 000 messages in 2 s waited
 * 737 ms for their first token at the median with 16 and 129 ms with 64; on a local database
 * 64 did no worse than 16 (bench/README, "How many starts at once").
 */
export const DEFAULT_MAX_STARTING_RUNS = 64;

/**
 * The server's configuration: environment variables (each `AURORA_*` below), optionally on
 * top of a JSON config file (`AURORA_CONFIG`). Every store switches to its production adapter
 * when its variables are set; with none set everything runs embedded in the data directory.
 * A bad value fails start-up with one line naming the variable and what is wrong.
 */

const port = z.coerce.number().int().min(0).max(65_535);
const positiveInt = z.coerce.number().int().positive();
const flag = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no'])
  .transform((value) => value === '1' || value === 'true' || value === 'yes');
const url = (protocols: readonly string[]) =>
  z
    .string()
    .url()
    .refine((value) => URL.canParse(value) && protocols.includes(new URL(value).protocol.replace(/:$/, '')), {
      message: `must be a ${protocols.join(' or ')} URL`,
    });
const list = z.string().transform((value) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean),
);

/** Each variable with its schema and a one-line description (shown by `aurora doctor` and the docs). */
export const CONFIG_VARIABLES = {
  AURORA_CONFIG: { schema: z.string(), description: 'Path of a JSON config file whose keys are these variables.' },
  AURORA_DATA_DIR: { schema: z.string(), description: 'Data directory of the embedded stores (default ~/.aurora).' },
  AURORA_HOST: { schema: z.string().min(1), description: 'Interface to listen on (default 127.0.0.1).' },
  AURORA_PORT: { schema: port, description: 'HTTP port (default 8080; 0 picks a free one).' },
  AURORA_PUBLIC_URL: { schema: url(['http', 'https']), description: 'URL clients reach the server at.' },
  AURORA_ROLE: {
    schema: z.enum(['all', 'server', 'worker']),
    description: 'all (server and workers, default), server, or worker.',
  },
  AURORA_LOG_LEVEL: { schema: z.enum(['debug', 'info', 'warn', 'error']), description: 'Log level (default info).' },
  AURORA_SECRET_KEY: {
    schema: z.string().min(32, 'must be at least 32 characters'),
    description: 'Master key (sessions, approvals, local secrets). Generated into the data directory when unset.',
  },
  AURORA_DATABASE_URL: {
    schema: url(['postgres', 'postgresql']),
    description: 'PostgreSQL URL; unset: embedded PGlite with pgvector in the data directory.',
  },
  AURORA_DATABASE_POOL: { schema: positiveInt, description: 'PostgreSQL pool size (default 10).' },
  AURORA_PGLITE_COMPILER: {
    schema: z.enum(['baseline', 'optimizing']),
    description:
      'WebAssembly compiler of the embedded PGlite: baseline (default; about 50 MB less memory) or optimizing (CPU-heavy SQL about 2x faster).',
  },
  AURORA_REDIS_URL: {
    schema: url(['redis', 'rediss']),
    description: 'Redis URL: BullMQ jobs, cache, shared rate limits and cross-replica events.',
  },
  AURORA_REDIS_PREFIX: {
    schema: z.string().regex(/^[A-Za-z0-9:_-]{1,64}$/, 'must be 1-64 letters, digits, colons, dashes or underscores'),
    description: 'Prefix of every Redis key and channel (default aurora), to share one Redis between deployments.',
  },
  AURORA_S3_BUCKET: {
    schema: z.string().min(3),
    description: 'S3 bucket for objects; unset: files in the data directory.',
  },
  AURORA_S3_ENDPOINT: { schema: url(['http', 'https']), description: 'S3-compatible endpoint (MinIO, Ceph, R2…).' },
  AURORA_S3_REGION: { schema: z.string().min(1), description: 'S3 region (default us-east-1).' },
  AURORA_S3_ACCESS_KEY_ID: {
    schema: z.string().min(1),
    description: 'S3 access key id (default: AWS credential chain).',
  },
  AURORA_S3_SECRET_ACCESS_KEY: { schema: z.string().min(1), description: 'S3 secret access key.' },
  AURORA_S3_FORCE_PATH_STYLE: { schema: flag, description: 'Path-style S3 addressing (MinIO needs it).' },
  AURORA_VAULT_ADDR: {
    schema: url(['http', 'https']),
    description: 'HashiCorp Vault address; unset: local encrypted secrets file.',
  },
  AURORA_VAULT_TOKEN: { schema: z.string().min(1), description: 'Vault token.' },
  AURORA_VAULT_MOUNT: { schema: z.string().min(1), description: 'Vault KV v2 mount (default secret).' },
  AURORA_WEAVIATE_URL: { schema: url(['http', 'https']), description: 'Weaviate URL; unset: pgvector.' },
  AURORA_WEAVIATE_API_KEY: { schema: z.string().min(1), description: 'Weaviate API key.' },
  AURORA_NEO4J_URL: {
    schema: url(['bolt', 'neo4j', 'bolt+s', 'neo4j+s']),
    description: 'Neo4j or Memgraph Bolt URL; unset: graph in the database.',
  },
  AURORA_NEO4J_USER: { schema: z.string().min(1), description: 'Neo4j user (default neo4j).' },
  AURORA_NEO4J_PASSWORD: { schema: z.string().min(1), description: 'Neo4j password.' },
  AURORA_MODEL: {
    schema: z.string().regex(/^[a-z][a-z-]*:.+$/, 'must be provider:model, e.g. openai:gpt-4.1-mini'),
    description: 'Default chat model as provider:model (default demo:scripted, an offline model that explains set-up).',
  },
  AURORA_MODEL_API_KEY: {
    schema: z.string().regex(/^[a-z][a-z0-9-]*:\S+$/, 'must be a secret reference such as env:OPENAI_API_KEY'),
    description: 'Secret reference of the model API key (default env:<PROVIDER>_API_KEY, e.g. env:OPENAI_API_KEY).',
  },
  AURORA_MODEL_BASE_URL: {
    schema: url(['http', 'https']),
    description: 'Model endpoint (Ollama, vLLM, any OpenAI-compatible server, a gateway).',
  },
  AURORA_PLUGINS: {
    schema: list,
    description: 'Built-in plugins to run in-process (aws, gcp, azure); default none. Others via the config file.',
  },
  AURORA_CORS_ORIGINS: { schema: list, description: 'Origins allowed to call the API from a browser.' },
  AURORA_RATE_LIMIT_PER_MINUTE: { schema: positiveInt, description: 'Requests per minute per user (default 600).' },
  AURORA_RATE_LIMIT_PER_IP_PER_MINUTE: {
    schema: positiveInt,
    description: 'Requests per minute per client address (default 1200).',
  },
  AURORA_MAX_BODY_BYTES: { schema: positiveInt, description: 'Largest accepted request body (default 1 MiB).' },
  AURORA_TRUST_PROXY: { schema: flag, description: 'Take the client address from X-Forwarded-For (behind a proxy).' },
  AURORA_MAX_STARTING_RUNS: {
    schema: positiveInt,
    description:
      'Runs in their start (rows and run.started stored) at once per process (default 64); a burst beyond it waits its turn instead of crowding the database pool.',
  },
  AURORA_STEP_ENDS_PER_TURN: {
    schema: positiveInt,
    description:
      'Model steps whose stream has ended that go on to their bookkeeping in each turn of the event loop (default 4); the rest wait their turn behind the tokens still streaming.',
  },
  AURORA_RUN_LEASE_SECONDS: {
    schema: positiveInt,
    description:
      "A process's lease on its runs (default 30): runs left running by a process that stopped renewing it are resumed by another, or by its replacement.",
  },
  AURORA_APPROVAL_TTL_SECONDS: { schema: positiveInt, description: 'How long a confirmation waits (default 900).' },
  OTEL_EXPORTER_OTLP_ENDPOINT: {
    schema: url(['http', 'https']),
    description: 'OpenTelemetry OTLP/HTTP endpoint; traces are exported when set.',
  },
} as const;

export type ConfigVariable = keyof typeof CONFIG_VARIABLES;

/** The plugin entries a config file may add (stdio or HTTP MCP servers, or built-ins with options). */
const pluginEntrySchema = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9-]{0,14}$/, 'must match [a-z][a-z0-9-]{0,14}'),
  /** A built-in plugin (aws, gcp, azure) run in-process. */
  builtin: z.enum(['aws', 'gcp', 'azure']).optional(),
  command: z.string().min(1).optional(),
  args: z.array(z.string()).optional(),
  env: z.record(z.string(), z.string()).optional(),
  url: z.string().url().optional(),
  dependsOn: z.array(z.string()).optional(),
  enabled: z.boolean().optional(),
  readOnly: z.boolean().optional(),
  allow: z.array(z.string()).optional(),
  deny: z.array(z.string()).optional(),
  credentials: z.record(z.string(), z.string()).optional(),
  timeoutMs: z.number().int().positive().optional(),
});
export type PluginEntry = z.infer<typeof pluginEntrySchema>;

export interface ServerConfig {
  readonly dataDir: string;
  readonly host: string;
  readonly port: number;
  readonly publicUrl?: string;
  readonly role: 'all' | 'server' | 'worker';
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error';
  readonly secretKey?: string;
  readonly database?: { readonly url: string; readonly pool: number };
  /** How V8 compiles the embedded PGlite (`aurora start` applies it; unset: baseline). */
  readonly pgliteCompiler?: 'baseline' | 'optimizing';
  readonly redis?: { readonly url: string; readonly prefix: string };
  readonly s3?: {
    readonly bucket: string;
    readonly endpoint?: string;
    readonly region: string;
    readonly accessKeyId?: string;
    readonly secretAccessKey?: string;
    readonly forcePathStyle: boolean;
  };
  readonly vault?: { readonly address: string; readonly token: string; readonly mount: string };
  readonly weaviate?: { readonly url: string; readonly apiKey?: string };
  readonly neo4j?: { readonly url: string; readonly user: string; readonly password: string };
  readonly model: string;
  readonly modelApiKey?: string;
  readonly modelBaseUrl?: string;
  readonly plugins: readonly PluginEntry[];
  readonly corsOrigins: readonly string[];
  readonly rateLimit: { readonly perUserPerMinute: number; readonly perIpPerMinute: number };
  readonly maxBodyBytes: number;
  readonly trustProxy: boolean;
  readonly approvalTtlMs: number;
  /** Agent runs in their start at once per process (unset: `DEFAULT_MAX_STARTING_RUNS`). */
  readonly maxStartingRuns?: number;
  /** Model step ends that go on per turn of the event loop (unset: 4). */
  readonly stepEndsPerTurn?: number;
  readonly runLeaseMs?: number;
  readonly otlpEndpoint?: string;
}

type Values = { -readonly [K in ConfigVariable]?: z.output<(typeof CONFIG_VARIABLES)[K]['schema']> };

function fail(variable: string, problem: string): never {
  throw new ConfigurationError({
    message: `${variable}: ${problem}`,
    details: { variable },
  });
}

function readConfigFile(path: string): { values: Record<string, string>; plugins: PluginEntry[] } {
  let parsed: unknown;
  try {
    parsed = parseJson(readFileSync(path, 'utf8'), path);
  } catch (error) {
    fail('AURORA_CONFIG', `cannot read ${path} as JSON (${(error as Error).message.split('\n')[0]})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    fail('AURORA_CONFIG', 'must hold an object');
  const values: Record<string, string> = {};
  let plugins: PluginEntry[] = [];
  for (const [key, value] of Object.entries(parsed)) {
    if (key === 'plugins') {
      const result = z.array(pluginEntrySchema).safeParse(value);
      if (!result.success) {
        const issue = result.error.issues[0];
        fail(
          'AURORA_CONFIG',
          `plugins${issue?.path.map((part) => `[${JSON.stringify(part)}]`).join('') ?? ''}: ${issue?.message}`,
        );
      }
      plugins = result.data;
    } else if (key in CONFIG_VARIABLES) {
      values[key] = Array.isArray(value) ? value.join(',') : String(value);
    } else if (key !== '$schema') {
      fail('AURORA_CONFIG', `unknown key "${key}"`);
    }
  }
  return { values, plugins };
}

function validatePlugins(plugins: readonly PluginEntry[]): void {
  const names = new Set<string>();
  for (const plugin of plugins) {
    const kinds = [plugin.builtin, plugin.command, plugin.url].filter((kind) => kind !== undefined).length;
    if (kinds !== 1) fail('AURORA_CONFIG', `plugin "${plugin.name}" needs exactly one of builtin, command or url`);
    if (names.has(plugin.name)) fail('AURORA_CONFIG', `plugin "${plugin.name}" is listed twice`);
    names.add(plugin.name);
  }
}

/** The process environment (read here, in the config module, only). */
export const processEnvironment = (): Readonly<Record<string, string | undefined>> => process.env;

/**
 * Reads and validates the configuration. Environment variables win over the config file.
 * Throws a `ConfigurationError` whose message is one line: `AURORA_PORT: must be …`.
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = processEnvironment()): ServerConfig {
  const file = env.AURORA_CONFIG ? readConfigFile(resolve(env.AURORA_CONFIG)) : { values: {}, plugins: [] };
  const raw: Record<string, string> = { ...file.values };
  for (const name of Object.keys(CONFIG_VARIABLES)) {
    const value = env[name];
    if (value !== undefined && value !== '') raw[name] = value;
  }
  const values: Values = {};
  for (const [name, text] of Object.entries(raw)) {
    const spec = CONFIG_VARIABLES[name as ConfigVariable];
    const result = spec.schema.safeParse(text);
    if (!result.success) fail(name, result.error.issues[0]?.message ?? 'is invalid');
    (values as Record<string, unknown>)[name] = result.data;
  }
  const requireWith = (variable: ConfigVariable, needed: ConfigVariable) => {
    if (values[variable] !== undefined && values[needed] === undefined)
      fail(needed, `is required when ${variable} is set`);
  };
  requireWith('AURORA_VAULT_ADDR', 'AURORA_VAULT_TOKEN');
  requireWith('AURORA_NEO4J_URL', 'AURORA_NEO4J_PASSWORD');
  requireWith('AURORA_S3_ACCESS_KEY_ID', 'AURORA_S3_SECRET_ACCESS_KEY');
  requireWith('AURORA_S3_SECRET_ACCESS_KEY', 'AURORA_S3_ACCESS_KEY_ID');
  if (values.AURORA_S3_ENDPOINT !== undefined && values.AURORA_S3_BUCKET === undefined) {
    fail('AURORA_S3_BUCKET', 'is required when AURORA_S3_ENDPOINT is set');
  }

  const builtins = (values.AURORA_PLUGINS ?? []).map((name): PluginEntry => {
    if (name !== 'aws' && name !== 'gcp' && name !== 'azure')
      fail('AURORA_PLUGINS', `unknown built-in plugin "${name}" (aws, gcp, azure)`);
    return { name, builtin: name };
  });
  const plugins = [...builtins, ...file.plugins.filter((plugin) => !builtins.some((b) => b.name === plugin.name))];
  validatePlugins(plugins);

  return {
    dataDir: resolve(values.AURORA_DATA_DIR ?? join(homedir(), '.aurora')),
    host: values.AURORA_HOST ?? '127.0.0.1',
    port: values.AURORA_PORT ?? 8080,
    ...(values.AURORA_PUBLIC_URL ? { publicUrl: values.AURORA_PUBLIC_URL } : {}),
    role: values.AURORA_ROLE ?? 'all',
    logLevel: values.AURORA_LOG_LEVEL ?? 'info',
    ...(values.AURORA_SECRET_KEY ? { secretKey: values.AURORA_SECRET_KEY } : {}),
    ...(values.AURORA_DATABASE_URL
      ? { database: { url: values.AURORA_DATABASE_URL, pool: values.AURORA_DATABASE_POOL ?? 10 } }
      : {}),
    pgliteCompiler: values.AURORA_PGLITE_COMPILER ?? 'baseline',
    ...(values.AURORA_REDIS_URL
      ? { redis: { url: values.AURORA_REDIS_URL, prefix: values.AURORA_REDIS_PREFIX ?? 'aurora' } }
      : {}),
    ...(values.AURORA_S3_BUCKET
      ? {
          s3: {
            bucket: values.AURORA_S3_BUCKET,
            ...(values.AURORA_S3_ENDPOINT ? { endpoint: values.AURORA_S3_ENDPOINT } : {}),
            region: values.AURORA_S3_REGION ?? 'us-east-1',
            ...(values.AURORA_S3_ACCESS_KEY_ID
              ? { accessKeyId: values.AURORA_S3_ACCESS_KEY_ID, secretAccessKey: values.AURORA_S3_SECRET_ACCESS_KEY }
              : {}),
            forcePathStyle: values.AURORA_S3_FORCE_PATH_STYLE ?? values.AURORA_S3_ENDPOINT !== undefined,
          },
        }
      : {}),
    ...(values.AURORA_VAULT_ADDR
      ? {
          vault: {
            address: values.AURORA_VAULT_ADDR,
            token: values.AURORA_VAULT_TOKEN as string,
            mount: values.AURORA_VAULT_MOUNT ?? 'secret',
          },
        }
      : {}),
    ...(values.AURORA_WEAVIATE_URL
      ? {
          weaviate: {
            url: values.AURORA_WEAVIATE_URL,
            ...(values.AURORA_WEAVIATE_API_KEY ? { apiKey: values.AURORA_WEAVIATE_API_KEY } : {}),
          },
        }
      : {}),
    ...(values.AURORA_NEO4J_URL
      ? {
          neo4j: {
            url: values.AURORA_NEO4J_URL,
            user: values.AURORA_NEO4J_USER ?? 'neo4j',
            password: values.AURORA_NEO4J_PASSWORD as string,
          },
        }
      : {}),
    model: values.AURORA_MODEL ?? 'demo:scripted',
    ...(values.AURORA_MODEL_API_KEY ? { modelApiKey: values.AURORA_MODEL_API_KEY } : {}),
    ...(values.AURORA_MODEL_BASE_URL ? { modelBaseUrl: values.AURORA_MODEL_BASE_URL } : {}),
    plugins,
    corsOrigins: values.AURORA_CORS_ORIGINS ?? [],
    rateLimit: {
      perUserPerMinute: values.AURORA_RATE_LIMIT_PER_MINUTE ?? 600,
      perIpPerMinute: values.AURORA_RATE_LIMIT_PER_IP_PER_MINUTE ?? 1200,
    },
    maxBodyBytes: values.AURORA_MAX_BODY_BYTES ?? 1024 * 1024,
    trustProxy: values.AURORA_TRUST_PROXY ?? false,
    approvalTtlMs: (values.AURORA_APPROVAL_TTL_SECONDS ?? 900) * 1000,
    maxStartingRuns: values.AURORA_MAX_STARTING_RUNS ?? DEFAULT_MAX_STARTING_RUNS,
    stepEndsPerTurn: values.AURORA_STEP_ENDS_PER_TURN ?? 4,
    runLeaseMs: (values.AURORA_RUN_LEASE_SECONDS ?? 30) * 1000,
    ...(values.OTEL_EXPORTER_OTLP_ENDPOINT ? { otlpEndpoint: values.OTEL_EXPORTER_OTLP_ENDPOINT } : {}),
  };
}
