import { describe, expect, it } from 'vitest';
import { createSecretRedactor, REDACTED } from './redactor.js';

const secret = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCY';

describe('createSecretRedactor', () => {
  it('scrubs the plain, base64, base64url, URL-encoded and JSON-escaped forms', () => {
    const redactor = createSecretRedactor();
    expect(redactor.learn(secret)).toBeGreaterThan(3);
    const forms = [
      secret,
      Buffer.from(secret).toString('base64'),
      Buffer.from(secret).toString('base64url'),
      encodeURIComponent(secret),
      JSON.stringify({ v: secret }),
    ];
    for (const form of forms) {
      const text = `before ${form} after`;
      const out = redactor.redact(text);
      expect(out, form).toContain(REDACTED);
      expect(out).not.toContain(secret);
      expect(out.startsWith('before ')).toBe(true);
      expect(out.endsWith(' after')).toBe(true);
    }
  });

  it('finds a value inside a longer base64 string at every byte offset (Basic auth)', () => {
    const redactor = createSecretRedactor();
    redactor.learn(secret);
    for (const user of ['a', 'ab', 'abc', 'admin']) {
      const header = `Authorization: Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`;
      const out = redactor.redact(header);
      expect(out, user).toContain(REDACTED);
      // What is left cannot decode back to the secret.
      const leftover = out.replace('Authorization: Basic ', '').replace(REDACTED, '');
      expect(Buffer.from(leftover, 'base64').toString('utf8')).not.toContain(secret.slice(0, 8));
    }
  });

  it('scrubs nested objects, arrays, maps, keys, errors and cycles without mutating the input', () => {
    const redactor = createSecretRedactor();
    redactor.learn({ key: secret, short: 'abc' });
    const input: Record<string, unknown> = {
      a: [`x ${secret}`, 1, null, { deep: secret }],
      [secret]: 'as key',
      map: new Map([['k', secret]]),
      error: new Error(`failed with ${secret}`),
      date: new Date(0),
      bytes: Buffer.from(`token=${secret}`),
    };
    input.self = input;
    const out = redactor.redactDeep(input);
    const visited = new Set<unknown>();
    const text = JSON.stringify(out, (_key, value: unknown) => {
      if (typeof value === 'object' && value !== null) {
        if (visited.has(value)) return '[cycle]';
        visited.add(value);
      }
      return value instanceof Map ? [...value] : value instanceof Error ? value.message : value;
    });
    expect(text).not.toContain(secret);
    expect(text).toContain(REDACTED);
    expect(out.self).toBe(out);
    expect((input.a as string[])[0]).toBe(`x ${secret}`);
    expect((out as { date: Date }).date).toEqual(new Date(0));
    expect(Buffer.from((out as { bytes: Buffer }).bytes).toString()).toBe(`token=${REDACTED}`);
  });

  it('ignores values shorter than minLength, so ordinary words survive', () => {
    const redactor = createSecretRedactor({ minLength: 8 });
    expect(redactor.learn('true')).toBe(0);
    expect(redactor.redact('true story')).toBe('true story');
    expect(redactor.contains('true')).toBe(false);
    redactor.learn('longer-secret');
    expect(redactor.contains('a longer-secret b')).toBe(true);
  });

  it('prefers the longest match', () => {
    const redactor = createSecretRedactor();
    redactor.learn('abcdef');
    redactor.learn('abcdefghij');
    expect(redactor.redact('xx abcdefghij yy')).toBe(`xx ${REDACTED} yy`);
  });
});
