/** How the supervisor spaces its own restart attempts (after the host gave up, or a failed start). */
export interface RestartPolicy {
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Fraction of each delay that is random, in [0, 1]: 0.5 gives a delay in [½, 1] × the ceiling. */
  readonly jitter: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = { baseDelayMs: 1_000, maxDelayMs: 60_000, jitter: 0.5 };

/** Exponential backoff with jitter: a delay in [1 − jitter, 1] × min(max, base × 2^(attempt−1)). */
export function restartDelay(attempt: number, policy: RestartPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling * (1 - policy.jitter * random()));
}
