import { describe, expect, it } from 'vitest';
import { InvalidSecretReferenceError } from '../errors/errors.js';
import { bindOrg, formatSecretReference, isSecretReference, parseSecretReference } from './secret-reference.js';

describe('parseSecretReference', () => {
  it.each([
    ['vault:kv/data/aurora/orgs/{org}/aws', { scheme: 'vault', path: 'kv/data/aurora/orgs/{org}/aws' }],
    ['local:orgs/{org}/gcp#key', { scheme: 'local', path: 'orgs/{org}/gcp', field: 'key' }],
    ['env:AWS_SECRET_ACCESS_KEY', { scheme: 'env', path: 'AWS_SECRET_ACCESS_KEY' }],
    ['my-scheme:a.b/c-d_e@f#field.name', { scheme: 'my-scheme', path: 'a.b/c-d_e@f', field: 'field.name' }],
  ])('parses %s', (text, expected) => {
    expect(parseSecretReference(text)).toEqual(expected);
    expect(formatSecretReference(parseSecretReference(text))).toBe(text);
    expect(isSecretReference(text)).toBe(true);
  });

  const secretLooking = 'AKIAIOSFODNN7EXAMPLE/wJalrXUtnFEMI K7MDENG';
  it.each([
    ['', 'empty'],
    ['no-colon', 'no scheme'],
    [':path', 'no scheme'],
    ['Vault:path', 'scheme'],
    ['1x:path', 'scheme'],
    ['local:', 'path is empty'],
    ['local:/abs', 'starts or ends'],
    ['local:a/', 'starts or ends'],
    ['local:a//b', 'empty segment'],
    ['local:a/../b', 'starts with a dot'],
    ['local:a/./b', 'starts with a dot'],
    ['local:a/b#', 'field'],
    ['local:a/b#x#y', 'field'],
    ['local:a b', 'whitespace'],
    ['local:a\u0000b', 'character'],
    [`local:${'a'.repeat(600)}`, 'longer'],
    [secretLooking, 'whitespace'],
  ])('rejects %j with a typed error that does not echo it', (text, reason) => {
    let thrown: unknown;
    try {
      parseSecretReference(text);
    } catch (error) {
      thrown = error;
    }
    expect(InvalidSecretReferenceError.isInstance(thrown)).toBe(true);
    const error = thrown as InvalidSecretReferenceError;
    expect(error.message).toContain(reason);
    expect(error.code).toBe('INVALID_SECRET_REFERENCE');
    if (text.length > 8) {
      expect(error.message).not.toContain(text);
      expect(JSON.stringify(error.toJSON())).not.toContain(text.slice(0, 12));
    }
    expect(isSecretReference(text)).toBe(false);
  });

  it('binds {org} only to a valid org id', () => {
    const reference = parseSecretReference('local:orgs/{org}/aws#key');
    expect(bindOrg(reference, 'acme')).toBe('orgs/acme/aws');
    expect(() => bindOrg(reference, '../evil')).toThrow(/org id/);
    expect(() => bindOrg(reference, 'Acme')).toThrow(/org id/);
  });
});
