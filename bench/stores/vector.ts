/**
 * Vectors: load rate, incremental upsert rate and k-NN latency (k = 10, p50/p95 over 100
 * queries) for 384-dimension vectors in the pgvector store on PGlite (HNSW, cosine), beside
 * raw PGlite doing the same work on a table built the same way. Sizes from
 * BENCH_VECTOR_SIZES (default 10000,100000). Goal: k-NN p95 ≤ 30 ms at 100k.
 *
 * The load is one `upsert` of every chunk, which takes the adapter's bulk path (rows first,
 * then the HNSW index built in the same transaction); the raw side does the same: insert
 * without the HNSW index, `maintenance_work_mem` raised, `create index`, `analyze`.
 * Incremental upserts (batches of 100 into the loaded collection, through the live index)
 * are measured separately. Queries alternate raw and adapter so both share the noise. The adapter loads first
 * and prints its k-NN latency alone at once, so a long run shows the goal's figure early.
 */
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { createPgvectorStore, type VectorChunk } from '../../packages/core/src/index.js';
import { createPgliteDatabase } from '../../packages/core/src/storage/pglite/index.js';

const DIM = 384;
const BATCH = 500;
const INCREMENTAL = 300;
const MAINTENANCE_WORK_MEM = '512MB';

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

/**
 * Prints `label … N s` every 15 s until stopped, so a long load visibly moves. PGlite runs
 * statements synchronously on the main thread (its promises settle as microtasks), so a
 * main-thread timer would not fire during a load: the ticker is a worker thread writing
 * straight to stdout's file descriptor.
 */
function ticker(label: string): () => void {
  const worker = new Worker(
    `const { writeSync } = require('node:fs');
     const { workerData } = require('node:worker_threads');
     const started = Date.now();
     setInterval(() => writeSync(1, '  … ' + workerData + ': ' + Math.round((Date.now() - started) / 1000) + ' s\\n'), 15000);`,
    { eval: true, workerData: label },
  );
  worker.unref();
  return () => void worker.terminate();
}

/** CPU seconds this process used since `from`: steadier than wall time on a shared machine. */
const cpuSeconds = (from: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(from);
  return (used.user + used.system) / 1e6;
};

const makeChunk = (i: number, prefix = 'chunk'): VectorChunk => ({
  org: 'bench',
  id: `${prefix}-${i}`,
  text: `chunk ${i} about service ${i % 97}`,
  vector: randomUnit(i + 1),
  metadata: { source: i % 2 === 0 ? 'runbook' : 'postmortem' },
});

const UPSERT_SQL = `insert into t (org, id, text, metadata, embedding)
  select r.org, r.id, r.text, r.metadata, r.embedding::vector
    from jsonb_to_recordset($1::jsonb) as r(org text, id text, text text, metadata jsonb, embedding text)
  on conflict (org, id) do update set text = excluded.text, metadata = excluded.metadata, embedding = excluded.embedding`;

async function rawUpsert(raw: Pick<PGlite, 'query'>, chunks: readonly VectorChunk[], onBatch?: (done: number) => void) {
  // The adapter's row shape and order: distinct by (org, id), sorted.
  const rows = chunks
    .map((c) => ({
      org: c.org,
      id: c.id,
      text: c.text,
      metadata: c.metadata ?? {},
      embedding: `[${Array.from(c.vector).join(',')}]`,
    }))
    .sort((a, b) => (`${a.org}\u0000${a.id}` < `${b.org}\u0000${b.id}` ? -1 : 1));
  for (let i = 0; i < rows.length; i += BATCH) {
    await raw.query(UPSERT_SQL, [JSON.stringify(rows.slice(i, i + BATCH))]);
    onBatch?.(i + BATCH);
  }
}

async function one(size: number): Promise<string[]> {
  process.stdout.write(`  ${size}: generating vectors…\n`);
  const chunks = Array.from({ length: size }, (_, i) => makeChunk(i));
  const extra = Array.from({ length: INCREMENTAL }, (_, i) => makeChunk(size + i, 'extra'));
  const queries = Array.from({ length: 100 }, (_, i) => randomUnit(1_000_000 + i));

  // The adapter: one upsert of everything (bulk path, default threshold 1 000).
  const database = createPgliteDatabase();
  const store = createPgvectorStore({ database, bulkLoad: { maintenanceWorkMem: MAINTENANCE_WORK_MEM } });
  await store.createCollection({ name: 'bench', dimension: DIM });
  let stop = ticker(`adapter load of ${size}`);
  let started = performance.now();
  let cpu = process.cpuUsage();
  await store.upsert('bench', chunks);
  const adapterLoadS = (performance.now() - started) / 1000;
  const adapterCpuS = cpuSeconds(cpu);
  stop();
  process.stdout.write(`  adapter: loaded ${size} in ${adapterLoadS.toFixed(1)} s\n`);

  // The adapter's k-NN alone, printed at once: on a long run it is the figure wanted first.
  const alone: number[] = [];
  for (const query of queries) {
    const t0 = performance.now();
    await store.search('bench', query, { org: 'bench', k: 10 });
    alone.push(performance.now() - t0);
  }
  process.stdout.write(
    `  adapter alone: k-NN p50 ${percentile(alone, 50).toFixed(1)} ms / p95 ${percentile(alone, 95).toFixed(1)} ms\n`,
  );

  // Raw PGlite, bulk strategy: rows without the HNSW index, then build it.
  const raw = await PGlite.create({ extensions: { vector } });
  await raw.exec(`create extension if not exists vector;
    create table t (org text not null, id text not null, text text not null, metadata jsonb not null,
      embedding vector(${DIM}) not null, tsv tsvector generated always as (to_tsvector('english', text)) stored,
      primary key (org, id));
    create index t_tsv on t using gin (tsv);
    create index t_meta on t using gin (metadata jsonb_path_ops);`);
  stop = ticker(`raw load of ${size}`);
  started = performance.now();
  cpu = process.cpuUsage();
  await raw.transaction(async (tx) => {
    await rawUpsert(tx, chunks, (done) => {
      if (done % 20_000 === 0) process.stdout.write(`  raw: ${done} rows inserted\n`);
    });
    await tx.exec(`set local maintenance_work_mem = '${MAINTENANCE_WORK_MEM}';
      create index t_hnsw on t using hnsw (embedding vector_cosine_ops) with (m = 16, ef_construction = 64);
      analyze t;`);
  });
  const rawLoadS = (performance.now() - started) / 1000;
  const rawCpuS = cpuSeconds(cpu);
  stop();
  process.stdout.write(`  raw: loaded ${size} in ${rawLoadS.toFixed(1)} s\n`);

  // Incremental upserts through the live index, interleaved in batches of 100.
  let rawIncrementalS = 0;
  let adapterIncrementalS = 0;
  for (let i = 0; i < INCREMENTAL; i += 100) {
    const batch = extra.slice(i, i + 100);
    let t0 = performance.now();
    await rawUpsert(raw, batch);
    rawIncrementalS += (performance.now() - t0) / 1000;
    t0 = performance.now();
    await store.upsert('bench', batch);
    adapterIncrementalS += (performance.now() - t0) / 1000;
  }
  process.stdout.write(`  incremental upserts done\n`);

  const rawLatency: number[] = [];
  const adapterLatency: number[] = [];
  for (const query of queries) {
    let t0 = performance.now();
    await raw.query(
      `select id, text, metadata, 1 - (embedding <=> $2::vector) as score from t where org = $1
        order by embedding <=> $2::vector limit 10`,
      ['bench', `[${query.join(',')}]`],
    );
    rawLatency.push(performance.now() - t0);
    t0 = performance.now();
    await store.search('bench', query, { org: 'bench', k: 10 });
    adapterLatency.push(performance.now() - t0);
  }
  const { rows: plan } = await database.query<{ 'QUERY PLAN': string }>(
    `explain (costs off) select id from aurora_vectors_bench where org = $1 order by embedding <=> $2::vector limit 10`,
    ['bench', `[${queries[0]!.join(',')}]`],
  );
  const usesIndex = plan.some((row) => row['QUERY PLAN'].includes('aurora_vectors_bench_hnsw'));
  await database.close();
  await raw.close();
  const rate = (n: number, s: number): string => (n / s).toFixed(0);
  return [
    `${size} × ${DIM}-d load (one upsert, HNSW built after): adapter ${adapterLoadS.toFixed(1)} s = ${rate(size, adapterLoadS)} vectors/s, raw PGlite (same bulk strategy) ${rawLoadS.toFixed(1)} s = ${rate(size, rawLoadS)} vectors/s, ratio ${(rawLoadS / adapterLoadS).toFixed(2)}×; CPU (PGlite runs in this process) adapter ${adapterCpuS.toFixed(0)} s, raw ${rawCpuS.toFixed(0)} s, ratio ${(rawCpuS / adapterCpuS).toFixed(2)}×`,
    `${size} × ${DIM}-d incremental upsert (${INCREMENTAL} in batches of 100, live index): adapter ${rate(INCREMENTAL, adapterIncrementalS)} vectors/s, raw ${rate(INCREMENTAL, rawIncrementalS)} vectors/s, ratio ${(rawIncrementalS / adapterIncrementalS).toFixed(2)}×`,
    `${size} × ${DIM}-d k-NN (k=10, 100 queries, alternating): adapter p50 ${percentile(adapterLatency, 50).toFixed(1)} ms / p95 ${percentile(adapterLatency, 95).toFixed(1)} ms; raw p50 ${percentile(rawLatency, 50).toFixed(1)} ms / p95 ${percentile(rawLatency, 95).toFixed(1)} ms; p50 ratio ${(percentile(rawLatency, 50) / percentile(adapterLatency, 50)).toFixed(2)}×; plan uses the HNSW index: ${usesIndex ? 'yes' : 'NO'}`,
  ];
}

export async function benchVector(): Promise<string[]> {
  const sizes = (process.env.BENCH_VECTOR_SIZES ?? '10000,100000').split(',').map(Number);
  const lines: string[] = ['pgvector on PGlite (PostgreSQL 15 here has no pgvector)'];
  for (const size of sizes) {
    const result = await one(size);
    for (const line of result) process.stdout.write(`  ${line}\n`);
    lines.push(...result);
  }
  return lines;
}
