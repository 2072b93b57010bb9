import {
  AuroraError,
  InvalidInputError,
  NotFoundError,
  noopLogger,
  type SerializedAuroraError,
} from '@aurora-ops/core';
import type { PluginStatus } from '@aurora-ops/core/mcp-host';
import { dependencyOrder } from './dependency-order.js';
import { pingWithin } from './health-ping.js';
import {
  createPluginEntry,
  dependencyReady,
  pluginReadiness,
  pluginStatus,
  type LiveStatuses,
  type PluginEntry as Entry,
} from './plugin-entry.js';
import { restartDelay } from './restart-backoff.js';
import { supervisorSettings } from './supervisor-settings.js';
import type {
  PluginSupervisor,
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

/** `start`: first start, or start after enable; `restart`: replaces a crashed, hung or running connection. */
type ConnectKind = 'start' | 'restart';

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
  const {
    intervalMs,
    pingTimeoutMs,
    failuresBeforeRestart,
    watchIntervalMs,
    restart: policy,
  } = supervisorSettings(options);
  const entries = new Map<string, Entry>();
  for (const plugin of options.plugins) {
    // A duplicate name is reported by start() (dependencyOrder).
    if (!entries.has(plugin.name)) entries.set(plugin.name, createPluginEntry(plugin));
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

  const kill = (pid: number): void => {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
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

  /**
   * Takes the plugin out of the host (stopping its child), keeping its last status. A child
   * that is failing pings is killed first: the host's polite stop (stdin closed, SIGTERM) would
   * wait seconds on a process that no longer listens.
   */
  const detach = async (entry: Entry): Promise<void> => {
    const current = live().get(entry.name);
    if (current === undefined) return;
    entry.lastSeen = current;
    if (entry.pingFailures > 0 && current.pid !== undefined) kill(current.pid);
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
      if (!entry.dependsOn.every((name) => dependencyReady(name, entries, statuses))) continue;
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
      kill(pid);
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
    return pluginStatus(entry, entries, refresh());
  };

  return {
    start() {
      if (closing !== undefined) return Promise.reject(closedError());
      started ??= startAll();
      return started;
    },

    status() {
      const statuses = refresh();
      return [...entries.values()].map((entry) => pluginStatus(entry, entries, statuses));
    },

    get(name) {
      const entry = find(name);
      return pluginStatus(entry, entries, refresh());
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
        if (!entry.dependsOn.every((dependency) => dependencyReady(dependency, entries, statuses))) {
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
      const plugins = [...entries.values()].map((entry) =>
        pluginReadiness(entry, pluginStatus(entry, entries, statuses)),
      );
      return { ok: plugins.every((plugin) => plugin.ok), plugins };
    },

    close() {
      closing ??= closeAll();
      return closing;
    },
  };
}
