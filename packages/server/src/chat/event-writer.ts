import type { Database, Logger, RunEvent } from '@aurora-ops/core';

/**
 * Stores run events for the whole process in batches: one multi-row insert per flush for every
 * run's pending events. Tokens wait for the next tick (every `intervalMs`); any other event is
 * written with everything pending before it is published (`flushNow`), so a replay never misses
 * a non-token event.
 */
export interface EventWriter {
  add(org: string, runId: string, event: RunEvent): void;
  /**
   * Writes everything added so far; resolves when it is stored, or, for rows the database
   * refused, once they are logged and kept for the next flush (it never rejects).
   */
  flushNow(): Promise<void>;
  close(): Promise<void>;
}

/** Rows per statement: 5 parameters each, well under PostgreSQL's 65 535. */
const MAX_ROWS = 2000;
/** Events kept for a retry while the database fails (about 20 s of 1 000 busy runs). */
const MAX_RETAINED = 400_000;

export function createEventWriter(options: { database: Database; logger?: Logger; intervalMs?: number }): EventWriter {
  const { database, logger } = options;
  let pending: { org: string; runId: string; event: RunEvent }[] = [];

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
        // Kept for the next flush (`on conflict do nothing` makes a retry harmless), up to a
        // bound, so a database that is away for a moment loses no event and one that stays
        // away does not take the process's memory with it.
        const room = Math.max(0, MAX_RETAINED - pending.length);
        const kept = slice.slice(0, room);
        pending = [...kept, ...pending];
        logger?.error('chat: storing run events failed; they are retried with the next flush', {
          rows: slice.length,
          retained: kept.length,
          dropped: slice.length - kept.length,
          error: (error as Error).message,
        });
      }
    }
  };

  // Batches are written concurrently (stored order does not matter: rows are keyed and
  // replayed by seq); a flush resolves once its own batch and every earlier one are stored.
  const inFlight = new Set<Promise<void>>();
  const flushNow = (): Promise<void> => {
    const earlier = [...inFlight];
    if (pending.length === 0)
      return earlier.length === 0 ? Promise.resolve() : Promise.all(earlier).then(() => undefined);
    const rows = pending;
    pending = [];
    const batch = store(rows);
    inFlight.add(batch);
    void batch.finally(() => inFlight.delete(batch));
    return Promise.all([...earlier, batch]).then(() => undefined);
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
