import type { Principal } from '../../src/auth/auth-store.js';

/** An operator of org `acme`, for run-manager tests that need no login. */
export const operator: Principal = {
  userId: 'olive',
  org: 'acme',
  role: 'operator',
  email: 'olive@acme.test',
  via: 'session',
};

/** Polls `condition` every 10 ms; throws naming `what` after `timeoutMs`. */
export async function until(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
