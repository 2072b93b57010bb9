import type { PluginState } from '@aurora-ops/core/mcp-host';

/** What the tracker reads from the host's status of one plugin. */
export interface ConnectionObservation {
  readonly state: PluginState;
  /** The host's reconnect count for the plugin's current connection. */
  readonly reconnects: number;
}

/** What changed since the previous observation. */
export interface CrashDelta {
  /** Connection losses first seen now (a loss the host healed between two observations counts too). */
  readonly crashed: number;
  /** Recoveries first seen now. */
  readonly restarted: number;
}

/**
 * Counts crashes and recoveries of one plugin from the host's status, which has no events:
 * every loss of a connection is a state change to `reconnecting` (or `failed`) followed, when
 * the host heals it, by one more `reconnects`. Polling can miss the `reconnecting` state
 * entirely when the host is quick, so a rise in `reconnects` also counts as the loss it healed.
 */
export class CrashTracker {
  crashes = 0;
  restarts = 0;
  private down = false;
  private seenReconnects = 0;
  /** Host reconnects of connections the supervisor has since replaced. */
  private earlierReconnects = 0;

  /** Whether the last observation saw the connection lost and not yet healed. */
  get isDown(): boolean {
    return this.down;
  }

  /** Host reconnects over every connection this plugin has had. */
  totalReconnects(current?: number): number {
    return this.earlierReconnects + (current ?? this.seenReconnects);
  }

  observe(observation: ConnectionObservation): CrashDelta {
    let crashed = 0;
    let restarted = 0;
    const healed = observation.reconnects - this.seenReconnects;
    if (healed > 0) {
      crashed += healed - (this.down ? 1 : 0);
      restarted += healed;
      this.down = false;
    }
    this.seenReconnects = observation.reconnects;
    if ((observation.state === 'reconnecting' || observation.state === 'failed') && !this.down) {
      crashed++;
      this.down = true;
    }
    this.crashes += crashed;
    this.restarts += restarted;
    return { crashed, restarted };
  }

  /** A loss the supervisor saw itself (a hung plugin it replaced, a plugin gone from the host). */
  recordCrash(): void {
    if (this.down) return;
    this.crashes++;
    this.down = true;
  }

  /** The supervisor connected a fresh connection; `restarted` when it replaced a running or crashed one. */
  connected(restarted: boolean): void {
    this.earlierReconnects += this.seenReconnects;
    this.seenReconnects = 0;
    this.down = false;
    if (restarted) this.restarts++;
  }
}
