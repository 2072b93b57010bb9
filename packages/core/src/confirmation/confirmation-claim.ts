import { AuroraError } from '../errors/aurora-error.js';
import { InvalidInputError } from '../errors/errors.js';
import type { Logger } from '../logging/logger.js';
import type { Database } from '../storage/database/database.js';
import { computeBinding, safeEqual, tokenId, verifyToken } from './binding.js';
import type { AuditEntry, ConfirmationService } from './confirmation.js';
import { ConfirmationConflictError } from './confirmation-errors.js';
import { assertClaimCall } from './confirmation-input.js';
import { toConfirmation, type ConfirmationRow } from './confirmation-rows.js';

export type ClaimResult = Awaited<ReturnType<ConfirmationService['claim']>>;

/** What `claim` needs from the service that owns it. */
export interface ClaimContext {
  readonly database: Database;
  readonly key: Uint8Array;
  readonly requireToken: boolean;
  readonly logger: Logger;
  readonly now: () => Date;
  readonly ready: () => Promise<void>;
  readonly record: (entry: Omit<AuditEntry, 'at'>, row?: ConfirmationRow) => Promise<void>;
  readonly find: (org: string, id: string) => Promise<ConfirmationRow | undefined>;
  readonly load: (org: string, id: string) => Promise<ConfirmationRow>;
  readonly expireWhere: (at: Date, filter: { org?: string; id?: string }) => Promise<ConfirmationRow[]>;
}

async function refuseClaim(
  context: ClaimContext,
  call: { readonly org: string; readonly runId: string; readonly tool: string },
  binding: string,
  reason: string,
  row?: ConfirmationRow,
): Promise<ClaimResult> {
  await context.record({
    org: call.org,
    action: 'tool.refused',
    runId: call.runId,
    tool: call.tool,
    ...(row === undefined ? {} : { confirmationId: row.id }),
    details: { binding, reason },
  });
  context.logger.warn('confirmation: claim refused', {
    org: call.org,
    runId: call.runId,
    confirmationId: row?.id,
    reason,
  });
  return { outcome: 'mismatch', reason, ...(row === undefined ? {} : { confirmation: toConfirmation(row) }) };
}

const claimApproved = async (
  database: Database,
  row: ConfirmationRow,
  at: Date,
): Promise<ConfirmationRow | undefined> =>
  (
    await database.query<ConfirmationRow>(
      `update aurora_confirmations set state = 'executing', claimed_at = $3
        where id = $1 and org = $2 and state = 'approved' returning *`,
      [row.id, row.org, at.toISOString()],
    )
  ).rows[0];

/** `ConfirmationService.claim`: see the contract in `confirmation.ts`. */
export async function claimConfirmation(
  context: ClaimContext,
  call: Parameters<ConfirmationService['claim']>[0],
  claimOptions: Parameters<ConfirmationService['claim']>[1],
): Promise<ClaimResult> {
  const { database, key, requireToken, logger, now, ready, find, load, expireWhere } = context;
  const refuse = (
    refused: { readonly org: string; readonly runId: string; readonly tool: string },
    binding: string,
    reason: string,
    row?: ConfirmationRow,
  ): Promise<ClaimResult> => refuseClaim(context, refused, binding, reason, row);

  assertClaimCall(call);
  const token = claimOptions?.token;
  if (token !== undefined && typeof token !== 'string') {
    throw new InvalidInputError({ message: 'The approval token must be a string.', details: { field: 'token' } });
  }
  const binding = computeBinding(key, call);
  await ready();
  let row: ConfirmationRow | undefined;
  if (token === undefined) {
    row = (
      await database.query<ConfirmationRow>(
        'select * from aurora_confirmations where org = $1 and run_id = $2 and tool_call_id = $3',
        [call.org, call.runId, call.toolCallId],
      )
    ).rows[0];
  } else {
    const id = tokenId(token);
    if (id === undefined) return refuse(call, binding, 'The approval token is malformed.');
    row = await find(call.org, id);
  }
  if (row === undefined) return refuse(call, binding, 'No confirmation was requested for this call.');
  if (!safeEqual(row.binding, binding)) {
    return refuse(
      call,
      binding,
      'The call differs from the one that was confirmed (tool, arguments, run or tool call id).',
      row,
    );
  }
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const at = now();
    if (
      token !== undefined &&
      row.token_hash !== null &&
      !verifyToken(key, token, { id: row.id, binding: row.binding, tokenHash: row.token_hash })
    ) {
      return refuse(call, binding, 'The approval token does not verify.', row);
    }
    const confirmation = toConfirmation(row);
    switch (row.state) {
      case 'pending': {
        if (new Date(row.expires_at).getTime() > at.getTime()) return { outcome: 'pending', confirmation };
        const [expired] = await expireWhere(at, { org: row.org, id: row.id });
        if (expired === undefined) break; // decided meanwhile: read again
        return {
          outcome: 'expired',
          confirmation: toConfirmation(expired),
          reason: 'Nobody decided before the confirmation expired.',
        };
      }
      case 'expired':
        return { outcome: 'expired', confirmation, reason: 'Nobody decided before the confirmation expired.' };
      case 'rejected':
        return { outcome: 'rejected', confirmation, reason: row.decision_reason ?? 'An operator rejected the call.' };
      case 'cancelled':
        return { outcome: 'cancelled', confirmation, reason: row.decision_reason ?? 'The run was cancelled.' };
      case 'executed':
        return { outcome: 'already-executed', confirmation, result: row.result ?? '' };
      case 'executing':
        return {
          outcome: 'interrupted',
          confirmation,
          reason: 'The call was already claimed and did not finish; it will not run again.',
        };
      case 'approved': {
        if (token === undefined && requireToken) {
          return refuse(call, binding, 'An approval token is required to run this call.', row);
        }
        const claimed = await claimApproved(database, row, at);
        if (claimed !== undefined) {
          logger.info('confirmation: claimed', { org: row.org, confirmationId: row.id });
          return { outcome: 'run', confirmation: toConfirmation(claimed) };
        }
        break; // another claimer won, or the run was cancelled: read again
      }
      default:
        throw new AuroraError('DATA_CORRUPTED', {
          message: 'A confirmation has an unknown state.',
          details: { id: row.id },
        });
    }
    row = await load(call.org, row.id);
  }
  throw new ConfirmationConflictError({
    message: 'The confirmation kept changing while it was claimed.',
    details: { id: row.id },
  });
}
