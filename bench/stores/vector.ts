/**
 * Vectors: upsert rate and k-NN latency (k = 10, p50/p95 over 100 queries) for 384-dimension
 * vectors in the pgvector store on PGlite (HNSW, cosine), beside raw PGlite running the same
 * SQL on a table built the same way. Sizes from BENCH_VECTOR_SIZES (default 10000,100000).
 * Goal: k-NN p95 ≤ 30 ms at 100k.
 */
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { performance } from 'node:perf_hooks';
import { createPgvectorStore, type VectorChunk } from '../../packages/core/src/index.js';
import { createPgliteDatabase } from '../../packages/core/src/storage/pglite/index.js';

const DIM = 384;

function randomUnit(seed: number): number[] {
  // Deterministic pseudo-random vectors (xorshift), normalised.
  let state = seed * 2654435761 + 1;
  const values = Array.from({ length: DIM }, () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return ((state >>> 0) / 4294967296) * 2 - 1;
  });
  const norm = Math.hypot(...values);
  return values.map((value) => Number((value / norm).toFixed(6)));
}

const percentile = (values: number[], p: number): number =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.ceil((p / 100) * values.length) - 1)] ?? NaN;

async function one(size: number): Promise<string[]> {
  const chunks: VectorChunk[] = Array.from({ length: size }, (_, i) => ({
    org: 'bench',
    id: `chunk-${i}`,
    text: `chunk ${i} about service ${i % 97}`,
    vector: randomUnit(i + 1),
    metadata: { source: i % 2 === 0 ? 'runbook' : 'postmortem' },
  }));
  const queries = Array.from({ length: 100 }, (_, i) => randomUnit(1_000_000 + i));

  const database = createPgliteDatabase();
  const store = createPgvectorStore({ database });
  await store.createCollection({ name: 'bench', dimension: DIM });
  let started = performance.now();
  for (let i = 0; i < size; i += 1000) await store.upsert('bench', chunks.slice(i, i + 1000));
  const adapterUpsertS = (performance.now() - started) / 1000;
  const adapterLatency: number[] = [];
  for (const query of queries) {
    const t0 = performance.now();
    await store.search('bench', query, { org: 'bench', k: 10 });
    adapterLatency.push(performance.now() - t0);
  }
  await database.close();

  const raw = await PGlite.create({ extensions: { vector } });
  await raw.exec(`create extension if not exists vector;
    create table t (org text not null, id text not null, text text not null, metadata jsonb not null,
      embedding vector(${DIM}) not null, tsv tsvector generated always as (to_tsvector('english', text)) stored,
      primary key (org, id));
    create index t_hnsw on t using hnsw (embedding vector_cosine_ops);
    create index t_tsv on t using gin (tsv);
    create index t_meta on t using gin (metadata jsonb_path_ops);`);
  started = performance.now();
  for (let i = 0; i < size; i += 1000) {
    const rows = chunks.slice(i, i + 1000).map((c) => ({ ...c, embedding: `[${(c.vector as number[]).join(',')}]` }));
    await raw.query(
      `insert into t (org, id, text, metadata, embedding)
       select r.org, r.id, r.text, r.metadata, r.embedding::vector
         from jsonb_to_recordset($1::jsonb) as r(org text, id text, text text, metadata jsonb, embedding text)
       on conflict (org, id) do update set text = excluded.text, metadata = excluded.metadata, embedding = excluded.embedding`,
      [JSON.stringify(rows)],
    );
  }
  const rawUpsertS = (performance.now() - started) / 1000;
  const rawLatency: number[] = [];
  for (const query of queries) {
    const t0 = performance.now();
    await raw.query(
      `select id, text, metadata, 1 - (embedding <=> $2::vector) as score from t where org = $1
        order by embedding <=> $2::vector limit 10`,
      ['bench', `[${query.join(',')}]`],
    );
    rawLatency.push(performance.now() - t0);
  }
  await raw.close();
  return [
    `${size} × ${DIM}-d upsert: adapter ${(size / adapterUpsertS).toFixed(0)} vectors/s, raw PGlite ${(size / rawUpsertS).toFixed(0)} vectors/s, ratio ${(rawUpsertS / adapterUpsertS).toFixed(2)}×`,
    `${size} × ${DIM}-d k-NN (k=10): adapter p50 ${percentile(adapterLatency, 50).toFixed(1)} ms / p95 ${percentile(adapterLatency, 95).toFixed(1)} ms; raw p50 ${percentile(rawLatency, 50).toFixed(1)} ms / p95 ${percentile(rawLatency, 95).toFixed(1)} ms; p50 ratio ${(percentile(rawLatency, 50) / percentile(adapterLatency, 50)).toFixed(2)}×`,
  ];
}

export async function benchVector(): Promise<string[]> {
  const sizes = (process.env.BENCH_VECTOR_SIZES ?? '10000,100000').split(',').map(Number);
  const lines: string[] = ['pgvector on PGlite (PostgreSQL 15 here has no pgvector)'];
  for (const size of sizes) lines.push(...(await one(size)));
  return lines;
}
