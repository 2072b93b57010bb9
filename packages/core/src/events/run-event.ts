import { z } from 'zod';
import { ERROR_CODES } from '../errors/codes.js';
import { RISKS } from '../confirmation/risk.js';

/**
 * Everything a run emits, as one zod schema: the WebSocket and SSE endpoints, the UI and
 * any client validate against it. Types follow `<noun>.<past-participle>`; `error` keeps the
 * shape `AuroraError.toStreamEvent()` has always produced. Every event carries the run, the
 * session and a sequence number that increases by one per event within a run, so a client
 * that reconnects can ask for everything after the last `seq` it saw.
 */
const base = {
  runId: z.string().min(1),
  sessionId: z.string().min(1),
  /** 1, 2, 3, … within a run. */
  seq: z.number().int().positive(),
  /** ISO-8601 time the event was emitted. */
  at: z.string().datetime({ offset: true }),
};

const risk = z.enum(RISKS as [string, ...string[]]);
const json = z.record(z.string(), z.unknown());

export const serializedErrorSchema = z.object({
  name: z.string(),
  code: z.enum(ERROR_CODES as [string, ...string[]]),
  message: z.string(),
  retryable: z.boolean(),
  details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.string())])),
  docs: z.string(),
});

export const usageSchema = z.object({
  inputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
  /** US dollars from the configured price table; absent when the model has no price. */
  costUsd: z.number().nonnegative().optional(),
});

export const runStatusSchema = z.enum([
  /** The model gave a final answer. */
  'completed',
  /** Waiting for a confirmation; `run.resume` or a confirmation response continues it. */
  'paused',
  'cancelled',
  'failed',
  /** A budget (steps, tokens, wall time, cost) ran out: `summary` says what was found. */
  'budget-exceeded',
  /** The same tool call repeated without progress: `summary` says what was found. */
  'loop-detected',
]);

export const runEventSchema = z.discriminatedUnion('type', [
  z.object({
    ...base,
    type: z.literal('run.started'),
    org: z.string(),
    user: z.string().optional(),
    model: z.string(),
    /** Set when the run continues an earlier one (after a confirmation or a restart). */
    resumed: z.boolean().optional(),
  }),
  z.object({ ...base, type: z.literal('token.streamed'), text: z.string() }),
  /** Reasoning shown to the operator (background RCA narrates its steps this way). */
  z.object({ ...base, type: z.literal('thought.recorded'), text: z.string() }),
  z.object({
    ...base,
    type: z.literal('tool-call.started'),
    toolCallId: z.string(),
    tool: z.string(),
    plugin: z.string(),
    arguments: json,
    risk,
  }),
  z.object({
    ...base,
    type: z.literal('tool-call.progressed'),
    toolCallId: z.string(),
    progress: z.number(),
    total: z.number().optional(),
    message: z.string().optional(),
  }),
  z.object({
    ...base,
    type: z.literal('tool-call.finished'),
    toolCallId: z.string(),
    tool: z.string(),
    ok: z.boolean(),
    /** What the model sees (redacted, cut to the result budget). */
    result: z.string(),
    /** Present when the result was cut: the whole result is kept and can be paged. */
    truncated: z.object({ handle: z.string(), totalChars: z.number().int() }).optional(),
    error: serializedErrorSchema.optional(),
    durationMs: z.number().nonnegative(),
  }),
  z.object({
    ...base,
    type: z.literal('confirmation.requested'),
    confirmationId: z.string(),
    toolCallId: z.string(),
    tool: z.string(),
    plugin: z.string(),
    /** Exactly the arguments that will run if approved. */
    arguments: json,
    summary: z.string(),
    risk,
    expiresAt: z.string().datetime({ offset: true }),
    /** `risk`: the tool's risk needs approval; `policy`: an org rule asks; `elicitation`: the plugin asked. */
    reason: z.enum(['risk', 'policy', 'elicitation']),
  }),
  z.object({
    ...base,
    type: z.literal('confirmation.resolved'),
    confirmationId: z.string(),
    toolCallId: z.string(),
    decision: z.enum(['approved', 'rejected', 'expired', 'cancelled']),
    by: z.string().optional(),
    reason: z.string().optional(),
  }),
  z.object({ ...base, type: z.literal('usage.recorded'), model: z.string(), ...usageSchema.shape }),
  z.object({ ...base, type: z.literal('message.completed'), text: z.string() }),
  z.object({ ...base, type: z.literal('error'), error: serializedErrorSchema }),
  z.object({
    ...base,
    type: z.literal('run.finished'),
    status: runStatusSchema,
    /** For budget-exceeded, loop-detected and failed runs: what was found so far. */
    summary: z.string().optional(),
    usage: usageSchema,
    steps: z.number().int().nonnegative(),
  }),
]);

export type RunEvent = z.infer<typeof runEventSchema>;
export type RunEventType = RunEvent['type'];
export type RunStatus = z.infer<typeof runStatusSchema>;
export type Usage = z.infer<typeof usageSchema>;
/** An event of one type: `RunEventOf<'token.streamed'>`. */
export type RunEventOf<T extends RunEventType> = Extract<RunEvent, { type: T }>;
/** What an emitter supplies; the stream adds `runId`, `sessionId`, `seq` and `at`. */
export type RunEventBody = RunEvent extends infer E
  ? E extends RunEvent
    ? Omit<E, 'runId' | 'sessionId' | 'seq' | 'at'>
    : never
  : never;

export const RUN_EVENT_TYPES: readonly RunEventType[] = runEventSchema.options.map(
  (option): RunEventType => option.shape.type.value,
);
