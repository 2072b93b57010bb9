/**
 * Maps PostgreSQL failures to Aurora's typed errors. Works on `pg` and PGlite errors alike
 * (both carry the SQLSTATE in `.code`) and on Node socket errors. Messages are Aurora's own:
 * a backend message can quote a row value (22P02 quotes the bad input, 23505's `detail`
 * quotes the key), so only class 42 messages, which name SQL identifiers, are passed on.
 * The original error stays as `cause` and is never serialised.
 *
 * | SQLSTATE / failure                          | Error                              |
 * | ------------------------------------------- | ---------------------------------- |
 * | 23505                                       | UniqueViolationError               |
 * | 57014                                       | TimeoutError                       |
 * | 42501, 28xxx                                | ForbiddenError                     |
 * | 42xxx, 22xxx, other 23xxx                   | InvalidInputError                  |
 * | 08xxx, 57P0x, socket errors, pg "Connection terminated" | ConnectionLostError (retryable) |
 * | anything else                               | UpstreamError (`details.sqlstate`) |
 */
import { AuroraError } from '../../errors/aurora-error.js';
import {
  ConnectionLostError,
  ForbiddenError,
  InvalidInputError,
  NotFoundError,
  TimeoutError,
  UniqueViolationError,
  UpstreamError,
} from '../../errors/errors.js';

/** Which adapter raised the error; goes into `details.backend`. */
export type DatabaseBackend = 'postgres' | 'pglite';

const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ECONNABORTED',
]);

/** Messages `pg` and `pg-pool` use for a lost or unobtainable connection (they carry no code). */
const CONNECTION_MESSAGES = [
  /^Connection terminated/i,
  /connection error and is not queryable/i,
  /timeout exceeded when trying to connect/i,
  /Client was closed and is not queryable/i,
  /^Connection ended/i,
];

function field(error: unknown, key: string): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const value = (error as Record<string, unknown>)[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The SQLSTATE of a PostgreSQL error (five characters), or undefined. */
export function sqlstateOf(error: unknown): string | undefined {
  const code = field(error, 'code');
  // Node's EPIPE also has five capitals: a socket error carries `syscall`, never a SQLSTATE.
  if (code === undefined || SOCKET_CODES.has(code) || field(error, 'syscall') !== undefined) return undefined;
  return /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** True when `error` (or one of an AggregateError's errors) is a socket-level failure. */
export function isSocketError(error: unknown): boolean {
  const code = field(error, 'code');
  if (code !== undefined && SOCKET_CODES.has(code)) return true;
  if (error instanceof AggregateError) return error.errors.some((inner) => isSocketError(inner));
  const message = error instanceof Error ? error.message : undefined;
  return message !== undefined && CONNECTION_MESSAGES.some((pattern) => pattern.test(message));
}

function isConnectionState(sqlstate: string): boolean {
  return sqlstate.startsWith('08') || /^57P0\d$/.test(sqlstate);
}

/**
 * Converts anything a PostgreSQL driver threw into an AuroraError. Aurora errors pass
 * through unchanged. `details` carry `backend` and, when known, `sqlstate`; never values.
 */
export function toDatabaseError(error: unknown, backend: DatabaseBackend): AuroraError {
  if (AuroraError.isInstance(error)) return error;
  const sqlstate = sqlstateOf(error);
  const base = { backend, ...(sqlstate === undefined ? {} : { sqlstate }) };

  if (sqlstate === undefined) {
    if (isSocketError(error)) {
      const code = field(error, 'code');
      return new ConnectionLostError({
        message: 'The database connection was refused or lost.',
        cause: error,
        details: { ...base, ...(code === undefined ? {} : { errno: code }) },
      });
    }
    return new UpstreamError({ message: 'The database call failed.', cause: error, details: base });
  }

  if (sqlstate === '23505') {
    const constraint = field(error, 'constraint');
    const table = field(error, 'table');
    return new UniqueViolationError({
      message:
        constraint === undefined
          ? 'A unique constraint was violated.'
          : `Unique constraint "${constraint}" was violated.`,
      cause: error,
      details: {
        ...base,
        ...(constraint === undefined ? {} : { constraint }),
        ...(table === undefined ? {} : { table }),
      },
    });
  }
  if (sqlstate === '57014') {
    return new TimeoutError({
      message: 'The statement was cancelled (statement timeout).',
      cause: error,
      details: base,
    });
  }
  if (isConnectionState(sqlstate)) {
    return new ConnectionLostError({
      message: 'The database connection was lost.',
      cause: error,
      details: base,
    });
  }
  if (sqlstate === '42501' || sqlstate.startsWith('28')) {
    return new ForbiddenError({
      message: 'The database refused the operation: permission denied.',
      cause: error,
      details: base,
    });
  }
  if (sqlstate.startsWith('42')) {
    const text = error instanceof Error ? error.message : 'invalid SQL';
    return new InvalidInputError({ message: `Invalid SQL (${sqlstate}): ${text}`, cause: error, details: base });
  }
  if (sqlstate.startsWith('22')) {
    return new InvalidInputError({
      message: `A parameter or value was rejected by the database (${sqlstate}).`,
      cause: error,
      details: base,
    });
  }
  if (sqlstate.startsWith('23')) {
    const constraint = field(error, 'constraint');
    return new InvalidInputError({
      message: `An integrity constraint was violated (${sqlstate}).`,
      cause: error,
      details: { ...base, ...(constraint === undefined ? {} : { constraint }) },
    });
  }
  return new UpstreamError({
    message: `The database answered with an error (${sqlstate}).`,
    cause: error,
    details: base,
  });
}

/** The error for a call whose `AbortSignal` fired: code `CANCELLED`, the signal's reason as cause. */
export function cancelledError(signal: AbortSignal | undefined, backend: DatabaseBackend): AuroraError {
  return new AuroraError('CANCELLED', {
    message: 'The database call was aborted.',
    cause: signal?.reason,
    details: { backend },
  });
}

/**
 * The single row `one()` returns: `NotFoundError` for none, `InvalidInputError` for several
 * (the query does not identify one row: a caller bug, so not retryable).
 */
export function exactlyOne<R>(rows: readonly R[], backend: DatabaseBackend): R {
  const [first] = rows;
  if (rows.length === 0 || first === undefined) {
    throw new NotFoundError({ message: 'The query returned no row.', details: { backend } });
  }
  if (rows.length > 1) {
    throw new InvalidInputError({
      message: `The query returned ${rows.length} rows where exactly one was expected.`,
      details: { backend, rowCount: rows.length },
    });
  }
  return first;
}

/**
 * COMMIT of a transaction in which a statement failed (and the callback swallowed the
 * error): PostgreSQL rolls back instead. Not retryable as is: the callback hid a failure.
 */
export function rolledBackAtCommitError(backend: DatabaseBackend, cause?: unknown): UpstreamError {
  return new UpstreamError({
    message: 'The transaction was rolled back at COMMIT because a statement in it had failed.',
    retryable: false,
    cause,
    details: { backend, sqlstate: '25P02' },
  });
}
