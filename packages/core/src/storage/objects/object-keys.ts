import { InvalidInputError } from '../../errors/errors.js';

const MAX_KEY_BYTES = 1024;

/** Why `key` is not a valid object key, or undefined. Keys are never secret; only the reason is reported. */
export function objectKeyProblem(key: string, { prefix = false } = {}): string | undefined {
  if (typeof key !== 'string') return 'not a string';
  if (key.length === 0) return prefix ? undefined : 'empty';
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) return `longer than ${MAX_KEY_BYTES} bytes`;
  if (key.startsWith('/')) return 'starts with /';
  if (key.includes('\\')) return 'contains a backslash';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(key)) return 'contains a control character';
  const segments = key.split('/');
  // A prefix may end with "/" (the last segment is then empty).
  const checked = prefix && key.endsWith('/') ? segments.slice(0, -1) : segments;
  if (!prefix && key.endsWith('/')) return 'ends with /';
  for (const segment of checked) {
    if (segment === '') return 'has an empty segment (//)';
    if (segment === '.' || segment === '..') return 'has a . or .. segment';
  }
  return undefined;
}

/**
 * Throws `InvalidInputError` unless `key` is a relative `/`-separated path: not empty, at
 * most 1024 bytes, no leading `/`, no backslash, no `.`/`..`/empty segments, no control
 * characters.
 */
export function validateObjectKey(key: string): void {
  const problem = objectKeyProblem(key);
  if (problem !== undefined) {
    throw new InvalidInputError({ message: `Invalid object key: ${problem}.`, details: { reason: problem } });
  }
}

/** As `validateObjectKey`, for a list prefix: may be empty or end with `/`. */
export function validateObjectPrefix(prefix: string): void {
  const problem = objectKeyProblem(prefix, { prefix: true });
  if (problem !== undefined) {
    throw new InvalidInputError({ message: `Invalid object prefix: ${problem}.`, details: { reason: problem } });
  }
}

/** Checks user metadata: lower-case ASCII keys `[a-z0-9-]{1,64}`, string values, 2 KiB in all. */
export function validateObjectMetadata(metadata: Readonly<Record<string, string>> | undefined): void {
  if (metadata === undefined) return;
  let size = 0;
  for (const [name, value] of Object.entries(metadata)) {
    if (!/^[a-z0-9][a-z0-9-]{0,63}$/.test(name) || typeof value !== 'string') {
      throw new InvalidInputError({
        message: 'Object metadata keys match [a-z0-9][a-z0-9-]{0,63} and values are strings.',
        details: { reason: 'metadata' },
      });
    }
    size += name.length + Buffer.byteLength(value, 'utf8');
  }
  if (size > 2048) {
    throw new InvalidInputError({ message: 'Object metadata exceeds 2 KiB.', details: { reason: 'metadata size' } });
  }
}

/** Page size for `list`: 1–1000, default 1000. */
export function validateListLimit(limit: number | undefined): number {
  const value = limit ?? 1000;
  if (!Number.isInteger(value) || value < 1 || value > 1000) {
    throw new InvalidInputError({ message: 'list limit is an integer 1–1000.', details: { reason: 'limit' } });
  }
  return value;
}
