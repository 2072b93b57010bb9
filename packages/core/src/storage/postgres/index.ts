/** `@aurora-ops/core/storage/postgres`: the PostgreSQL `Database` adapter (needs `pg`). */
export { createPostgresDatabase } from './postgres-database.js';
export type { PostgresDatabaseOptions } from './postgres-database.js';
