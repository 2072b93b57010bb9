/**
 * The Database specification (types only). Both adapters speak PostgreSQL SQL with
 * `$1…$n` placeholders. Every adapter maps backend failures to portable errors:
 * `UniqueViolationError` (23505), `NotFoundError` (`one()` with no row),
 * `ConnectionLostError` (connection refused or dropped; retryable), `TimeoutError`
 * (statement timeout), `InvalidInputError` (bad SQL or parameters), `UpstreamError`
 * (anything else, with `details.sqlstate`).
 */
export type Row = Record<string, unknown>;

export interface QueryResult<R extends Row = Row> {
  readonly rows: R[];
  /** Rows returned or affected. */
  readonly rowCount: number;
}

export interface QueryOptions {
  readonly signal?: AbortSignal;
}

export interface Queryable {
  query<R extends Row = Row>(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<QueryResult<R>>;
  /** Exactly one row, or `NotFoundError`. */
  one<R extends Row = Row>(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<R>;
}

/** A transaction handle: valid only inside the `transaction()` callback. */
export type Transaction = Queryable;

export type IsolationLevel = 'read committed' | 'repeatable read' | 'serializable';

export interface TransactionOptions {
  readonly isolation?: IsolationLevel;
}

export interface Migration {
  /** Positive integer, unique within its namespace; applied in ascending order. */
  readonly version: number;
  readonly name: string;
  /** SQL text, or a function run inside the migration's transaction. */
  readonly up: string | ((tx: Transaction) => Promise<void>);
}

export interface MigrateOptions {
  /** Each package migrates its own namespace (`core`, `server`, a plugin's name). */
  readonly namespace: string;
  /** Called as each migration is applied, for progress output. */
  readonly onApplied?: (migration: { readonly version: number; readonly name: string; readonly ms: number }) => void;
}

export interface MigrationReport {
  readonly namespace: string;
  readonly applied: readonly number[];
  /** Highest version now applied, 0 if none. */
  readonly current: number;
}

export interface DatabaseCapabilities {
  /** The pgvector extension is available. */
  readonly vector: boolean;
  /** LISTEN/NOTIFY is delivered between connections. */
  readonly listenNotify: boolean;
  /** Several connections may be used at once (a pool). */
  readonly concurrentConnections: boolean;
}

export interface Database extends Queryable {
  readonly specificationVersion: 'v1';
  readonly dialect: 'postgres';
  readonly capabilities: DatabaseCapabilities;
  /** Commits when `fn` resolves, rolls back when it throws (and rethrows). */
  transaction<T>(fn: (tx: Transaction) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /**
   * Applies the migrations not yet applied in `namespace`, each in its own transaction,
   * under a lock: replicas starting together apply each migration exactly once. An
   * applied migration whose name changed is a `MigrationError`.
   */
  migrate(migrations: readonly Migration[], options: MigrateOptions): Promise<MigrationReport>;
  /** Round-trips to the server; throws `ConnectionLostError` when it cannot. */
  ping(): Promise<void>;
  /** Releases only what the adapter created. */
  close(): Promise<void>;
}
