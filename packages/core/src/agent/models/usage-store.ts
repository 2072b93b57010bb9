import { InvalidInputError } from '../../errors/errors.js';
import type { Database, Migration } from '../../storage/database/database.js';
import { createTurnBatch, valuesList } from '../../storage/database/turn-batch.js';
import { DEFAULT_PRICES, costOf, type PriceTable } from './usage.js';

/** One model call's usage. `cost` in USD; computed from the store's prices when omitted. */
export interface UsageEntry {
  readonly org: string;
  readonly user?: string;
  readonly session?: string;
  readonly run?: string;
  /** `provider:model`. */
  readonly model: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cost?: number;
  /** Default: now. */
  readonly at?: Date;
}

export type UsageGrouping = 'session' | 'user' | 'org' | 'model';

export interface UsageSummaryQuery {
  /** Every query is scoped to one org. */
  readonly org: string;
  readonly by: UsageGrouping;
  /** Only calls at or after this time. */
  readonly since?: Date;
}

export interface UsageSummaryRow {
  /** The session, user or model id, or the org; `null` for calls recorded without one. */
  readonly key: string | null;
  readonly calls: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** USD summed over priced calls. */
  readonly cost: number;
  /** Calls with no known price (their cost is not in `cost`). */
  readonly unpricedCalls: number;
}

export interface UsageStore {
  /**
   * Resolves once the entry is stored. The entries recorded in one turn of the event loop (runs
   * ending together) are stored by one statement; if it fails, each is tried alone.
   */
  record(entry: UsageEntry): Promise<void>;
  /** Sums per group, largest cost first. */
  summary(query: UsageSummaryQuery): Promise<UsageSummaryRow[]>;
}

export interface DatabaseUsageStoreOptions {
  /** PostgreSQL or PGlite; migrated in namespace `core-model-usage` on first use. */
  readonly database: Database;
  /** Prices for entries recorded without `cost`. Default `DEFAULT_PRICES`. */
  readonly prices?: PriceTable;
}

export const USAGE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'model usage',
    up: `
      create table aurora_model_usage (
        id bigint generated always as identity primary key,
        org text not null,
        user_id text,
        session_id text,
        run_id text,
        model text not null,
        input_tokens bigint not null,
        output_tokens bigint not null,
        cost_usd numeric(20, 10),
        at timestamptz not null default now()
      );
      create index aurora_model_usage_org_at on aurora_model_usage (org, at);
      create index aurora_model_usage_org_session on aurora_model_usage (org, session_id);
      create index aurora_model_usage_org_user on aurora_model_usage (org, user_id);`,
  },
];

const GROUP_COLUMNS: Readonly<Record<UsageGrouping, string>> = {
  session: 'session_id',
  user: 'user_id',
  org: 'org',
  model: 'model',
};

function checkId(name: string, value: unknown, required: boolean): void {
  if (value === undefined && !required) return;
  if (typeof value !== 'string' || value.trim() === '' || value.length > 500) {
    throw new InvalidInputError({
      message: `Usage field ${name} must be a non-empty string of at most 500 characters.`,
      details: { field: name },
    });
  }
}

function checkCount(name: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new InvalidInputError({
      message: `Usage field ${name} must be a non-negative integer.`,
      details: { field: name },
    });
  }
}

function checkDate(name: string, value: unknown): void {
  if (value !== undefined && (!(value instanceof Date) || Number.isNaN(value.getTime()))) {
    throw new InvalidInputError({ message: `Usage field ${name} must be a valid Date.`, details: { field: name } });
  }
}

/** Parameters per usage row: org, user, session, run, model, input, output, cost, at. */
const USAGE_COLUMNS = 9;
/** Rows per insert: 4 500 parameters, well inside PostgreSQL's 65 535. */
const USAGE_ROWS_PER_INSERT = 500;

/** Model usage rows in the Database, summed per session, user, org or model, always within one org. */
export function createDatabaseUsageStore(options: DatabaseUsageStoreOptions): UsageStore {
  const { database } = options;
  const prices = options.prices ?? DEFAULT_PRICES;
  let migrated: Promise<void> | undefined;
  const ready = (): Promise<void> => {
    migrated ??= database.migrate(USAGE_MIGRATIONS, { namespace: 'core-model-usage' }).then(() => undefined);
    migrated.catch(() => {
      migrated = undefined;
    });
    return migrated;
  };

  const batch = createTurnBatch<unknown[]>({
    maxRows: USAGE_ROWS_PER_INSERT,
    write: async (rows) => {
      await ready();
      const values = valuesList(rows.length, USAGE_COLUMNS, {
        9: (param) => `coalesce(${param}::timestamptz, now())`,
      });
      await database.query(
        `insert into aurora_model_usage (org, user_id, session_id, run_id, model, input_tokens, output_tokens, cost_usd, at)
         values ${values}`,
        rows.flat(),
      );
    },
  });
  return {
    async record(entry) {
      checkId('org', entry.org, true);
      for (const name of ['user', 'session', 'run'] as const) checkId(name, entry[name], false);
      checkId('model', entry.model, true);
      checkCount('inputTokens', entry.inputTokens);
      checkCount('outputTokens', entry.outputTokens);
      checkDate('at', entry.at);
      if (
        entry.cost !== undefined &&
        (typeof entry.cost !== 'number' || !Number.isFinite(entry.cost) || entry.cost < 0)
      ) {
        throw new InvalidInputError({
          message: 'Usage field cost must be a non-negative number.',
          details: { field: 'cost' },
        });
      }
      const cost = entry.cost ?? costOf(entry.model, entry, prices);
      await batch.add([
        entry.org,
        entry.user ?? null,
        entry.session ?? null,
        entry.run ?? null,
        entry.model,
        entry.inputTokens,
        entry.outputTokens,
        cost === undefined ? null : cost.toFixed(10),
        entry.at?.toISOString() ?? null,
      ]);
    },

    async summary(query) {
      checkId('org', query.org, true);
      checkDate('since', query.since);
      if (!Object.hasOwn(GROUP_COLUMNS, query.by)) {
        throw new InvalidInputError({
          message: `Usage summaries group by ${Object.keys(GROUP_COLUMNS).join(', ')}.`,
          details: { field: 'by' },
        });
      }
      const column = GROUP_COLUMNS[query.by];
      await ready();
      const { rows } = await database.query<{
        key: string | null;
        calls: string | number;
        input_tokens: string | number;
        output_tokens: string | number;
        cost: string | number;
        unpriced: string | number;
      }>(
        `select ${column} as key, count(*) as calls, sum(input_tokens) as input_tokens,
                sum(output_tokens) as output_tokens, coalesce(sum(cost_usd), 0) as cost,
                count(*) filter (where cost_usd is null) as unpriced
           from aurora_model_usage
          where org = $1 and ($2::timestamptz is null or at >= $2::timestamptz)
          group by ${column}
          order by coalesce(sum(cost_usd), 0) desc, ${column} nulls last`,
        [query.org, query.since?.toISOString() ?? null],
      );
      return rows.map((row) => ({
        key: row.key,
        calls: Number(row.calls),
        inputTokens: Number(row.input_tokens),
        outputTokens: Number(row.output_tokens),
        cost: Number(row.cost),
        unpricedCalls: Number(row.unpriced),
      }));
    },
  };
}
