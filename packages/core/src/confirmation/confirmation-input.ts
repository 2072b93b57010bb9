import { InvalidInputError } from '../errors/errors.js';
import type { DecideInput, PendingCall } from './confirmation.js';
import { RISKS } from './risk.js';

const REASONS = ['risk', 'policy', 'elicitation'] as const;
const DECISIONS = ['approve', 'reject'] as const;

/** Longest id, org, run id, tool name … accepted. */
export const MAX_ID_LENGTH = 512;
/** Longest summary, decision reason and stored result (characters). */
export const MAX_TEXT_LENGTH = 1_048_576;

export function assertId(value: unknown, field: string): asserts value is string {
  if (typeof value !== 'string' || value === '' || value.length > MAX_ID_LENGTH) {
    throw new InvalidInputError({
      message: `\`${field}\` must be a non-empty string of at most ${MAX_ID_LENGTH} characters.`,
      details: { field },
    });
  }
}

export function assertText(value: unknown, field: string): asserts value is string {
  if (typeof value !== 'string' || value.length > MAX_TEXT_LENGTH) {
    throw new InvalidInputError({
      message: `\`${field}\` must be a string of at most ${MAX_TEXT_LENGTH} characters.`,
      details: { field },
    });
  }
}

export function assertArguments(value: unknown): asserts value is Readonly<Record<string, unknown>> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidInputError({ message: '`arguments` must be an object.', details: { field: 'arguments' } });
  }
}

type ClaimCall = Pick<PendingCall, 'org' | 'runId' | 'toolCallId' | 'tool' | 'arguments'>;

export function assertClaimCall(call: ClaimCall): void {
  if (typeof call !== 'object' || call === null) throw new InvalidInputError({ message: 'A call must be an object.' });
  assertId(call.org, 'org');
  assertId(call.runId, 'runId');
  assertId(call.toolCallId, 'toolCallId');
  assertId(call.tool, 'tool');
  assertArguments(call.arguments);
}

export function assertPendingCall(call: PendingCall): void {
  assertClaimCall(call);
  assertId(call.sessionId, 'sessionId');
  assertId(call.plugin, 'plugin');
  if (call.user !== undefined) assertId(call.user, 'user');
  if (!RISKS.includes(call.risk)) {
    throw new InvalidInputError({ message: '`risk` must be read, write or destructive.', details: { field: 'risk' } });
  }
  assertText(call.summary, 'summary');
  if (!REASONS.includes(call.reason)) {
    throw new InvalidInputError({
      message: '`reason` must be risk, policy or elicitation.',
      details: { field: 'reason' },
    });
  }
}

export function assertDecideInput(input: DecideInput): void {
  if (typeof input !== 'object' || input === null) {
    throw new InvalidInputError({ message: 'A decision must be an object.' });
  }
  assertId(input.org, 'org');
  assertId(input.confirmationId, 'confirmationId');
  if (!DECISIONS.includes(input.decision)) {
    throw new InvalidInputError({ message: '`decision` must be approve or reject.', details: { field: 'decision' } });
  }
  if (input.reason !== undefined) assertText(input.reason, 'reason');
  const { principal } = input;
  if (typeof principal !== 'object' || principal === null) {
    throw new InvalidInputError({ message: 'A decision needs a principal.', details: { field: 'principal' } });
  }
  assertId(principal.id, 'principal.id');
  assertId(principal.org, 'principal.org');
  if (!Array.isArray(principal.roles) || !principal.roles.every((role) => typeof role === 'string')) {
    throw new InvalidInputError({
      message: '`principal.roles` must be a list of strings.',
      details: { field: 'principal.roles' },
    });
  }
}
