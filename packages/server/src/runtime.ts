import { hkdfSync, randomUUID } from 'node:crypto';
import {
  ConfigurationError,
  createConfirmationService,
  createDatabaseAuditSink,
  createLogger,
  type ConfirmationService,
  type Logger,
  type LogRecord,
  type ReadableAuditSink,
} from '@aurora-ops/core';
import {
  createAgent,
  createChatModel,
  createDatabaseUsageStore,
  createScriptedChatModel,
  parseModelSpec,
  type Agent,
  type AgentOptions,
  type UsageStore,
} from '@aurora-ops/core/agent';
import { createMcpHost, type McpHost } from '@aurora-ops/core/mcp-host';
import { createPluginServer, type PluginDefinition } from '@aurora-ops/core/plugin-sdk';
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { createAuthStore, type AuthStore } from './auth/auth-store.js';
import { createSessionTokens, type SessionTokens } from './auth/session-tokens.js';
import { createMemoryEventBus, createRedisEventBus, type EventBus } from './chat/event-bus.js';
import { createRunManager, type RunManager } from './chat/run-manager.js';
import { DEFAULT_MAX_STARTING_RUNS, type PluginEntry, type ServerConfig } from './config/config.js';
import { createServerMetrics, type ServerMetrics } from './metrics/metrics.js';
import { createOrgStore, type OrgStore } from './orgs/org-store.js';
import { createPluginSupervisor, type PluginSupervisor, type SupervisedPlugin } from './plugins/index.js';
import { MAINTENANCE_QUEUE, defineMaintenance } from './workers/maintenance.js';
import { startTracing } from './telemetry/start-tracing.js';
import type { Tracing } from './telemetry/tracing.js';
import { migrateAll } from './stores/migrate-all.js';
import { openStores, type OpenStoresOptions, type Stores } from './stores/open-stores.js';

/** Everything the HTTP API, the workers and `aurora mcp` share: one per process. */
export interface Runtime {
  readonly config: ServerConfig;
  readonly logger: Logger;
  readonly stores: Stores;
  readonly auth: AuthStore;
  readonly sessions: SessionTokens;
  readonly orgs: OrgStore;
  readonly host: McpHost;
  readonly plugins: PluginSupervisor;
  readonly confirmations: ConfirmationService;
  readonly audit: ReadableAuditSink;
  readonly usage: UsageStore;
  readonly agent: Agent;
  readonly runs: RunManager;
  readonly bus: EventBus;
  readonly metrics: ServerMetrics;
  /** OpenTelemetry traces (when OTEL_EXPORTER_OTLP_ENDPOINT is set). */
  readonly tracing?: Tracing;
  /** Set on first start: the one-time login for the first admin (printed once, never stored in plaintext). */
  readonly firstLogin?: { readonly email: string; readonly token: string };
  close(): Promise<void>;
}

export interface RuntimeOptions extends OpenStoresOptions {
  /** Replaces the configured model (tests, benchmarks). */
  readonly model?: BaseChatModel;
  /** Plugins added to the configured ones (tests: an in-process or stdio test plugin). */
  readonly extraPlugins?: readonly SupervisedPlugin[];
  readonly agent?: Partial<AgentOptions>;
  /** Log sink; default JSON lines on stderr at the configured level. */
  readonly log?: (record: LogRecord) => void;
  /** Create the first admin on an empty database. Default true. */
  readonly bootstrap?: boolean;
  /**
   * Take over the runs left running by stopped processes (docs/server.md, "Runs that outlive
   * their process"). Default true; `aurora worker` and `aurora doctor` pass false.
   */
  readonly takeOverRuns?: boolean;
  readonly supervisor?: {
    readonly health?: { intervalMs?: number; timeoutMs?: number; failuresBeforeRestart?: number };
  };
}

const DEMO_TEXT =
  'Aurora is running with its offline demo model, which cannot investigate anything. ' +
  'Set AURORA_MODEL (for example openai:gpt-4.1-mini with OPENAI_API_KEY, or anthropic:claude-sonnet-4-5 with ' +
  'ANTHROPIC_API_KEY, or ollama:llama3.1 for a local model) and restart; `aurora doctor` checks the set-up.';

/** The configured model; its key is a deployment secret reference (default `env:<PROVIDER>_API_KEY`). */
export async function resolveModel(config: ServerConfig, stores: Stores): Promise<BaseChatModel> {
  const spec = config.model;
  if (spec.startsWith('demo:')) return createScriptedChatModel({ turns: [{ text: DEMO_TEXT }], repeatLast: true });
  const { provider } = parseModelSpec(spec);
  const keyed = provider === 'openai' || provider === 'anthropic' || provider === 'openrouter';
  const apiKey = config.modelApiKey ?? (keyed ? `env:${provider.toUpperCase()}_API_KEY` : undefined);
  return createChatModel(spec, {
    ...(apiKey ? { apiKey } : {}),
    secrets: stores.resolver,
    redactor: stores.redactor,
    ...(config.modelBaseUrl ? { baseUrl: config.modelBaseUrl } : {}),
  });
}

/** Built-in plugins, loaded only when configured. */
const BUILTINS: Record<NonNullable<PluginEntry['builtin']>, () => Promise<PluginDefinition>> = {
  aws: async () => (await import('@aurora-ops/plugin-aws')).createAwsPlugin(),
  gcp: async () => (await import('@aurora-ops/plugin-gcp')).createGcpPlugin(),
  azure: async () => (await import('@aurora-ops/plugin-azure')).createAzurePlugin(),
};

async function pluginConfig(entry: PluginEntry, stores: Stores, logger: Logger): Promise<SupervisedPlugin> {
  const common = {
    name: entry.name,
    ...(entry.dependsOn ? { dependsOn: entry.dependsOn } : {}),
    ...(entry.enabled === undefined ? {} : { enabled: entry.enabled }),
    ...(entry.timeoutMs ? { timeoutMs: entry.timeoutMs } : {}),
    tools: {
      ...(entry.allow ? { allow: entry.allow } : {}),
      ...(entry.deny ? { deny: entry.deny } : {}),
      ...(entry.readOnly ? { readOnly: true } : {}),
    },
  };
  const scheme = stores.describe.secrets === 'vault' ? 'vault' : 'local';
  if (entry.builtin) {
    const definition = await BUILTINS[entry.builtin]();
    const slots = Object.keys(definition.credentials ?? {});
    return {
      ...common,
      // Each credential slot reads the org's connector of that kind.
      credentials: Object.fromEntries(slots.map((slot) => [slot, `${scheme}:orgs/{org}/connectors/${slot}`])),
      ...(entry.credentials ? { credentials: entry.credentials } : {}),
      transport: {
        kind: 'in-process',
        server: () =>
          createPluginServer(definition, {
            resolver: stores.resolver,
            objects: stores.objects,
            logger,
            confirmations: 'host',
          }),
      },
    };
  }
  if (entry.command) {
    return {
      ...common,
      ...(entry.credentials ? { credentials: entry.credentials } : {}),
      transport: {
        kind: 'stdio',
        command: entry.command,
        ...(entry.args ? { args: entry.args } : {}),
        ...(entry.env ? { env: entry.env } : {}),
      },
    };
  }
  return {
    ...common,
    ...(entry.credentials ? { credentials: entry.credentials } : {}),
    transport: { kind: 'http', url: entry.url as string },
  };
}

/** Opens the stores and assembles the services. Plugins are started (in dependency order) before it returns. */
export async function createRuntime(config: ServerConfig, options: RuntimeOptions = {}): Promise<Runtime> {
  const levels = ['debug', 'info', 'warn', 'error'];
  const sink =
    options.log ??
    ((record: LogRecord) => {
      if (levels.indexOf(record.level) >= levels.indexOf(config.logLevel))
        process.stderr.write(`${JSON.stringify(record)}\n`);
    });
  // Before the stores (and their redactor) exist, progress of slow start-up steps ("creating
  // the embedded database" on a first start) goes to the same sink: fixed texts, no values.
  const stores = await openStores(config, { ...options, progress: options.progress ?? createLogger(sink) });
  const logger = createLogger((record) => sink({ ...record, message: stores.redactor.redact(record.message) }));
  const closers: (() => Promise<unknown>)[] = [() => stores.close()];
  try {
    const auth = createAuthStore(stores.database);
    const orgs = createOrgStore(stores.database);
    if (stores.describe.database === 'postgres' && stores.describe.vectors === 'pgvector') {
      const { rows } = await stores.database.query("select 1 from pg_available_extensions where name = 'vector'");
      if (rows.length === 0) {
        throw new ConfigurationError({
          message:
            'AURORA_DATABASE_URL: this PostgreSQL server has no pgvector extension (the knowledge base needs it); ' +
            'install pgvector (the pgvector/pgvector images have it) or set AURORA_WEAVIATE_URL.',
          details: { variable: 'AURORA_DATABASE_URL' },
        });
      }
    }
    // Every schema up front (also the ones core migrates lazily), so no route meets a missing table.
    await migrateAll(stores.database, {
      vectors: stores.describe.vectors === 'pgvector',
      queue: stores.describe.queue === 'embedded',
      graph: stores.describe.graph === 'tables',
    });
    const first = options.bootstrap === false ? undefined : await auth.bootstrap();

    const metrics = createServerMetrics();
    // OpenTelemetry's SDK is loaded only when traces are exported (it is a large import).
    const tracing = config.otlpEndpoint
      ? await startTracing({ endpoint: config.otlpEndpoint, role: config.role })
      : undefined;
    if (tracing) closers.push(() => tracing.shutdown());
    const bus = config.redis
      ? await createRedisEventBus(config.redis.url, config.redis.prefix, logger)
      : createMemoryEventBus();
    closers.unshift(() => bus.close());

    const host = createMcpHost({ redactor: stores.redactor, logger });
    closers.unshift(() => host.close());
    const entries = await Promise.all(config.plugins.map((entry) => pluginConfig(entry, stores, logger)));
    const plugins = createPluginSupervisor({
      host,
      plugins: [...entries, ...(options.extraPlugins ?? [])],
      logger,
      ...(options.supervisor?.health ? { health: options.supervisor.health } : {}),
    });
    closers.unshift(() => plugins.close());
    await plugins.start();

    const audit = createDatabaseAuditSink({ database: stores.database });
    const confirmations = createConfirmationService({
      database: stores.database,
      key: new Uint8Array(hkdfSync('sha256', stores.secretKey, 'aurora', 'confirmation-binding/v1', 32)),
      audit,
      policy: (org) => orgs.policy(org),
      ttlMs: config.approvalTtlMs,
      logger,
    });
    const usage = createDatabaseUsageStore({ database: stores.database });
    // This process, as the holder of the runs it executes (see the run manager's takeover).
    const instance = options.agent?.instance ?? randomUUID();
    const agent = createAgent({
      instance,
      model: options.model ?? (await resolveModel(config, stores)),
      modelName: options.model ? 'injected' : config.model,
      host,
      confirmations,
      database: stores.database,
      redactor: stores.redactor,
      logger,
      objects: stores.objects,
      onUsage: (entry) => usage.record(entry),
      // The run manager takes each run's events as they are emitted and stores them; clients
      // replay from storage, so no run keeps its events in memory.
      eventBuffer: 0,
      // Runs that started together end together: their bookkeeping is spread over the turns of
      // the event loop, behind the tokens of the runs still streaming (bench/README).
      stepEndsPerTurn: config.stepEndsPerTurn ?? 4,
      onEvent: (event) => {
        tracing?.onRunEvent(event);
        if (event.type === 'tool-call.finished') {
          const plugin = event.tool.split('__')[0] ?? 'unknown';
          metrics.toolCalls.inc({ plugin, outcome: event.ok ? 'ok' : 'error' });
        }
      },
      ...options.agent,
    });
    const runs = createRunManager({
      agent,
      database: stores.database,
      confirmations,
      bus,
      logger,
      startConcurrency: config.maxStartingRuns ?? DEFAULT_MAX_STARTING_RUNS,
      instance,
      leaseMs: config.runLeaseMs ?? 30_000,
      soleProcess: stores.describe.database === 'pglite',
      takeOver: options.takeOverRuns ?? true,
      metrics: {
        runStarted: () => metrics.runsStarted.inc(),
        runRecovered: () => metrics.runsRecovered.inc(),
        runFinished: (status) => metrics.runsFinished.inc({ status }),
        approval: (decision) => metrics.approvals.inc({ decision }),
      },
    });
    closers.unshift(() => runs.close());
    await runs.migrate();
    await defineMaintenance({ queue: stores.queue, database: stores.database, confirmations, logger });
    metrics.collect({
      runsActive: () => runs.active(),
      runsWaitingToStart: () => runs.waitingToStart(),
      queueDepth: async () => {
        const counts = await stores.queue.counts(MAINTENANCE_QUEUE);
        return { [MAINTENANCE_QUEUE]: counts.waiting + counts.delayed };
      },
      plugins: () =>
        plugins.status().map((plugin) => ({
          name: plugin.name,
          restarts: plugin.restarts,
          crashes: plugin.crashes,
          ready: plugin.state === 'ready',
        })),
    });

    return {
      config,
      logger,
      stores,
      auth,
      sessions: createSessionTokens(stores.secretKey),
      orgs,
      host,
      plugins,
      confirmations,
      audit,
      usage,
      agent,
      runs,
      bus,
      metrics,
      ...(tracing ? { tracing } : {}),
      ...(first ? { firstLogin: { email: first.user.email, token: first.loginToken } } : {}),
      async close() {
        for (const close of closers)
          await close().catch((error: unknown) => logger.warn('runtime: close failed', { error: String(error) }));
      },
    };
  } catch (error) {
    for (const close of closers) await close().catch(() => undefined);
    throw error;
  }
}
