import { describe, expect, it } from 'vitest';
import { createTurnBatch } from './turn-batch.js';

type Row = { readonly key: string; readonly value: number };

function recorder(fail: (rows: readonly Row[]) => Error | undefined = () => undefined) {
  const calls: Row[][] = [];
  return {
    calls,
    write: async (rows: readonly Row[]) => {
      calls.push([...rows]);
      await Promise.resolve();
      const error = fail(rows);
      if (error) throw error;
    },
  };
}

describe('createTurnBatch', () => {
  it('writes the rows of one turn with one call, and the next turn with another', async () => {
    const { calls, write } = recorder();
    const batch = createTurnBatch<Row>({ write, maxRows: 100 });
    await Promise.all([1, 2, 3].map((value) => batch.add({ key: `k${value}`, value })));
    await batch.add({ key: 'k4', value: 4 });
    expect(calls).toEqual([
      [
        { key: 'k1', value: 1 },
        { key: 'k2', value: 2 },
        { key: 'k3', value: 3 },
      ],
      [{ key: 'k4', value: 4 }],
    ]);
  });

  it('splits a turn into calls of at most maxRows', async () => {
    const { calls, write } = recorder();
    const batch = createTurnBatch<Row>({ write, maxRows: 2 });
    await Promise.all([1, 2, 3, 4, 5].map((value) => batch.add({ key: `k${value}`, value })));
    expect(calls.map((rows) => rows.map((row) => row.value))).toEqual([[1, 2], [3, 4], [5]]);
  });

  it("keeps one row per key: the last with 'last', the first with 'first'; every caller is answered", async () => {
    for (const [duplicates, expected] of [
      ['last', 3],
      ['first', 1],
    ] as const) {
      const { calls, write } = recorder();
      const batch = createTurnBatch<Row>({ write, maxRows: 10, key: (row) => row.key, duplicates });
      await Promise.all([
        batch.add({ key: 'same', value: 1 }),
        batch.add({ key: 'other', value: 2 }),
        batch.add({ key: 'same', value: 3 }),
      ]);
      expect(calls).toEqual([
        [
          { key: 'same', value: expected },
          { key: 'other', value: 2 },
        ],
      ]);
    }
  });

  it('when a call of several rows fails, writes each alone: only the bad row fails, and only its caller', async () => {
    const bad = new Error('row "bad" refused');
    const { calls, write } = recorder((rows) => (rows.some((row) => row.key === 'bad') ? bad : undefined));
    const batch = createTurnBatch<Row>({ write, maxRows: 10, key: (row) => row.key });
    const results = await Promise.allSettled([
      batch.add({ key: 'a', value: 1 }),
      batch.add({ key: 'bad', value: 2 }),
      batch.add({ key: 'c', value: 3 }),
    ]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toBe(bad);
    // The batch, then each row alone.
    expect(calls.map((rows) => rows.map((row) => row.key))).toEqual([['a', 'bad', 'c'], ['a'], ['bad'], ['c']]);
  });

  it('a single row that fails is not written twice, and a write that throws synchronously fails its rows', async () => {
    const { calls, write } = recorder(() => new Error('down'));
    const batch = createTurnBatch<Row>({ write, maxRows: 10 });
    await expect(batch.add({ key: 'a', value: 1 })).rejects.toThrow('down');
    expect(calls).toHaveLength(1);
    const throwing = createTurnBatch<Row>({
      maxRows: 10,
      write: () => {
        throw new Error('sync');
      },
    });
    const results = await Promise.allSettled([
      throwing.add({ key: 'a', value: 1 }),
      throwing.add({ key: 'b', value: 2 }),
    ]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected']);
  });

  it('while a statement is in flight, the rows of the following turns wait and share the next one', async () => {
    const calls: string[][] = [];
    const releases: (() => void)[] = [];
    const write = (rows: readonly Row[]) => {
      calls.push(rows.map((row) => row.key));
      return new Promise<void>((resolve) => releases.push(resolve));
    };
    const batch = createTurnBatch<Row>({ write, maxRows: 10 });
    const turn = () => new Promise((resolve) => setImmediate(resolve));
    const first = batch.add({ key: 'a', value: 1 });
    await turn();
    const later = [batch.add({ key: 'b', value: 2 })];
    await turn();
    later.push(batch.add({ key: 'c', value: 3 }));
    await turn();
    await turn();
    // One statement at a time: b and c wait for a's.
    expect(calls).toEqual([['a']]);
    releases[0]!();
    await first;
    await turn();
    expect(calls).toEqual([['a'], ['b', 'c']]);
    releases[1]!();
    await Promise.all(later);
  });

  it('keeps the order of a key: a later row never completes before an earlier one', async () => {
    const stored = new Map<string, number>();
    const pending: { rows: readonly Row[]; resolve: () => void }[] = [];
    // A database that completes the statements it holds in reverse order.
    const write = (rows: readonly Row[]) => new Promise<void>((resolve) => pending.push({ rows, resolve }));
    const batch = createTurnBatch<Row>({ write, maxRows: 10, key: (row) => row.key, maxInFlight: 1 });
    const turn = () => new Promise((resolve) => setImmediate(resolve));
    const done = [batch.add({ key: 'run', value: 1 })];
    await turn();
    done.push(batch.add({ key: 'run', value: 2 }));
    for (let round = 0; round < 4; round++) {
      await turn();
      for (const statement of pending.splice(0).reverse()) {
        for (const row of statement.rows) stored.set(row.key, row.value);
        statement.resolve();
      }
    }
    await Promise.all(done);
    expect(stored.get('run')).toBe(2);
  });

  it('refuses a maxInFlight that is not a positive integer', () => {
    const write = () => Promise.resolve();
    for (const maxInFlight of [0, -1, 1.5, Number.NaN])
      expect(() => createTurnBatch<Row>({ write, maxRows: 10, maxInFlight })).toThrow(RangeError);
  });
});
