export interface TurnBatchOptions<T> {
  /** Writes one batch of rows with one statement. */
  readonly write: (rows: readonly T[]) => Promise<void>;
  /** Rows per statement; a full batch goes out at the end of the turn and the next one starts. */
  readonly maxRows: number;
  /**
   * Rows with the same key share a statement's row: a later one replaces the earlier one
   * (`'last'`, an upsert that updates), is dropped (`'first'`, an insert that does nothing on
   * conflict), or is merged into it by a function. The batch must end as the rows written one
   * by one would have; and a multi-row upsert never touches one row twice (PostgreSQL refuses
   * that).
   */
  readonly key?: (row: T) => string;
  readonly duplicates?: 'last' | 'first' | ((earlier: T, later: T) => T);
  /**
   * Statements in flight at once (default 1). A batch whose turn has ended while that many are
   * in flight keeps taking rows and goes out when one completes (group commit): under load,
   * fewer and larger statements instead of a queue of small ones for the pool. With 1, the
   * statements complete in the order their rows were handed in, so a later row for a key never
   * lands before an earlier one.
   */
  readonly maxInFlight?: number;
}

export interface TurnBatch<T> {
  /**
   * Queues a row for the statement sent at the end of this turn of the event loop. Resolves
   * when that statement has completed. If a statement of several rows fails, each of its rows is
   * written alone, so a row that cannot be written fails only its own caller.
   */
  add(row: T): Promise<void>;
}

interface Entry<T> {
  row: T;
  readonly waiters: { resolve(): void; reject(error: unknown): void }[];
}

/**
 * Rows handed in during one turn of the event loop (runs starting or ending together, say)
 * written by one statement at its end, instead of one statement each; while the previous
 * statement is still in flight, the rows of the following turns join the next one.
 */
export function createTurnBatch<T>(options: TurnBatchOptions<T>): TurnBatch<T> {
  const { write, maxRows, key } = options;
  const duplicates = options.duplicates ?? 'last';
  const combine: (earlier: T, later: T) => T =
    duplicates === 'last' ? (_, later) => later : duplicates === 'first' ? (earlier) => earlier : duplicates;
  let filling: Map<string | number, Entry<T>> | undefined;

  const succeed = (entry: Entry<T>): void => {
    for (const waiter of entry.waiters) waiter.resolve();
  };
  const fail = (entry: Entry<T>, error: unknown): void => {
    for (const waiter of entry.waiters) waiter.reject(error);
  };

  const send = async (entries: readonly Entry<T>[]): Promise<void> => {
    try {
      await write(entries.map((entry) => entry.row));
      for (const entry of entries) succeed(entry);
      return;
    } catch (error) {
      if (entries.length === 1) return fail(entries[0]!, error);
    }
    // Isolate the row that failed; the others are written after all.
    await Promise.all(
      entries.map((entry) =>
        Promise.resolve([entry.row])
          .then(write)
          .then(
            () => succeed(entry),
            (error: unknown) => fail(entry, error),
          ),
      ),
    );
  };

  const maxInFlight = options.maxInFlight ?? 1;
  if (!Number.isInteger(maxInFlight) || maxInFlight < 1) throw new RangeError('maxInFlight must be a positive integer');
  /** Full batches, in order, waiting for a statement slot. */
  const full: Map<string | number, Entry<T>>[] = [];
  /** Whether the filling batch's turn has ended (it goes out as soon as a slot is free). */
  let due = false;
  let inFlight = 0;
  let turnEnd = false;

  const pump = (): void => {
    while (inFlight < maxInFlight) {
      let batch = full.shift();
      if (!batch && due && filling) {
        batch = filling;
        filling = undefined;
        due = false;
      }
      if (!batch) return;
      inFlight++;
      void send([...batch.values()]).finally(() => {
        inFlight--;
        pump();
      });
    }
  };
  const endTurnSoon = (): void => {
    if (turnEnd) return;
    turnEnd = true;
    setImmediate(() => {
      turnEnd = false;
      if (filling) due = true;
      pump();
    });
  };

  return {
    add(row) {
      if (filling && filling.size >= maxRows) {
        full.push(filling);
        filling = undefined;
      }
      if (!filling) {
        filling = new Map();
        due = false;
      }
      endTurnSoon();
      const batch = filling;
      return new Promise<void>((resolve, reject) => {
        const id = key ? key(row) : batch.size;
        const existing = batch.get(id);
        if (existing) {
          existing.row = combine(existing.row, row);
          existing.waiters.push({ resolve, reject });
        } else batch.set(id, { row, waiters: [{ resolve, reject }] });
      });
    },
  };
}

/**
 * `($1, $2), ($3, $4)`: the values list of a multi-row statement, for `rows` rows of `columns`
 * parameters each. `wrap` rewrites a (1-based) column's parameter, a cast say:
 * `{ 9: (param) => `${param}::jsonb` }`.
 */
export function valuesList(
  rows: number,
  columns: number,
  wrap: Readonly<Record<number, (param: string) => string>> = {},
): string {
  const tuples: string[] = [];
  for (let row = 0; row < rows; row++) {
    const params: string[] = [];
    for (let column = 1; column <= columns; column++) {
      const param = `$${row * columns + column}`;
      params.push(wrap[column]?.(param) ?? param);
    }
    tuples.push(`(${params.join(', ')})`);
  }
  return tuples.join(', ');
}
