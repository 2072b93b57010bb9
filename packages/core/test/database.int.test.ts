/** The Database conformance suite on PostgreSQL and PGlite, plus backend-specific failure tests. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuroraError } from '../src/errors/aurora-error.js';
import { ConnectionLostError, InvalidInputError, TimeoutError } from '../src/errors/errors.js';
import type { Database } from '../src/storage/database/database.js';
import { createPgliteDatabase } from '../src/storage/pglite/index.js';
import { createPostgresDatabase } from '../src/storage/postgres/index.js';
import { describeDatabaseConformance } from '../src/testing/database-conformance.js';
import { createThrowawayDatabase, postgresAvailable, type ThrowawayDatabase } from './support/postgres.js';

const serverUp = await postgresAvailable();
const noServer = serverUp ? [] : [{ reason: 'no PostgreSQL server at AURORA_TEST_POSTGRES_URL', tests: ['*'] }];

const throwaways = new Map<Database, ThrowawayDatabase>();
const urls = new Map<Database, string>();

describeDatabaseConformance('PostgreSQL', {
  async create() {
    const throwaway = await createThrowawayDatabase();
    const database = createPostgresDatabase({ connectionString: throwaway.url });
    throwaways.set(database, throwaway);
    urls.set(database, throwaway.url);
    return database;
  },
  createSibling(of) {
    // A second pool on the same database, as a second replica would open it.
    const database = createPostgresDatabase({ connectionString: urls.get(of)! });
    return Promise.resolve(database);
  },
  async destroy(database) {
    await database.close();
    await throwaways.get(database)?.drop();
    throwaways.delete(database);
  },
  skip: noServer,
});

describeDatabaseConformance('PGlite (in memory)', {
  create: () => Promise.resolve(createPgliteDatabase()),
  destroy: (database) => database.close(),
  skip: [
    {
      reason: 'PGlite is single-process: one instance per data directory',
      tests: ['two instances'],
    },
  ],
});

async function expectError<E>(
  promise: Promise<unknown>,
  check: { isInstance(error: unknown): error is E },
): Promise<E> {
  const error = await promise.then(
    () => new Error('expected a failure'),
    (thrown: unknown) => thrown,
  );
  expect(check.isInstance(error), `unexpected error: ${String(error)}`).toBe(true);
  return error as E;
}

describe.skipIf(!serverUp)('PostgreSQL adapter failures', () => {
  let throwaway: ThrowawayDatabase;
  let database: Database;
  let admin: pg.Pool;

  beforeAll(async () => {
    throwaway = await createThrowawayDatabase();
    database = createPostgresDatabase({ connectionString: throwaway.url, max: 2 });
    admin = new pg.Pool({ connectionString: throwaway.url, max: 1 });
    await database.query('create table killed (id int primary key)');
  });
  afterAll(async () => {
    await database?.close();
    await admin?.end();
    await throwaway?.drop();
  });

  it('a connection killed mid-transaction is ConnectionLostError; nothing commits; the pool recovers', async () => {
    const error = await expectError(
      database.transaction(async (tx) => {
        await tx.query('insert into killed values (1)');
        const { pid } = await tx.one<{ pid: number }>('select pg_backend_pid() as pid');
        const killed = await admin.query('select pg_terminate_backend($1) as ok', [pid]);
        expect(killed.rows[0]).toEqual({ ok: true });
        await tx.query('insert into killed values (2)');
      }),
      ConnectionLostError,
    );
    expect(error.retryable).toBe(true);
    const { rows } = await admin.query('select count(*)::int as n from killed');
    expect(rows[0]).toEqual({ n: 0 });
    // Both pool slots still give working connections (the dead one was not reused).
    const pids = await Promise.all([0, 1].map(() => database.one<{ pid: number }>('select pg_backend_pid() as pid')));
    expect(pids).toHaveLength(2);
    await database.transaction(async (tx) => {
      await tx.query('insert into killed values (3)');
    });
    expect(await database.one('select count(*)::int as n from killed')).toEqual({ n: 1 });
  });

  it('a connection killed while idle in the pool does not crash the process', async () => {
    await database.ping();
    await admin.query(
      `select pg_terminate_backend(pid) from pg_stat_activity
       where datname = current_database() and pid <> pg_backend_pid() and application_name = 'aurora'`,
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    // The first call may land on a dead idle connection before the pool notices; then it recovers.
    await database.ping().catch((error: unknown) => expect(ConnectionLostError.isInstance(error)).toBe(true));
    await expect(database.ping()).resolves.toBeUndefined();
  });

  it('a statement past statementTimeoutMs is a TimeoutError', async () => {
    const limited = createPostgresDatabase({ connectionString: throwaway.url, statementTimeoutMs: 100 });
    try {
      const error = await expectError(limited.query('select pg_sleep(5)'), TimeoutError);
      expect(error.details.sqlstate).toBe('57014');
      await expect(limited.one('select 1 as ok')).resolves.toEqual({ ok: 1 });
    } finally {
      await limited.close();
    }
  });

  it('a pool whose connections all stay busy is a TimeoutError that says so, not a lost connection', async () => {
    const small = createPostgresDatabase({ connectionString: throwaway.url, max: 1, connectionTimeoutMs: 200 });
    try {
      const holding = small.query('select pg_sleep(1)');
      const error = await expectError(small.query('select 1'), TimeoutError);
      expect(error.retryable).toBe(true);
      expect(error.message).toMatch(/within 200 ms: all 1 connections of the pool stayed busy/);
      expect(error.details).toMatchObject({ backend: 'postgres', pool: 1 });
      await holding;
      await expect(small.one('select 1 as ok')).resolves.toEqual({ ok: 1 });
    } finally {
      await small.close();
    }
  });

  it('an AbortSignal cancels a running statement', async () => {
    const started = Date.now();
    const error = await database.query('select pg_sleep(10)', [], { signal: AbortSignal.timeout(200) }).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(AuroraError.isInstance(error) && error.code).toBe('CANCELLED');
    expect(Date.now() - started).toBeLessThan(5000);
    const busy = await admin.query(
      `select count(*)::int as n from pg_stat_activity where query = 'select pg_sleep(10)' and state = 'active'`,
    );
    expect(busy.rows[0]).toEqual({ n: 0 });
    await expect(database.ping()).resolves.toBeUndefined();
  });

  it('an unreachable server is ConnectionLostError on ping, without hanging', async () => {
    const unreachable = createPostgresDatabase({ connectionString: 'postgres://postgres@127.0.0.1:1/postgres' });
    const started = Date.now();
    try {
      const error = await expectError(unreachable.ping(), ConnectionLostError);
      expect(error.retryable).toBe(true);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await unreachable.close();
    }
  });

  it('capabilities reflect the server once it answered; close() leaves a caller-owned pool open', async () => {
    const available = await admin.query(`select count(*)::int as n from pg_available_extensions where name = 'vector'`);
    const pool = new pg.Pool({ connectionString: throwaway.url, max: 1 });
    const borrowed = createPostgresDatabase({ pool });
    await borrowed.ping();
    expect(borrowed.capabilities.vector).toBe((available.rows[0] as { n: number }).n === 1);
    expect(borrowed.capabilities).toMatchObject({ listenNotify: true, concurrentConnections: true });
    await borrowed.close();
    await expect(borrowed.ping()).rejects.toSatisfy((error) => ConnectionLostError.isInstance(error));
    expect((await pool.query('select 1 as ok')).rows).toEqual([{ ok: 1 }]);
    await pool.end();
  });
});

describe('PGlite adapter', () => {
  let directory: string;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'aurora-pglite-'));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('a data directory on disk survives close and reopen', async () => {
    const first = createPgliteDatabase({ dataDir: directory, vector: false });
    await first.migrate([{ version: 1, name: 'notes', up: 'create table notes (body text)' }], { namespace: 'disk' });
    await first.query('insert into notes values ($1)', ['kept']);
    await first.close();
    await expectError(first.ping(), ConnectionLostError);

    const second = createPgliteDatabase({ dataDir: directory, vector: false });
    try {
      expect(await second.one('select body from notes')).toEqual({ body: 'kept' });
      const report = await second.migrate([{ version: 1, name: 'notes', up: 'create table notes (body text)' }], {
        namespace: 'disk',
      });
      expect(report).toEqual({ namespace: 'disk', applied: [], current: 1 });
    } finally {
      await second.close();
    }
  });

  it('runs with a 16 MB shared_buffers by default; settings override it; a bad setting is refused', async () => {
    const byDefault = createPgliteDatabase({ vector: false });
    const tuned = createPgliteDatabase({ vector: false, settings: { shared_buffers: '8MB', work_mem: '2MB' } });
    try {
      expect(await byDefault.one('show shared_buffers')).toEqual({ shared_buffers: '16MB' });
      // Passed as start parameters: initdb's postgresql.conf (timezone, locale) stays in force.
      expect(await byDefault.one('show timezone')).toEqual({ TimeZone: 'UTC' });
      expect(await tuned.one('show shared_buffers')).toEqual({ shared_buffers: '8MB' });
      expect(await tuned.one('show work_mem')).toEqual({ work_mem: '2MB' });
    } finally {
      await byDefault.close();
      await tuned.close();
    }
    expect(() => createPgliteDatabase({ vector: false, settings: { 'work_mem\nfsync': 'off' } })).toThrow(
      InvalidInputError,
    );
    expect(() => createPgliteDatabase({ vector: false, settings: { work_mem: "1MB'\nfsync = 'off" } })).toThrow(
      InvalidInputError,
    );
  });

  it('loads pgvector: cosine distance works', async () => {
    const database = createPgliteDatabase();
    try {
      expect(database.capabilities).toEqual({ vector: true, listenNotify: false, concurrentConnections: false });
      const row = await database.one<{ distance: number }>(
        `select '[1,2,3]'::vector <=> '[1,2,4]'::vector as distance`,
      );
      const expected = 1 - 17 / (Math.sqrt(14) * Math.sqrt(21));
      expect(row.distance).toBeCloseTo(expected, 6);
    } finally {
      await database.close();
    }
  });

  it('calling the Database inside its own transaction fails fast instead of deadlocking', async () => {
    const database = createPgliteDatabase({ vector: false });
    try {
      await expectError(
        database.transaction(async () => {
          await database.query('select 1');
        }),
        InvalidInputError,
      );
      await expect(database.one('select 1 as ok')).resolves.toEqual({ ok: 1 });
    } finally {
      await database.close();
    }
  });

  it('a signal that fires while waiting behind a transaction cancels the queued call', async () => {
    const database = createPgliteDatabase({ vector: false });
    try {
      let finish: () => void = () => undefined;
      const gate = new Promise<void>((resolve) => {
        finish = resolve;
      });
      const running = database.transaction(async (tx) => {
        await tx.query('select 1');
        await gate;
      });
      await new Promise((resolve) => setTimeout(resolve, 20));
      const controller = new AbortController();
      const queued = database.query('select 1', [], { signal: controller.signal });
      controller.abort();
      const error = await queued.then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      expect(AuroraError.isInstance(error) && error.code).toBe('CANCELLED');
      finish();
      await running;
      await expect(database.one('select 2 as n')).resolves.toEqual({ n: 2 });
    } finally {
      await database.close();
    }
  });
  it('lets timers and sockets run between queued statements, not only after the last one', async () => {
    const database = createPgliteDatabase({ vector: false });
    try {
      await database.ping();
      // 200 statements queued at once; a timer due now must fire while they are still running.
      let finished = 0;
      const queued = Array.from({ length: 200 }, (_, index) =>
        database.query('select $1::int as n', [index]).then(() => finished++),
      );
      const finishedWhenTheTimerFired = await new Promise<number>((resolve) => setTimeout(() => resolve(finished), 0));
      await Promise.all(queued);
      expect(finished).toBe(200);
      expect(finishedWhenTheTimerFired).toBeLessThan(200);
    } finally {
      await database.close();
    }
  });
});
