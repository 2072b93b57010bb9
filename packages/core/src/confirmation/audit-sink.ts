import { InvalidInputError } from '../errors/errors.js';
import { parseJson } from '../internal/json.js';
import type { Database, Migration } from '../storage/database/database.js';
import type { AuditEntry, AuditSink } from './confirmation.js';

/** The audit table (migration namespace `core-audit`). */
export const AUDIT_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'audit log',
    up: `
      create table aurora_audit_log (
        id bigserial primary key,
        at timestamptz not null,
        org text not null,
        action text not null,
        confirmation_id text,
        run_id text,
        tool text,
        actor text,
        details jsonb
      );
      create index aurora_audit_log_org on aurora_audit_log (org, id desc);`,
  },
];

/** An entry read back, with its id (the `before` cursor for the next page). */
export interface StoredAuditEntry extends AuditEntry {
  readonly id: string;
}

export interface AuditListOptions {
  /** At most this many entries, newest first. Default 100, at most 1 000. */
  readonly limit?: number;
  /** Only entries older than the entry with this id (from a previous page). */
  readonly before?: string;
}

/** An audit sink that can be read back, one org at a time. */
export interface ReadableAuditSink extends AuditSink {
  list(org: string, options?: AuditListOptions): Promise<StoredAuditEntry[]>;
}

export interface DatabaseAuditSinkOptions {
  readonly database: Database;
}

function assertEntry(entry: AuditEntry): void {
  if (typeof entry?.org !== 'string' || entry.org === '' || typeof entry.action !== 'string' || entry.action === '') {
    throw new InvalidInputError({ message: 'An audit entry needs an org and an action.' });
  }
  if (!(entry.at instanceof Date) || Number.isNaN(entry.at.getTime())) {
    throw new InvalidInputError({ message: 'An audit entry needs a valid `at` date.' });
  }
}

function listLimit(options: AuditListOptions | undefined): number {
  const limit = options?.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw new InvalidInputError({ message: 'The audit list limit must be an integer from 1 to 1000.' });
  }
  return limit;
}

function beforeCursor(options: AuditListOptions | undefined): string | undefined {
  const before = options?.before;
  if (before !== undefined && (typeof before !== 'string' || !/^\d{1,19}$/.test(before))) {
    throw new InvalidInputError({ message: 'The audit list `before` must be an entry id.' });
  }
  return before;
}

interface AuditRow {
  readonly id: string | number;
  readonly at: Date | string;
  readonly org: string;
  readonly action: string;
  readonly confirmation_id: string | null;
  readonly run_id: string | null;
  readonly tool: string | null;
  readonly actor: string | null;
  readonly details: unknown;
  readonly [column: string]: unknown;
}

function toEntry(row: AuditRow): StoredAuditEntry {
  const details = typeof row.details === 'string' ? parseJson(row.details, 'Audit details') : row.details;
  return {
    id: String(row.id),
    at: row.at instanceof Date ? row.at : new Date(row.at),
    org: row.org,
    action: row.action,
    ...(row.confirmation_id === null ? {} : { confirmationId: row.confirmation_id }),
    ...(row.run_id === null ? {} : { runId: row.run_id }),
    ...(row.tool === null ? {} : { tool: row.tool }),
    ...(row.actor === null ? {} : { actor: row.actor }),
    ...(details === null || details === undefined ? {} : { details: details as Record<string, unknown> }),
  };
}

/**
 * The audit log in the Database (`aurora_audit_log`, PostgreSQL or PGlite), append-only.
 * The confirmation service writes only hashes and summaries here, never raw arguments.
 */
export function createDatabaseAuditSink(options: DatabaseAuditSinkOptions): ReadableAuditSink {
  const { database } = options;
  let migrated: Promise<unknown> | undefined;
  const ready = async (): Promise<void> => {
    migrated ??= database.migrate(AUDIT_MIGRATIONS, { namespace: 'core-audit' });
    try {
      await migrated;
    } catch (error) {
      migrated = undefined;
      throw error;
    }
  };
  return {
    async write(entry) {
      assertEntry(entry);
      await ready();
      await database.query(
        `insert into aurora_audit_log (at, org, action, confirmation_id, run_id, tool, actor, details)
         values ($1, $2, $3, $4, $5, $6, $7, $8::jsonb)`,
        [
          entry.at.toISOString(),
          entry.org,
          entry.action,
          entry.confirmationId ?? null,
          entry.runId ?? null,
          entry.tool ?? null,
          entry.actor ?? null,
          entry.details === undefined ? null : JSON.stringify(entry.details),
        ],
      );
    },
    async list(org, listOptions) {
      const limit = listLimit(listOptions);
      const before = beforeCursor(listOptions);
      await ready();
      const { rows } = await database.query<AuditRow>(
        `select id::text as id, at, org, action, confirmation_id, run_id, tool, actor, details
           from aurora_audit_log
          where org = $1 and ($2::bigint is null or id < $2::bigint)
          order by id desc
          limit $3`,
        [org, before ?? null, limit],
      );
      return rows.map(toEntry);
    },
  };
}

/** An in-memory audit sink (tests, single-process embedding); `entries` holds every write in order. */
export function createMemoryAuditSink(): ReadableAuditSink & { readonly entries: readonly StoredAuditEntry[] } {
  const entries: StoredAuditEntry[] = [];
  return {
    entries,
    // eslint-disable-next-line @typescript-eslint/require-await -- async so bad input rejects, never throws
    async write(entry) {
      assertEntry(entry);
      entries.push({ ...entry, id: String(entries.length + 1) });
    },
    // eslint-disable-next-line @typescript-eslint/require-await -- as above
    async list(org, listOptions) {
      const limit = listLimit(listOptions);
      const before = beforeCursor(listOptions);
      const cut = before === undefined ? Number.POSITIVE_INFINITY : Number(before);
      return entries
        .filter((entry) => entry.org === org && Number(entry.id) < cut)
        .reverse()
        .slice(0, limit);
    },
  };
}
