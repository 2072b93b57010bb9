import { describe, expect, it } from 'vitest';
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
import {
  cancelledError,
  exactlyOne,
  isSocketError,
  rolledBackAtCommitError,
  sqlstateOf,
  toDatabaseError,
} from './pg-errors.js';

/** Shaped like the errors `pg` and PGlite throw: a message plus protocol fields. */
function pgError(code: string, message: string, fields: Record<string, string> = {}): Error {
  return Object.assign(new Error(message), { code, severity: 'ERROR', ...fields });
}

function socketError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:5432`), { code, errno: -111, syscall: 'connect' });
}

describe('toDatabaseError', () => {
  it('maps 23505 to UniqueViolationError with constraint and table, never the row values', () => {
    const secret = 'alice@example.com';
    const error = toDatabaseError(
      pgError('23505', 'duplicate key value violates unique constraint "users_email_key"', {
        constraint: 'users_email_key',
        table: 'users',
        schema: 'public',
        detail: `Key (email)=(${secret}) already exists.`,
      }),
      'postgres',
    );
    expect(UniqueViolationError.isInstance(error)).toBe(true);
    expect(error.details).toEqual({
      backend: 'postgres',
      sqlstate: '23505',
      constraint: 'users_email_key',
      table: 'users',
    });
    expect(JSON.stringify(error.toJSON())).not.toContain(secret);
    expect(error.message).toContain('users_email_key');
  });

  it('maps 57014 to TimeoutError', () => {
    const error = toDatabaseError(pgError('57014', 'canceling statement due to statement timeout'), 'postgres');
    expect(TimeoutError.isInstance(error)).toBe(true);
    expect(error.retryable).toBe(true);
  });

  it.each(['42601', '42P01', '42703', '22P02', '22012', '23502', '23503'])(
    'maps %s to InvalidInputError with details.sqlstate',
    (code) => {
      const error = toDatabaseError(pgError(code, 'bad'), 'pglite');
      expect(InvalidInputError.isInstance(error)).toBe(true);
      expect(error.details.sqlstate).toBe(code);
      expect(error.details.backend).toBe('pglite');
      expect(error.retryable).toBe(false);
    },
  );

  it('quotes class 42 messages (identifiers) but not class 22 ones (values)', () => {
    const syntax = toDatabaseError(pgError('42703', 'column "nme" does not exist'), 'postgres');
    expect(syntax.message).toContain('column "nme" does not exist');
    const value = toDatabaseError(pgError('22P02', 'invalid input syntax for type integer: "hunter2"'), 'postgres');
    expect(value.message).not.toContain('hunter2');
  });

  it.each(['42501', '28P01', '28000'])('maps %s to ForbiddenError', (code) => {
    expect(ForbiddenError.isInstance(toDatabaseError(pgError(code, 'denied'), 'postgres'))).toBe(true);
  });

  it.each(['08006', '08001', '08P01', '57P01', '57P02', '57P03'])(
    'maps %s to a retryable ConnectionLostError',
    (code) => {
      const error = toDatabaseError(pgError(code, 'terminating connection due to administrator command'), 'postgres');
      expect(ConnectionLostError.isInstance(error)).toBe(true);
      expect(error.retryable).toBe(true);
      expect(error.details.sqlstate).toBe(code);
    },
  );

  it.each(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND'])(
    'maps the socket error %s to ConnectionLostError',
    (code) => {
      const error = toDatabaseError(socketError(code), 'postgres');
      expect(ConnectionLostError.isInstance(error)).toBe(true);
      expect(error.details).toEqual({ backend: 'postgres', errno: code });
    },
  );

  it('maps an AggregateError of refused connections (IPv4 and IPv6) to ConnectionLostError', () => {
    const error = new AggregateError([socketError('ECONNREFUSED'), socketError('ECONNREFUSED')], 'connect failed');
    expect(ConnectionLostError.isInstance(toDatabaseError(error, 'postgres'))).toBe(true);
  });

  it.each([
    'Connection terminated unexpectedly',
    'Connection terminated',
    'Connection terminated due to connection timeout',
    'Client has encountered a connection error and is not queryable',
    'timeout exceeded when trying to connect',
  ])('maps the pg message "%s" to ConnectionLostError', (message) => {
    expect(ConnectionLostError.isInstance(toDatabaseError(new Error(message), 'postgres'))).toBe(true);
  });

  it('maps other SQLSTATEs to UpstreamError with details.sqlstate', () => {
    const serialization = toDatabaseError(pgError('40001', 'could not serialize access'), 'postgres');
    expect(UpstreamError.isInstance(serialization)).toBe(true);
    expect(serialization.details).toEqual({ backend: 'postgres', sqlstate: '40001' });
    expect(serialization.retryable).toBe(true);
    const unknown = toDatabaseError(new Error('something odd'), 'pglite');
    expect(UpstreamError.isInstance(unknown)).toBe(true);
    expect(unknown.details).toEqual({ backend: 'pglite' });
    expect(unknown.message).not.toContain('something odd');
    expect(unknown.cause).toBeInstanceOf(Error);
  });

  it('passes Aurora errors through unchanged', () => {
    const original = new NotFoundError({ message: 'gone' });
    expect(toDatabaseError(original, 'postgres')).toBe(original);
  });
});

describe('helpers', () => {
  it('sqlstateOf reads five-character codes only', () => {
    expect(sqlstateOf(pgError('23505', 'x'))).toBe('23505');
    expect(sqlstateOf(socketError('ECONNREFUSED'))).toBeUndefined();
    expect(sqlstateOf(socketError('EPIPE'))).toBeUndefined();
    expect(sqlstateOf(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }))).toBeUndefined();
    expect(sqlstateOf('23505')).toBeUndefined();
    expect(sqlstateOf(null)).toBeUndefined();
  });

  it('isSocketError is false for SQL errors', () => {
    expect(isSocketError(pgError('42601', 'syntax error'))).toBe(false);
    expect(isSocketError(socketError('EPIPE'))).toBe(true);
  });

  it('exactlyOne: the row, NotFoundError for none, InvalidInputError for several', () => {
    expect(exactlyOne([{ a: 1 }], 'postgres')).toEqual({ a: 1 });
    expect(() => exactlyOne([], 'postgres')).toThrow(NotFoundError);
    let several: unknown;
    try {
      exactlyOne([{ a: 1 }, { a: 2 }], 'pglite');
    } catch (error) {
      several = error;
    }
    expect(InvalidInputError.isInstance(several)).toBe(true);
    expect((several as InvalidInputError).details.rowCount).toBe(2);
  });

  it('cancelledError carries code CANCELLED and the reason as cause', () => {
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    const error = cancelledError(controller.signal, 'pglite');
    expect(AuroraError.isInstance(error)).toBe(true);
    expect(error.code).toBe('CANCELLED');
    expect(error.cause).toBe(controller.signal.reason);
  });

  it('rolledBackAtCommitError is a non-retryable UpstreamError with sqlstate 25P02', () => {
    const error = rolledBackAtCommitError('postgres');
    expect(UpstreamError.isInstance(error)).toBe(true);
    expect(error.retryable).toBe(false);
    expect(error.details.sqlstate).toBe('25P02');
  });
});
