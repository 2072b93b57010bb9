import type { ConnectionOptions } from 'node:tls';
import pg from 'pg';
import { ConfigurationError, ConnectionLostError, InvalidInputError, TimeoutError } from '../../errors/errors.js';
import { noopLogger, type Logger } from '../../logging/logger.js';
import type {
  Database,
  DatabaseCapabilities,
  IsolationLevel,
  QueryOptions,
  QueryResult,
  Row,
  Transaction,
  TransactionOptions,
} from '../database/database.js';
import { runMigrations } from '../database/migrations.js';
import { cancelledError, exactlyOne, rolledBackAtCommitError, toDatabaseError } from '../database/pg-errors.js';

/** Settings for `createPostgresDatabase`: a connection string, or a `pg.Pool` you own. */
export interface PostgresDatabaseOptions {
  /** `postgres://user@host:port/db`. Exactly one of `connectionString` and `pool`. */
  readonly connectionString?: string;
  /** An existing pool; `close()` leaves it open. The settings below do not apply to it. */
  readonly pool?: pg.Pool;
  /** Pool size. Default 10. */
  readonly max?: number;
  /** Server-side `statement_timeout` for every connection; exceeding it is a `TimeoutError`. */
  readonly statementTimeoutMs?: number;
  /**
   * How long to wait for a connection, a new one or a free one when all `max` are busy:
   * `ConnectionLostError` when the server cannot be reached, `TimeoutError` when every
   * connection stayed busy. Default 10 000.
   */
  readonly connectionTimeoutMs?: number;
  readonly ssl?: boolean | ConnectionOptions;
  /** Shown in `pg_stat_activity`. Default `aurora`. */
  readonly applicationName?: string;
  /**
   * Whether pgvector is available. Default: detected from `pg_available_extensions` on the
   * first round-trip, so `capabilities.vector` is `false` until then (`await db.ping()` first).
   */
  readonly vector?: boolean;
  readonly logger?: Logger;
}

const ISOLATION_LEVELS: readonly IsolationLevel[] = ['read committed', 'repeatable read', 'serializable'];

interface Session {
  readonly client: pg.PoolClient;
  /** Destroy the connection instead of pooling it (it dropped, or a cancel may still be in flight). */
  discard: boolean;
  detach: () => void;
}

type PgResult = pg.QueryResult<Row> | pg.QueryResult<Row>[];

function toQueryResult<R extends Row>(result: PgResult): QueryResult<R> {
  // Without parameters pg uses the simple protocol: several statements give several results.
  const last = Array.isArray(result) ? result.at(-1) : result;
  const rows = (last?.rows ?? []) as R[];
  return { rows, rowCount: last?.rowCount ?? rows.length };
}

/** A function, not an inline check, so TypeScript does not narrow `aborted` across awaits. */
function aborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

function backendPid(client: pg.PoolClient): number | undefined {
  const pid = (client as unknown as { processID?: unknown }).processID;
  return typeof pid === 'number' ? pid : undefined;
}

function ownedPool(options: PostgresDatabaseOptions): pg.Pool {
  const { connectionString } = options;
  if (typeof connectionString !== 'string' || connectionString === '') {
    throw new ConfigurationError({
      message: 'createPostgresDatabase needs a connectionString or a pool.',
      details: { setting: 'connectionString' },
    });
  }
  return new pg.Pool({
    connectionString,
    max: options.max ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 10_000,
    application_name: options.applicationName ?? 'aurora',
    ...(options.statementTimeoutMs === undefined ? {} : { statement_timeout: options.statementTimeoutMs }),
    ...(options.ssl === undefined ? {} : { ssl: options.ssl }),
  });
}

/**
 * A `Database` on PostgreSQL through a `pg.Pool`. Transactions run on one checked-out
 * connection; a connection that drops is destroyed, never returned to the pool. An
 * `AbortSignal` cancels the running statement (`pg_cancel_backend` from a separate
 * connection) and the call rejects with code `CANCELLED`.
 */
export function createPostgresDatabase(options: PostgresDatabaseOptions): Database {
  if (options.pool !== undefined && options.connectionString !== undefined) {
    throw new ConfigurationError({
      message: 'Pass either connectionString or pool to createPostgresDatabase, not both.',
      details: { setting: 'pool' },
    });
  }
  const owned = options.pool === undefined;
  const pool = options.pool ?? ownedPool(options);
  const logger = options.logger ?? noopLogger;
  let closed = false;
  let vector = options.vector ?? false;
  let probe: Promise<void> | undefined = options.vector === undefined ? undefined : Promise.resolve();

  const onPoolError = (error: Error): void => {
    // An idle connection failed (server restart, terminated backend). pg-pool already removed it.
    logger.warn('postgres: idle connection lost', { error: toDatabaseError(error, 'postgres').toJSON() });
  };
  pool.on('error', onPoolError);

  const assertOpen = (): void => {
    if (closed) {
      throw new ConnectionLostError({
        message: 'The database was closed.',
        retryable: false,
        details: { backend: 'postgres' },
      });
    }
  };

  /**
   * pg-pool fails a caller that waited `connectionTimeoutMillis` for a connection with the same
   * message whether the server was unreachable or every connection stayed busy. A full pool is
   * no lost connection: it is said as such (a `TimeoutError`, retryable), with the pool's size.
   */
  const poolExhausted = (error: unknown): TimeoutError | undefined => {
    const max = pool.options.max ?? 10;
    if (!(error instanceof Error) || !/timeout exceeded when trying to connect/i.test(error.message)) return undefined;
    if (pool.totalCount < max) return undefined;
    const waitedMs = pool.options.connectionTimeoutMillis ?? 0;
    return new TimeoutError({
      message: `No database connection became free within ${waitedMs} ms: all ${max} connections of the pool stayed busy. Raise the pool size or lower the load.`,
      cause: error,
      details: { backend: 'postgres', pool: max, waiting: pool.waitingCount, waitedMs },
    });
  };

  const checkout = async (signal: AbortSignal | undefined): Promise<Session> => {
    assertOpen();
    if (aborted(signal)) throw cancelledError(signal, 'postgres');
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      throw poolExhausted(error) ?? toDatabaseError(error, 'postgres');
    }
    const session: Session = { client, discard: false, detach: () => undefined };
    const onError = (error: Error): void => {
      session.discard = true;
      logger.warn('postgres: connection lost while checked out', {
        error: toDatabaseError(error, 'postgres').toJSON(),
      });
    };
    client.on('error', onError);
    session.detach = () => client.off('error', onError);
    if (aborted(signal)) {
      release(session);
      throw cancelledError(signal, 'postgres');
    }
    return session;
  };

  const release = (session: Session): void => {
    session.detach();
    session.client.release(session.discard);
  };

  const cancelBackend = async (pid: number): Promise<void> => {
    // A separate connection, not the pool: the pool may be exhausted by the very query we cancel.
    const canceller = new pg.Client(pool.options);
    canceller.on('error', () => undefined);
    try {
      await canceller.connect();
      await canceller.query('select pg_cancel_backend($1)', [pid]);
    } catch (error) {
      logger.warn('postgres: could not cancel a statement', { error: toDatabaseError(error, 'postgres').toJSON() });
    } finally {
      await canceller.end().catch(() => undefined);
    }
  };

  const run = async <R extends Row>(
    session: Session,
    sql: string,
    params: readonly unknown[] | undefined,
    signal: AbortSignal | undefined,
  ): Promise<QueryResult<R>> => {
    if (aborted(signal)) throw cancelledError(signal, 'postgres');
    const values = params === undefined || params.length === 0 ? undefined : [...params];
    const onAbort = (): void => {
      session.discard = true;
      const pid = backendPid(session.client);
      if (pid !== undefined) void cancelBackend(pid);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const result = (await session.client.query(sql, values)) as unknown as PgResult;
      if (aborted(signal)) throw cancelledError(signal, 'postgres');
      return toQueryResult<R>(result);
    } catch (error) {
      if (aborted(signal)) throw cancelledError(signal, 'postgres');
      const mapped = toDatabaseError(error, 'postgres');
      if (ConnectionLostError.isInstance(mapped)) session.discard = true;
      throw mapped;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  };

  const ready = async (): Promise<void> => {
    probe ??= (async () => {
      const session = await checkout(undefined);
      try {
        const { rows } = await run<{ available: boolean }>(
          session,
          `select exists (select 1 from pg_available_extensions where name = 'vector') as available`,
          undefined,
          undefined,
        );
        vector = rows[0]?.available === true;
      } finally {
        release(session);
      }
    })().catch((error: unknown) => {
      probe = undefined;
      throw error;
    });
    await probe;
  };

  const query = async <R extends Row = Row>(
    sql: string,
    params?: readonly unknown[],
    queryOptions?: QueryOptions,
  ): Promise<QueryResult<R>> => {
    await ready();
    const session = await checkout(queryOptions?.signal);
    try {
      return await run<R>(session, sql, params, queryOptions?.signal);
    } finally {
      release(session);
    }
  };

  const transaction = async <T>(fn: (tx: Transaction) => Promise<T>, txOptions?: TransactionOptions): Promise<T> => {
    const isolation = txOptions?.isolation ?? 'read committed';
    if (!ISOLATION_LEVELS.includes(isolation)) {
      throw new InvalidInputError({ message: 'Unknown isolation level.', details: { isolation: String(isolation) } });
    }
    await ready();
    const session = await checkout(undefined);
    let active = true;
    const guard = (): void => {
      if (!active) throw new InvalidInputError({ message: 'The transaction has already finished.' });
    };
    const tx: Transaction = {
      query: async <R extends Row = Row>(sql: string, params?: readonly unknown[], o?: QueryOptions) => {
        guard();
        return run<R>(session, sql, params, o?.signal);
      },
      one: async <R extends Row = Row>(sql: string, params?: readonly unknown[], o?: QueryOptions) => {
        guard();
        return exactlyOne((await run<R>(session, sql, params, o?.signal)).rows, 'postgres');
      },
    };
    try {
      await run(session, `begin isolation level ${isolation}`, undefined, undefined);
      let result: T;
      try {
        result = await fn(tx);
      } catch (error) {
        active = false;
        if (!session.discard) {
          await run(session, 'rollback', undefined, undefined).catch((rollbackError: unknown) => {
            session.discard = true;
            logger.warn('postgres: rollback failed', { error: toDatabaseError(rollbackError, 'postgres').toJSON() });
          });
        }
        throw error;
      }
      active = false;
      const committed = await session.client.query('commit').catch((error: unknown) => {
        const mapped = toDatabaseError(error, 'postgres');
        if (ConnectionLostError.isInstance(mapped)) session.discard = true;
        throw mapped;
      });
      if (committed.command === 'ROLLBACK') throw rolledBackAtCommitError('postgres');
      return result;
    } finally {
      active = false;
      release(session);
    }
  };

  const capabilities: DatabaseCapabilities = {
    get vector() {
      return vector;
    },
    listenNotify: true,
    concurrentConnections: true,
  };

  const database: Database = {
    specificationVersion: 'v1',
    dialect: 'postgres',
    capabilities,
    query,
    one: async <R extends Row = Row>(sql: string, params?: readonly unknown[], o?: QueryOptions) =>
      exactlyOne((await query<R>(sql, params, o)).rows, 'postgres'),
    transaction,
    migrate: async (migrations, migrateOptions) => runMigrations(database, migrations, migrateOptions),
    ping: async () => {
      await query('select 1');
    },
    close: async () => {
      if (closed) return;
      closed = true;
      if (owned) await pool.end();
      else pool.off('error', onPoolError);
    },
  };
  return database;
}
