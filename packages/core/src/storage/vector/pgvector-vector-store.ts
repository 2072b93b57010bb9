import { ConfigurationError, NotFoundError } from '../../errors/errors.js';
import type { Database, Migration } from '../database/database.js';
import { hnswIndexSql, resolveBulkLoad, writeRows, type PgvectorBulkLoadOptions } from './pgvector-bulk-load.js';
import {
  assertCollectionName,
  assertMetadata,
  assertOrg,
  assertVector,
  invalid,
  validateSearch,
} from './vector-validation.js';
import type {
  ChunkMetadata,
  CollectionSpec,
  MetadataFilter,
  SearchOptions,
  VectorChunk,
  VectorMatch,
  VectorStore,
} from './vector-store.js';

export interface PgvectorStoreOptions {
  /** PGlite (pgvector bundled) or PostgreSQL with the `vector` extension available. */
  readonly database: Database;
  /** HNSW build and search parameters (pgvector defaults: m 16, ef_construction 64, ef_search 40). */
  readonly hnsw?: { readonly m?: number; readonly efConstruction?: number; readonly efSearch?: number };
  /** Rows per upsert statement. Default 500. */
  readonly batchSize?: number;
  /**
   * A large batch (default ≥ 1 000 chunks) into a collection that holds no more rows than the
   * batch loads the rows first and rebuilds the HNSW index after, in the same transaction.
   */
  readonly bulkLoad?: PgvectorBulkLoadOptions;
}

export const VECTOR_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'collections registry',
    up: `
      create extension if not exists vector;
      create table aurora_vector_collections (
        name text primary key,
        dimension int not null,
        created_at timestamptz not null default now()
      );`,
  },
];

const MAX_DIMENSION = 2000;

function vectorLiteral(vector: readonly number[] | Float32Array, dimension: number): string {
  assertVector(vector, dimension);
  return `[${Array.from(vector).join(',')}]`;
}

/** SQL for a metadata filter, appending its parameters to `params`. Exported for tests. */
export function filterSql(filter: MetadataFilter | undefined, params: unknown[]): string {
  if (filter === undefined) return 'true';
  const clauses: string[] = [];
  for (const [key, condition] of Object.entries(filter)) {
    if (typeof condition === 'object' && condition !== null && 'in' in condition) {
      if (!Array.isArray(condition.in)) throw invalid('An "in" filter takes a list.');
      params.push(key, JSON.stringify(condition.in));
      clauses.push(
        `exists (select 1 from jsonb_array_elements($${params.length}::jsonb) v where v = metadata -> $${params.length - 1}::text)`,
      );
    } else {
      params.push(JSON.stringify({ [key]: condition }));
      clauses.push(`metadata @> $${params.length}::jsonb`);
    }
  }
  return clauses.length === 0 ? 'true' : clauses.join(' and ');
}

/** Min-max normalises scores to [0, 1] (a single or constant list becomes 1). */
export function normaliseScores(matches: readonly VectorMatch[]): Map<string, number> {
  const scores = matches.map((match) => match.score);
  const min = Math.min(...scores);
  const max = Math.max(...scores);
  return new Map(matches.map((match) => [match.id, max === min ? 1 : (match.score - min) / (max - min)]));
}

/** Fuses vector and keyword results: alpha·vector + (1 − alpha)·keyword on normalised scores. */
export function fuse(
  vector: readonly VectorMatch[],
  keyword: readonly VectorMatch[],
  alpha: number,
  k: number,
): VectorMatch[] {
  const v = normaliseScores(vector);
  const w = normaliseScores(keyword);
  const byId = new Map<string, VectorMatch>();
  for (const match of [...vector, ...keyword]) byId.set(match.id, match);
  return [...byId.values()]
    .map((match) => ({ ...match, score: alpha * (v.get(match.id) ?? 0) + (1 - alpha) * (w.get(match.id) ?? 0) }))
    .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1))
    .slice(0, k);
}

interface MatchRow {
  readonly id: string;
  readonly text: string;
  readonly metadata: ChunkMetadata;
  readonly score: number | string;
  readonly [column: string]: unknown;
}

/**
 * VectorStore on pgvector: one table per collection with an HNSW index (cosine), a
 * generated `tsvector` for keyword search (English configuration) and GIN indexes on it
 * and on the metadata. Works on PGlite (the embedded default) and on PostgreSQL where the
 * `vector` extension is available. A large upsert into a small collection is bulk-loaded:
 * rows first, then the HNSW index rebuilt in the same transaction (`PgvectorBulkLoadOptions`).
 */
export function createPgvectorStore(options: PgvectorStoreOptions): VectorStore {
  const { database } = options;
  const batchSize = options.batchSize ?? 500;
  const bulk = resolveBulkLoad(options.bulkLoad);
  const hnsw = { m: options.hnsw?.m ?? 16, efConstruction: options.hnsw?.efConstruction ?? 64 };
  const dimensions = new Map<string, number>();
  let migrated: Promise<void> | undefined;

  const ready = (): Promise<void> => {
    migrated ??= (async () => {
      await database.ping();
      if (!database.capabilities.vector) {
        throw new ConfigurationError({
          message: 'The pgvector extension is not available on this database: use PGlite or install pgvector.',
        });
      }
      await database.migrate(VECTOR_MIGRATIONS, { namespace: 'core-vector' });
    })();
    migrated.catch(() => {
      migrated = undefined;
    });
    return migrated;
  };

  const table = (name: string): string => `aurora_vectors_${name}`;

  const dimensionOf = async (name: string): Promise<number> => {
    assertCollectionName(name);
    await ready();
    const known = dimensions.get(name);
    if (known !== undefined) return known;
    const { rows } = await database.query<{ dimension: number }>(
      `select dimension from aurora_vector_collections where name = $1`,
      [name],
    );
    const dimension = rows[0]?.dimension;
    if (dimension === undefined) {
      throw new NotFoundError({ message: `No vector collection "${name}".`, details: { collection: name } });
    }
    dimensions.set(name, dimension);
    return dimension;
  };

  const vectorSearch = async (
    name: string,
    vector: readonly number[] | Float32Array,
    searchOptions: SearchOptions,
    k: number,
  ): Promise<VectorMatch[]> => {
    const dimension = await dimensionOf(name);
    const params: unknown[] = [searchOptions.org, vectorLiteral(vector, dimension), k];
    const where = filterSql(searchOptions.filter, params);
    const sql = `select id, text, metadata, 1 - (embedding <=> $2::vector) as score
                   from ${table(name)} where org = $1 and ${where}
                  order by embedding <=> $2::vector limit $3`;
    const efSearch = options.hnsw?.efSearch;
    const { rows } =
      efSearch === undefined
        ? await database.query<MatchRow>(sql, params)
        : await database.transaction(async (tx) => {
            await tx.query(`set local hnsw.ef_search = ${Math.floor(efSearch)}`);
            return tx.query<MatchRow>(sql, params);
          });
    return rows.map((row) => ({ id: row.id, text: row.text, metadata: row.metadata, score: Number(row.score) }));
  };

  const keywordSearch = async (name: string, text: string, searchOptions: SearchOptions, k: number) => {
    await dimensionOf(name);
    if (typeof text !== 'string') throw invalid('The query text is a string.');
    const params: unknown[] = [searchOptions.org, text, k];
    const where = filterSql(searchOptions.filter, params);
    const { rows } = await database.query<MatchRow>(
      `select id, text, metadata, ts_rank_cd(tsv, q) as score
         from ${table(name)}, websearch_to_tsquery('english', $2) q
        where org = $1 and tsv @@ q and ${where}
        order by score desc, id limit $3`,
      params,
    );
    return rows.map((row): VectorMatch => ({
      id: row.id,
      text: row.text,
      metadata: row.metadata,
      score: Number(row.score),
    }));
  };

  return {
    specificationVersion: 'v1',
    capabilities: { keywordSearch: true, hybridSearch: true, approximate: true },
    async createCollection(spec: CollectionSpec) {
      assertCollectionName(spec.name);
      if (!Number.isInteger(spec.dimension) || spec.dimension < 1 || spec.dimension > MAX_DIMENSION) {
        throw invalid(`dimension is an integer 1–${MAX_DIMENSION} (pgvector's HNSW limit).`);
      }
      await ready();
      await database.transaction(async (tx) => {
        await tx.query(`select pg_advisory_xact_lock(hashtext('aurora_vector_collections'))`);
        const { rows } = await tx.query<{ dimension: number }>(
          `select dimension from aurora_vector_collections where name = $1`,
          [spec.name],
        );
        const existing = rows[0]?.dimension;
        if (existing !== undefined && existing !== spec.dimension) {
          throw invalid(`Collection "${spec.name}" exists with dimension ${existing}, not ${spec.dimension}.`, {
            expected: existing,
            got: spec.dimension,
          });
        }
        if (existing !== undefined) return;
        await tx.query(`create table ${table(spec.name)} (
            org text not null,
            id text not null,
            text text not null,
            metadata jsonb not null default '{}',
            embedding vector(${spec.dimension}) not null,
            tsv tsvector generated always as (to_tsvector('english', text)) stored,
            primary key (org, id))`);
        await tx.query(hnswIndexSql(table(spec.name), hnsw));
        await tx.query(`create index ${table(spec.name)}_tsv on ${table(spec.name)} using gin (tsv)`);
        await tx.query(
          `create index ${table(spec.name)}_meta on ${table(spec.name)} using gin (metadata jsonb_path_ops)`,
        );
        await tx.query(`insert into aurora_vector_collections (name, dimension) values ($1, $2)`, [
          spec.name,
          spec.dimension,
        ]);
      });
      dimensions.set(spec.name, spec.dimension);
    },
    async dropCollection(name) {
      assertCollectionName(name);
      await ready();
      await database.transaction(async (tx) => {
        await tx.query(`drop table if exists ${table(name)}`);
        await tx.query(`delete from aurora_vector_collections where name = $1`, [name]);
      });
      dimensions.delete(name);
    },
    async upsert(name, chunks: readonly VectorChunk[]) {
      const dimension = await dimensionOf(name);
      const rows = chunks.map((chunk) => {
        assertOrg(chunk.org);
        if (typeof chunk.id !== 'string' || chunk.id.length === 0 || chunk.id.length > 512) {
          throw invalid('A chunk id is a string of 1–512 characters.');
        }
        if (typeof chunk.text !== 'string') throw invalid('A chunk text is a string.');
        assertMetadata(chunk.metadata);
        return {
          org: chunk.org,
          id: chunk.id,
          text: chunk.text,
          metadata: chunk.metadata ?? {},
          embedding: vectorLiteral(chunk.vector, dimension),
        };
      });
      const unique = [...new Map(rows.map((row) => [`${row.org}\u0000${row.id}`, row])).values()].sort((a, b) =>
        `${a.org}\u0000${a.id}` < `${b.org}\u0000${b.id}` ? -1 : 1,
      );
      if (unique.length === 0) return;
      await database.transaction((tx) => writeRows(tx, table(name), unique, { batchSize, bulk, hnsw }));
    },
    async delete(name, deleteOptions) {
      await dimensionOf(name);
      assertOrg(deleteOptions.org);
      if (deleteOptions.ids === undefined && deleteOptions.filter === undefined) {
        throw invalid('delete needs ids, a filter, or both.');
      }
      const params: unknown[] = [deleteOptions.org];
      let ids = 'true';
      if (deleteOptions.ids !== undefined) {
        params.push([...deleteOptions.ids]);
        ids = `id = any($2::text[])`;
      }
      const where = filterSql(deleteOptions.filter, params);
      const result = await database.query(`delete from ${table(name)} where org = $1 and ${ids} and ${where}`, params);
      return result.rowCount;
    },
    async search(name, vector, searchOptions) {
      return vectorSearch(name, vector, searchOptions, validateSearch(searchOptions));
    },
    async keywordSearch(name, text, searchOptions) {
      return keywordSearch(name, text, searchOptions, validateSearch(searchOptions));
    },
    async hybridSearch(name, query, searchOptions) {
      const k = validateSearch(searchOptions);
      const alpha = query.alpha ?? 0.5;
      if (!(alpha >= 0 && alpha <= 1)) throw invalid('alpha is between 0 and 1.');
      const wide = Math.min(1000, k * 4);
      const [vector, keyword] = await Promise.all([
        alpha > 0 ? vectorSearch(name, query.vector, searchOptions, wide) : Promise.resolve([]),
        alpha < 1 ? keywordSearch(name, query.text, searchOptions, wide) : Promise.resolve([]),
      ]);
      return fuse(vector, keyword, alpha, k);
    },
    close: () => Promise.resolve(),
  };
}
