/**
 * The VectorStore conformance suite on pgvector: PGlite (pgvector bundled) always, and
 * PostgreSQL when its server has the `vector` extension (Debian 12's PostgreSQL 15 here does
 * not: that suite then reports itself skipped with the reason).
 */
import pg from 'pg';
import { createPgvectorStore, type Database, type VectorStore } from '../src/index.js';
import { createPgliteDatabase } from '../src/storage/pglite/index.js';
import { createPostgresDatabase } from '../src/storage/postgres/index.js';
import { describeVectorStoreConformance } from '../src/testing/index.js';
import { POSTGRES_URL, createThrowawayDatabase } from './support/postgres.js';

const owned = new Map<VectorStore, { database: Database; url?: string; drop?: () => Promise<void> }>();

describeVectorStoreConformance('pgvector on PGlite', {
  create() {
    const database = createPgliteDatabase();
    const store = createPgvectorStore({ database });
    owned.set(store, { database, drop: () => database.close() });
    return Promise.resolve(store);
  },
  createSibling(of) {
    // One PGlite per process: a second store over the same Database object.
    const store = createPgvectorStore({ database: owned.get(of)!.database });
    owned.set(store, { database: owned.get(of)!.database });
    return Promise.resolve(store);
  },
  async destroy(store) {
    const entry = owned.get(store);
    owned.delete(store);
    await entry?.drop?.();
  },
});

const client = new pg.Client({ connectionString: POSTGRES_URL });
await client.connect();
const available = (await client.query(`select 1 from pg_available_extensions where name = 'vector'`)).rowCount === 1;
await client.end();
const reason = `PostgreSQL at ${new URL(POSTGRES_URL).host} has no pgvector extension`;

describeVectorStoreConformance('pgvector on PostgreSQL', {
  async create() {
    const throwaway = await createThrowawayDatabase();
    const database = createPostgresDatabase({ connectionString: throwaway.url });
    const store = createPgvectorStore({ database });
    owned.set(store, { database, url: throwaway.url, drop: () => throwaway.drop() });
    return store;
  },
  createSibling(of) {
    const database = createPostgresDatabase({ connectionString: owned.get(of)!.url! });
    const store = createPgvectorStore({ database });
    owned.set(store, { database });
    return Promise.resolve(store);
  },
  async destroy(store) {
    const entry = owned.get(store);
    owned.delete(store);
    await entry?.database.close();
    await entry?.drop?.();
  },
  ...(available ? {} : { skip: [{ reason, tests: ['*'] }] }),
});
