import type { RunEvent } from '@aurora-ops/core';
import type { Principal } from '../auth/auth-store.js';
import type { RunManager } from '../chat/run-manager.js';

/** How an invocation of a run ended, as `run.finished` says, with the last final message before it. */
export interface RunOutcome {
  readonly finished: Extract<RunEvent, { type: 'run.finished' }>;
  /** The text of the last `message.completed` before `run.finished`, if any. */
  readonly message?: string;
}

/**
 * Waits (through the run manager's subscription: stored events replayed, then live ones) for
 * the first `run.finished` after `afterSeq`. Resolves `undefined` when `waitMs` passes or
 * `signal` aborts first; never rejects for a timeout.
 */
export async function waitForRunFinished(
  runs: RunManager,
  principal: Principal,
  runId: string,
  afterSeq: number,
  waitMs: number,
  signal: AbortSignal,
): Promise<RunOutcome | undefined> {
  if (waitMs <= 0 || signal.aborted) return undefined;
  let settle: (outcome: RunOutcome | undefined) => void = () => undefined;
  const settled = new Promise<RunOutcome | undefined>((resolve) => (settle = resolve));
  let message: string | undefined;
  const unsubscribe = await runs.subscribe(principal, runId, afterSeq, (event) => {
    if (event.type === 'message.completed') message = event.text;
    if (event.type === 'run.finished') settle({ finished: event, ...(message === undefined ? {} : { message }) });
  });
  const timer = setTimeout(() => settle(undefined), waitMs);
  const onAbort = () => settle(undefined);
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    return await settled;
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
    unsubscribe();
  }
}
