import type { Database, Logger, RunEvent } from '@aurora-ops/core';

/**
 * Stores run events for the whole process in batches: one multi-row insert per flush for every
 * run's pending events. Tokens wait for the next tick (every `intervalMs`); any other event is
 * written with everything pending before it is published (`flushNow`), so a replay never misses
 * a non-token event.
 */
export interface EventWriter {
  add(org: string, runId: string, event: RunEvent): void;
  /** Writes everything added so far; resolves when it is stored. */
  flushNow(): Promise<void>;
  close(): Promise<void>;
}

/** Rows per statement: 5 parameters each, well under PostgreSQL's 65 535. */
const MAX_ROWS = 2000;

export function createEventWriter(options: { database: Database; logger?: Logger; intervalMs?: number }): EventWriter {
  const { database, logger } = options;
  let pending: { org: string; runId: string; event: RunEvent }[] = [];
  let chain: Promise<void> = Promise.resolve();

  const store = async (rows: typeof pending): Promise<void> => {
    for (let start = 0; start < rows.length; start += MAX_ROWS) {
      const slice = rows.slice(start, start + MAX_ROWS);
      const values = slice.map((_, index) => {
        const base = index * 5;
        return `($${base + 1}, $${base + 2}, $${base + 3}, $${base + 4}, $${base + 5})`;
      });
      try {
        await database.query(
          `insert into aurora_run_events (org, run_id, seq, type, event) values ${values.join(', ')} on conflict do nothing`,
          slice.flatMap((row) => [row.org, row.runId, row.event.seq, row.event.type, JSON.stringify(row.event)]),
        );
      } catch (error) {
        logger?.error('chat: storing run events failed', { rows: slice.length, error: (error as Error).message });
      }
    }
  };

  const flushNow = (): Promise<void> => {
    if (pending.length === 0) return chain;
    const rows = pending;
    pending = [];
    chain = chain.then(() => store(rows));
    return chain;
  };

  const timer = setInterval(() => void flushNow(), options.intervalMs ?? 250);
  timer.unref();

  return {
    add(org, runId, event) {
      pending.push({ org, runId, event });
    },
    flushNow,
    async close() {
      clearInterval(timer);
      await flushNow();
    },
  };
}
