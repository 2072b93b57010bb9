import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuroraError } from '../errors/aurora-error.js';
import { InvalidInputError, MigrationError, NotFoundError, UniqueViolationError } from '../errors/errors.js';
import type { Database, Migration } from '../storage/database/database.js';
import type { ConformanceHarness } from './harness.js';

const suffix = (): string => randomBytes(5).toString('hex');

function skipFor(harness: ConformanceHarness<Database>, test: string): string | undefined {
  return harness.skip?.find((entry) => entry.tests.includes(test) || entry.tests.includes('*'))?.reason;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected the call to fail, but it succeeded');
    },
    (error: unknown) => error,
  );
}

async function expectTyped<E extends AuroraError>(
  promise: Promise<unknown>,
  errorClass: { isInstance(error: unknown): error is E },
): Promise<E> {
  const error = await rejection(promise);
  expect(errorClass.isInstance(error), `unexpected error: ${String(error)}`).toBe(true);
  return error as E;
}

/** Resolves to 'pending' if `promise` has not settled within `ms`. */
async function settledWithin(promise: Promise<unknown>, ms: number): Promise<'settled' | 'pending'> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const pending = new Promise<'pending'>((resolve) => {
    timer = setTimeout(() => resolve('pending'), ms);
  });
  const outcome = await Promise.race([
    promise.then(
      () => 'settled' as const,
      () => 'settled' as const,
    ),
    pending,
  ]);
  clearTimeout(timer);
  return outcome;
}

async function count(database: Database, table: string, where = 'true', params: unknown[] = []): Promise<number> {
  const row = await database.one<{ n: number }>(`select count(*)::int as n from ${table} where ${where}`, params);
  return Number(row.n);
}

/**
 * The Database conformance suite. Tables are named with a random suffix, so one store can
 * serve every test. `createSibling` (a second pool or process on the same store) enables the
 * "two instances on the same store" section; without it those tests are skipped with a reason.
 * A skip entry naming `'two instances'` skips that whole section; `'*'` skips everything
 * (and `create` is then never called).
 */
export function describeDatabaseConformance(name: string, harness: ConformanceHarness<Database>): void {
  describe(`Database conformance: ${name}`, () => {
    let db: Database;

    const skipAll = harness.skip?.some((entry) => entry.tests.includes('*')) === true;

    beforeAll(async () => {
      if (!skipAll) db = await harness.create();
    });
    afterAll(async () => {
      if (db !== undefined) await harness.destroy(db);
    });

    const test = (title: string, fn: () => Promise<void>): void => {
      it(title, async (context) => {
        const reason = skipFor(harness, title);
        if (reason !== undefined) context.skip(reason);
        await fn();
      });
    };

    const table = async (columns = 'id int primary key, name text'): Promise<string> => {
      const tableName = `conformance_${suffix()}`;
      await db.query(`create table ${tableName} (${columns})`);
      return tableName;
    };

    test('declares specification v1, the postgres dialect and its capabilities', async () => {
      expect(db.specificationVersion).toBe('v1');
      expect(db.dialect).toBe('postgres');
      await db.ping();
      for (const key of ['vector', 'listenNotify', 'concurrentConnections'] as const) {
        expect(typeof db.capabilities[key]).toBe('boolean');
      }
    });

    test('ping round-trips', async () => {
      await expect(db.ping()).resolves.toBeUndefined();
    });

    test('query binds $n parameters, returns rows and reports rowCount', async () => {
      const t = await table();
      for (const [id, label] of [
        [1, 'one'],
        [2, 'two'],
        [3, 'ünïcödé ✓'],
      ] as const) {
        const inserted = await db.query(`insert into ${t} (id, name) values ($1, $2)`, [id, label]);
        expect(inserted.rowCount).toBe(1);
        expect(inserted.rows).toEqual([]);
      }
      const updated = await db.query(`update ${t} set name = name || '!' where id > $1`, [1]);
      expect(updated.rowCount).toBe(2);
      const selected = await db.query<{ id: number; name: string }>(`select id, name from ${t} order by id`);
      expect(selected.rowCount).toBe(3);
      expect(selected.rows).toEqual([
        { id: 1, name: 'one' },
        { id: 2, name: 'two!' },
        { id: 3, name: 'ünïcödé ✓!' },
      ]);
      const echoed = await db.one<{ text: string; nothing: null; flag: boolean }>(
        'select $1::text as text, $2::text as nothing, $3::boolean as flag',
        ["it's $2", null, true],
      );
      expect(echoed).toEqual({ text: "it's $2", nothing: null, flag: true });
      const deleted = await db.query(`delete from ${t} where id = $1`, [99]);
      expect(deleted.rowCount).toBe(0);
    });

    test('bytea round-trips every byte, views at an offset, large values and arrays; reads are Uint8Arrays', async () => {
      const t = await table('id int primary key, body bytea');
      const every = Uint8Array.from({ length: 256 }, (_, index) => index);
      // A view into a larger buffer: only its own bytes are stored.
      const framed = new Uint8Array(300).fill(0xee);
      framed.set(every.subarray(16, 48), 7);
      const view = framed.subarray(7, 39);
      const large = Uint8Array.from({ length: 1 << 20 }, (_, index) => (index * 31 + 7) & 0xff);
      const values: Uint8Array[] = [new Uint8Array(0), every, view, large];
      for (const [id, body] of values.entries()) {
        await db.query(`insert into ${t} (id, body) values ($1, $2)`, [id, body]);
      }
      const rows = await db.query<{ id: number; body: Uint8Array; hex: string }>(
        `select id, body, encode(body, 'hex') as hex from ${t} order by id`,
      );
      for (const [id, body] of values.entries()) {
        const row = rows.rows[id]!;
        expect(row.body).toBeInstanceOf(Uint8Array);
        expect(Buffer.from(row.body).equals(Buffer.from(body))).toBe(true);
        // What the server stored, as it reads it, not only what came back.
        expect(row.hex).toBe(Buffer.from(body).toString('hex'));
      }
      // An array parameter: its elements are formatted as text, not bound as bytes.
      const list = await db.one<{ list: Uint8Array[]; hex: string[] }>(
        "select $1::bytea[] as list, array(select encode(b, 'hex') from unnest($1::bytea[]) b) as hex",
        [[every, view]],
      );
      expect(list.list.map((body) => Buffer.from(body).toString('hex'))).toEqual(list.hex);
      expect(list.hex).toEqual([Buffer.from(every).toString('hex'), Buffer.from(view).toString('hex')]);
    });

    test('one() returns the row, NotFoundError for none, InvalidInputError for several', async () => {
      const t = await table();
      await db.query(`insert into ${t} (id, name) values (1, 'a'), (2, 'b')`);
      expect(await db.one(`select name from ${t} where id = $1`, [2])).toEqual({ name: 'b' });
      await expectTyped(db.one(`select name from ${t} where id = $1`, [3]), NotFoundError);
      await expectTyped(db.one(`select name from ${t}`), InvalidInputError);
    });

    test('a duplicate key is a UniqueViolationError naming the constraint, never the values', async () => {
      const t = await table('id int primary key, email text not null unique');
      const secret = `secret-${suffix()}@example.com`;
      await db.query(`insert into ${t} (id, email) values ($1, $2)`, [1, secret]);
      const error = await expectTyped(
        db.query(`insert into ${t} (id, email) values ($1, $2)`, [2, secret]),
        UniqueViolationError,
      );
      expect(error.code).toBe('CONFLICT');
      expect(error.details.constraint).toBe(`${t}_email_key`);
      expect(error.details.table).toBe(t);
      expect(error.details.sqlstate).toBe('23505');
      expect(JSON.stringify(error.toJSON())).not.toContain(secret);
      expect(error.message).not.toContain(secret);
    });

    test('bad SQL and bad parameters are InvalidInputError with details.sqlstate', async () => {
      const syntax = await expectTyped(db.query('selec 1'), InvalidInputError);
      expect(syntax.details.sqlstate).toBe('42601');
      const missing = await expectTyped(db.query(`select * from missing_${suffix()}`), InvalidInputError);
      expect(missing.details.sqlstate).toBe('42P01');
      const badValue = await expectTyped(db.query('select $1::int as n', ['not-a-number']), InvalidInputError);
      expect(badValue.details.sqlstate).toBe('22P02');
      expect(badValue.message).not.toContain('not-a-number');
    });

    test('several statements without parameters run in order; the last result is returned', async () => {
      const t = `conformance_${suffix()}`;
      const result = await db.query<{ n: number }>(
        `create table ${t} (n int); insert into ${t} values (1), (2); select count(*)::int as n from ${t}`,
      );
      expect(result.rows).toEqual([{ n: 2 }]);
    });

    test('transaction commits when the callback resolves and returns its value', async () => {
      const t = await table();
      const value = await db.transaction(async (tx) => {
        await tx.query(`insert into ${t} (id, name) values ($1, $2)`, [1, 'a']);
        await tx.query(`insert into ${t} (id, name) values ($1, $2)`, [2, 'b']);
        const row = await tx.one<{ n: number }>(`select count(*)::int as n from ${t}`);
        return row.n;
      });
      expect(value).toBe(2);
      expect(await count(db, t)).toBe(2);
    });

    test('transaction rolls back when the callback throws, and rethrows that error', async () => {
      const t = await table();
      const thrown = new Error('callback failed');
      const error = await rejection(
        db.transaction(async (tx) => {
          await tx.query(`insert into ${t} (id, name) values ($1, $2)`, [1, 'a']);
          throw thrown;
        }),
      );
      expect(error).toBe(thrown);
      expect(await count(db, t)).toBe(0);
    });

    test('a failing statement in a transaction rolls back the earlier ones', async () => {
      const t = await table();
      await expectTyped(
        db.transaction(async (tx) => {
          await tx.query(`insert into ${t} (id, name) values (1, 'a')`);
          await tx.query(`insert into ${t} (id, name) values (1, 'again')`);
        }),
        UniqueViolationError,
      );
      expect(await count(db, t)).toBe(0);
    });

    test('transaction applies the requested isolation level', async () => {
      for (const isolation of ['read committed', 'repeatable read', 'serializable'] as const) {
        const level = await db.transaction(
          async (tx) =>
            (await tx.one<{ level: string }>('select current_setting($1) as level', ['transaction_isolation'])).level,
          { isolation },
        );
        expect(level).toBe(isolation);
      }
    });

    test('a query outside a transaction never sees its uncommitted rows', async () => {
      const t = await table();
      let inserted: () => void = () => undefined;
      const insertedSignal = new Promise<void>((resolve) => {
        inserted = resolve;
      });
      let finish: () => void = () => undefined;
      const gate = new Promise<void>((resolve) => {
        finish = resolve;
      });
      const failure = new Error('roll back');
      const running = rejection(
        db.transaction(async (tx) => {
          await tx.query(`insert into ${t} (id, name) values (1, 'uncommitted')`);
          inserted();
          await gate;
          throw failure;
        }),
      );
      await insertedSignal;
      const outside = count(db, t);
      const outcome = await settledWithin(outside, 200);
      // A pool answers at once from another connection; a single connection makes the query wait.
      expect(outcome).toBe(db.capabilities.concurrentConnections ? 'settled' : 'pending');
      finish();
      expect(await running).toBe(failure);
      expect(await outside).toBe(0);
    });

    test('an aborted signal rejects with CANCELLED and runs nothing', async () => {
      const t = await table();
      const error = await rejection(
        db.query(`insert into ${t} (id, name) values (1, 'x')`, [], { signal: AbortSignal.abort() }),
      );
      expect(AuroraError.isInstance(error) && error.code).toBe('CANCELLED');
      expect(await count(db, t)).toBe(0);
    });

    describe('migrations', () => {
      const sideTable = (namespace: string): string => `side_${namespace.replaceAll('-', '_')}`;
      const list = (namespace: string): Migration[] => {
        const side = sideTable(namespace);
        return [
          // Listed out of order on purpose: 2 needs 1's table.
          { version: 2, name: 'seed', up: `insert into ${side} (n) values (2)` },
          { version: 1, name: 'create side table', up: `create table ${side} (n int not null)` },
          {
            version: 3,
            name: 'function migration',
            up: async (tx) => {
              await tx.query(`insert into ${side} (n) values ($1)`, [3]);
            },
          },
        ];
      };

      test('migrate applies pending migrations in version order and reports them', async () => {
        const namespace = `ns_${suffix()}`;
        const seen: { version: number; name: string; ms: number }[] = [];
        const report = await db.migrate(list(namespace), { namespace, onApplied: (m) => seen.push(m) });
        expect(report).toEqual({ namespace, applied: [1, 2, 3], current: 3 });
        expect(seen.map((m) => [m.version, m.name])).toEqual([
          [1, 'create side table'],
          [2, 'seed'],
          [3, 'function migration'],
        ]);
        for (const m of seen) expect(m.ms).toBeGreaterThanOrEqual(0);
        const side = await db.query<{ n: number }>(`select n from ${sideTable(namespace)} order by n`);
        expect(side.rows).toEqual([{ n: 2 }, { n: 3 }]);
        const recorded = await db.query<{ version: number; name: string }>(
          'select version, name from aurora_migrations where namespace = $1 order by version',
          [namespace],
        );
        expect(recorded.rows).toEqual([
          { version: 1, name: 'create side table' },
          { version: 2, name: 'seed' },
          { version: 3, name: 'function migration' },
        ]);
      });

      test('migrate is idempotent and namespaces are independent', async () => {
        const namespace = `ns_${suffix()}`;
        await db.migrate(list(namespace).slice(0, 2), { namespace });
        const again = await db.migrate(list(namespace).slice(0, 2), { namespace });
        expect(again).toEqual({ namespace, applied: [], current: 2 });
        const more = await db.migrate(list(namespace), { namespace });
        expect(more).toEqual({ namespace, applied: [3], current: 3 });
        expect(await count(db, sideTable(namespace))).toBe(2);
        const other = `ns_${suffix()}`;
        expect((await db.migrate(list(other), { namespace: other })).applied).toEqual([1, 2, 3]);
        expect(await db.migrate([], { namespace: `ns_${suffix()}` })).toMatchObject({ applied: [], current: 0 });
      });

      test('an applied migration whose name changed is a MigrationError', async () => {
        const namespace = `ns_${suffix()}`;
        await db.migrate(list(namespace), { namespace });
        const renamed = list(namespace).map((m) => (m.version === 2 ? { ...m, name: 'seed (renamed)' } : m));
        const error = await expectTyped(db.migrate(renamed, { namespace }), MigrationError);
        expect(error.details.version).toBe(2);
        expect(error.details.namespace).toBe(namespace);
      });

      test('versions must be unique positive integers (InvalidInputError)', async () => {
        const namespace = `ns_${suffix()}`;
        for (const version of [0, -1, 1.5, Number.NaN]) {
          await expectTyped(db.migrate([{ version, name: 'bad', up: 'select 1' }], { namespace }), InvalidInputError);
        }
        const duplicate: Migration[] = [
          { version: 1, name: 'a', up: 'select 1' },
          { version: 1, name: 'b', up: 'select 1' },
        ];
        await expectTyped(db.migrate(duplicate, { namespace }), InvalidInputError);
        await expectTyped(
          db.migrate([{ version: 1, name: 'a', up: 'select 1' }], { namespace: '' }),
          InvalidInputError,
        );
      });

      test('a failing migration leaves nothing of it applied, and a later migrate retries it', async () => {
        const namespace = `ns_${suffix()}`;
        const partial = `partial_${suffix()}`;
        const broken: Migration[] = [
          { version: 1, name: 'first', up: `create table ${sideTable(namespace)} (n int)` },
          {
            version: 2,
            name: 'second',
            up: `create table ${partial} (n int); insert into ${partial} values (1); select 1 / 0`,
          },
          { version: 3, name: 'third', up: `insert into ${sideTable(namespace)} values (3)` },
        ];
        const error = await expectTyped(db.migrate(broken, { namespace }), MigrationError);
        expect(error.details).toMatchObject({ namespace, version: 2, name: 'second' });
        expect(error.cause).toBeDefined();
        const exists = await db.one<{ found: string | null }>('select to_regclass($1)::text as found', [partial]);
        expect(exists.found).toBeNull();
        expect(await count(db, 'aurora_migrations', 'namespace = $1', [namespace])).toBe(1);
        expect(await count(db, sideTable(namespace))).toBe(0);

        const fixed = broken.map((m) =>
          m.version === 2 ? { ...m, up: `create table ${partial} (n int); insert into ${partial} values (1)` } : m,
        );
        const report = await db.migrate(fixed, { namespace });
        expect(report).toEqual({ namespace, applied: [2, 3], current: 3 });
        expect(await count(db, partial)).toBe(1);
        expect(await count(db, sideTable(namespace))).toBe(1);
      });
    });

    describe('two instances on the same store', () => {
      let sibling: Database | undefined;
      const noSibling =
        harness.createSibling === undefined ? 'the harness has no createSibling (one instance per store)' : undefined;

      beforeAll(async () => {
        if (!skipAll && harness.createSibling !== undefined && skipFor(harness, 'two instances') === undefined) {
          sibling = await harness.createSibling(db);
        }
      });
      afterAll(async () => {
        if (sibling !== undefined) await harness.destroy(sibling);
      });

      const pair = (title: string, fn: (a: Database, b: Database) => Promise<void>): void => {
        it(title, async (context) => {
          const reason = skipFor(harness, title) ?? skipFor(harness, 'two instances') ?? noSibling;
          if (reason !== undefined) context.skip(reason);
          if (sibling === undefined) throw new Error('createSibling returned nothing');
          await fn(db, sibling);
        });
      };

      pair('both migrating at once apply each migration exactly once', async (a, b) => {
        const namespace = `race_${suffix()}`;
        const side = `side_${namespace}`;
        const migrations: Migration[] = [
          { version: 1, name: 'create', up: `create table ${side} (v int not null)` },
          { version: 2, name: 'slow seed', up: `select pg_sleep(0.05); insert into ${side} values (2)` },
          { version: 3, name: 'seed', up: `insert into ${side} values (3)` },
          { version: 4, name: 'seed again', up: `insert into ${side} values (4)` },
        ];
        const reports = await Promise.all([
          a.migrate(migrations, { namespace }),
          b.migrate(migrations, { namespace }),
          a.migrate(migrations, { namespace }),
          b.migrate(migrations, { namespace }),
        ]);
        const applied = reports.flatMap((report) => report.applied).sort();
        expect(applied).toEqual([1, 2, 3, 4]);
        for (const report of reports) expect(report.current).toBe(4);
        expect(await count(a, 'aurora_migrations', 'namespace = $1', [namespace])).toBe(4);
        const rows = await b.query<{ v: number }>(`select v from ${side} order by v`);
        expect(rows.rows).toEqual([{ v: 2 }, { v: 3 }, { v: 4 }]);
      });

      pair('a row written by one instance is read by the other', async (a, b) => {
        const t = `shared_${suffix()}`;
        await a.query(`create table ${t} (id int primary key, body text)`);
        await a.query(`insert into ${t} values ($1, $2)`, [1, 'from a']);
        expect(await b.one(`select body from ${t} where id = $1`, [1])).toEqual({ body: 'from a' });
        await b.transaction(async (tx) => {
          await tx.query(`insert into ${t} values ($1, $2)`, [2, 'from b']);
        });
        expect(await a.one(`select body from ${t} where id = $1`, [2])).toEqual({ body: 'from b' });
        await expectTyped(b.query(`insert into ${t} values ($1, $2)`, [1, 'dup']), UniqueViolationError);
      });
    });
  });
}
