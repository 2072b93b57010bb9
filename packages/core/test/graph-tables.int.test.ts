/** The GraphStore conformance suite on the Database tables adapter: PostgreSQL and PGlite. */
import { createTablesGraphStore, type Database, type GraphStore } from '../src/index.js';
import { createPgliteDatabase } from '../src/storage/pglite/index.js';
import { createPostgresDatabase } from '../src/storage/postgres/index.js';
import { describeGraphStoreConformance } from '../src/testing/index.js';
import { createThrowawayDatabase } from './support/postgres.js';

const owned = new Map<GraphStore, { database: Database; url?: string; drop?: () => Promise<void> }>();

describeGraphStoreConformance('tables on PostgreSQL', {
  async create() {
    const throwaway = await createThrowawayDatabase();
    const database = createPostgresDatabase({ connectionString: throwaway.url });
    const store = createTablesGraphStore({ database });
    owned.set(store, { database, url: throwaway.url, drop: () => throwaway.drop() });
    return store;
  },
  createSibling(of) {
    // A second pool on the same database: a truly concurrent second writer.
    const database = createPostgresDatabase({ connectionString: owned.get(of)!.url! });
    const store = createTablesGraphStore({ database });
    owned.set(store, { database });
    return Promise.resolve(store);
  },
  async destroy(store) {
    const entry = owned.get(store);
    owned.delete(store);
    await entry?.database.close();
    await entry?.drop?.();
  },
});

describeGraphStoreConformance('tables on PGlite', {
  create() {
    const database = createPgliteDatabase({ vector: false });
    const store = createTablesGraphStore({ database });
    owned.set(store, { database, drop: () => database.close() });
    return Promise.resolve(store);
  },
  createSibling(of) {
    // PGlite is one process: a second store over the same Database object.
    const store = createTablesGraphStore({ database: owned.get(of)!.database });
    owned.set(store, { database: owned.get(of)!.database });
    return Promise.resolve(store);
  },
  async destroy(store) {
    const entry = owned.get(store);
    owned.delete(store);
    await entry?.drop?.();
  },
});
