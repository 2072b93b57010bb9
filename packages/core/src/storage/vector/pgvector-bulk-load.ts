import { ConfigurationError } from '../../errors/errors.js';
import type { Transaction } from '../database/database.js';

/**
 * Bulk loading for the pgvector store. pgvector builds an HNSW index many times faster than
 * it inserts into one (on PGlite: ≈ 350 vs ≈ 77 vectors/s at 384 dimensions), so a large
 * batch into a small collection drops the index, loads the rows and rebuilds it, all in the
 * upsert's transaction: other sessions see the index before and after, never without it.
 */
export interface PgvectorBulkLoadOptions {
  /**
   * A batch of at least this many distinct chunks, into a collection holding no more rows
   * than the batch, rebuilds the HNSW index after loading. Default 1 000; `Infinity` turns
   * bulk loading off.
   */
  readonly threshold?: number;
  /** `maintenance_work_mem` for the rebuild: the HNSW graph builds fast only while it fits. Default `512MB`. */
  readonly maintenanceWorkMem?: string;
}

export interface HnswBuildSettings {
  readonly m: number;
  readonly efConstruction: number;
}

export interface ResolvedBulkLoad {
  readonly threshold: number;
  readonly maintenanceWorkMem: string;
}

const MEMORY = /^[1-9][0-9]{0,6}(kB|MB|GB)$/;

export function resolveBulkLoad(options: PgvectorBulkLoadOptions | undefined): ResolvedBulkLoad {
  const threshold = options?.threshold ?? 1000;
  const maintenanceWorkMem = options?.maintenanceWorkMem ?? '512MB';
  if (!(threshold === Number.POSITIVE_INFINITY || (Number.isInteger(threshold) && threshold >= 1))) {
    throw new ConfigurationError({ message: 'bulkLoad.threshold is a positive integer or Infinity.' });
  }
  if (typeof maintenanceWorkMem !== 'string' || !MEMORY.test(maintenanceWorkMem)) {
    throw new ConfigurationError({ message: 'bulkLoad.maintenanceWorkMem is a size such as "512MB" (kB, MB or GB).' });
  }
  return { threshold, maintenanceWorkMem };
}

/** `create index` for a collection's HNSW index (cosine). */
export function hnswIndexSql(table: string, settings: HnswBuildSettings): string {
  return `create index ${table}_hnsw on ${table} using hnsw (embedding vector_cosine_ops)
            with (m = ${Math.floor(settings.m)}, ef_construction = ${Math.floor(settings.efConstruction)})`;
}

export interface UpsertRow {
  readonly org: string;
  readonly id: string;
  readonly text: string;
  readonly metadata: unknown;
  readonly embedding: string;
}

async function insertRows(tx: Transaction, table: string, rows: readonly UpsertRow[], batchSize: number) {
  for (let index = 0; index < rows.length; index += batchSize) {
    await tx.query(
      `insert into ${table} (org, id, text, metadata, embedding)
       select r.org, r.id, r.text, r.metadata, r.embedding::vector
         from jsonb_to_recordset($1::jsonb) as r(org text, id text, text text, metadata jsonb, embedding text)
       on conflict (org, id) do update set text = excluded.text, metadata = excluded.metadata, embedding = excluded.embedding`,
      [JSON.stringify(rows.slice(index, index + batchSize))],
    );
  }
}

/**
 * Writes `rows` (distinct, sorted) inside `tx`. Returns `'bulk'` when the index was rebuilt
 * after loading, `'incremental'` when the rows went through the live index.
 */
export async function writeRows(
  tx: Transaction,
  table: string,
  rows: readonly UpsertRow[],
  settings: { readonly batchSize: number; readonly bulk: ResolvedBulkLoad; readonly hnsw: HnswBuildSettings },
): Promise<'bulk' | 'incremental'> {
  if (rows.length < settings.bulk.threshold) {
    await insertRows(tx, table, rows, settings.batchSize);
    return 'incremental';
  }
  // Writers queue behind this lock (it conflicts with itself and with row-exclusive), so the
  // size read below stays true until commit; readers carry on until the index is dropped.
  await tx.query(`lock table ${table} in share row exclusive mode`);
  const { rows: size } = await tx.query<{ held: number }>(
    `select count(*)::int as held from (select 1 from ${table} limit $1) existing`,
    [rows.length + 1],
  );
  if ((size[0]?.held ?? 0) > rows.length) {
    await insertRows(tx, table, rows, settings.batchSize);
    return 'incremental';
  }
  await tx.query(`drop index if exists ${table}_hnsw`);
  await insertRows(tx, table, rows, settings.batchSize);
  await tx.query(`set local maintenance_work_mem = '${settings.bulk.maintenanceWorkMem}'`);
  await tx.query(hnswIndexSql(table, settings.hnsw));
  // Fresh statistics, so the planner picks the index for k-NN rather than a key scan.
  await tx.query(`analyze ${table}`);
  return 'bulk';
}
