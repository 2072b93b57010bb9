import { NotFoundError } from '../errors/errors.js';
import type { RunStatus } from '../events/run-event.js';
import type { Database, Migration, Row } from '../storage/database/database.js';
import { createTurnBatch, valuesList } from '../storage/database/turn-batch.js';

export const AGENT_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'sessions and runs',
    up: `
      create table aurora_agent_sessions (
        id text primary key,
        org text not null,
        created_at timestamptz not null default now()
      );
      create table aurora_agent_runs (
        id text primary key,
        org text not null,
        session_id text not null references aurora_agent_sessions (id) on delete cascade,
        user_id text,
        model text not null,
        status text not null,
        last_seq integer not null default 0,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      );
      create index aurora_agent_runs_session on aurora_agent_runs (session_id, created_at);`,
  },
  {
    version: 2,
    name: 'run input and holder',
    // The run's (redacted) user message: a run whose process died before LangGraph stored its
    // first checkpoint restarts from it. The holder: the process that runs it (`instance`).
    up: `
      alter table aurora_agent_runs add column input text;
      alter table aurora_agent_runs add column holder text;
      create index aurora_agent_runs_running on aurora_agent_runs (holder) where status = 'running';`,
  },
];

export type StoredRunStatus = RunStatus | 'running';

export interface StoredRun {
  readonly id: string;
  readonly org: string;
  readonly sessionId: string;
  readonly user?: string;
  readonly model: string;
  readonly status: StoredRunStatus;
  readonly lastSeq: number;
  /** The run's user message, redacted; absent on runs created before it was stored. */
  readonly input?: string;
  /** The process running it (`AgentOptions.instance`), if it named itself. */
  readonly holder?: string;
}

interface RunRow extends Row {
  readonly id: string;
  readonly org: string;
  readonly session_id: string;
  readonly user_id: string | null;
  readonly model: string;
  readonly status: StoredRunStatus;
  readonly last_seq: number;
  readonly input: string | null;
  readonly holder: string | null;
}

const toRun = (row: RunRow): StoredRun => ({
  id: row.id,
  org: row.org,
  sessionId: row.session_id,
  ...(row.user_id ? { user: row.user_id } : {}),
  model: row.model,
  status: row.status,
  lastSeq: row.last_seq,
  ...(row.input === null ? {} : { input: row.input }),
  ...(row.holder === null ? {} : { holder: row.holder }),
});

/** Sessions and runs, scoped by org: another org's id is a `NotFoundError`, as if it did not exist. */
export interface AgentStore {
  migrate(): Promise<void>;
  /**
   * The session exists in `org` (NotFound otherwise, also for another org's); with `create`,
   * it is created if missing. True when this call created it (it has no runs yet).
   */
  ensureSession(org: string, sessionId: string, create: boolean): Promise<boolean>;
  /**
   * Creates a session whose id the caller has just made up (a random UUID): there is no
   * existing row to look for, so the sessions created in one turn share one insert. A
   * duplicate id fails only its caller.
   */
  createSession(org: string, sessionId: string): Promise<void>;
  createRun(run: Omit<StoredRun, 'lastSeq'>): Promise<void>;
  getRun(org: string, runId: string): Promise<StoredRun>;
  /** Runs of a session that are paused or running, newest first. */
  openRuns(org: string, sessionId: string): Promise<StoredRun[]>;
  /**
   * Sets the status, and the last event's seq and the holder when given. The changes made in
   * one turn of the event loop (runs ending together) share one statement.
   */
  setStatus(runId: string, status: StoredRunStatus, lastSeq?: number, holder?: string): Promise<void>;
}

interface StatusRow {
  readonly runId: string;
  readonly status: StoredRunStatus;
  readonly lastSeq: number | null;
  readonly holder: string | null;
}

export function createAgentStore(database: Database): AgentStore {
  let migrated: Promise<void> | undefined;
  // Runs ending in the same turn share one update. Two changes of one run in a turn merge as
  // the two statements would have: the later status, each coalesce over both.
  const statuses = createTurnBatch<StatusRow>({
    maxRows: 1_000,
    key: (row) => row.runId,
    duplicates: (earlier, later) => ({
      ...later,
      lastSeq: later.lastSeq ?? earlier.lastSeq,
      holder: later.holder ?? earlier.holder,
    }),
    write: async (rows) => {
      const cast = (type: string) => (param: string) => `${param}::${type}`;
      const values = valuesList(rows.length, 4, {
        1: cast('text'),
        2: cast('text'),
        3: cast('integer'),
        4: cast('text'),
      });
      await database.query(
        `update aurora_agent_runs r set status = v.status, last_seq = coalesce(v.last_seq, r.last_seq),
           holder = coalesce(v.holder, r.holder), updated_at = now()
         from (values ${values}) as v (id, status, last_seq, holder) where r.id = v.id`,
        rows.flatMap((row) => [row.runId, row.status, row.lastSeq, row.holder]),
      );
    },
  });
  // Rows handed in during one turn (or while the previous insert is in flight) share an insert;
  // a row the database refuses (a duplicate id) fails only its own caller.
  const sharedInsert = (table: string, columns: readonly string[]) =>
    createTurnBatch<unknown[]>({
      maxRows: 500,
      write: async (rows) => {
        await database.query(
          `insert into ${table} (${columns.join(', ')}) values ${valuesList(rows.length, columns.length)}`,
          rows.flat(),
        );
      },
    });
  // Runs started together, and the sessions whose ids they made up.
  const runs = sharedInsert('aurora_agent_runs', [
    'id',
    'org',
    'session_id',
    'user_id',
    'model',
    'status',
    'input',
    'holder',
  ]);
  const sessions = sharedInsert('aurora_agent_sessions', ['id', 'org']);
  const notFound = (what: string, id: string): NotFoundError =>
    new NotFoundError({ message: `No ${what} "${id}" in this org.`, details: { [what]: id } });
  return {
    migrate() {
      migrated ??= database
        .migrate(AGENT_MIGRATIONS, { namespace: 'core-agent' })
        .then(() => undefined)
        .catch((error: unknown) => {
          migrated = undefined;
          throw error;
        });
      return migrated;
    },
    async ensureSession(org, sessionId, create) {
      const stored = async () =>
        (
          await database.query<{ org: string; created: boolean }>(
            'select org, false as created from aurora_agent_sessions where id = $1',
            [sessionId],
          )
        ).rows[0];
      // One statement: the insert's row when it created the session, else the stored one (the
      // statement's snapshot does not see its own insert, so never both).
      let row = create
        ? (
            await database.query<{ org: string; created: boolean }>(
              `with inserted as (
                 insert into aurora_agent_sessions (id, org) values ($1, $2) on conflict (id) do nothing
                 returning org, true as created)
               select org, created from inserted
               union all
               select org, false as created from aurora_agent_sessions where id = $1
               limit 1`,
              [sessionId, org],
            )
          ).rows[0]
        : await stored();
      // Neither: another call inserted it concurrently, and this insert waited for that one's
      // commit, which the statement's snapshot (taken before) does not see. A new statement does.
      if (!row && create) row = await stored();
      if (row?.org !== org) throw notFound('session', sessionId);
      return row.created;
    },
    async createSession(org, sessionId) {
      await sessions.add([sessionId, org]);
    },
    async createRun(run) {
      await runs.add([
        run.id,
        run.org,
        run.sessionId,
        run.user ?? null,
        run.model,
        run.status,
        run.input ?? null,
        run.holder ?? null,
      ]);
    },
    async getRun(org, runId) {
      const { rows } = await database.query<RunRow>('select * from aurora_agent_runs where id = $1', [runId]);
      const row = rows[0];
      if (!row || row.org !== org) throw notFound('run', runId);
      return toRun(row);
    },
    async openRuns(org, sessionId) {
      const { rows } = await database.query<RunRow>(
        `select * from aurora_agent_runs where org = $1 and session_id = $2 and status in ('running', 'paused')
         order by created_at desc`,
        [org, sessionId],
      );
      return rows.map(toRun);
    },
    async setStatus(runId, status, lastSeq, holder) {
      await statuses.add({ runId, status, lastSeq: lastSeq ?? null, holder: holder ?? null });
    },
  };
}
