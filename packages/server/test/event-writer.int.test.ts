/**
 * The process-wide event writer on the local PostgreSQL: batches are written concurrently,
 * and a flush resolves only once its own batch and every earlier one are stored (what the run
 * manager relies on before it publishes a non-token event).
 */
import type { Database, RunEvent } from '@aurora-ops/core';
import { createPostgresDatabase } from '@aurora-ops/core/storage/postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventWriter } from '../src/chat/event-writer.js';
import { CHAT_MIGRATIONS } from '../src/chat/run-manager.js';
import { createThrowawayDatabase, postgresAvailable, type ThrowawayDatabase } from '@aurora-ops/core/testing/postgres';

const skip = (await postgresAvailable()) ? undefined : 'PostgreSQL is not reachable on AURORA_TEST_POSTGRES_URL';

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

  it('starts a batch while an earlier one is still being written, and resolves a flush after both', async () => {
    // The first insert is held (a real statement that sleeps); the second must not queue behind it.
    let inserts = 0;
    const started: number[] = [];
    const slowFirst: Database = new Proxy(database, {
      get(target, key) {
        if (key !== 'query') return Reflect.get(target, key) as unknown;
        return async (sql: string, params?: unknown[]) => {
          if (!sql.startsWith('insert into aurora_run_events')) return target.query(sql, params);
          const n = ++inserts;
          started.push(performance.now());
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
      let secondDone = false;
      void second.then(() => (secondDone = true));
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(inserts).toBe(2); // the second batch went out while the first slept
      expect(secondDone).toBe(false); // …but its flush waits for the earlier batch
      await second;
      const { rows } = await database.query<{ seq: number }>(
        'select seq from aurora_run_events where run_id = $1 order by seq',
        ['r1'],
      );
      expect(rows.map((row) => row.seq)).toEqual([1, 2]);
      await first;
      expect(await writer.flushNow()).toBeUndefined(); // nothing pending, nothing in flight
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
});
