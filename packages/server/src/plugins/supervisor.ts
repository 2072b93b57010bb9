import {
  AuroraError,
  ConfigurationError,
  InvalidInputError,
  NotFoundError,
  noopLogger,
  type SerializedAuroraError,
} from '@aurora-ops/core';
import type { PluginConfig, PluginState, PluginStatus } from '@aurora-ops/core/mcp-host';
import { CrashTracker } from './crash-tracker.js';
import { dependencyOrder } from './dependency-order.js';
import { pingWithin } from './health-ping.js';
import { DEFAULT_RESTART_POLICY, restartDelay, type RestartPolicy } from './restart-backoff.js';
import type {
  PluginReadiness,
  PluginSupervisor,
  SupervisedPlugin,
  SupervisedPluginStatus,
  SupervisorEvent,
  SupervisorEventType,
  SupervisorOptions,
} from './supervisor-types.js';

export type {
  PluginReadiness,
  PluginSupervisor,
  SupervisedPlugin,
  SupervisedPluginStatus,
  SupervisorEvent,
  SupervisorEventType,
  SupervisorHealthOptions,
  SupervisorOptions,
  SupervisorRestartOptions,
} from './supervisor-types.js';

/** Where the supervisor is with one plugin; `running` means the host holds its connection. */
type Phase = 'idle' | 'waiting' | 'starting' | 'running' | 'backoff' | 'failed' | 'disabled' | 'closed';

/** The host state reported for a plugin the host does not hold. */
const PHASE_STATE: Readonly<Record<Phase, PluginState>> = {
  idle: 'connecting',
  waiting: 'connecting',
  starting: 'connecting',
  running: 'connecting',
  backoff: 'failed',
  failed: 'failed',
  disabled: 'closed',
  closed: 'closed',
};

/** `start`: first start, or start after enable; `restart`: replaces a crashed, hung or running connection. */
type ConnectKind = 'start' | 'restart';

interface Entry {
  readonly name: string;
  readonly config: PluginConfig;
  readonly dependsOn: readonly string[];
  enabled: boolean;
  phase: Phase;
  readonly tracker: CrashTracker;
  lastError?: SerializedAuroraError;
  lastCrashAt?: string;
  lastPingMs?: number;
  pingFailures: number;
  pinging: boolean;
  /** The host's last status for it, kept after the host lets go (server info, stderr tail). */
  lastSeen?: PluginStatus;
  retryTimer?: ReturnType<typeof setTimeout>;
  retryAttempt: number;
  retryAt?: string;
  /** Operations on one plugin run one at a time; the watcher leaves a busy plugin alone. */
  queue: Promise<void>;
  busy: number;
}

type LiveStatuses = ReadonlyMap<string, PluginStatus>;

function hostConfig(plugin: SupervisedPlugin): PluginConfig {
  const { dependsOn: _dependsOn, enabled: _enabled, ...config } = plugin;
  return config;
}

function positiveSetting(value: number | undefined, fallback: number, setting: string, integer = false): number {
  const chosen = value ?? fallback;
  if (!Number.isFinite(chosen) || chosen <= 0 || (integer && !Number.isInteger(chosen))) {
    throw new ConfigurationError({
      message: `${setting} must be a positive ${integer ? 'integer' : 'number'}.`,
      details: { setting },
    });
  }
  return chosen;
}

/**
 * Supervises the plugins of an MCP host: starts them in dependency order, watches the host's
 * status to count crashes (the host reconnects a dropped plugin itself), restarts a plugin the
 * host has given up on with its own backoff, pings each ready plugin and kills one that stops
 * answering (SIGKILL on its pid) so that it comes back, and answers `/ready`.
 */
export function createPluginSupervisor(options: SupervisorOptions): PluginSupervisor {
  const { host } = options;
  const logger = (options.logger ?? noopLogger).child({ component: 'plugin-supervisor' });
  const now = options.now ?? Date.now;
  const iso = (offsetMs = 0): string => new Date(now() + offsetMs).toISOString();
  const intervalMs = positiveSetting(options.health?.intervalMs, 15_000, 'health.intervalMs');
  const pingTimeoutMs = positiveSetting(options.health?.timeoutMs, 5_000, 'health.timeoutMs');
  const failuresBeforeRestart = positiveSetting(
    options.health?.failuresBeforeRestart,
    3,
    'health.failuresBeforeRestart',
    true,
  );
  const watchIntervalMs = positiveSetting(options.health?.watchIntervalMs, 250, 'health.watchIntervalMs');
  const policy: RestartPolicy = {
    baseDelayMs: positiveSetting(
      options.restart?.baseDelayMs,
      DEFAULT_RESTART_POLICY.baseDelayMs,
      'restart.baseDelayMs',
    ),
    maxDelayMs: positiveSetting(options.restart?.maxDelayMs, DEFAULT_RESTART_POLICY.maxDelayMs, 'restart.maxDelayMs'),
    jitter: options.restart?.jitter ?? DEFAULT_RESTART_POLICY.jitter,
  };
  if (!(policy.jitter >= 0 && policy.jitter <= 1)) {
    throw new ConfigurationError({
      message: 'restart.jitter must be between 0 and 1.',
      details: { setting: 'restart.jitter' },
    });
  }

  const entries = new Map<string, Entry>();
  for (const plugin of options.plugins) {
    if (entries.has(plugin.name)) continue; // start() reports the duplicate
    entries.set(plugin.name, {
      name: plugin.name,
      config: hostConfig(plugin),
      dependsOn: [...(plugin.dependsOn ?? [])],
      enabled: plugin.enabled ?? true,
      phase: plugin.enabled === false ? 'disabled' : 'idle',
      tracker: new CrashTracker(),
      pingFailures: 0,
      pinging: false,
      retryAttempt: 0,
      queue: Promise.resolve(),
      busy: 0,
    });
  }
  let started: Promise<void> | undefined;
  let closing: Promise<void> | undefined;
  let watchTimer: ReturnType<typeof setInterval> | undefined;
  let healthTimer: ReturnType<typeof setInterval> | undefined;

  const live = (): LiveStatuses => new Map(host.status().map((status) => [status.name, status]));

  const find = (name: string): Entry => {
    const entry = entries.get(name);
    if (entry === undefined) {
      throw new NotFoundError({ message: `No plugin named "${name}" is configured.`, details: { plugin: name } });
    }
    return entry;
  };

  const emit = (
    type: SupervisorEventType,
    entry: Entry,
    extra: { pid?: number | undefined; error?: SerializedAuroraError | undefined } = {},
  ): void => {
    const event: SupervisorEvent = {
      type,
      plugin: entry.name,
      at: iso(),
      ...(extra.pid === undefined ? {} : { pid: extra.pid }),
      ...(extra.error === undefined ? {} : { error: extra.error }),
      crashes: entry.tracker.crashes,
      restarts: entry.tracker.restarts,
    };
    const fields = { plugin: entry.name, pid: extra.pid, code: extra.error?.code, crashes: event.crashes };
    if (type === 'plugin.crashed' || type === 'plugin.hung') logger.warn(`plugin-supervisor: ${type}`, fields);
    else logger.info(`plugin-supervisor: ${type}`, fields);
    try {
      options.onEvent?.(event);
    } catch (error) {
      logger.warn('plugin-supervisor: onEvent threw', { plugin: entry.name, code: AuroraError.from(error).code });
    }
  };

  /** Runs `operation` after the plugin's earlier operations; the watcher skips it meanwhile. */
  const run = <T>(entry: Entry, operation: () => Promise<T>): Promise<T> => {
    entry.busy++;
    const result = entry.queue.then(operation).finally(() => {
      entry.busy--;
    });
    entry.queue = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  };

  const background = (entry: Entry, operation: () => Promise<void>): void => {
    run(entry, operation).catch(() => undefined); // failures are recorded in the entry and logged
  };

  const cancelRetry = (entry: Entry): void => {
    clearTimeout(entry.retryTimer);
    entry.retryTimer = undefined;
    entry.retryAt = undefined;
  };

  const scheduleRetry = (entry: Entry, kind: ConnectKind): void => {
    entry.phase = 'backoff';
    if (closing !== undefined || !entry.enabled || entry.retryTimer !== undefined) return;
    entry.retryAttempt++;
    const delay = restartDelay(entry.retryAttempt, policy);
    entry.retryAt = iso(delay);
    entry.retryTimer = setTimeout(() => {
      entry.retryTimer = undefined;
      entry.retryAt = undefined;
      background(entry, () => connect(entry, kind));
    }, delay);
    entry.retryTimer.unref();
  };

  /** Takes the plugin out of the host (stopping its child), keeping its last status. */
  const detach = async (entry: Entry): Promise<void> => {
    const current = live().get(entry.name);
    if (current === undefined) return;
    entry.lastSeen = current;
    await host.disconnect(entry.name).catch((error: unknown) => {
      if (!NotFoundError.isInstance(error)) throw error;
    });
  };

  /** (Re)connects the plugin through the host; on failure records it and schedules a retry. */
  const connect = async (entry: Entry, kind: ConnectKind): Promise<void> => {
    if (closing !== undefined || !entry.enabled) return;
    cancelRetry(entry);
    await detach(entry);
    entry.phase = 'starting';
    let status: PluginStatus;
    try {
      status = await host.connect(entry.config);
    } catch (error) {
      const failure = AuroraError.from(error, 'UNAVAILABLE');
      entry.lastError = failure.toJSON();
      logger.warn('plugin-supervisor: plugin could not be started', {
        plugin: entry.name,
        code: failure.code,
        attempt: entry.retryAttempt + 1,
      });
      if (failure.retryable) scheduleRetry(entry, kind);
      else entry.phase = 'failed';
      throw failure;
    }
    entry.tracker.connected(kind === 'restart');
    entry.phase = 'running';
    entry.retryAttempt = 0;
    entry.pingFailures = 0;
    entry.lastSeen = status;
    emit(kind === 'restart' ? 'plugin.restarted' : 'plugin.started', entry, { pid: status.pid });
  };

  const dependencyReady = (name: string, statuses: LiveStatuses): boolean => {
    const dependency = entries.get(name);
    return dependency?.phase === 'running' && statuses.get(name)?.state === 'ready';
  };

  const waitingError = (entry: Entry, statuses: LiveStatuses): SerializedAuroraError => {
    const blocking = entry.dependsOn.filter((name) => !dependencyReady(name, statuses));
    const reasons = blocking.map((name) => {
      const dependency = entries.get(name);
      if (dependency === undefined || !dependency.enabled) return `"${name}" (disabled)`;
      const current = dependency.phase === 'running' ? statuses.get(name) : undefined;
      const state = current?.state ?? PHASE_STATE[dependency.phase];
      const error = current?.lastError ?? dependency.lastError;
      return `"${name}" (${state}${error === undefined ? '' : `: ${error.message}`})`;
    });
    return new AuroraError('UNAVAILABLE', {
      message: `Plugin "${entry.name}" is waiting for ${blocking.length === 1 ? 'its dependency' : 'its dependencies'} ${reasons.join(', ')}.`,
      details: { plugin: entry.name, waitingFor: blocking },
    }).toJSON();
  };

  const statusOf = (entry: Entry, statuses: LiveStatuses): SupervisedPluginStatus => {
    const current = entry.phase === 'running' ? statuses.get(entry.name) : undefined;
    const seen = entry.lastSeen;
    const base: PluginStatus = current ?? {
      name: entry.name,
      state: PHASE_STATE[entry.phase],
      transport: entry.config.transport.kind,
      toolCount: 0,
      reconnects: 0,
      ...(seen?.server === undefined ? {} : { server: seen.server }),
      ...(seen?.stderrTail === undefined ? {} : { stderrTail: seen.stderrTail }),
    };
    const lastError =
      entry.phase === 'waiting' ? waitingError(entry, statuses) : (current?.lastError ?? entry.lastError);
    return {
      ...base,
      reconnects: entry.tracker.totalReconnects(current?.reconnects),
      ...(lastError === undefined ? {} : { lastError }),
      enabled: entry.enabled,
      crashes: entry.tracker.crashes,
      restarts: entry.tracker.restarts,
      ...(entry.lastCrashAt === undefined ? {} : { lastCrashAt: entry.lastCrashAt }),
      ...(entry.lastPingMs === undefined ? {} : { lastPingMs: entry.lastPingMs }),
      consecutivePingFailures: entry.pingFailures,
      dependsOn: entry.dependsOn,
      ...(entry.retryAt === undefined ? {} : { retryAt: entry.retryAt }),
    };
  };

  /** A crash seen without the host's help (a hung plugin without a pid, or one the host no longer holds). */
  const crashedOutsideHost = (entry: Entry, error: SerializedAuroraError): void => {
    entry.tracker.recordCrash();
    entry.lastCrashAt = iso();
    entry.lastError = error;
    emit('plugin.crashed', entry, { pid: entry.lastSeen?.pid, error });
  };

  const observe = (entry: Entry, status: PluginStatus): void => {
    const previousPid = entry.lastSeen?.pid;
    entry.lastSeen = status;
    const { crashed, restarted } = entry.tracker.observe(status);
    if (crashed > 0) {
      entry.lastCrashAt = iso();
      entry.pingFailures = 0;
      if (status.lastError !== undefined) entry.lastError = status.lastError;
      for (let index = 0; index < crashed; index++) {
        emit('plugin.crashed', entry, { pid: previousPid, error: status.lastError });
      }
    }
    for (let index = 0; index < restarted; index++) emit('plugin.restarted', entry, { pid: status.pid });
    // The host has used up its reconnect attempts: the supervisor takes over on its own backoff.
    if (status.state === 'failed') scheduleRetry(entry, 'restart');
  };

  const startWaiting = (statuses: LiveStatuses): void => {
    for (const entry of entries.values()) {
      if (entry.phase !== 'waiting' || !entry.enabled || entry.busy > 0) continue;
      if (!entry.dependsOn.every((name) => dependencyReady(name, statuses))) continue;
      entry.phase = 'starting';
      background(entry, () => connect(entry, 'start'));
    }
  };

  /**
   * Reads the host's status and accounts for what changed (crashes, recoveries, a host that gave
   * up). Runs on the watch timer and before every status read, so counters match the state shown.
   */
  const refresh = (): LiveStatuses => {
    const statuses = live();
    if (closing !== undefined) return statuses;
    for (const entry of entries.values()) {
      if (entry.phase !== 'running' || entry.busy > 0) continue;
      const status = statuses.get(entry.name);
      if (status !== undefined) {
        observe(entry, status);
        continue;
      }
      const error = new AuroraError('UNAVAILABLE', {
        message: `Plugin "${entry.name}" is no longer connected to the host.`,
        details: { plugin: entry.name },
      });
      crashedOutsideHost(entry, error.toJSON());
      scheduleRetry(entry, 'restart');
    }
    return statuses;
  };

  const watch = (): void => {
    if (closing === undefined) startWaiting(refresh());
  };

  const hung = (entry: Entry, error: SerializedAuroraError): void => {
    const pid = entry.lastSeen?.pid;
    entry.pingFailures = 0;
    emit('plugin.hung', entry, { pid, error });
    if (pid !== undefined) {
      // The host sees the child die and reconnects; the watcher counts the crash.
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
      return;
    }
    crashedOutsideHost(entry, error);
    background(entry, () => connect(entry, 'restart'));
  };

  const checkHealth = (): void => {
    if (closing !== undefined) return;
    for (const entry of entries.values()) {
      if (entry.phase !== 'running' || entry.busy > 0 || entry.pinging || entry.lastSeen?.state !== 'ready') continue;
      entry.pinging = true;
      const session = entry.lastSeen;
      pingWithin(host, entry.name, pingTimeoutMs)
        .then(
          (ms) => {
            entry.lastPingMs = ms;
            entry.pingFailures = 0;
          },
          (error: unknown) => {
            const failure = AuroraError.from(error);
            // A connection lost or replaced meanwhile is a crash or a restart, not a hang.
            if (failure.code === 'UNAVAILABLE' || failure.code === 'NOT_FOUND') return;
            if (entry.phase !== 'running' || entry.lastSeen?.pid !== session?.pid) return;
            entry.pingFailures++;
            entry.lastError = failure.toJSON();
            logger.warn('plugin-supervisor: health ping failed', {
              plugin: entry.name,
              code: failure.code,
              failures: entry.pingFailures,
            });
            if (entry.pingFailures >= failuresBeforeRestart) hung(entry, failure.toJSON());
          },
        )
        .finally(() => {
          entry.pinging = false;
        });
    }
  };

  const startAll = async (): Promise<void> => {
    const order = dependencyOrder(options.plugins);
    watchTimer = setInterval(watch, watchIntervalMs);
    watchTimer.unref();
    healthTimer = setInterval(checkHealth, intervalMs);
    healthTimer.unref();
    const results = new Map<string, Promise<boolean>>();
    for (const name of order) {
      const entry = find(name);
      const dependencies = entry.dependsOn.map((dependency) => results.get(dependency) ?? Promise.resolve(false));
      const result = Promise.all(dependencies).then(async (ready) => {
        if (!entry.enabled || closing !== undefined) return false;
        if (!ready.every(Boolean)) {
          entry.phase = 'waiting';
          return false;
        }
        try {
          await run(entry, () => connect(entry, 'start'));
          return entry.phase === 'running';
        } catch {
          return false;
        }
      });
      results.set(name, result);
    }
    await Promise.all(results.values());
  };

  const closeAll = async (): Promise<void> => {
    clearInterval(watchTimer);
    clearInterval(healthTimer);
    for (const entry of entries.values()) cancelRetry(entry);
    await Promise.all([...entries.values()].map((entry) => entry.queue));
    let order: string[];
    try {
      order = dependencyOrder(options.plugins).reverse();
    } catch {
      order = [...entries.keys()].reverse();
    }
    for (const name of order) {
      const entry = find(name);
      await run(entry, () => detach(entry)).catch((error: unknown) => {
        logger.warn('plugin-supervisor: plugin did not stop cleanly', {
          plugin: name,
          code: AuroraError.from(error).code,
        });
      });
      entry.phase = 'closed';
    }
  };

  const closedError = (): InvalidInputError =>
    new InvalidInputError({ message: 'The plugin supervisor is closed.', details: { field: 'supervisor' } });

  const statusAfter = async (entry: Entry, operation: () => Promise<void>): Promise<SupervisedPluginStatus> => {
    if (closing !== undefined) throw closedError();
    await run(entry, operation);
    return statusOf(entry, refresh());
  };

  return {
    start() {
      if (closing !== undefined) return Promise.reject(closedError());
      started ??= startAll();
      return started;
    },

    status() {
      const statuses = refresh();
      return [...entries.values()].map((entry) => statusOf(entry, statuses));
    },

    get(name) {
      const entry = find(name);
      return statusOf(entry, refresh());
    },

    async restart(name) {
      const entry = find(name);
      const disabled = (): InvalidInputError =>
        new InvalidInputError({
          message: `Plugin "${name}" is disabled; enable it instead.`,
          details: { field: 'plugin', plugin: name },
        });
      if (!entry.enabled) throw disabled();
      return statusAfter(entry, async () => {
        if (!entry.enabled) throw disabled();
        await connect(entry, 'restart');
      });
    },

    async enable(name) {
      const entry = find(name);
      return statusAfter(entry, async () => {
        if (entry.enabled) return;
        entry.enabled = true;
        emit('plugin.enabled', entry);
        if (started === undefined) {
          entry.phase = 'idle';
          return;
        }
        const statuses = live();
        if (!entry.dependsOn.every((dependency) => dependencyReady(dependency, statuses))) {
          entry.phase = 'waiting';
          return;
        }
        await connect(entry, 'start');
      });
    },

    async disable(name) {
      const entry = find(name);
      return statusAfter(entry, async () => {
        if (!entry.enabled) return;
        entry.enabled = false;
        cancelRetry(entry);
        await detach(entry);
        entry.phase = 'disabled';
        entry.pingFailures = 0;
        emit('plugin.disabled', entry);
      });
    },

    ready() {
      const statuses = refresh();
      const plugins = [...entries.values()].map((entry): PluginReadiness => {
        if (!entry.enabled) return { name: entry.name, ok: true, detail: 'disabled' };
        const status = statusOf(entry, statuses);
        if (status.state !== 'ready') {
          const why = status.lastError === undefined ? '' : `: ${status.lastError.message}`;
          return { name: entry.name, ok: false, detail: `${status.state}${why}` };
        }
        if (entry.pingFailures > 0) {
          const why = entry.lastError === undefined ? '' : `: ${entry.lastError.message}`;
          return { name: entry.name, ok: false, detail: `${entry.pingFailures} health ping(s) failed${why}` };
        }
        return { name: entry.name, ok: true };
      });
      return { ok: plugins.every((plugin) => plugin.ok), plugins };
    },

    close() {
      closing ??= closeAll();
      return closing;
    },
  };
}
