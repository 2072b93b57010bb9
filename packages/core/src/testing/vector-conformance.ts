import { describe, expect } from 'vitest';
import { InvalidInputError, NotFoundError } from '../errors/errors.js';
import type { VectorChunk, VectorStore } from '../storage/vector/vector-store.js';
import type { ConformanceHarness } from './harness.js';
import { conformanceScaffold } from './scaffold.js';

const DIM = 8;

/** A unit vector along axis `axis`, tilted by `tilt` toward the next axis. */
function unit(axis: number, tilt = 0): number[] {
  const vector = Array.from({ length: DIM }, () => 0);
  vector[axis % DIM] = Math.cos(tilt);
  vector[(axis + 1) % DIM] = Math.sin(tilt);
  return vector;
}

const chunk = (org: string, id: string, vector: number[], text: string, metadata = {}): VectorChunk => ({
  org,
  id,
  vector,
  text,
  metadata,
});

/**
 * The VectorStore conformance suite: 8-dimension hand-made vectors, so nearest neighbours
 * are known exactly. `harness.create()` is a store on an empty backing store.
 */
export function describeVectorStoreConformance(name: string, harness: ConformanceHarness<VectorStore>): void {
  describe(`VectorStore conformance: ${name}`, () => {
    const scaffold = conformanceScaffold(harness, (store) => store.close());
    const { track, test } = scaffold;
    const create = async (): Promise<VectorStore> => {
      const store = await scaffold.create();
      await store.createCollection({ name: 'kb', dimension: DIM });
      return store;
    };

    const seed = async (store: VectorStore): Promise<void> => {
      await store.upsert('kb', [
        chunk('acme', 'a0', unit(0), 'restart the payment service when the queue backs up', {
          source: 'runbook',
          rank: 1,
        }),
        chunk('acme', 'a1', unit(0, 0.3), 'database failover procedure for orders', { source: 'runbook', rank: 2 }),
        chunk('acme', 'a2', unit(0, 0.8), 'quarterly capacity report', { source: 'report', rank: 3, draft: true }),
        chunk('acme', 'b0', unit(3), 'kubernetes node pressure and evictions', { source: 'postmortem', rank: 4 }),
        chunk('globex', 'g0', unit(0), 'globex secret runbook zebra', { source: 'runbook', rank: 1 }),
      ]);
    };

    test('creating a collection is idempotent; another dimension is InvalidInputError', async () => {
      const store = await create();
      await store.createCollection({ name: 'kb', dimension: DIM });
      await expect(store.createCollection({ name: 'kb', dimension: DIM + 1 })).rejects.toSatisfy(
        InvalidInputError.isInstance,
      );
      await expect(store.createCollection({ name: 'Bad-Name', dimension: DIM })).rejects.toSatisfy(
        InvalidInputError.isInstance,
      );
      await expect(store.search('missing', unit(0), { org: 'acme' })).rejects.toSatisfy(NotFoundError.isInstance);
      await store.dropCollection('kb');
      await store.dropCollection('kb');
      await expect(store.upsert('kb', [chunk('acme', 'x', unit(0), 'x')])).rejects.toSatisfy(NotFoundError.isInstance);
    });

    test('search returns nearest first with cosine scores', async () => {
      const store = await create();
      await seed(store);
      const matches = await store.search('kb', unit(0), { org: 'acme', k: 3 });
      expect(matches.map((m) => m.id)).toEqual(['a0', 'a1', 'a2']);
      expect(matches[0]!.score).toBeCloseTo(1, 4);
      expect(matches[1]!.score).toBeCloseTo(Math.cos(0.3), 4);
      expect(matches[0]!.metadata).toEqual({ source: 'runbook', rank: 1 });
      expect(matches[0]!.text).toContain('payment');
    });

    test('upsert replaces by (org, id)', async () => {
      const store = await create();
      await seed(store);
      await store.upsert('kb', [chunk('acme', 'a0', unit(3), 'moved', { source: 'moved' })]);
      const matches = await store.search('kb', unit(3), { org: 'acme', k: 2 });
      expect(matches.map((m) => m.id).sort()).toEqual(['a0', 'b0']);
      expect(matches.find((m) => m.id === 'a0')?.text).toBe('moved');
    });

    test('metadata filters: equality on strings, numbers and booleans, and "in"', async () => {
      const store = await create();
      await seed(store);
      const ids = async (filter: object): Promise<string[]> =>
        (await store.search('kb', unit(0), { org: 'acme', k: 10, filter: filter as never })).map((m) => m.id).sort();
      expect(await ids({ source: 'runbook' })).toEqual(['a0', 'a1']);
      expect(await ids({ rank: 3 })).toEqual(['a2']);
      expect(await ids({ draft: true })).toEqual(['a2']);
      expect(await ids({ source: { in: ['report', 'postmortem'] } })).toEqual(['a2', 'b0']);
      expect(await ids({ source: 'runbook', rank: 2 })).toEqual(['a1']);
      expect(await ids({ rank: '3' })).toEqual([]);
    });

    test('keyword search finds the chunk with a rare word; hybrid alpha moves between the two', async () => {
      const store = await create();
      await seed(store);
      const keyword = await store.keywordSearch('kb', 'failover', { org: 'acme' });
      expect(keyword.map((m) => m.id)).toEqual(['a1']);
      const vectorOnly = await store.hybridSearch(
        'kb',
        { vector: unit(3), text: 'failover', alpha: 1 },
        { org: 'acme', k: 1 },
      );
      expect(vectorOnly.map((m) => m.id)).toEqual(['b0']);
      const keywordOnly = await store.hybridSearch(
        'kb',
        { vector: unit(3), text: 'failover', alpha: 0 },
        { org: 'acme', k: 1 },
      );
      expect(keywordOnly.map((m) => m.id)).toEqual(['a1']);
      const both = await store.hybridSearch('kb', { vector: unit(3), text: 'failover' }, { org: 'acme', k: 4 });
      expect(
        both
          .map((m) => m.id)
          .slice(0, 2)
          .sort(),
      ).toEqual(['a1', 'b0']);
      for (const match of both) expect(match.score).toBeGreaterThanOrEqual(0);
    });

    test('orgs never see each other’s chunks', async () => {
      const store = await create();
      await seed(store);
      expect((await store.search('kb', unit(0), { org: 'globex', k: 10 })).map((m) => m.id)).toEqual(['g0']);
      expect(await store.keywordSearch('kb', 'zebra', { org: 'acme' })).toEqual([]);
      expect(await store.delete('kb', { org: 'acme', ids: ['g0'] })).toBe(0);
      expect((await store.search('kb', unit(0), { org: 'globex' })).map((m) => m.id)).toEqual(['g0']);
    });

    test('delete by ids and by filter returns counts', async () => {
      const store = await create();
      await seed(store);
      expect(await store.delete('kb', { org: 'acme', ids: ['a0', 'nope'] })).toBe(1);
      expect(await store.delete('kb', { org: 'acme', filter: { source: 'runbook' } })).toBe(1);
      expect((await store.search('kb', unit(0), { org: 'acme', k: 10 })).map((m) => m.id).sort()).toEqual(['a2', 'b0']);
      await expect(store.delete('kb', { org: 'acme' })).rejects.toSatisfy(InvalidInputError.isInstance);
    });

    test('a wrong dimension, NaN or bad k is InvalidInputError and writes nothing', async () => {
      const store = await create();
      await expect(
        store.upsert('kb', [chunk('acme', 'ok', unit(0), 'ok'), chunk('acme', 'bad', [1, 2, 3], 'bad')]),
      ).rejects.toSatisfy(InvalidInputError.isInstance);
      const nan = unit(0);
      nan[2] = Number.NaN;
      await expect(store.upsert('kb', [chunk('acme', 'nan', nan, 'nan')])).rejects.toSatisfy(
        InvalidInputError.isInstance,
      );
      expect(await store.search('kb', unit(0), { org: 'acme' })).toEqual([]);
      await expect(store.search('kb', [1, 2], { org: 'acme' })).rejects.toSatisfy(InvalidInputError.isInstance);
      await expect(store.search('kb', unit(0), { org: 'acme', k: 0 })).rejects.toSatisfy(InvalidInputError.isInstance);
      await expect(store.search('kb', unit(0), { org: 'acme', k: 1001 })).rejects.toSatisfy(
        InvalidInputError.isInstance,
      );
    });

    test(
      'two instances: chunks written by one are found by the other, concurrent upserts converge',
      async () => {
        const a = await create();
        const b = track(await harness.createSibling!(a));
        await a.upsert('kb', [chunk('acme', 'shared', unit(5), 'shared chunk')]);
        expect((await b.search('kb', unit(5), { org: 'acme', k: 1 })).map((m) => m.id)).toEqual(['shared']);
        const batch = (tilt: number) =>
          Array.from({ length: 50 }, (_, i) => chunk('acme', `c${i}`, unit(i, tilt), `chunk ${i}`));
        await Promise.all([a.upsert('kb', batch(0.1)), b.upsert('kb', batch(0.2))]);
        expect((await a.search('kb', unit(0), { org: 'acme', k: 1000 })).length).toBe(51);
      },
      { needsSibling: true },
    );
  });
}
