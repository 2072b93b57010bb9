import type { Database, Logger, RunEvent } from '@aurora-ops/core';

/**
 * Stores run events for the whole process in batches. Tokens wait for the next tick (every
 * `intervalMs`); any other event is written with everything of its run pending before it, before
 * it is published (`flush(runId)`), so a replay never misses a non-token event.
 *
 * A run's consecutive tokens within one batch are stored as one row: `seq` is the first,
 * `last_seq` the last, and `event` a `TokenRange` (what the tokens share once, then their
 * texts and the part of their times that differs). At 20 tokens/s and the default 250 ms tick
 * that is five times fewer rows, each about a third of the bytes of the events themselves, as
 * JSON text the database does not parse. Other events are a row each (`last_seq` null,
 * `event` one JSON object). `expandStoredEvents` turns both back into events, and reads the
 * token rows of earlier versions (a JSON array of the events) too.
 */
export interface EventWriter {
  add(org: string, runId: string, event: RunEvent): void;
  /**
   * Writes everything added so far for `runId` (for every run without it); resolves when it is
   * stored, or, for rows the database refused, once they are logged and kept for the next
   * flush (it never rejects). The other runs' tokens wait for the tick, so they are stored as
   * ranges, not a row each, however many runs start or end at once.
   */
  flushNow(runId?: string): Promise<void>;
  /**
   * `flushNow` at the end of this turn of the event loop: the flushes asked for in one turn
   * (a burst of run starts or ends) share their statements.
   */
  flush(runId?: string): Promise<void>;
  close(): Promise<void>;
}

export interface EventWriterOptions {
  readonly database: Database;
  readonly logger?: Logger;
  /** Between batches of tokens (default 250 ms). */
  readonly intervalMs?: number;
}

/** One stored row: a single event, or a run of consecutive tokens. */
interface Row {
  readonly org: string;
  readonly runId: string;
  readonly seq: number;
  readonly lastSeq: number | null;
  readonly type: string;
  readonly json: string;
  /** Events the row holds (for the retention bound). */
  readonly count: number;
}

/**
 * Rows per statement. On PGlite each statement runs on the event loop, so a batch goes out in
 * statements of a few milliseconds each; the PGlite adapter gives the loop a turn between them.
 */
const ROWS_PER_STATEMENT = 250;
/** Events kept for a retry while the database fails (about 20 s of 1 000 busy runs). */
const MAX_RETAINED = 400_000;

/**
 * How a row stores a run's consecutive tokens: their texts, and their times (`toISOString`) as
 * the part after the minute they share, `atMinute` (`2026-11-24T20:41:` + `05.123Z`). The
 * fields every token repeats (`runId`, `sessionId`, `type`, the `seq` that counts up) are not
 * repeated. Tokens whose times do not all share that minute are stored as the array of events.
 */
interface TokenRange {
  readonly tokens: {
    readonly runId: string;
    readonly sessionId: string;
    readonly seq: number;
    readonly atMinute: string;
    readonly texts: readonly string[];
    readonly ats: readonly string[];
  };
}

/** `2026-11-24T20:41:`: the part of a `toISOString` time up to its seconds. */
const MINUTE_LENGTH = 17;

/**
 * Consecutive tokens (two or more) as a `TokenRange`, or as themselves when their times differ in
 * more than the seconds.
 */
function tokenRange(events: readonly RunEvent[]): TokenRange | readonly RunEvent[] {
  const first = events[0]!;
  const minute = first.at.slice(0, MINUTE_LENGTH);
  const length = first.at.length;
  if (length <= MINUTE_LENGTH) return events;
  const texts: string[] = [];
  const ats: string[] = [];
  for (const event of events) {
    if (event.type !== 'token.streamed') return events;
    const { at } = event;
    if (at.length !== length || at.slice(0, MINUTE_LENGTH) !== minute) return events;
    texts.push(event.text);
    ats.push(at.slice(MINUTE_LENGTH));
  }
  return { tokens: { runId: first.runId, sessionId: first.sessionId, seq: first.seq, atMinute: minute, texts, ats } };
}

/** A run's events added and not yet taken for a write, in the order they were added. */
interface Pending {
  readonly org: string;
  readonly runId: string;
  readonly events: RunEvent[];
}

/** Rows for what was taken: each run's consecutive tokens become one row, in order. */
function toRows(batch: readonly Pending[]): Row[] {
  const rows: Row[] = [];
  for (const { org, runId, events } of batch) {
    // The run's tokens not yet closed by one of its other events (or a gap in `seq`).
    let tokens: RunEvent[] = [];
    const close = (): void => {
      const first = tokens[0];
      if (!first) return;
      const range = tokens.length > 1;
      rows.push({
        org,
        runId,
        seq: first.seq,
        lastSeq: range ? tokens[tokens.length - 1]!.seq : null,
        type: first.type,
        json: JSON.stringify(range ? tokenRange(tokens) : first),
        count: tokens.length,
      });
      tokens = [];
    };
    for (const event of events) {
      if (event.type === 'token.streamed') {
        const last = tokens[tokens.length - 1];
        if (last && event.seq !== last.seq + 1) close();
        tokens.push(event);
        continue;
      }
      close();
      rows.push({ org, runId, seq: event.seq, lastSeq: null, type: event.type, json: JSON.stringify(event), count: 1 });
    }
    close();
  }
  return rows;
}

export function createEventWriter(options: EventWriterOptions): EventWriter {
  const { database, logger } = options;
  /** By run, so that a flush for a run takes its events alone. */
  let pending = new Map<string, Pending>();
  /** What a flush for `runIds` (every run when undefined) covers, taken out of `pending`. */
  const take = (runIds: Iterable<string> | undefined): Pending[] => {
    if (runIds === undefined) {
      const all = [...pending.values()];
      pending = new Map();
      return all;
    }
    const taken: Pending[] = [];
    for (const runId of runIds) {
      const entry = pending.get(runId);
      if (!entry) continue;
      pending.delete(runId);
      taken.push(entry);
    }
    return taken;
  };
  /** Rows a failed statement held, stored as they were built (a retry never regroups them). */
  let retry: Row[] = [];

  const store = async (rows: readonly Row[]): Promise<void> => {
    for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
      const slice = rows.slice(start, start + ROWS_PER_STATEMENT);
      const values: string[] = [];
      const params: unknown[] = [];
      for (const row of slice) {
        const base = params.length;
        values.push(`($${base + 1}, $${base + 2}, $${base + 3}, $${base + 4}, $${base + 5}, $${base + 6})`);
        params.push(row.org, row.runId, row.seq, row.lastSeq, row.type, row.json);
      }
      try {
        await database.query(
          `insert into aurora_run_events (org, run_id, seq, last_seq, type, event) values ${values.join(', ')} on conflict do nothing`,
          params,
        );
      } catch (error) {
        // Kept for the next flush (`on conflict do nothing` makes a retry harmless), up to a
        // bound, so a database that is away for a moment loses no event and one that stays
        // away does not take the process's memory with it.
        let room = MAX_RETAINED - retry.reduce((sum, row) => sum + row.count, 0);
        const kept: Row[] = [];
        for (const row of slice) {
          if (row.count > room) break;
          kept.push(row);
          room -= row.count;
        }
        retry = [...kept, ...retry];
        logger?.error('chat: storing run events failed; they are retried with the next flush', {
          rows: slice.length,
          retained: kept.length,
          dropped: slice.length - kept.length,
          error: (error as Error).message,
        });
      }
    }
  };

  // One batch at a time (group commit): a flush asked for while a batch is being stored waits
  // for it; what was added up to each such flush then goes out in one statement. Under load
  // (runs ending together, each asking for a flush before it publishes) that is a statement per
  // batch, not one per turn of the event loop. A flush resolves once everything added before it
  // is stored; what is added after it waits for a later flush or the next tick, as before.
  let storing: Promise<void> | undefined;
  let queued: Promise<void> | undefined;
  /** What the flushes asked for during the current batch cover. */
  let next: Pending[] = [];
  const write = (entries: readonly Pending[]): Promise<void> => {
    if (entries.length === 0 && retry.length === 0) return Promise.resolve();
    const rows = [...retry, ...toRows(entries)];
    retry = [];
    const batch = store(rows);
    storing = batch;
    void batch.then(() => {
      if (storing === batch) storing = undefined;
    });
    return batch;
  };
  const flushRuns = (runIds: Iterable<string> | undefined): Promise<void> => {
    const entries = take(runIds);
    if (!storing) return write(entries);
    next.push(...entries);
    queued ??= storing.then(() => {
      queued = undefined;
      const covered = next;
      next = [];
      return write(covered);
    });
    return queued;
  };

  const flushNow = (runId?: string): Promise<void> => flushRuns(runId === undefined ? undefined : [runId]);

  let soon: Promise<void> | undefined;
  /** The runs the flushes asked for in this turn cover; undefined once one asked for every run. */
  let soonRuns: Set<string> | undefined = new Set();
  const flush = (runId?: string): Promise<void> => {
    if (runId === undefined) soonRuns = undefined;
    else soonRuns?.add(runId);
    return (soon ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      const runIds = soonRuns;
      soon = undefined;
      soonRuns = new Set();
      return flushRuns(runIds);
    }));
  };

  const timer = setInterval(() => void flushNow(), options.intervalMs ?? 250);
  timer.unref();

  return {
    add(org, runId, event) {
      const entry = pending.get(runId);
      if (entry) entry.events.push(event);
      else pending.set(runId, { org, runId, events: [event] });
    },
    flushNow,
    flush,
    async close() {
      clearInterval(timer);
      await flushNow();
    },
  };
}

/**
 * The events one row of `aurora_run_events` holds after `afterSeq`: an event, a `TokenRange`,
 * or (as earlier versions stored a range, and still for tokens across a minute) an array of
 * consecutive tokens.
 */
export function expandStoredEvents(stored: unknown, afterSeq: number): RunEvent[] {
  if (Array.isArray(stored)) return (stored as RunEvent[]).filter((event) => event.seq > afterSeq);
  // An event has a `type`; a range has none.
  const { type, tokens: range } = stored as { type?: unknown; tokens?: TokenRange['tokens'] };
  if (type !== undefined || range === undefined) return [stored as RunEvent];
  const { runId, sessionId, seq, atMinute, texts, ats } = range;
  const events: RunEvent[] = [];
  for (let index = Math.max(0, afterSeq - seq + 1); index < texts.length; index++)
    events.push({
      type: 'token.streamed',
      text: texts[index]!,
      runId,
      sessionId,
      seq: seq + index,
      at: atMinute + ats[index]!,
    });
  return events;
}
