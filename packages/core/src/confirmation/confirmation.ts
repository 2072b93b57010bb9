import type { Risk } from './risk.js';

/**
 * The confirmation protocol's contract (types only). A non-read tool call pauses its run
 * and becomes a persisted `PendingConfirmation`; an operator's decision comes back through
 * `ConfirmationService.decide`, never through anything a tool returns or the model writes.
 * An approval is a single-use token bound to a keyed hash of (run, tool call id, tool,
 * arguments): the call that runs is exactly the call that was approved, once.
 */

/** The call waiting for a decision, exactly as it will run. */
export interface PendingCall {
  readonly org: string;
  readonly runId: string;
  readonly sessionId: string;
  /** The user whose run this is (may differ from the approver). */
  readonly user?: string;
  readonly toolCallId: string;
  /** Namespaced tool name, `<plugin>__<tool>`. */
  readonly tool: string;
  readonly plugin: string;
  readonly arguments: Readonly<Record<string, unknown>>;
  /** Risk after policy. */
  readonly risk: Risk;
  readonly summary: string;
  readonly reason: 'risk' | 'policy' | 'elicitation';
}

export type ConfirmationState =
  'pending' | 'approved' | 'rejected' | 'expired' | 'cancelled' | 'executing' | 'executed';

export interface PendingConfirmation extends PendingCall {
  readonly id: string;
  readonly state: ConfirmationState;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  /** Keyed hash (HMAC-SHA-256, base64url) of (runId, toolCallId, tool, canonical arguments). */
  readonly binding: string;
  readonly decidedBy?: string;
  readonly decidedAt?: Date;
  readonly decisionReason?: string;
}

/** Who is deciding. The server fills it from the authenticated session. */
export interface Principal {
  readonly id: string;
  readonly org: string;
  readonly roles: readonly string[];
  /** `user`, `api-key`, … for the audit log. */
  readonly kind?: string;
}

export interface DecideInput {
  readonly org: string;
  readonly confirmationId: string;
  readonly decision: 'approve' | 'reject';
  readonly principal: Principal;
  readonly reason?: string;
}

/** The outcome of a decision. `token` is present only for an approval. */
export interface Decision {
  readonly confirmation: PendingConfirmation;
  /** Opaque, single-use; bound to the call's binding hash. */
  readonly token?: string;
}

/** May `principal` decide `confirmation`? The server's hook requires the operator role of the run's org. */
export type AuthorizeDecision = (principal: Principal, confirmation: PendingConfirmation) => boolean | Promise<boolean>;

export interface AuditEntry {
  readonly at: Date;
  readonly org: string;
  /** `confirmation.requested`, `confirmation.approved`, `confirmation.rejected`, `confirmation.expired`,
   *  `confirmation.cancelled`, `confirmation.denied` (a decision refused by `authorize`),
   *  `tool.executed`, `tool.refused` (token missing, replayed or not matching). */
  readonly action: string;
  readonly confirmationId?: string;
  readonly runId?: string;
  readonly tool?: string;
  readonly actor?: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

export interface AuditSink {
  write(entry: AuditEntry): Promise<void>;
}

/** An org rule: raise or lower a tool's risk, or allow/deny calls whose arguments match. */
export interface PolicyRule {
  /** Glob on the namespaced tool name: `aws__ec2_*`, `*__delete_*`, `*`. */
  readonly tool: string;
  /** Per-argument regular expressions (source text) that must all match the JSON-stringified value. */
  readonly when?: Readonly<Record<string, string>>;
  /** Replace the tool's risk. */
  readonly risk?: Risk;
  /** `deny`: never runs; `allow`: runs without confirmation; `confirm`: always asks. */
  readonly action?: 'allow' | 'deny' | 'confirm';
}

export interface PolicyVerdict {
  readonly risk: Risk;
  readonly action: 'run' | 'confirm' | 'deny';
  /** Index of the rule that decided, if any. */
  readonly rule?: number;
  readonly reason: 'risk' | 'policy';
}

export interface ConfirmationService {
  /** Applies the org's policy to a call whose tool declares `risk`. */
  evaluate(org: string, tool: string, risk: Risk, args: Readonly<Record<string, unknown>>): Promise<PolicyVerdict>;
  /**
   * Persists the pending call and returns it with its id and expiry. Idempotent on
   * (runId, toolCallId): a run that resumes after a crash gets the same confirmation back.
   */
  request(call: PendingCall): Promise<PendingConfirmation>;
  /** Decides once: a second decision, an expired one or one `authorize` refuses is a typed error. */
  decide(input: DecideInput): Promise<Decision>;
  get(org: string, confirmationId: string): Promise<PendingConfirmation>;
  /** Pending confirmations for a run (for a resuming client). */
  listPending(org: string, runId?: string): Promise<PendingConfirmation[]>;
  /**
   * What the confirmation's call may do now. The stored approval is authoritative and the
   * call's binding hash must equal the approved one (`mismatch` otherwise). `run`: approved for
   * exactly this call, and the confirmation is now `executing` (claimed atomically, once);
   * `rejected` / `expired` / `cancelled`: tell the model; `already-executed`: it ran before
   * (returns the stored result); `interrupted`: it was claimed but never finished (the process
   * died mid-call), it will not run again. `token`, when given (the one `decide` returned), must
   * verify; a service created with `requireToken` refuses a claim without one.
   */
  claim(
    call: Pick<PendingCall, 'org' | 'runId' | 'toolCallId' | 'tool' | 'arguments'>,
    options?: { readonly token?: string },
  ): Promise<
    | { readonly outcome: 'run'; readonly confirmation: PendingConfirmation }
    | { readonly outcome: 'pending'; readonly confirmation: PendingConfirmation }
    | {
        readonly outcome: 'rejected' | 'expired' | 'cancelled' | 'interrupted' | 'mismatch';
        readonly confirmation?: PendingConfirmation;
        readonly reason: string;
      }
    | { readonly outcome: 'already-executed'; readonly confirmation: PendingConfirmation; readonly result: string }
  >;
  /** Records the result of a claimed call (state `executed`). */
  complete(org: string, confirmationId: string, result: string): Promise<void>;
  /** Cancels every pending confirmation of a run (the run was cancelled). */
  cancelRun(org: string, runId: string, reason?: string): Promise<number>;
  /** Marks pending confirmations past their expiry as expired; returns how many. */
  expire(now?: Date): Promise<number>;
}
