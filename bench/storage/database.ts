/**
 * Database: the adapters beside the raw drivers doing the same statements in the same run —
 * PostgreSQL (`pg.Pool`) and PGlite (`PGlite` with pgvector) — for a point select, an insert
 * and a three-statement transaction.
 */
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { createPgliteDatabase } from '../../packages/core/src/storage/pglite/index.js';
import { createPostgresDatabase } from '../../packages/core/src/storage/postgres/index.js';
import { createThrowawayDatabase } from '../../packages/core/test/support/postgres.js';
import { compare, type Comparison } from '../lib/measure.js';

const schema = 'create table bench (id int primary key, body text not null)';

export async function benchDatabase(): Promise<{ comparisons: Comparison[]; notes: string[] }> {
  const comparisons: Comparison[] = [];
  const throwaway = await createThrowawayDatabase();
  const pool = new pg.Pool({ connectionString: throwaway.url, max: 4 });
  const adapter = createPostgresDatabase({ connectionString: throwaway.url, max: 4 });
  try {
    await pool.query(schema);
    await pool.query(`insert into bench select g, 'row ' || g from generate_series(1, 1000) g`);
    let nextId = 1_000_000;
    comparisons.push(
      await compare(
        'database/postgres',
        'select by primary key',
        (i) => adapter.query('select body from bench where id = $1', [(i % 1000) + 1]),
        (i) => pool.query('select body from bench where id = $1', [(i % 1000) + 1]),
        { iterations: 1000 },
      ),
      await compare(
        'database/postgres',
        'insert',
        () => adapter.query('insert into bench values ($1, $2)', [nextId++, 'x']),
        () => pool.query('insert into bench values ($1, $2)', [nextId++, 'x']),
        { iterations: 500 },
      ),
      await compare(
        'database/postgres',
        'transaction (3 statements)',
        () =>
          adapter.transaction(async (tx) => {
            await tx.query('insert into bench values ($1, $2)', [nextId++, 'tx']);
            await tx.query('select count(*) from bench where id > $1', [999_000]);
          }),
        async () => {
          const client = await pool.connect();
          try {
            await client.query('begin');
            await client.query('insert into bench values ($1, $2)', [nextId++, 'tx']);
            await client.query('select count(*) from bench where id > $1', [999_000]);
            await client.query('commit');
          } finally {
            client.release();
          }
        },
        { iterations: 300 },
      ),
    );
  } finally {
    await adapter.close();
    await pool.end();
    await throwaway.drop();
  }

  const raw = await PGlite.create();
  const embedded = createPgliteDatabase({ vector: false });
  try {
    for (const run of [(sql: string) => raw.exec(sql), (sql: string) => embedded.query(sql)]) {
      await run(schema);
      await run(`insert into bench select g, 'row ' || g from generate_series(1, 1000) g`);
      await run('create table blobs (id int primary key, body bytea not null)');
    }
    // A checkpoint-sized value (LangGraph's checkpoints and writes are bytea).
    const blob = Uint8Array.from({ length: 16 * 1024 }, (_, index) => (index * 31 + 7) & 0xff);
    await embedded.query('insert into blobs values (0, $1)', [blob]);
    await raw.query('insert into blobs values (0, $1)', [blob]);
    let nextId = 1_000_000;
    comparisons.push(
      await compare(
        'database/pglite',
        'select by primary key',
        (i) => embedded.query('select body from bench where id = $1', [(i % 1000) + 1]),
        (i) => raw.query('select body from bench where id = $1', [(i % 1000) + 1]),
        { iterations: 2000 },
      ),
      await compare(
        'database/pglite',
        'insert',
        () => embedded.query('insert into bench values ($1, $2)', [nextId++, 'x']),
        () => raw.query('insert into bench values ($1, $2)', [nextId++, 'x']),
        { iterations: 1000 },
      ),
      await compare(
        'database/pglite',
        'transaction (3 statements)',
        () =>
          embedded.transaction(async (tx) => {
            await tx.query('insert into bench values ($1, $2)', [nextId++, 'tx']);
            await tx.query('select count(*) from bench where id > $1', [999_000]);
          }),
        () =>
          raw.transaction(async (tx) => {
            await tx.query('insert into bench values ($1, $2)', [nextId++, 'tx']);
            await tx.query('select count(*) from bench where id > $1', [999_000]);
          }),
        { iterations: 300 },
      ),
      await compare(
        'database/pglite',
        'insert 16 KiB bytea',
        () => embedded.query('insert into blobs values ($1, $2)', [nextId++, blob]),
        () => raw.query('insert into blobs values ($1, $2)', [nextId++, blob]),
        { iterations: 500 },
      ),
      await compare(
        'database/pglite',
        'select 16 KiB bytea',
        () => embedded.query('select body from blobs where id = 0'),
        () => raw.query('select body from blobs where id = 0'),
        { iterations: 500 },
      ),
    );
  } finally {
    await embedded.close();
    await raw.close();
  }
  return {
    comparisons,
    notes: [
      'database/pglite bytea: the raw side is PGlite with its own bytea codec (a byte at a time); ' +
        'the adapter binds the bytes as a binary parameter and reads them with the native hex codec.',
    ],
  };
}
