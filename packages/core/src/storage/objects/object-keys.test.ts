import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../errors/errors.js';
import { objectKeyProblem, validateObjectKey, validateObjectMetadata, validateObjectPrefix } from './object-keys.js';

describe('object keys', () => {
  it.each(['a', 'a/b/c.txt', 'orgs/acme/kb/runbook v2.md', 'ünïcode/键', '.hidden', 'a..b', 'x'.repeat(1024)])(
    'accepts %j',
    (key) => {
      expect(objectKeyProblem(key)).toBeUndefined();
      expect(() => validateObjectKey(key)).not.toThrow();
    },
  );

  it.each([
    ['', 'empty'],
    ['/abs', 'starts with /'],
    ['a/../b', '. or ..'],
    ['..', '. or ..'],
    ['./a', '. or ..'],
    ['a//b', 'empty segment'],
    ['a/', 'ends with /'],
    ['a\\b', 'backslash'],
    ['a\u0000b', 'control'],
    ['a\u001fb', 'control'],
    ['a\u007fb', 'control'],
    ['é'.repeat(600), 'longer than 1024 bytes'],
  ])('rejects %j (%s)', (key, reason) => {
    expect(objectKeyProblem(key)).toContain(reason);
    expect(() => validateObjectKey(key)).toThrow(InvalidInputError);
  });

  it('prefixes may be empty or end with a slash, but not escape', () => {
    expect(() => validateObjectPrefix('')).not.toThrow();
    expect(() => validateObjectPrefix('logs/')).not.toThrow();
    expect(() => validateObjectPrefix('logs/2024')).not.toThrow();
    expect(() => validateObjectPrefix('../')).toThrow(InvalidInputError);
    expect(() => validateObjectPrefix('/')).toThrow(InvalidInputError);
  });

  it('metadata keys are lower-case and small', () => {
    expect(() => validateObjectMetadata({ 'org-id': 'acme' })).not.toThrow();
    expect(() => validateObjectMetadata({ Org: 'acme' })).toThrow(InvalidInputError);
    expect(() => validateObjectMetadata({ big: 'x'.repeat(3000) })).toThrow(InvalidInputError);
  });
});
