/**
 * The migration runner both Database adapters use. It speaks only through
 * `Database.transaction`, so it is backend-neutral.
 *
 * Applied migrations are recorded in `aurora_migrations(namespace, version, name, applied_at)`.
 * Each migration runs in its own READ COMMITTED transaction that first takes
 * `pg_advisory_xact_lock(<64-bit hash of the namespace>)`, then re-reads what is recorded:
 * replicas migrating together queue on the lock, and whoever gets it second sees the first
 * one's commit and skips that version. A failing migration rolls back with its record, so
 * nothing of it stays applied and the next `migrate` tries it again.
 */
import { createHash } from 'node:crypto';
import { AuroraError } from '../../errors/aurora-error.js';
import { InvalidInputError, MigrationError } from '../../errors/errors.js';
import type { Database, MigrateOptions, Migration, MigrationReport, Transaction } from './database.js';

/** The table that records applied migrations, shared by every namespace. */
export const MIGRATIONS_TABLE = 'aurora_migrations';

const CREATE_TABLE = `create table if not exists ${MIGRATIONS_TABLE} (
  namespace text not null,
  version integer not null,
  name text not null,
  applied_at timestamptz not null default now(),
  primary key (namespace, version)
)`;

/** A signed 64-bit advisory-lock key for `scope`, as text for a `$1::bigint` parameter. */
export function advisoryLockKey(scope: string): string {
  return createHash('sha256').update(`aurora:${scope}`).digest().readBigInt64BE(0).toString();
}

/** Throws `InvalidInputError` unless versions are unique positive integers and names non-empty. */
export function validateMigrations(migrations: readonly Migration[], namespace: string): Migration[] {
  if (typeof namespace !== 'string' || namespace.trim() === '' || namespace.length > 200) {
    throw new InvalidInputError({
      message: 'A migration namespace must be a non-empty string of at most 200 characters.',
    });
  }
  const seen = new Set<number>();
  for (const migration of migrations) {
    const { version, name, up } = migration;
    if (!Number.isInteger(version) || version < 1 || version > 2_147_483_647) {
      throw new InvalidInputError({
        message: 'A migration version must be a positive 32-bit integer.',
        details: { namespace, version: String(version) },
      });
    }
    if (seen.has(version)) {
      throw new InvalidInputError({ message: 'Migration versions must be unique.', details: { namespace, version } });
    }
    seen.add(version);
    if (typeof name !== 'string' || name.trim() === '') {
      throw new InvalidInputError({ message: 'A migration needs a non-empty name.', details: { namespace, version } });
    }
    if (typeof up !== 'string' && typeof up !== 'function') {
      throw new InvalidInputError({
        message: 'A migration `up` must be SQL text or a function.',
        details: { namespace, version },
      });
    }
  }
  return [...migrations].sort((a, b) => a.version - b.version);
}

interface Recorded {
  readonly version: number;
  readonly name: string;
}

type Step =
  | { readonly done: true; readonly current: number }
  | { readonly done: false; readonly version: number; readonly name: string; readonly ms: number };

function checkNames(recorded: readonly Recorded[], byVersion: ReadonlyMap<number, Migration>, namespace: string): void {
  for (const row of recorded) {
    const migration = byVersion.get(row.version);
    if (migration !== undefined && migration.name !== row.name) {
      throw new MigrationError({
        message: `Migration ${namespace}/${row.version} was applied as "${row.name}" but is now named "${migration.name}".`,
        details: { namespace, version: row.version, name: migration.name, appliedName: row.name },
      });
    }
  }
}

async function ensureTable(database: Pick<Database, 'transaction'>): Promise<void> {
  // Concurrent `create table if not exists` can race on the catalog, so serialise it too.
  await database.transaction(
    async (tx) => {
      await tx.query('select pg_advisory_xact_lock($1::bigint)', [advisoryLockKey(MIGRATIONS_TABLE)]);
      await tx.query(CREATE_TABLE);
    },
    { isolation: 'read committed' },
  );
}

async function runUp(migration: Migration, tx: Transaction): Promise<void> {
  if (typeof migration.up === 'string') await tx.query(migration.up);
  else await migration.up(tx);
}

/**
 * Applies the migrations of `options.namespace` not yet recorded, in ascending version order,
 * each in its own transaction under the namespace's advisory lock. A version missing below
 * the highest applied one is applied too. Recorded versions not in `migrations` (applied by a
 * newer release) are left alone and count towards `current`.
 */
export async function runMigrations(
  database: Pick<Database, 'transaction'>,
  migrations: readonly Migration[],
  options: MigrateOptions,
): Promise<MigrationReport> {
  const { namespace } = options;
  const sorted = validateMigrations(migrations, namespace);
  const byVersion = new Map(sorted.map((migration) => [migration.version, migration]));
  const key = advisoryLockKey(`migrations:${namespace}`);
  await ensureTable(database);

  const applied: number[] = [];
  for (;;) {
    const state: { running?: Migration } = {};
    let step: Step;
    try {
      step = await database.transaction<Step>(
        async (tx) => {
          await tx.query('select pg_advisory_xact_lock($1::bigint)', [key]);
          const { rows } = await tx.query<{ version: number; name: string }>(
            `select version, name from ${MIGRATIONS_TABLE} where namespace = $1 order by version`,
            [namespace],
          );
          const recorded = rows.map((row) => ({ version: Number(row.version), name: row.name }));
          checkNames(recorded, byVersion, namespace);
          const done = new Set(recorded.map((row) => row.version));
          const next = sorted.find((migration) => !done.has(migration.version));
          if (next === undefined) {
            return { done: true, current: recorded.reduce((max, row) => Math.max(max, row.version), 0) };
          }
          state.running = next;
          const started = performance.now();
          await runUp(next, tx);
          await tx.query(`insert into ${MIGRATIONS_TABLE} (namespace, version, name) values ($1, $2, $3)`, [
            namespace,
            next.version,
            next.name,
          ]);
          return { done: false, version: next.version, name: next.name, ms: Math.round(performance.now() - started) };
        },
        { isolation: 'read committed' },
      );
    } catch (error) {
      const running = state.running;
      if (running === undefined || MigrationError.isInstance(error)) throw error;
      const reason = AuroraError.isInstance(error) ? ` (${error.code})` : '';
      throw new MigrationError({
        message: `Migration ${namespace}/${running.version} "${running.name}" failed and was rolled back${reason}.`,
        cause: error,
        details: {
          namespace,
          version: running.version,
          name: running.name,
          ...(AuroraError.isInstance(error) ? { causeCode: error.code } : {}),
        },
      });
    }
    if (step.done) return { namespace, applied, current: step.current };
    applied.push(step.version);
    options.onApplied?.({ version: step.version, name: step.name, ms: step.ms });
  }
}
