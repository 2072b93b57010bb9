import { AsyncLocalStorage } from 'node:async_hooks';
import { PGlite, TransactionAbortedError, types, type Results } from '@electric-sql/pglite';
import { ConnectionLostError, InvalidInputError } from '../../errors/errors.js';
import { noopLogger, type Logger } from '../../logging/logger.js';
import type {
  Database,
  IsolationLevel,
  QueryOptions,
  QueryResult,
  Row,
  Transaction,
  TransactionOptions,
} from '../database/database.js';
import { runMigrations } from '../database/migrations.js';
import { cancelledError, exactlyOne, rolledBackAtCommitError, toDatabaseError } from '../database/pg-errors.js';

/** Settings for `createPgliteDatabase`. */
export interface PgliteDatabaseOptions {
  /** A directory to keep the data in; undefined keeps it in memory only. One process per directory. */
  readonly dataDir?: string;
  /** Load pgvector and `create extension if not exists vector`. Default true. */
  readonly vector?: boolean;
  readonly logger?: Logger;
  /**
   * PostgreSQL settings for the embedded server (`name: value`), on top of
   * {@link PGLITE_DEFAULT_SETTINGS}; a value of `undefined` drops a default.
   */
  readonly settings?: Readonly<Record<string, string | undefined>>;
}

/**
 * PGlite keeps PostgreSQL's own defaults unless told otherwise, and its WASM memory never
 * shrinks: `shared_buffers` of 128 MB is most of an idle process. 16 MB holds an embedded
 * Aurora's working set (the data files stay in the OS page cache) and takes about 140 MB
 * off the resident size of a restarted process (bench/README, "Idle RSS").
 */
export const PGLITE_DEFAULT_SETTINGS: Readonly<Record<string, string>> = { shared_buffers: '16MB' };

const SETTING_NAME = /^[a-z_][a-z0-9_.]*$/;

/** PostgreSQL's type id of `bytea`. */
const BYTEA_OID = 17;

/**
 * PGlite's own `bytea` codec goes through `toString(16)` and `padStart` for each byte on the way
 * in and `parseInt` on the way out. For LangGraph's checkpoints (bytea, several KB each) that was
 * 23 % of the event loop's busy time while 1 000 runs ended together (bench/README, "PGlite's
 * bytea"). Parameters are sent as binary (below); what PGlite formats itself, a `bytea[]`
 * parameter's elements, and what it reads back go through Node's native hex codec. Values read
 * back are plain `Uint8Array`s, as PGlite's own parser returns.
 */
function bytes(value: unknown): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new TypeError('Invalid input for bytea type');
  return value;
}

function byteaToHex(value: unknown): string {
  const view = bytes(value);
  return `\\x${Buffer.from(view.buffer, view.byteOffset, view.byteLength).toString('hex')}`;
}

function byteaFromHex(text: string): Uint8Array {
  // PostgreSQL's default `bytea_output` is hex; anything else goes to PGlite's parser, as before.
  if (!text.startsWith('\\x')) return types.parsers[BYTEA_OID]!(text) as Uint8Array;
  const bytes = new Uint8Array((text.length - 2) >>> 1);
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).write(text.slice(2), 'hex');
  return bytes;
}

/**
 * Per query: a `bytea` parameter is handed to the wire protocol as it is, which binds a byte
 * array in binary format (half the bytes of hex, and no hex to parse on either side). PGlite
 * types a serializer's result as a string, hence the cast. Only per query: PGlite's array
 * serializer calls the instance's serializer for each element of a `bytea[]` and needs text.
 */
const BINARY_BYTEA = {
  serializers: {
    [BYTEA_OID]: (value: unknown): string => bytes(value) as unknown as string,
  },
};

/**
 * `-c name=value` start parameters for the settings (on top of PGlite's own). Passed at each
 * start, never written to the data directory's `postgresql.conf` (PGlite's `postgresqlconf`
 * option replaces that file, dropping initdb's `timezone = UTC` and locale lines).
 */
function startParameters(settings: Readonly<Record<string, string | undefined>>): string[] {
  const params: string[] = [];
  for (const [name, value] of Object.entries(settings)) {
    if (value === undefined) continue;
    if (!SETTING_NAME.test(name) || /[\0\r\n]/.test(value)) {
      throw new InvalidInputError({
        message: `PGlite setting "${name}" is not a valid PostgreSQL setting.`,
        details: { field: `settings.${name}` },
      });
    }
    params.push('-c', `${name}=${value}`);
  }
  return params;
}

const ISOLATION_LEVELS: readonly IsolationLevel[] = ['read committed', 'repeatable read', 'serializable'];

interface Executor {
  query<T>(sql: string, params?: unknown[], options?: typeof BINARY_BYTEA): Promise<Results<T>>;
  exec(sql: string): Promise<Results[]>;
}

function aborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

/** A FIFO mutex; a waiter whose signal fires leaves the queue without ever running. */
function createMutex(): <T>(fn: () => Promise<T>, signal?: AbortSignal) => Promise<T> {
  let tail: Promise<void> = Promise.resolve();
  return async <T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> => {
    const previous = tail;
    let release: () => void = () => undefined;
    tail = new Promise<void>((resolve) => {
      release = resolve;
    });
    try {
      await new Promise<void>((resolve, reject) => {
        if (aborted(signal)) {
          reject(cancelledError(signal, 'pglite'));
          return;
        }
        const onAbort = (): void => reject(cancelledError(signal, 'pglite'));
        signal?.addEventListener('abort', onAbort, { once: true });
        void previous.then(() => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        });
      });
    } catch (error) {
      // Hand the turn on only once the holder ahead of us is done.
      void previous.then(release);
      throw error;
    }
    try {
      return await fn();
    } finally {
      release();
    }
  };
}

/**
 * PGlite runs statements on the event loop's own thread and hands its lock on through
 * promises, so a queue of statements would run back to back with timers and sockets waiting
 * until the last one is done (a burst of run starts held streaming tokens for hundreds of
 * milliseconds). A statement therefore starts on a fresh turn of the loop once statements have
 * run for `MAX_HOLD_MS` without one (about one in fifteen on a quick query: 7 µs each).
 */
const MAX_HOLD_MS = 1;
let lastTurnAt = 0;
async function takeTurnIfDue(): Promise<void> {
  if (performance.now() - lastTurnAt < MAX_HOLD_MS) return;
  await new Promise((resolve) => setImmediate(resolve));
  lastTurnAt = performance.now();
}

async function execute<R extends Row>(
  executor: Executor,
  sql: string,
  params: readonly unknown[] | undefined,
): Promise<QueryResult<R>> {
  await takeTurnIfDue();
  // Like pg: without parameters, the simple protocol (several statements allowed; last result wins).
  const result =
    params === undefined || params.length === 0
      ? (await executor.exec(sql)).at(-1)
      : await executor.query<R>(sql, [...params], BINARY_BYTEA);
  const rows = (result?.rows ?? []) as R[];
  return { rows, rowCount: result?.rowCount ?? result?.affectedRows ?? rows.length };
}

/**
 * A `Database` on PGlite (PostgreSQL in WebAssembly, in process). PGlite has one connection,
 * so every call takes an in-process mutex: a query issued while a transaction runs waits for
 * it instead of joining it. Calling the `Database` (not the `tx` handle) from inside a
 * transaction callback would wait forever, so it fails at once with `InvalidInputError`.
 * An `AbortSignal` is honoured while a call waits for its turn; a statement that has started
 * runs to completion (PGlite cannot interrupt it).
 */
export function createPgliteDatabase(options: PgliteDatabaseOptions = {}): Database {
  const withVector = options.vector ?? true;
  const logger = options.logger ?? noopLogger;
  const settings = startParameters({ ...PGLITE_DEFAULT_SETTINGS, ...options.settings });
  let pglite: PGlite | undefined;
  const ready = (async () => {
    // Imported only when wanted, so `@electric-sql/pglite-pgvector` stays an optional peer.
    const extensions = withVector ? { vector: (await import('@electric-sql/pglite-pgvector')).vector } : undefined;
    const instance = await PGlite.create({
      ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
      ...(extensions === undefined ? {} : { extensions }),
      ...(settings.length === 0 ? {} : { startParams: [...PGlite.defaultStartParams, ...settings] }),
      serializers: { [BYTEA_OID]: byteaToHex },
      parsers: { [BYTEA_OID]: byteaFromHex },
    });
    pglite = instance;
    if (withVector) await instance.exec('create extension if not exists vector');
    return instance;
  })();
  ready.catch((error: unknown) => {
    logger.error('pglite: failed to start', { error: toDatabaseError(error, 'pglite').toJSON() });
  });
  const exclusive = createMutex();
  const inTransaction = new AsyncLocalStorage<{ active: boolean }>();
  let closed = false;

  const enter = async <T>(fn: (instance: PGlite) => Promise<T>, signal: AbortSignal | undefined): Promise<T> => {
    if (inTransaction.getStore()?.active === true) {
      throw new InvalidInputError({
        message:
          'Inside transaction(), use the transaction handle: PGlite has one connection, so this call would wait forever.',
        details: { backend: 'pglite' },
      });
    }
    if (closed) {
      throw new ConnectionLostError({
        message: 'The database was closed.',
        retryable: false,
        details: { backend: 'pglite' },
      });
    }
    return exclusive(async () => {
      if (closed) {
        throw new ConnectionLostError({
          message: 'The database was closed.',
          retryable: false,
          details: { backend: 'pglite' },
        });
      }
      const instance = await ready.catch((error: unknown) => {
        throw toDatabaseError(error, 'pglite');
      });
      return fn(instance);
    }, signal);
  };

  const query = async <R extends Row = Row>(
    sql: string,
    params?: readonly unknown[],
    queryOptions?: QueryOptions,
  ): Promise<QueryResult<R>> =>
    enter(async (instance) => {
      try {
        return await execute<R>(instance, sql, params);
      } catch (error) {
        throw toDatabaseError(error, 'pglite');
      }
    }, queryOptions?.signal);

  const transaction = async <T>(fn: (tx: Transaction) => Promise<T>, txOptions?: TransactionOptions): Promise<T> => {
    const isolation = txOptions?.isolation ?? 'read committed';
    if (!ISOLATION_LEVELS.includes(isolation)) {
      throw new InvalidInputError({ message: 'Unknown isolation level.', details: { isolation: String(isolation) } });
    }
    return enter(async (instance) => {
      const state = { active: true };
      // The callback's own error is rethrown untouched; PGlite's (BEGIN, COMMIT) is mapped.
      const thrown: { error?: unknown } = {};
      try {
        return await instance.transaction(async (handle) => {
          await handle.query(`set transaction isolation level ${isolation}`);
          const run = async <R extends Row>(sql: string, params?: readonly unknown[], o?: QueryOptions) => {
            if (!state.active) throw new InvalidInputError({ message: 'The transaction has already finished.' });
            if (aborted(o?.signal)) throw cancelledError(o?.signal, 'pglite');
            try {
              return await execute<R>(handle, sql, params);
            } catch (error) {
              throw toDatabaseError(error, 'pglite');
            }
          };
          const tx: Transaction = {
            query: run,
            one: async <R extends Row = Row>(sql: string, params?: readonly unknown[], o?: QueryOptions) =>
              exactlyOne((await run<R>(sql, params, o)).rows, 'pglite'),
          };
          try {
            return await inTransaction.run(state, () => fn(tx));
          } catch (error) {
            thrown.error = error;
            throw error;
          } finally {
            state.active = false;
          }
        });
      } catch (error) {
        if ('error' in thrown && error === thrown.error) throw error;
        if (error instanceof TransactionAbortedError) throw rolledBackAtCommitError('pglite', error);
        throw toDatabaseError(error, 'pglite');
      }
    }, undefined);
  };

  const database: Database = {
    specificationVersion: 'v1',
    dialect: 'postgres',
    capabilities: { vector: withVector, listenNotify: false, concurrentConnections: false },
    query,
    one: async <R extends Row = Row>(sql: string, params?: readonly unknown[], o?: QueryOptions) =>
      exactlyOne((await query<R>(sql, params, o)).rows, 'pglite'),
    transaction,
    migrate: async (migrations, migrateOptions) => runMigrations(database, migrations, migrateOptions),
    ping: async () => {
      await query('select 1');
    },
    close: async () => {
      if (closed) return;
      // Queued calls ahead of us finish first; later ones see `closed`.
      await exclusive(async () => {
        closed = true;
        await ready.catch(() => undefined);
        if (pglite !== undefined && !pglite.closed) await pglite.close();
      });
    },
  };
  return database;
}
