/** The model usage store on PostgreSQL (a throwaway database) and on PGlite. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabaseUsageStore, type UsageStore } from '../src/agent/models/usage-store.js';
import { costOf, DEFAULT_PRICES } from '../src/agent/models/usage.js';
import type { Database } from '../src/storage/database/database.js';
import { testDatabaseBackends, type TestDatabaseBackend } from './support/postgres.js';

const backends = await testDatabaseBackends();

const prices = { ...DEFAULT_PRICES, 'openai:gpt-4.1-mini': { inputPerMTok: 0.4, outputPerMTok: 1.6 } };

for (const backend of backends) {
  describe.skipIf(backend.skip !== undefined)(
    `usage store on ${backend.name}${backend.skip ? ` (skipped: ${backend.skip})` : ''}`,
    () => {
      let handle: Awaited<ReturnType<TestDatabaseBackend['open']>>;
      let store: UsageStore;
      const early = new Date('2026-01-01T00:00:00Z');
      const late = new Date('2026-06-01T00:00:00Z');

      beforeAll(async () => {
        handle = await backend.open();
        store = createDatabaseUsageStore({ database: handle.database, prices });
        const call = { model: 'openai:gpt-4.1-mini', inputTokens: 1_000_000, outputTokens: 500_000 };
        // acme: two sessions of alice, one of bob; one unpriced local model call; one explicit cost.
        await store.record({ org: 'acme', user: 'alice', session: 's1', run: 'r1', ...call, at: early });
        await store.record({ org: 'acme', user: 'alice', session: 's1', run: 'r2', ...call, at: late });
        await store.record({
          org: 'acme',
          user: 'alice',
          session: 's2',
          run: 'r3',
          model: 'ollama:llama3.1',
          inputTokens: 300,
          outputTokens: 40,
          at: late,
        });
        await store.record({
          org: 'acme',
          user: 'bob',
          session: 's3',
          model: 'anthropic:claude-sonnet-4-5',
          inputTokens: 10,
          outputTokens: 20,
          cost: 2.5,
          at: late,
        });
        // Another org with the same session and user ids.
        await store.record({ org: 'globex', user: 'alice', session: 's1', ...call, at: late });
      });
      afterAll(async () => {
        await handle?.close();
      });

      it('sums by session, largest cost first, with unpriced calls counted apart', async () => {
        const perCall = costOf('openai:gpt-4.1-mini', { inputTokens: 1_000_000, outputTokens: 500_000 }, prices)!;
        expect(perCall).toBeCloseTo(1.2, 10);
        expect(await store.summary({ org: 'acme', by: 'session' })).toEqual([
          { key: 's3', calls: 1, inputTokens: 10, outputTokens: 20, cost: 2.5, unpricedCalls: 0 },
          { key: 's1', calls: 2, inputTokens: 2_000_000, outputTokens: 1_000_000, cost: 2.4, unpricedCalls: 0 },
          { key: 's2', calls: 1, inputTokens: 300, outputTokens: 40, cost: 0, unpricedCalls: 1 },
        ]);
      });

      it('sums by user, org and model', async () => {
        expect(await store.summary({ org: 'acme', by: 'user' })).toEqual([
          { key: 'bob', calls: 1, inputTokens: 10, outputTokens: 20, cost: 2.5, unpricedCalls: 0 },
          { key: 'alice', calls: 3, inputTokens: 2_000_300, outputTokens: 1_000_040, cost: 2.4, unpricedCalls: 1 },
        ]);
        expect(await store.summary({ org: 'acme', by: 'org' })).toEqual([
          { key: 'acme', calls: 4, inputTokens: 2_000_310, outputTokens: 1_000_060, cost: 4.9, unpricedCalls: 1 },
        ]);
        const byModel = await store.summary({ org: 'acme', by: 'model' });
        expect(byModel.map((row) => [row.key, row.calls])).toEqual([
          ['anthropic:claude-sonnet-4-5', 1],
          ['openai:gpt-4.1-mini', 2],
          ['ollama:llama3.1', 1],
        ]);
      });

      it('keeps orgs apart and honours since', async () => {
        expect(await store.summary({ org: 'globex', by: 'session' })).toEqual([
          { key: 's1', calls: 1, inputTokens: 1_000_000, outputTokens: 500_000, cost: 1.2, unpricedCalls: 0 },
        ]);
        expect(await store.summary({ org: 'initech', by: 'org' })).toEqual([]);
        const recent = await store.summary({ org: 'acme', by: 'session', since: new Date('2026-03-01T00:00:00Z') });
        expect(recent.find((row) => row.key === 's1')).toMatchObject({ calls: 1, cost: 1.2 });
      });

      it('stores the entries of one turn in one statement; after a failed statement, each entry is tried alone', async () => {
        let inserts = 0;
        let fail = false;
        const counting: Database = new Proxy(handle.database, {
          get(target, key) {
            if (key !== 'query') return Reflect.get(target, key) as unknown;
            return (sql: string, params?: unknown[]) => {
              if (sql.trimStart().startsWith('insert into aurora_model_usage')) {
                inserts++;
                if (fail) return Promise.reject(new Error('connection reset'));
              }
              return target.query(sql, params);
            };
          },
        });
        const batched = createDatabaseUsageStore({ database: counting, prices });
        const entry = (run: string) => ({
          org: 'initech',
          run,
          model: 'ollama:llama3.1',
          inputTokens: 1,
          outputTokens: 2,
        });
        await Promise.all(['b1', 'b2', 'b3'].map((run) => batched.record(entry(run))));
        expect(inserts).toBe(1);
        expect(await batched.summary({ org: 'initech', by: 'org' })).toMatchObject([{ calls: 3, inputTokens: 3 }]);
        fail = true;
        const failed = await Promise.allSettled(['b4', 'b5'].map((run) => batched.record(entry(run))));
        expect(failed.map((result) => result.status)).toEqual(['rejected', 'rejected']);
        expect(inserts).toBe(4); // the shared statement, then each entry alone
        fail = false;
        await batched.record(entry('b6')); // the next turn is a statement of its own
        expect(inserts).toBe(5);
        expect(await batched.summary({ org: 'initech', by: 'org' })).toMatchObject([{ calls: 4 }]);
      });

      it('rejects bad entries and queries with typed errors', async () => {
        await expect(
          store.record({ org: '', model: 'openai:x', inputTokens: 1, outputTokens: 1 }),
        ).rejects.toMatchObject({
          code: 'INVALID_INPUT',
          details: { field: 'org' },
        });
        await expect(
          store.record({ org: 'acme', model: 'openai:x', inputTokens: -1, outputTokens: 1 }),
        ).rejects.toMatchObject({
          code: 'INVALID_INPUT',
          details: { field: 'inputTokens' },
        });
        await expect(
          store.record({ org: 'acme', model: 'openai:x', inputTokens: 1, outputTokens: 1, cost: Number.NaN }),
        ).rejects.toMatchObject({ code: 'INVALID_INPUT', details: { field: 'cost' } });
        await expect(store.summary({ org: 'acme', by: 'team' as 'org' })).rejects.toMatchObject({
          code: 'INVALID_INPUT',
          details: { field: 'by' },
        });
        await expect(store.summary({ org: 'acme', by: 'org', since: new Date('nope') })).rejects.toMatchObject({
          code: 'INVALID_INPUT',
        });
      });
    },
  );
}
