import type { Redacting } from '../logging/logger.js';
import type { SecretValue } from './secret-store.js';

/** What replaces a secret in redacted text. */
export const REDACTED = '[REDACTED]';

export interface SecretRedactorOptions {
  /**
   * Values shorter than this are not learned: scrubbing `"on"` or `"1234"` would shred
   * ordinary text. Default 6.
   */
  readonly minLength?: number;
  /** Replacement text (default `[REDACTED]`). */
  readonly replacement?: string;
}

/** Scrubs every value it has learned from strings and nested values. */
export interface SecretRedactor extends Redacting {
  /** Teaches a value (or every field of a secret); returns how many new forms were learned. */
  learn(value: string | SecretValue): number;
  /** Scrubs every learned form from `text`. */
  redact(text: string): string;
  /** A deep copy of `value` with every string scrubbed (object keys too); handles cycles. */
  redactDeep<T>(value: T): T;
  /** True when `text` holds a learned form. */
  contains(text: string): boolean;
  /** Number of distinct forms learned. */
  readonly size: number;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function toUrlSafe(base64: string): string {
  return base64.replace(/\+/g, '-').replace(/\//g, '_');
}

/**
 * The base64 text of `bytes` as it appears inside a longer encoded string, for each of the
 * three alignments the value can have (an `Authorization: Basic` header encodes
 * `user:password`, so the password starts at any byte offset). Characters that mix bits
 * of neighbouring bytes are dropped; what remains can only come from the value.
 */
function base64Forms(bytes: Buffer): string[] {
  const forms: string[] = [];
  for (let offset = 0; offset < 3; offset += 1) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes])
      .toString('base64')
      .replace(/=+$/, '');
    const skip = [0, 2, 3][offset] ?? 0;
    const remainder = (offset + bytes.length) % 3;
    const core = encoded.slice(skip, remainder === 0 ? encoded.length : encoded.length - 1);
    if (core.length >= 8) forms.push(core);
  }
  // The standalone encoding, padding included, as most tools print it.
  forms.push(bytes.toString('base64'));
  return forms;
}

/** All the forms of one value the redactor scrubs. */
function formsOf(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  const forms = new Set<string>([value]);
  for (const form of base64Forms(bytes)) {
    forms.add(form);
    forms.add(toUrlSafe(form));
  }
  forms.add(encodeURIComponent(value));
  forms.add(encodeURIComponent(value).replace(/%20/g, '+'));
  // As it appears inside a JSON string (quotes, backslashes and control characters escaped).
  forms.add(JSON.stringify(value).slice(1, -1));
  return [...forms];
}

/** Creates a redactor. One per process (or per tenant-isolated worker) is the usual shape. */
export function createSecretRedactor(options: SecretRedactorOptions = {}): SecretRedactor {
  const minLength = options.minLength ?? 6;
  const replacement = options.replacement ?? REDACTED;
  const forms = new Set<string>();
  let pattern: RegExp | undefined;

  const compiled = (): RegExp | undefined => {
    if (pattern === undefined && forms.size > 0) {
      // Longest first, so a value's encoded form is not half-replaced by a shorter one.
      const alternatives = [...forms].sort((a, b) => b.length - a.length).map(escapeRegExp);
      pattern = new RegExp(alternatives.join('|'), 'g');
    }
    return pattern;
  };

  const learnOne = (value: string): number => {
    if (typeof value !== 'string' || value.length < minLength) return 0;
    let added = 0;
    for (const form of formsOf(value)) {
      if (form.length >= minLength && !forms.has(form)) {
        forms.add(form);
        added += 1;
      }
    }
    if (added > 0) pattern = undefined;
    return added;
  };

  const redact = (text: string): string => {
    const regex = compiled();
    if (regex === undefined || typeof text !== 'string' || text.length < minLength) return text;
    return text.replace(regex, replacement);
  };

  const redactDeep = <T>(value: T): T => {
    const seen = new WeakMap<object, unknown>();
    const walk = (input: unknown): unknown => {
      if (typeof input === 'string') return redact(input);
      if (typeof input !== 'object' || input === null) return input;
      if (seen.has(input)) return seen.get(input);
      if (input instanceof Date || input instanceof RegExp) return input;
      if (ArrayBuffer.isView(input)) {
        const text = Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('utf8');
        const scrubbed = redact(text);
        return scrubbed === text ? input : Buffer.from(scrubbed, 'utf8');
      }
      if (Array.isArray(input)) {
        const out: unknown[] = [];
        seen.set(input, out);
        for (const item of input) out.push(walk(item));
        return out;
      }
      if (input instanceof Map) {
        const out = new Map<unknown, unknown>();
        seen.set(input, out);
        for (const [key, item] of input) out.set(walk(key), walk(item));
        return out;
      }
      if (input instanceof Set) {
        const out = new Set<unknown>();
        seen.set(input, out);
        for (const item of input) out.add(walk(item));
        return out;
      }
      if (input instanceof Error) {
        const out = new Error(redact(input.message));
        out.name = input.name;
        if (input.stack !== undefined) out.stack = redact(input.stack);
        seen.set(input, out);
        for (const [key, item] of Object.entries(input)) (out as unknown as Record<string, unknown>)[key] = walk(item);
        return out;
      }
      const out: Record<string, unknown> = {};
      seen.set(input, out);
      for (const [key, item] of Object.entries(input)) out[redact(key)] = walk(item);
      return out;
    };
    return walk(value) as T;
  };

  return {
    learn(value) {
      if (typeof value === 'string') return learnOne(value);
      let added = 0;
      for (const field of Object.values(value)) added += learnOne(field);
      return added;
    },
    redact,
    redactDeep,
    contains(text) {
      const regex = compiled();
      if (regex === undefined) return false;
      regex.lastIndex = 0;
      const found = regex.test(text);
      regex.lastIndex = 0;
      return found;
    },
    get size() {
      return forms.size;
    },
  };
}
