import { AuroraError, type SerializedAuroraError } from '@aurora-ops/core';
import type { PluginConfig, PluginState, PluginStatus } from '@aurora-ops/core/mcp-host';
import { CrashTracker } from './crash-tracker.js';
import type { PluginReadiness, SupervisedPlugin, SupervisedPluginStatus } from './supervisor-types.js';

/** Where the supervisor is with one plugin; `running` means the host holds its connection. */
export type Phase = 'idle' | 'waiting' | 'starting' | 'running' | 'backoff' | 'failed' | 'disabled' | 'closed';

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

/** The supervisor's record of one plugin. */
export interface PluginEntry {
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

/** The host's status of each plugin it holds, by name. */
export type LiveStatuses = ReadonlyMap<string, PluginStatus>;

export type PluginEntries = ReadonlyMap<string, PluginEntry>;

export function createPluginEntry(plugin: SupervisedPlugin): PluginEntry {
  const { dependsOn = [], enabled = true, ...config } = plugin;
  return {
    name: plugin.name,
    config,
    dependsOn: [...dependsOn],
    enabled,
    phase: enabled ? 'idle' : 'disabled',
    tracker: new CrashTracker(),
    pingFailures: 0,
    pinging: false,
    retryAttempt: 0,
    queue: Promise.resolve(),
    busy: 0,
  };
}

/** Whether the plugin named `name` is connected and ready (what its dependents wait for). */
export function dependencyReady(name: string, entries: PluginEntries, statuses: LiveStatuses): boolean {
  return entries.get(name)?.phase === 'running' && statuses.get(name)?.state === 'ready';
}

function waitingError(entry: PluginEntry, entries: PluginEntries, statuses: LiveStatuses): SerializedAuroraError {
  const blocking = entry.dependsOn.filter((name) => !dependencyReady(name, entries, statuses));
  const reasons = blocking.map((name) => {
    const dependency = entries.get(name);
    if (dependency === undefined || !dependency.enabled) return `"${name}" (disabled)`;
    const current = dependency.phase === 'running' ? statuses.get(name) : undefined;
    const state = current?.state ?? PHASE_STATE[dependency.phase];
    const error = current?.lastError ?? dependency.lastError;
    return `"${name}" (${state}${error === undefined ? '' : `: ${error.message}`})`;
  });
  const noun = blocking.length === 1 ? 'its dependency' : 'its dependencies';
  return new AuroraError('UNAVAILABLE', {
    message: `Plugin "${entry.name}" is waiting for ${noun} ${reasons.join(', ')}.`,
    details: { plugin: entry.name, waitingFor: blocking },
  }).toJSON();
}

/** The plugin's status: the host's while it holds the plugin, else what the supervisor last knew. */
export function pluginStatus(
  entry: PluginEntry,
  entries: PluginEntries,
  statuses: LiveStatuses,
): SupervisedPluginStatus {
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
    entry.phase === 'waiting' ? waitingError(entry, entries, statuses) : (current?.lastError ?? entry.lastError);
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
}

/** One line of `ready()`: ready and answering pings; a disabled plugin is ok. */
export function pluginReadiness(entry: PluginEntry, status: SupervisedPluginStatus): PluginReadiness {
  if (!entry.enabled) return { name: entry.name, ok: true, detail: 'disabled' };
  if (status.state !== 'ready') {
    const why = status.lastError === undefined ? '' : `: ${status.lastError.message}`;
    return { name: entry.name, ok: false, detail: `${status.state}${why}` };
  }
  if (entry.pingFailures > 0) {
    const why = entry.lastError === undefined ? '' : `: ${entry.lastError.message}`;
    return { name: entry.name, ok: false, detail: `${entry.pingFailures} health ping(s) failed${why}` };
  }
  return { name: entry.name, ok: true };
}
