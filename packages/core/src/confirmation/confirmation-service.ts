import { randomUUID } from 'node:crypto';
import { AuroraError } from '../errors/aurora-error.js';
import { ConfigurationError, ForbiddenError, InvalidInputError, NotFoundError } from '../errors/errors.js';
import { noopLogger, type Logger } from '../logging/logger.js';
import type { Database } from '../storage/database/database.js';
import { approvalToken, computeBinding, hashToken, normalizeKey, safeEqual } from './binding.js';
import { canonicalJson } from './canonical-json.js';
import type {
  AuditEntry,
  AuditSink,
  AuthorizeDecision,
  ConfirmationService,
  PendingConfirmation,
  PolicyRule,
  Principal,
} from './confirmation.js';
import { claimConfirmation, type ClaimContext } from './confirmation-claim.js';
import { ConfirmationConflictError, ConfirmationExpiredError } from './confirmation-errors.js';
import { assertArguments, assertDecideInput, assertId, assertPendingCall, assertText } from './confirmation-input.js';
import {
  CONFIRMATION_MIGRATIONS,
  CONFIRMATION_NAMESPACE,
  toConfirmation,
  type ConfirmationRow,
} from './confirmation-rows.js';
import { evaluatePolicy } from './policy.js';
import { RISKS, type Risk } from './risk.js';

export interface ConfirmationServiceOptions {
  /** PostgreSQL or PGlite; the table comes from the migration namespace `core-confirmation`. */
  readonly database: Database;
  /** HMAC-SHA-256 key for bindings and approval tokens: at least 32 bytes. Keep it in the SecretStore. */
  readonly key: Uint8Array | string;
  /** How long a confirmation waits for a decision. Default 15 minutes. */
  readonly ttlMs?: number;
  /** Who may decide. Default `defaultAuthorize`: same org and role `operator` or `admin`. */
  readonly authorize?: AuthorizeDecision;
  /** Where every request, decision, refusal and execution is recorded. */
  readonly audit: AuditSink;
  /** The org's policy rules, read on every `evaluate`. Default: none. */
  readonly policy?: (org: string) => readonly PolicyRule[] | Promise<readonly PolicyRule[]>;
  /** Refuse to run an approved call unless the approval token is presented. Default false. */
  readonly requireToken?: boolean;
  /** The clock (tests). Default `() => new Date()`. */
  readonly now?: () => Date;
  readonly logger?: Logger;
}

const DEFAULT_TTL_MS = 15 * 60_000;
const MAX_TTL_MS = 30 * 86_400_000;

/** The default `authorize`: the principal belongs to the confirmation's org and is an operator or admin. */
export const defaultAuthorize: AuthorizeDecision = (principal: Principal, confirmation: PendingConfirmation) =>
  principal.org === confirmation.org && (principal.roles.includes('operator') || principal.roles.includes('admin'));

function checkOptions(options: ConfirmationServiceOptions): void {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigurationError({
      message: 'createConfirmationService needs options.',
      details: { setting: 'options' },
    });
  }
  const setting = (name: string, message: string): ConfigurationError =>
    new ConfigurationError({ message, details: { setting: name } });
  if (options.database?.specificationVersion !== 'v1') throw setting('database', 'A v1 `database` is required.');
  if (typeof options.audit?.write !== 'function') throw setting('audit', 'An `audit` sink is required.');
  const ttl = options.ttlMs ?? DEFAULT_TTL_MS;
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > MAX_TTL_MS) {
    throw setting('ttlMs', `\`ttlMs\` must be an integer from 1 to ${MAX_TTL_MS}.`);
  }
  for (const name of ['authorize', 'policy', 'now'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') {
      throw setting(name, `\`${name}\` must be a function.`);
    }
  }
}

const notFound = (): NotFoundError =>
  // The same answer whether the id is unknown or belongs to another org.
  new NotFoundError({ message: 'No such confirmation in this org.' });

/**
 * The ConfirmationService on a Database (PostgreSQL or PGlite). Every transition is one
 * `UPDATE … WHERE state = <expected> … RETURNING`, so concurrent deciders and claimers on any
 * number of replicas see exactly one winner. Rows hold the binding and a SHA-256 of the
 * approval token, never the token.
 */
export function createConfirmationService(options: ConfirmationServiceOptions): ConfirmationService {
  checkOptions(options);
  const key = normalizeKey(options.key);
  const { database, audit } = options;
  const ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
  const authorize = options.authorize ?? defaultAuthorize;
  const policy = options.policy ?? (() => []);
  const requireToken = options.requireToken === true;
  const clock = options.now ?? (() => new Date());
  const logger = options.logger ?? noopLogger;

  let migrated: Promise<unknown> | undefined;
  const ready = async (): Promise<void> => {
    migrated ??= database.migrate(CONFIRMATION_MIGRATIONS, { namespace: CONFIRMATION_NAMESPACE });
    try {
      await migrated;
    } catch (error) {
      migrated = undefined;
      throw error;
    }
  };

  const now = (): Date => {
    const value = clock();
    if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
      throw new ConfigurationError({ message: '`now` must return a valid Date.', details: { setting: 'now' } });
    }
    return value;
  };

  /** Audit failures are logged, not thrown: the state change they describe has already committed. */
  const record = async (entry: Omit<AuditEntry, 'at'>, row?: ConfirmationRow): Promise<void> => {
    const full: AuditEntry = {
      at: now(),
      ...(row === undefined ? {} : { confirmationId: row.id, runId: row.run_id, tool: row.tool }),
      ...entry,
    };
    try {
      await audit.write(full);
    } catch (error) {
      logger.error('confirmation: audit write failed', {
        action: full.action,
        confirmationId: full.confirmationId,
        code: AuroraError.isInstance(error) ? error.code : 'INTERNAL',
      });
    }
  };

  const find = async (org: string, id: string): Promise<ConfirmationRow | undefined> =>
    (await database.query<ConfirmationRow>('select * from aurora_confirmations where org = $1 and id = $2', [org, id]))
      .rows[0];

  const load = async (org: string, id: string): Promise<ConfirmationRow> => {
    const row = await find(org, id);
    if (row === undefined) throw notFound();
    return row;
  };

  /** Marks pending rows past expiry as expired (all orgs, one org, one run or one id) and audits each. */
  const expireWhere = async (
    at: Date,
    filter: { org?: string; runId?: string; id?: string } = {},
  ): Promise<ConfirmationRow[]> => {
    const { rows } = await database.query<ConfirmationRow>(
      `update aurora_confirmations set state = 'expired'
        where state = 'pending' and expires_at <= $1
          and ($2::text is null or org = $2) and ($3::text is null or run_id = $3) and ($4::text is null or id = $4)
        returning *`,
      [at.toISOString(), filter.org ?? null, filter.runId ?? null, filter.id ?? null],
    );
    for (const row of rows) {
      await record({ org: row.org, action: 'confirmation.expired', details: { binding: row.binding } }, row);
    }
    return rows;
  };

  const context: ClaimContext = { database, key, requireToken, logger, now, ready, record, find, load, expireWhere };
  const claim: ConfirmationService['claim'] = (call, claimOptions) => claimConfirmation(context, call, claimOptions);

  return {
    async evaluate(org: string, tool: string, risk: Risk, args: Readonly<Record<string, unknown>>) {
      assertId(org, 'org');
      assertId(tool, 'tool');
      assertArguments(args);
      if (!RISKS.includes(risk)) {
        throw new InvalidInputError({
          message: '`risk` must be read, write or destructive.',
          details: { field: 'risk' },
        });
      }
      return evaluatePolicy(await policy(org), tool, risk, args);
    },

    async request(call) {
      assertPendingCall(call);
      const binding = computeBinding(key, call);
      await ready();
      const created = now();
      const { rows } = await database.query<ConfirmationRow>(
        `insert into aurora_confirmations (id, org, run_id, session_id, user_id, tool_call_id, tool, plugin, arguments,
           risk, summary, reason, state, binding, created_at, expires_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'pending', $13, $14, $15)
         on conflict (org, run_id, tool_call_id) do nothing
         returning *`,
        [
          `cnf_${randomUUID()}`,
          call.org,
          call.runId,
          call.sessionId,
          call.user ?? null,
          call.toolCallId,
          call.tool,
          call.plugin,
          canonicalJson(call.arguments),
          call.risk,
          call.summary,
          call.reason,
          binding,
          created.toISOString(),
          new Date(created.getTime() + ttlMs).toISOString(),
        ],
      );
      const [inserted] = rows;
      if (inserted !== undefined) {
        await record(
          {
            org: call.org,
            action: 'confirmation.requested',
            ...(call.user === undefined ? {} : { actor: call.user }),
            details: { binding, summary: call.summary, risk: call.risk, reason: call.reason, plugin: call.plugin },
          },
          inserted,
        );
        return toConfirmation(inserted);
      }
      const existing = (
        await database.query<ConfirmationRow>(
          'select * from aurora_confirmations where org = $1 and run_id = $2 and tool_call_id = $3',
          [call.org, call.runId, call.toolCallId],
        )
      ).rows[0];
      if (existing === undefined || !safeEqual(existing.binding, binding)) {
        throw new ConfirmationConflictError({
          message: 'This tool call already has a confirmation for a different call (tool or arguments differ).',
          details: { state: existing?.state ?? 'unknown', ...(existing === undefined ? {} : { id: existing.id }) },
        });
      }
      return toConfirmation(existing);
    },

    async decide(input) {
      assertDecideInput(input);
      await ready();
      const row = await load(input.org, input.confirmationId);
      const actor = input.principal.id;
      const principalDetails = { principalKind: input.principal.kind ?? null, roles: [...input.principal.roles] };
      if (!(await authorize(input.principal, toConfirmation(row)))) {
        await record(
          {
            org: row.org,
            action: 'confirmation.denied',
            actor,
            details: { decision: input.decision, ...principalDetails },
          },
          row,
        );
        throw new ForbiddenError({
          message: 'This principal may not decide this confirmation.',
          details: { id: row.id },
        });
      }
      const at = now();
      const approve = input.decision === 'approve';
      const token = approve ? approvalToken(key, row.id, row.binding) : undefined;
      const { rows } = await database.query<ConfirmationRow>(
        `update aurora_confirmations
            set state = $3, decided_by = $4, decided_at = $5, decision_reason = $6, token_hash = $7
          where id = $1 and org = $2 and state = 'pending' and expires_at > $5
          returning *`,
        [
          row.id,
          row.org,
          approve ? 'approved' : 'rejected',
          actor,
          at.toISOString(),
          input.reason ?? null,
          token === undefined ? null : hashToken(token),
        ],
      );
      const [decided] = rows;
      if (decided === undefined) {
        const expired = await expireWhere(at, { org: row.org, id: row.id });
        const latest = expired[0] ?? (await load(row.org, row.id));
        if (latest.state === 'expired') {
          throw new ConfirmationExpiredError({
            message: 'The confirmation expired before it was decided.',
            details: { id: row.id },
          });
        }
        throw new ConfirmationConflictError({
          message: 'The confirmation was already decided.',
          details: { id: row.id, state: latest.state },
        });
      }
      await record(
        {
          org: row.org,
          action: approve ? 'confirmation.approved' : 'confirmation.rejected',
          actor,
          details: {
            binding: row.binding,
            ...principalDetails,
            ...(input.reason === undefined ? {} : { reason: input.reason }),
          },
        },
        decided,
      );
      logger.info('confirmation: decided', { org: row.org, confirmationId: row.id, decision: input.decision, actor });
      const confirmation = toConfirmation(decided);
      return token === undefined ? { confirmation } : { confirmation, token };
    },

    async get(org, confirmationId) {
      assertId(org, 'org');
      assertId(confirmationId, 'confirmationId');
      await ready();
      const [expired] = await expireWhere(now(), { org, id: confirmationId });
      return toConfirmation(expired ?? (await load(org, confirmationId)));
    },

    async listPending(org, runId) {
      assertId(org, 'org');
      if (runId !== undefined) assertId(runId, 'runId');
      await ready();
      await expireWhere(now(), { org, ...(runId === undefined ? {} : { runId }) });
      const { rows } = await database.query<ConfirmationRow>(
        `select * from aurora_confirmations
          where org = $1 and state = 'pending' and ($2::text is null or run_id = $2)
          order by created_at, id`,
        [org, runId ?? null],
      );
      return rows.map(toConfirmation);
    },

    claim,

    async complete(org, confirmationId, result) {
      assertId(org, 'org');
      assertId(confirmationId, 'confirmationId');
      assertText(result, 'result');
      await ready();
      const { rows } = await database.query<ConfirmationRow>(
        `update aurora_confirmations set state = 'executed', result = $3, executed_at = $4
          where id = $1 and org = $2 and state = 'executing' returning *`,
        [confirmationId, org, result, now().toISOString()],
      );
      const [done] = rows;
      if (done === undefined) {
        const row = await load(org, confirmationId);
        throw new ConfirmationConflictError({
          message: 'Only a claimed (executing) confirmation can be completed.',
          details: { id: row.id, state: row.state },
        });
      }
      await record(
        { org, action: 'tool.executed', details: { binding: done.binding, resultLength: result.length } },
        done,
      );
    },

    async cancelRun(org, runId, reason) {
      assertId(org, 'org');
      assertId(runId, 'runId');
      if (reason !== undefined) assertText(reason, 'reason');
      await ready();
      const { rows } = await database.query<ConfirmationRow>(
        `update aurora_confirmations set state = 'cancelled', decision_reason = $3, decided_at = $4
          where org = $1 and run_id = $2 and state in ('pending', 'approved') returning *`,
        [org, runId, reason ?? 'The run was cancelled.', now().toISOString()],
      );
      for (const row of rows) {
        await record(
          { org, action: 'confirmation.cancelled', details: { binding: row.binding, reason: row.decision_reason } },
          row,
        );
      }
      return rows.length;
    },

    async expire(at) {
      if (at !== undefined && (!(at instanceof Date) || Number.isNaN(at.getTime()))) {
        throw new InvalidInputError({ message: '`expire(now)` needs a valid Date.' });
      }
      await ready();
      return (await expireWhere(at ?? now())).length;
    },
  };
}
