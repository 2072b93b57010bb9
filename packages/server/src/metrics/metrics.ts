import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The server's Prometheus metrics (`/metrics`), one registry per server instance. */
export interface ServerMetrics {
  readonly registry: Registry;
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly httpDuration: Histogram<'method' | 'route'>;
  readonly wsSessions: Gauge;
  readonly runsStarted: Counter;
  readonly runsRecovered: Counter;
  readonly runsFinished: Counter<'status'>;
  readonly toolCalls: Counter<'plugin' | 'outcome'>;
  readonly approvals: Counter<'decision'>;
  readonly rateLimited: Counter<'scope'>;
  /** Gauges read when scraped. */
  collect(sources: {
    runsActive?: () => number;
    runsWaitingToStart?: () => number;
    queueDepth?: () => Promise<Record<string, number>>;
    plugins?: () => readonly { name: string; restarts: number; crashes: number; ready: boolean }[];
  }): void;
}

export function createServerMetrics(options: { defaultMetrics?: boolean } = {}): ServerMetrics {
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'aurora_' });
  const registers = [registry];
  const sources: Parameters<ServerMetrics['collect']>[0] = {};

  new Gauge({
    name: 'aurora_runs_active',
    help: 'Agent runs in flight in this process.',
    registers,
    collect() {
      this.set(sources.runsActive?.() ?? 0);
    },
  });
  new Gauge({
    name: 'aurora_runs_waiting_to_start',
    help: 'Agent runs waiting for their turn to start (AURORA_MAX_STARTING_RUNS) in this process.',
    registers,
    collect() {
      this.set(sources.runsWaitingToStart?.() ?? 0);
    },
  });
  new Gauge({
    name: 'aurora_queue_depth',
    help: 'Jobs waiting or delayed, by queue.',
    labelNames: ['queue'],
    registers,
    async collect() {
      const depth: Record<string, number> = (await sources.queueDepth?.().catch(() => ({}))) ?? {};
      this.reset();
      for (const [queue, value] of Object.entries(depth)) this.set({ queue }, value);
    },
  });
  new Gauge({
    name: 'aurora_plugin_restarts',
    help: 'Restarts of each supervised plugin since start.',
    labelNames: ['plugin'],
    registers,
    collect() {
      this.reset();
      for (const plugin of sources.plugins?.() ?? []) this.set({ plugin: plugin.name }, plugin.restarts);
    },
  });
  new Gauge({
    name: 'aurora_plugin_crashes',
    help: 'Crashes of each supervised plugin since start.',
    labelNames: ['plugin'],
    registers,
    collect() {
      this.reset();
      for (const plugin of sources.plugins?.() ?? []) this.set({ plugin: plugin.name }, plugin.crashes);
    },
  });
  new Gauge({
    name: 'aurora_plugin_ready',
    help: '1 when the plugin is connected and answering.',
    labelNames: ['plugin'],
    registers,
    collect() {
      this.reset();
      for (const plugin of sources.plugins?.() ?? []) this.set({ plugin: plugin.name }, plugin.ready ? 1 : 0);
    },
  });

  return {
    registry,
    httpRequests: new Counter({
      name: 'aurora_http_requests_total',
      help: 'HTTP requests by method, route pattern and status.',
      labelNames: ['method', 'route', 'status'],
      registers,
    }),
    httpDuration: new Histogram({
      name: 'aurora_http_request_duration_seconds',
      help: 'HTTP request duration by method and route pattern.',
      labelNames: ['method', 'route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    wsSessions: new Gauge({ name: 'aurora_ws_sessions', help: 'Open WebSocket chat connections.', registers }),
    runsStarted: new Counter({
      name: 'aurora_runs_started_total',
      help: 'Agent runs (and resumptions) started.',
      registers,
    }),
    runsRecovered: new Counter({
      name: 'aurora_runs_recovered_total',
      help: 'Runs left running by a stopped process and resumed by this one.',
      registers,
    }),
    runsFinished: new Counter({
      name: 'aurora_runs_finished_total',
      help: 'Agent run invocations finished, by status.',
      labelNames: ['status'],
      registers,
    }),
    toolCalls: new Counter({
      name: 'aurora_tool_calls_total',
      help: 'Tool calls by plugin and outcome (ok, error).',
      labelNames: ['plugin', 'outcome'],
      registers,
    }),
    approvals: new Counter({
      name: 'aurora_approvals_total',
      help: 'Confirmation decisions by decision.',
      labelNames: ['decision'],
      registers,
    }),
    rateLimited: new Counter({
      name: 'aurora_rate_limited_total',
      help: 'Requests refused by a rate limit, by scope (user, ip, login).',
      labelNames: ['scope'],
      registers,
    }),
    collect(next) {
      Object.assign(sources, next);
    },
  };
}
