/**
 * The pgvector bulk-load path on PGlite: a large batch into a small collection rebuilds the
 * HNSW index after loading. The index's OID tells which path ran (a rebuilt index is a new
 * relation); results are checked against exact cosine search computed here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../errors/errors.js';
import type { Database } from '../database/database.js';
import { createPgliteDatabase } from '../pglite/index.js';
import { createPgvectorStore } from './pgvector-vector-store.js';
import type { VectorChunk, VectorStore } from './vector-store.js';

const DIM = 16;

function pseudoRandom(seed: number): number[] {
  let state = (seed * 2654435761 + 1) >>> 0;
  return Array.from({ length: DIM }, () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return Number((((state >>> 0) / 4294967296) * 2 - 1).toFixed(6));
  });
}

const chunk = (i: number, prefix = 'c'): VectorChunk => ({
  org: 'acme',
  id: `${prefix}-${i}`,
  text: `chunk ${i}`,
  vector: pseudoRandom(i + 1),
  metadata: { n: i },
});

function cosine(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  a.forEach((value, i) => {
    dot += value * b[i]!;
    na += value * value;
    nb += b[i]! * b[i]!;
  });
  return dot / Math.sqrt(na * nb);
}

let database: Database;
let store: VectorStore;

const indexOid = async (collection: string): Promise<number | undefined> => {
  const { rows } = await database.query<{ oid: number }>(
    `select c.oid::int as oid from pg_class c where c.relname = $1 and c.relkind = 'i'`,
    [`aurora_vectors_${collection}_hnsw`],
  );
  return rows[0]?.oid;
};

const plan = async (collection: string, vector: readonly number[]): Promise<string> => {
  const { rows } = await database.query<{ 'QUERY PLAN': string }>(
    `explain (costs off) select id from aurora_vectors_${collection} where org = $1
      order by embedding <=> $2::vector limit 10`,
    ['acme', `[${vector.join(',')}]`],
  );
  return rows.map((row) => row['QUERY PLAN']).join('\n');
};

beforeAll(() => {
  database = createPgliteDatabase();
  // A wide efSearch: on a few thousand 16-d vectors HNSW then returns the exact top k.
  store = createPgvectorStore({ database, batchSize: 100, bulkLoad: { threshold: 200 }, hnsw: { efSearch: 1000 } });
});

afterAll(async () => {
  await store.close();
  await database.close();
});

describe('pgvector bulk load', () => {
  it('rebuilds the index after a large batch into an empty collection; search uses it and equals exact search', async () => {
    await store.createCollection({ name: 'bulk_empty', dimension: DIM });
    const before = await indexOid('bulk_empty');
    expect(before).toBeTypeOf('number');
    const chunks = Array.from({ length: 3000 }, (_, i) => chunk(i));
    await store.upsert('bulk_empty', chunks);
    const after = await indexOid('bulk_empty');
    expect(after).toBeTypeOf('number');
    expect(after).not.toBe(before);
    const query = pseudoRandom(10_001);
    expect(await plan('bulk_empty', query)).toContain('Index Scan using aurora_vectors_bulk_empty_hnsw');
    for (let q = 0; q < 5; q += 1) {
      const vector = pseudoRandom(20_000 + q);
      const exact = chunks
        .map((c) => ({ id: c.id, score: cosine(vector, c.vector as number[]) }))
        .sort((a, b) => b.score - a.score)
        .slice(0, 10);
      const found = await store.search('bulk_empty', vector, { org: 'acme', k: 10 });
      expect(found.map((match) => match.id)).toEqual(exact.map((match) => match.id));
      found.forEach((match, i) => expect(match.score).toBeCloseTo(exact[i]!.score, 4));
    }
  }, 180_000); // An HNSW build of 3 000 vectors in WASM takes 15–40 s on a busy 2-core machine.

  it('keeps the live index for small batches and for large batches into a larger collection', async () => {
    await store.createCollection({ name: 'bulk_grow', dimension: DIM });
    await store.upsert(
      'bulk_grow',
      Array.from({ length: 300 }, (_, i) => chunk(i)),
    );
    const loaded = await indexOid('bulk_grow');
    await store.upsert(
      'bulk_grow',
      Array.from({ length: 50 }, (_, i) => chunk(i, 'small')),
    );
    expect(await indexOid('bulk_grow')).toBe(loaded);
    // 250 ≥ threshold, but the collection already holds 350 rows: incremental.
    await store.upsert(
      'bulk_grow',
      Array.from({ length: 250 }, (_, i) => chunk(1000 + i, 'more')),
    );
    expect(await indexOid('bulk_grow')).toBe(loaded);
    const { rows } = await database.query<{ n: number }>(`select count(*)::int as n from aurora_vectors_bulk_grow`);
    expect(rows[0]?.n).toBe(600);
    const [top] = await store.search('bulk_grow', chunk(1007).vector, { org: 'acme', k: 1 });
    expect(top?.id).toBe('more-1007');
  });

  it('lets concurrent upserts land beside a bulk load', async () => {
    await store.createCollection({ name: 'bulk_race', dimension: DIM });
    const before = await indexOid('bulk_race');
    await Promise.all([
      store.upsert(
        'bulk_race',
        Array.from({ length: 400 }, (_, i) => chunk(i)),
      ),
      ...Array.from({ length: 5 }, (_, j) => store.upsert('bulk_race', [chunk(5000 + j, 'side')])),
    ]);
    expect(await indexOid('bulk_race')).not.toBe(before);
    const { rows } = await database.query<{ n: number }>(`select count(*)::int as n from aurora_vectors_bulk_race`);
    expect(rows[0]?.n).toBe(405);
    for (let j = 0; j < 5; j += 1) {
      const [top] = await store.search('bulk_race', chunk(5000 + j).vector, { org: 'acme', k: 1 });
      expect(top?.id).toBe(`side-${5000 + j}`);
    }
  });

  it('rolls back to the old index when a bulk load fails part-way', async () => {
    await store.createCollection({ name: 'bulk_fail', dimension: DIM });
    const before = await indexOid('bulk_fail');
    const chunks = Array.from({ length: 300 }, (_, i) => chunk(i));
    // PostgreSQL rejects NUL in text: the third statement fails after the index was dropped.
    chunks[250] = { ...chunks[250]!, text: 'bad \u0000 text' };
    await expect(store.upsert('bulk_fail', chunks)).rejects.toThrow();
    expect(await indexOid('bulk_fail')).toBe(before);
    const { rows } = await database.query<{ n: number }>(`select count(*)::int as n from aurora_vectors_bulk_fail`);
    expect(rows[0]?.n).toBe(0);
    await store.upsert('bulk_fail', chunks.slice(0, 10));
    expect((await store.search('bulk_fail', chunks[3]!.vector, { org: 'acme', k: 1 }))[0]?.id).toBe('c-3');
  });

  it('rejects bad bulk-load settings with a ConfigurationError', () => {
    expect(() => createPgvectorStore({ database, bulkLoad: { threshold: 0 } })).toThrow(ConfigurationError);
    expect(() => createPgvectorStore({ database, bulkLoad: { maintenanceWorkMem: "1GB'; drop table x; --" } })).toThrow(
      ConfigurationError,
    );
    expect(() => createPgvectorStore({ database, bulkLoad: { threshold: Number.POSITIVE_INFINITY } })).not.toThrow();
  });
});
