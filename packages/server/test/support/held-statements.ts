import type { Database } from '@aurora-ops/core';

/**
 * `store` with a valve on some of its statements: while `hold()` is on, each statement that
 * `matches` waits until `letThrough()`. For tests that need a run to stay in a window (a start
 * not yet stored, a pause still being stored) while something else happens.
 */
export function withHeldStatements(
  store: Database,
  matches: (sql: string, params: readonly unknown[] | undefined) => boolean,
) {
  let holding = false;
  const waiting: (() => void)[] = [];
  const database = Object.create(store) as Database;
  database.query = async (sql: string, params?: readonly unknown[]) => {
    if (holding && matches(sql, params)) await new Promise<void>((release) => waiting.push(release));
    return store.query(sql, params);
  };
  return {
    database,
    hold(): void {
      holding = true;
    },
    /** Statements waiting now. */
    held: (): number => waiting.length,
    letThrough(): void {
      holding = false;
      for (const release of waiting.splice(0)) release();
    },
  };
}
