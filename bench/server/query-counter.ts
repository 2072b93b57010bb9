/**
 * Counts the statements a running server sends to its Database (benchmark instrumentation,
 * `--profile` only): wraps `query`, `one` and `transaction` (and the handle a transaction
 * gets) on the live object. Time per statement includes waiting for PGlite's single
 * connection, so read the counts first.
 */
import type { Database, Transaction } from '../../packages/core/src/storage/database/database.js';

export interface StatementCount {
  readonly sql: string;
  readonly count: number;
  readonly ms: number;
  /** Bytes of the parameters sent (strings as UTF-8, buffers as they are, others as text). */
  readonly bytes: number;
}

type Queryable = Pick<Database, 'query' | 'one'>;

function paramBytes(params: readonly unknown[] | undefined): number {
  let bytes = 0;
  for (const param of params ?? []) {
    if (param === null || param === undefined) continue;
    if (typeof param === 'string') bytes += Buffer.byteLength(param);
    else if (param instanceof Uint8Array) bytes += param.byteLength;
    else if (typeof param === 'bigint') bytes += param.toString().length;
    else bytes += Buffer.byteLength(JSON.stringify(param) ?? '');
  }
  return bytes;
}

export function countQueries(database: Database): () => StatementCount[] {
  const counts = new Map<string, { count: number; ms: number; bytes: number }>();
  const record = (sql: string, started: number, params?: readonly unknown[]): void => {
    const key = sql.replace(/\s+/g, ' ').trim().slice(0, 90);
    const entry = counts.get(key) ?? { count: 0, ms: 0, bytes: 0 };
    entry.count++;
    entry.ms += performance.now() - started;
    entry.bytes += paramBytes(params);
    counts.set(key, entry);
  };
  const wrap = <T extends Queryable>(target: T): T => {
    const { query, one } = target;
    return Object.assign(target, {
      query: ((sql: string, params?: readonly unknown[], options?: Parameters<Queryable['query']>[2]) => {
        const started = performance.now();
        return query.call(target, sql, params, options).finally(() => record(sql, started, params));
      }) as Queryable['query'],
      one: ((sql: string, params?: readonly unknown[], options?: Parameters<Queryable['one']>[2]) => {
        const started = performance.now();
        return one.call(target, sql, params, options).finally(() => record(sql, started, params));
      }) as Queryable['one'],
    });
  };
  wrap(database);
  const { transaction } = database;
  Object.assign(database, {
    transaction: <T>(fn: (tx: Transaction) => Promise<T>, options?: Parameters<Database['transaction']>[1]) => {
      const started = performance.now();
      return transaction
        .call(database, (tx: Transaction) => fn(wrap(tx)), options)
        .finally(() => record('(transaction)', started)) as Promise<T>;
    },
  });
  return () => [...counts].map(([sql, entry]) => ({ sql, ...entry })).sort((a, b) => b.count - a.count);
}
