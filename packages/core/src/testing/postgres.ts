/**
 * `@aurora-ops/core/testing/postgres`: throwaway PostgreSQL databases for integration tests, and
 * the two backends (PostgreSQL, PGlite) a suite runs on
 * (`CREATE DATABASE aurora_test_<random>` on the server at AURORA_TEST_POSTGRES_URL, default
 * postgres://postgres@127.0.0.1:5432/postgres), for core's own tests, the server's, and
 * adapters that run the conformance suites on PostgreSQL. Needs `pg`; kept apart from
 * `@aurora-ops/core/testing` so that entry does not.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Database } from '../storage/database/database.js';
import { createPgliteDatabase } from '../storage/pglite/index.js';
import { createPostgresDatabase } from '../storage/postgres/index.js';
import { POSTGRES_URL } from './env-postgres.js';

/** The admin URL tests connect to. */
export { POSTGRES_URL };

export interface ThrowawayDatabase {
  /** Connection string of the new, empty database. */
  readonly url: string;
  readonly name: string;
  /** Terminates its backends, then drops it. Safe to call twice. */
  drop(): Promise<void>;
}

async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 5000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Whether the test server answers (for `it.skipIf` with a reason). */
export async function postgresAvailable(): Promise<boolean> {
  try {
    await withAdmin((client) => client.query('select 1'));
    return true;
  } catch {
    return false;
  }
}

/** Creates an empty database and returns its URL and a `drop()`. */
export async function createThrowawayDatabase(): Promise<ThrowawayDatabase> {
  const name = `aurora_test_${randomBytes(6).toString('hex')}`;
  await withAdmin((client) => client.query(`create database ${name}`));
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    url: url.toString(),
    name,
    async drop() {
      if (dropped) return;
      dropped = true;
      await withAdmin(async (client) => {
        await client.query(
          'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
          [name],
        );
        // FORCE (PostgreSQL 13+) also beats a pool that reconnects between the two statements.
        await client
          .query(`drop database if exists ${name} with (force)`)
          .catch(() => client.query(`drop database if exists ${name}`));
      });
    },
  };
}

/** A database for a suite that runs on each backend: `open()` it in `beforeAll`, `close()` after. */
export interface TestDatabaseBackend {
  readonly name: 'PostgreSQL' | 'PGlite';
  /** Why the backend's suite is skipped (no PostgreSQL server answers), if it is. */
  readonly skip?: string;
  open(): Promise<{ database: Database; close(): Promise<void> }>;
}

/**
 * PostgreSQL (a throwaway database, dropped on close; skipped with its reason when no server
 * answers at AURORA_TEST_POSTGRES_URL) and PGlite (in memory, without pgvector).
 */
export async function testDatabaseBackends(): Promise<readonly TestDatabaseBackend[]> {
  const reachable = await postgresAvailable();
  return [
    {
      name: 'PostgreSQL',
      ...(reachable ? {} : { skip: 'no PostgreSQL server at AURORA_TEST_POSTGRES_URL' }),
      async open() {
        const throwaway = await createThrowawayDatabase();
        const database = createPostgresDatabase({ connectionString: throwaway.url, max: 4 });
        return {
          database,
          close: async () => {
            await database.close();
            await throwaway.drop();
          },
        };
      },
    },
    {
      name: 'PGlite',
      open() {
        const database = createPgliteDatabase({ vector: false });
        return Promise.resolve({ database, close: () => database.close() });
      },
    },
  ];
}
