/**
 * The process-wide event writer on the local PostgreSQL: one batch at a time, the flushes asked
 * for meanwhile sharing the next one, and a flush resolves only once everything added before it
 * is stored (what the run manager relies on before it publishes a non-token event), and a flush
 * for one run takes that run's events alone; each run's consecutive tokens in a batch are one row
 * (their texts and times), and a failed row is retried as it was built.
 */
import { createRunEventStream, createSecretRedactor, type Database, type RunEvent } from '@aurora-ops/core';
import { createPostgresDatabase } from '@aurora-ops/core/storage/postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventWriter, expandStoredEvents } from '../src/chat/event-writer.js';
import { CHAT_MIGRATIONS } from '../src/chat/run-manager.js';
import { createThrowawayDatabase, postgresAvailable, type ThrowawayDatabase } from '@aurora-ops/core/testing/postgres';

const skip = (await postgresAvailable()) ? undefined : 'PostgreSQL is not reachable on AURORA_TEST_POSTGRES_URL';

const other = (seq: number, runId: string): RunEvent => ({
  type: 'message.completed',
  text: 'done',
  seq,
  runId,
  sessionId: 's1',
  at: new Date().toISOString(),
});

const token = (seq: number, runId = 'r1'): RunEvent => ({
  type: 'token.streamed',
  text: `t${seq} `,
  seq,
  runId,
  sessionId: 's1',
  at: new Date().toISOString(),
});

describe.skipIf(skip !== undefined)(`event writer${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let throwaway: ThrowawayDatabase;
  let database: Database;

  beforeAll(async () => {
    throwaway = await createThrowawayDatabase();
    database = createPostgresDatabase({ connectionString: throwaway.url, max: 4 });
    await database.migrate(CHAT_MIGRATIONS, { namespace: 'server-chat' });
  });
  afterAll(async () => {
    await database?.close();
    await throwaway?.drop();
  });

  const rowsOf = async (runId: string) =>
    (
      await database.query<{ seq: number; last_seq: number | null; event: string }>(
        'select seq, last_seq, event from aurora_run_events where run_id = $1 order by seq',
        [runId],
      )
    ).rows;

  it('while a batch is being written, the flushes asked for wait and share the next statement', async () => {
    // The first insert is held (a real statement that sleeps).
    let inserts = 0;
    const slowFirst: Database = new Proxy(database, {
      get(target, key) {
        if (key !== 'query') return Reflect.get(target, key) as unknown;
        return async (sql: string, params?: unknown[]) => {
          if (!sql.startsWith('insert into aurora_run_events')) return target.query(sql, params);
          const n = ++inserts;
          if (n === 1) await target.query('select pg_sleep(0.4)');
          return target.query(sql, params);
        };
      },
    });
    const writer = createEventWriter({ database: slowFirst, intervalMs: 60_000 });
    try {
      writer.add('acme', 'r1', token(1));
      const first = writer.flushNow();
      writer.add('acme', 'r1', token(2));
      const second = writer.flushNow();
      writer.add('acme', 'r2', other(1, 'r2'));
      const third = writer.flushNow();
      let secondDone = false;
      void second.then(() => (secondDone = true));
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(inserts).toBe(1); // the others wait for the batch being written…
      expect(secondDone).toBe(false);
      await Promise.all([second, third]);
      expect(inserts).toBe(2); // …and then go out together
      const { rows } = await database.query<{ run_id: string; seq: number }>(
        "select run_id, seq from aurora_run_events where run_id in ('r1', 'r2') order by run_id, seq",
      );
      expect(rows.map((row) => `${row.run_id}:${row.seq}`)).toEqual(['r1:1', 'r1:2', 'r2:1']);
      await first;
      expect(await writer.flushNow()).toBeUndefined(); // nothing pending, nothing in flight
      expect(inserts).toBe(2);
    } finally {
      await writer.close();
    }
  });

  it('flush(): the flushes asked for in one turn share one statement, each resolved once stored', async () => {
    let inserts = 0;
    const counting: Database = new Proxy(database, {
      get(target, key) {
        if (key !== 'query') return Reflect.get(target, key) as unknown;
        return (sql: string, params?: unknown[]) => {
          if (sql.startsWith('insert into aurora_run_events')) inserts++;
          return target.query(sql, params);
        };
      },
    });
    const writer = createEventWriter({ database: counting, intervalMs: 60_000 });
    try {
      // Three runs end in the same turn: one statement for the three.
      const flushed = ['e1', 'e2', 'e3'].map((runId) => {
        writer.add('acme', runId, other(1, runId));
        return writer.flush();
      });
      expect(inserts).toBe(0); // not before the turn ends
      await Promise.all(flushed);
      expect(inserts).toBe(1);
      const { rows } = await database.query<{ run_id: string }>(
        "select run_id from aurora_run_events where run_id like 'e_' order by run_id",
      );
      expect(rows.map((row) => row.run_id)).toEqual(['e1', 'e2', 'e3']);
      // A later turn: a statement of its own.
      writer.add('acme', 'e4', other(1, 'e4'));
      await writer.flush();
      expect(inserts).toBe(2);
    } finally {
      await writer.close();
    }
  });

  it("a flush for a run stores that run's events alone: the other runs' tokens wait for the tick as one range", async () => {
    const writer = createEventWriter({ database, intervalMs: 60_000 });
    try {
      for (const seq of [1, 2]) {
        writer.add('acme', 'fa', token(seq, 'fa'));
        writer.add('acme', 'fb', token(seq, 'fb'));
      }
      writer.add('acme', 'fa', other(3, 'fa'));
      await writer.flush('fa');
      expect((await rowsOf('fa')).map((row) => [row.seq, row.last_seq])).toEqual([
        [1, 2],
        [3, null],
      ]);
      expect(await rowsOf('fb')).toEqual([]);
      writer.add('acme', 'fb', token(3, 'fb'));
      writer.add('acme', 'fc', token(1, 'fc'));
      await writer.flushNow('fc');
      expect(await rowsOf('fb')).toEqual([]);
      // A flush for every run in the same turn as one for a run covers every run.
      writer.add('acme', 'fa', token(4, 'fa'));
      await Promise.all([writer.flush('fa'), writer.flush()]);
      expect((await rowsOf('fb')).map((row) => [row.seq, row.last_seq])).toEqual([[1, 3]]);
      expect((await rowsOf('fa')).map((row) => row.seq)).toEqual([1, 3, 4]);
    } finally {
      await writer.close();
    }
  });

  it('retries a batch that failed with the next flush, and close() stores what is pending', async () => {
    let fail = true;
    const failingOnce: Database = new Proxy(database, {
      get(target, key) {
        if (key !== 'query') return Reflect.get(target, key) as unknown;
        return async (sql: string, params?: unknown[]) => {
          if (fail && sql.startsWith('insert into aurora_run_events')) {
            fail = false;
            throw new Error('connection reset');
          }
          return target.query(sql, params);
        };
      },
    });
    const writer = createEventWriter({ database: failingOnce, intervalMs: 60_000 });
    writer.add('acme', 'r2', token(1, 'r2'));
    await writer.flushNow(); // logged and kept, not thrown: the run goes on
    writer.add('acme', 'r2', token(2, 'r2'));
    await writer.close();
    const { rows } = await database.query<{ seq: number }>('select seq from aurora_run_events where run_id = $1', [
      'r2',
    ]);
    expect(rows.map((row) => row.seq).sort()).toEqual([1, 2]);
  });

  it("stores each run's consecutive tokens in a batch as one row, other events alone", async () => {
    const writer = createEventWriter({ database, intervalMs: 60_000 });
    const added: Record<string, RunEvent[]> = { ra: [], rb: [] };
    const add = (event: RunEvent) => {
      added[event.runId]!.push(event);
      writer.add('acme', event.runId, event);
    };
    // Two runs interleaved, as the process-wide batch holds them; run A's third event is not a token.
    for (const seq of [1, 2]) {
      add(token(seq, 'ra'));
      add(token(seq, 'rb'));
    }
    add(other(3, 'ra'));
    add(token(4, 'ra'));
    add(token(3, 'rb'));
    await writer.close();
    // Each row's JSON (a token range's: the array of its events) reads back as the events added.
    for (const runId of ['ra', 'rb'])
      expect((await rowsOf(runId)).flatMap((row) => expandStoredEvents(JSON.parse(row.event), 0))).toEqual(
        added[runId],
      );

    const a = await rowsOf('ra');
    expect(a.map((row) => [row.seq, row.last_seq])).toEqual([
      [1, 2],
      [3, null],
      [4, null],
    ]);
    const b = await rowsOf('rb');
    expect(b.map((row) => [row.seq, row.last_seq])).toEqual([[1, 3]]);
    const events = b.flatMap((row) => expandStoredEvents(JSON.parse(row.event), 1));
    expect(events.map((event) => event.seq)).toEqual([2, 3]);
  });

  it('stores a token range as its texts and times (under half the bytes), read back whole from any seq', async () => {
    // Tokens as the agent's event stream makes them, so a field added to them later that the
    // range does not keep fails here.
    let now = Date.parse('2026-11-24T20:41:05.000Z');
    const stream = createRunEventStream({
      runId: 'rd',
      sessionId: 'sd',
      redactor: createSecretRedactor(),
      now: () => new Date((now += 50)),
    });
    const writer = createEventWriter({ database, intervalMs: 60_000 });
    const added: RunEvent[] = [];
    for (let index = 0; index < 5; index++) {
      const event = stream.emit({ type: 'token.streamed', text: `token ${index} "quoted" ` });
      added.push(event);
      writer.add('acme', 'rd', event);
    }
    await writer.close();
    const rows = await rowsOf('rd');
    expect(rows.map((row) => [row.seq, row.last_seq])).toEqual([[1, 5]]);
    const stored = JSON.parse(rows[0]!.event) as unknown;
    expect(Array.isArray(stored)).toBe(false);
    expect(rows[0]!.event).not.toContain('token.streamed');
    expect(rows[0]!.event.length).toBeLessThan(JSON.stringify(added).length / 2);
    for (const afterSeq of [0, 1, 3, 4, 5])
      expect(expandStoredEvents(stored, afterSeq)).toEqual(added.filter((event) => event.seq > afterSeq));
  });

  it('stores tokens whose times cross a minute as the events themselves, and reads rows stored that way', async () => {
    const at = ['2026-11-24T20:41:59.950Z', '2026-11-24T20:42:00.000Z'];
    const writer = createEventWriter({ database, intervalMs: 60_000 });
    const added = at.map((time, index): RunEvent => ({ ...token(index + 1, 're'), at: time }));
    for (const event of added) writer.add('acme', 're', event);
    await writer.close();
    const rows = await rowsOf('re');
    expect(rows.map((row) => [row.seq, row.last_seq])).toEqual([[1, 2]]);
    const stored = JSON.parse(rows[0]!.event) as unknown;
    expect(stored).toEqual(added); // what earlier versions stored for every range
    expect(expandStoredEvents(stored, 0)).toEqual(added);
    expect(expandStoredEvents(stored, 1)).toEqual(added.slice(1));
  });

  it('retries a failed row as it was built, so tokens added since are not lost to a conflict', async () => {
    // The statement is stored, then the answer is lost: the writer sees a failure and retries.
    let lose = true;
    const losingAnswer: Database = new Proxy(database, {
      get(target, key) {
        if (key !== 'query') return Reflect.get(target, key) as unknown;
        return async (sql: string, params?: unknown[]) => {
          const result = await target.query(sql, params);
          if (lose && sql.startsWith('insert into aurora_run_events')) {
            lose = false;
            throw new Error('connection reset');
          }
          return result;
        };
      },
    });
    const writer = createEventWriter({ database: losingAnswer, intervalMs: 60_000 });
    for (const seq of [1, 2, 3]) writer.add('acme', 'rc', token(seq, 'rc'));
    await writer.flushNow();
    for (const seq of [4, 5]) writer.add('acme', 'rc', token(seq, 'rc'));
    await writer.close();
    const rows = await rowsOf('rc');
    expect(rows.flatMap((row) => expandStoredEvents(JSON.parse(row.event), 0)).map((event) => event.seq)).toEqual([
      1, 2, 3, 4, 5,
    ]);
  });
});
