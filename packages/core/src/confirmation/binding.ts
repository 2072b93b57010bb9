import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { ConfigurationError } from '../errors/errors.js';
import { canonicalJson } from './canonical-json.js';
import type { PendingCall } from './confirmation.js';

/** The shortest accepted HMAC key, in bytes. */
export const MIN_KEY_BYTES = 32;

/** The fields a binding covers: change any of them and the binding changes. */
export type BindingInput = Pick<PendingCall, 'runId' | 'toolCallId' | 'tool' | 'arguments'>;

/** The key as bytes; a `ConfigurationError` (never quoting it) when shorter than 32 bytes. */
export function normalizeKey(key: Uint8Array | string): Buffer {
  const bytes =
    typeof key === 'string' ? Buffer.from(key, 'utf8') : key instanceof Uint8Array ? Buffer.from(key) : undefined;
  if (bytes === undefined || bytes.length < MIN_KEY_BYTES) {
    throw new ConfigurationError({
      message: `The confirmation key must be a string or Uint8Array of at least ${MIN_KEY_BYTES} bytes.`,
      details: { setting: 'key', minBytes: MIN_KEY_BYTES },
    });
  }
  return bytes;
}

const hmac = (key: Uint8Array, text: string): string => createHmac('sha256', key).update(text).digest('base64url');

/**
 * The binding: HMAC-SHA-256 (base64url) under `key` of the canonical JSON of
 * `[runId, toolCallId, tool, arguments]`. Keyed, so it cannot be guessed from candidate
 * argument values by anyone reading the database or the audit log.
 */
export function computeBinding(key: Uint8Array, input: BindingInput): string {
  return hmac(key, canonicalJson([input.runId, input.toolCallId, input.tool, input.arguments]));
}

/** The approval token `<id>.<mac>`, mac = HMAC(key, `<id>|<binding>|approved`). */
export function approvalToken(key: Uint8Array, id: string, binding: string): string {
  return `${id}.${hmac(key, `${id}|${binding}|approved`)}`;
}

/** What is stored instead of the token: SHA-256 (base64url) of it. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('base64url');
}

/** The confirmation id a token names, or `undefined` when it is not shaped `<id>.<mac>`. */
export function tokenId(token: string): string | undefined {
  if (typeof token !== 'string' || token.length > 512) return undefined;
  const dot = token.lastIndexOf('.');
  if (dot <= 0 || dot === token.length - 1) return undefined;
  return token.slice(0, dot);
}

/** Constant-time equality of two strings (different lengths are unequal, and leak only that). */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Whether `token` is the approval token of (`id`, `binding`) and hashes to `storedHash`. */
export function verifyToken(
  key: Uint8Array,
  token: string,
  expected: { readonly id: string; readonly binding: string; readonly tokenHash: string | null },
): boolean {
  if (expected.tokenHash === null || tokenId(token) !== expected.id) return false;
  const macOk = safeEqual(token, approvalToken(key, expected.id, expected.binding));
  const hashOk = safeEqual(hashToken(token), expected.tokenHash);
  return macOk && hashOk;
}
