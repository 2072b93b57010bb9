import { DataCorruptedError } from '../errors/errors.js';
import { parseJson } from '../internal/json.js';
import type { Migration } from '../storage/database/database.js';
import type { ConfirmationState, PendingConfirmation } from './confirmation.js';
import type { Risk } from './risk.js';

/** The confirmation tables (migration namespace `core-confirmation`). */
export const CONFIRMATION_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'confirmations',
    up: `
      create table aurora_confirmations (
        id text primary key,
        org text not null,
        run_id text not null,
        session_id text not null,
        user_id text,
        tool_call_id text not null,
        tool text not null,
        plugin text not null,
        arguments text not null,
        risk text not null,
        summary text not null,
        reason text not null,
        state text not null,
        binding text not null,
        created_at timestamptz not null,
        expires_at timestamptz not null,
        decided_by text,
        decided_at timestamptz,
        decision_reason text,
        token_hash text,
        claimed_at timestamptz,
        executed_at timestamptz,
        result text,
        unique (org, run_id, tool_call_id)
      );
      create index aurora_confirmations_pending on aurora_confirmations (expires_at) where state = 'pending';
      create index aurora_confirmations_org_state on aurora_confirmations (org, state, created_at);`,
  },
];

export const CONFIRMATION_NAMESPACE = 'core-confirmation';

/** A row of `aurora_confirmations` as both drivers return it. */
export interface ConfirmationRow {
  readonly id: string;
  readonly org: string;
  readonly run_id: string;
  readonly session_id: string;
  readonly user_id: string | null;
  readonly tool_call_id: string;
  readonly tool: string;
  readonly plugin: string;
  readonly arguments: string;
  readonly risk: string;
  readonly summary: string;
  readonly reason: string;
  readonly state: string;
  readonly binding: string;
  readonly created_at: Date | string;
  readonly expires_at: Date | string;
  readonly decided_by: string | null;
  readonly decided_at: Date | string | null;
  readonly decision_reason: string | null;
  readonly token_hash: string | null;
  readonly result: string | null;
  readonly [column: string]: unknown;
}

const date = (value: Date | string): Date => (value instanceof Date ? value : new Date(value));

function parseArguments(row: ConfirmationRow): Record<string, unknown> {
  const value = parseJson(row.arguments, 'Stored confirmation arguments');
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new DataCorruptedError({
      message: 'Stored confirmation arguments are not an object.',
      details: { id: row.id },
    });
  }
  return value as Record<string, unknown>;
}

export function toConfirmation(row: ConfirmationRow): PendingConfirmation {
  return {
    id: row.id,
    org: row.org,
    runId: row.run_id,
    sessionId: row.session_id,
    ...(row.user_id === null ? {} : { user: row.user_id }),
    toolCallId: row.tool_call_id,
    tool: row.tool,
    plugin: row.plugin,
    arguments: parseArguments(row),
    risk: row.risk as Risk,
    summary: row.summary,
    reason: row.reason as PendingConfirmation['reason'],
    state: row.state as ConfirmationState,
    createdAt: date(row.created_at),
    expiresAt: date(row.expires_at),
    binding: row.binding,
    ...(row.decided_by === null ? {} : { decidedBy: row.decided_by }),
    ...(row.decided_at === null ? {} : { decidedAt: date(row.decided_at) }),
    ...(row.decision_reason === null ? {} : { decisionReason: row.decision_reason }),
  };
}
