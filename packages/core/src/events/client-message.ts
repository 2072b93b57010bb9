import { z } from 'zod';
import type { ErrorStreamEvent } from '../errors/aurora-error.js';
import { InvalidInputError, PayloadTooLargeError } from '../errors/errors.js';
import { parseJson } from '../internal/json.js';

/**
 * What a client sends on the chat stream. Unknown types and malformed messages are answered
 * with a typed `error` event (`INVALID_INPUT`), never a crash; the offending text is not
 * echoed back.
 */
const id = z.string().min(1).max(200);

export const clientMessageSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('message.send'),
    /** Omitted: a new session. */
    sessionId: id.optional(),
    text: z.string().min(1).max(100_000),
    /** The client's own id, echoed nowhere but useful for de-duplicating retries. */
    clientMessageId: id.optional(),
  }),
  z.object({ type: z.literal('run.cancel'), runId: id }),
  z.object({
    type: z.literal('run.resume'),
    runId: id,
    /** Replay events with a larger `seq` (after a reconnect). Default 0: everything. */
    afterSeq: z.number().int().nonnegative().optional(),
  }),
  z.object({
    type: z.literal('confirmation.respond'),
    confirmationId: id,
    decision: z.enum(['approve', 'reject']),
    reason: z.string().max(2_000).optional(),
  }),
]);

export type ClientMessage = z.infer<typeof clientMessageSchema>;
export type ClientMessageType = ClientMessage['type'];

export const CLIENT_MESSAGE_TYPES: readonly ClientMessageType[] = clientMessageSchema.options.map(
  (option): ClientMessageType => option.shape.type.value,
);

export type ParsedClientMessage =
  { readonly ok: true; readonly message: ClientMessage } | { readonly ok: false; readonly error: ErrorStreamEvent };

/** Default largest frame accepted, in bytes of UTF-16 text (a chat message is ≤ 100k characters). */
export const MAX_CLIENT_MESSAGE_CHARS = 256 * 1024;

/**
 * Parses one client frame (text or already-decoded JSON). Never throws: a bad frame becomes
 * the `error` event to send back.
 */
export function parseClientMessage(frame: unknown, options: { readonly maxChars?: number } = {}): ParsedClientMessage {
  try {
    let value = frame;
    if (typeof frame === 'string') {
      const max = options.maxChars ?? MAX_CLIENT_MESSAGE_CHARS;
      if (frame.length > max)
        throw new PayloadTooLargeError({
          message: `The message is ${frame.length} characters; the limit is ${max}.`,
          details: { limit: max, size: frame.length },
        });
      value = parseJson(frame, 'The client message');
    }
    const type = typeof value === 'object' && value !== null ? (value as { type?: unknown }).type : undefined;
    if (typeof type !== 'string' || !(CLIENT_MESSAGE_TYPES as readonly string[]).includes(type)) {
      throw new InvalidInputError({
        message: `Unknown client message type; expected one of ${CLIENT_MESSAGE_TYPES.join(', ')}.`,
        details: { expected: CLIENT_MESSAGE_TYPES, ...(typeof type === 'string' ? { typeLength: type.length } : {}) },
      });
    }
    const parsed = clientMessageSchema.safeParse(value);
    if (!parsed.success) {
      const fields = [...new Set(parsed.error.issues.map((issue) => issue.path.join('.') || '(message)'))];
      throw new InvalidInputError({
        message: `Invalid ${type} message: check ${fields.join(', ')}.`,
        details: { type, fields },
      });
    }
    return { ok: true, message: parsed.data };
  } catch (error) {
    const typed = InvalidInputError.isInstance(error) || PayloadTooLargeError.isInstance(error);
    const aurora = typed ? error : new InvalidInputError({ message: 'The client message could not be read.' });
    return { ok: false, error: aurora.toStreamEvent() };
  }
}
