import type { Logger, SerializedAuroraError } from '@aurora-ops/core';
import type { McpHost, PluginConfig, PluginStatus } from '@aurora-ops/core/mcp-host';

/** A plugin as the server configures it: the host's config plus start order and a switch. */
export interface SupervisedPlugin extends PluginConfig {
  /** Plugins that must be ready before this one starts. */
  readonly dependsOn?: readonly string[];
  /** Default true. A disabled plugin is not started and its tools are not offered. */
  readonly enabled?: boolean;
}

export interface SupervisorHealthOptions {
  /** How often each ready plugin is pinged (MCP ping). Default 15 000 ms. */
  readonly intervalMs?: number;
  /** A ping slower than this counts as failed. Default 5 000 ms. */
  readonly timeoutMs?: number;
  /** Failed pings in a row after which the plugin is considered hung and restarted. Default 3. */
  readonly failuresBeforeRestart?: number;
  /** How often the host's status is read to notice crashes (no traffic to the plugin). Default 250 ms. */
  readonly watchIntervalMs?: number;
}

export interface SupervisorRestartOptions {
  /** First delay of the supervisor's own restart attempts. Default 1 000 ms. */
  readonly baseDelayMs?: number;
  /** Cap on that delay. Default 60 000 ms. */
  readonly maxDelayMs?: number;
  /** Random fraction of each delay, in [0, 1]. Default 0.5. */
  readonly jitter?: number;
}

export interface SupervisorOptions {
  /** The host the plugins are connected to. The supervisor never closes it. */
  readonly host: McpHost;
  readonly plugins: readonly SupervisedPlugin[];
  readonly health?: SupervisorHealthOptions;
  /**
   * The supervisor's backoff for restarts the host does not do itself: after the host has used
   * up its reconnect attempts, after a failed start, and for a hung plugin without a pid.
   */
  readonly restart?: SupervisorRestartOptions;
  readonly logger?: Logger;
  /** Called synchronously for each event; an exception it throws is logged and ignored. */
  readonly onEvent?: (event: SupervisorEvent) => void;
  /** Clock for timestamps (ms since the epoch). Default `Date.now`. */
  readonly now?: () => number;
}

export type SupervisorEventType =
  'plugin.started' | 'plugin.crashed' | 'plugin.restarted' | 'plugin.hung' | 'plugin.disabled' | 'plugin.enabled';

export interface SupervisorEvent {
  readonly type: SupervisorEventType;
  readonly plugin: string;
  /** ISO 8601. */
  readonly at: string;
  /** The stdio child's pid: the new one for started/restarted, the lost one for crashed/hung. */
  readonly pid?: number;
  /** Why it crashed or hung. */
  readonly error?: SerializedAuroraError;
  readonly crashes: number;
  readonly restarts: number;
}

export interface SupervisedPluginStatus extends PluginStatus {
  readonly enabled: boolean;
  /** Connection losses: the child died, its pipe closed, the HTTP server went away, or it hung. */
  readonly crashes: number;
  /** Times it came back after a crash or on request (host reconnects included). */
  readonly restarts: number;
  /** ISO 8601. */
  readonly lastCrashAt?: string;
  /** Round trip of the last successful health ping. */
  readonly lastPingMs?: number;
  readonly consecutivePingFailures: number;
  readonly dependsOn: readonly string[];
  /** When the supervisor will next try to start it (ISO 8601), while a restart is pending. */
  readonly retryAt?: string;
}

/** One line of `ready()`: a plugin is ok when it is ready and its last health ping succeeded. */
export interface PluginReadiness {
  readonly name: string;
  readonly ok: boolean;
  readonly detail?: string;
}

export interface PluginSupervisor {
  /**
   * Starts the enabled plugins in dependency order, each as soon as its dependencies are ready,
   * and resolves once every one is ready or has failed its first attempt. A cycle, an unknown
   * dependency or a duplicate name rejects with a `ConfigurationError` naming it, before
   * anything starts. A plugin that fails to start is retried on the restart backoff; its
   * dependents wait (state `connecting`, `lastError` naming the dependency) and start once it is ready.
   */
  start(): Promise<void>;
  status(): SupervisedPluginStatus[];
  /** Unknown name: `NotFoundError`. */
  get(name: string): SupervisedPluginStatus;
  /**
   * Disconnects and connects again (a fresh child for stdio). Rejects with the host's typed
   * error if it cannot connect (the supervisor keeps retrying); a disabled plugin is an `InvalidInputError`.
   */
  restart(name: string): Promise<SupervisedPluginStatus>;
  /** Starts a disabled plugin (once its dependencies are ready). Rejects like `restart` when it cannot connect. */
  enable(name: string): Promise<SupervisedPluginStatus>;
  /** Disconnects the plugin (its child is stopped, its tools leave the host) and keeps it stopped. */
  disable(name: string): Promise<SupervisedPluginStatus>;
  /** For `/ready`: every enabled plugin ready and answering pings. Disabled plugins are listed, ok. */
  ready(): { ok: boolean; plugins: PluginReadiness[] };
  /** Stops the loops and disconnects every plugin it connected (dependents first), waiting for children to exit. */
  close(): Promise<void>;
}
