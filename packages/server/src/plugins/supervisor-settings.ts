import { ConfigurationError } from '@aurora-ops/core';
import { DEFAULT_RESTART_POLICY, type RestartPolicy } from './restart-backoff.js';
import type { SupervisorOptions } from './supervisor-types.js';

/** The supervisor's options with defaults applied and checked. */
export interface SupervisorSettings {
  readonly intervalMs: number;
  readonly pingTimeoutMs: number;
  readonly failuresBeforeRestart: number;
  readonly watchIntervalMs: number;
  readonly restart: RestartPolicy;
}

function positive(value: number | undefined, fallback: number, setting: string, integer = false): number {
  const chosen = value ?? fallback;
  if (!Number.isFinite(chosen) || chosen <= 0 || (integer && !Number.isInteger(chosen))) {
    throw new ConfigurationError({
      message: `${setting} must be a positive ${integer ? 'integer' : 'number'}.`,
      details: { setting },
    });
  }
  return chosen;
}

/** Applies the defaults; a bad value is a `ConfigurationError` naming the setting. */
export function supervisorSettings(options: Pick<SupervisorOptions, 'health' | 'restart'>): SupervisorSettings {
  const { health = {}, restart = {} } = options;
  const jitter = restart.jitter ?? DEFAULT_RESTART_POLICY.jitter;
  if (!(jitter >= 0 && jitter <= 1)) {
    throw new ConfigurationError({
      message: 'restart.jitter must be between 0 and 1.',
      details: { setting: 'restart.jitter' },
    });
  }
  return {
    intervalMs: positive(health.intervalMs, 15_000, 'health.intervalMs'),
    pingTimeoutMs: positive(health.timeoutMs, 5_000, 'health.timeoutMs'),
    failuresBeforeRestart: positive(health.failuresBeforeRestart, 3, 'health.failuresBeforeRestart', true),
    watchIntervalMs: positive(health.watchIntervalMs, 250, 'health.watchIntervalMs'),
    restart: {
      baseDelayMs: positive(restart.baseDelayMs, DEFAULT_RESTART_POLICY.baseDelayMs, 'restart.baseDelayMs'),
      maxDelayMs: positive(restart.maxDelayMs, DEFAULT_RESTART_POLICY.maxDelayMs, 'restart.maxDelayMs'),
      jitter,
    },
  };
}
