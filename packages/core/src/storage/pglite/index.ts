/** `@aurora-ops/core/storage/pglite`: the PGlite `Database` adapter (needs `@electric-sql/pglite`). */
export { createPgliteDatabase, PGLITE_DEFAULT_SETTINGS } from './pglite-database.js';
export type { PgliteDatabaseOptions } from './pglite-database.js';
