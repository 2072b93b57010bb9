import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../errors/errors.js';
import {
  approvalToken,
  computeBinding,
  hashToken,
  normalizeKey,
  safeEqual,
  tokenId,
  verifyToken,
  type BindingInput,
} from './binding.js';

const key = normalizeKey('k'.repeat(32));
const base: BindingInput = {
  runId: 'run-1',
  toolCallId: 'call-1',
  tool: 'aws__ec2_stop_instances',
  arguments: { instanceIds: ['i-1', 'i-2'], force: false, tags: { env: 'prod', team: 'a' } },
};

describe('normalizeKey', () => {
  it('accepts 32-byte strings and Uint8Arrays', () => {
    expect(normalizeKey('x'.repeat(32))).toHaveLength(32);
    expect(normalizeKey(new Uint8Array(48))).toHaveLength(48);
  });

  it('rejects a short key with a ConfigurationError that does not quote it', () => {
    for (const short of ['short-key-value', new Uint8Array(31), 'é'.repeat(15)]) {
      let caught: unknown;
      try {
        normalizeKey(short);
      } catch (error) {
        caught = error;
      }
      expect(ConfigurationError.isInstance(caught)).toBe(true);
      expect(JSON.stringify((caught as ConfigurationError).toJSON())).not.toContain('short-key-value');
    }
    expect(() => normalizeKey(42 as unknown as string)).toThrow(ConfigurationError);
  });
});

describe('computeBinding', () => {
  const binding = computeBinding(key, base);

  it('is base64url HMAC-SHA-256 and ignores key order', () => {
    expect(binding).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const reordered = { tags: { team: 'a', env: 'prod' }, force: false, instanceIds: ['i-1', 'i-2'] };
    expect(computeBinding(key, { ...base, arguments: reordered })).toBe(binding);
  });

  const variants: [string, BindingInput][] = [
    ['runId', { ...base, runId: 'run-2' }],
    ['toolCallId', { ...base, toolCallId: 'call-2' }],
    ['tool', { ...base, tool: 'aws__ec2_terminate_instances' }],
    ['an argument value', { ...base, arguments: { ...base.arguments, force: true } }],
    ['array order', { ...base, arguments: { ...base.arguments, instanceIds: ['i-2', 'i-1'] } }],
    ['a nested value', { ...base, arguments: { ...base.arguments, tags: { env: 'dev', team: 'a' } } }],
    ['an added argument', { ...base, arguments: { ...base.arguments, dryRun: false } }],
    ['a removed argument', { ...base, arguments: { instanceIds: ['i-1', 'i-2'], force: false } }],
    ['a value type', { ...base, arguments: { ...base.arguments, force: 'false' } }],
    ['field boundaries', { ...base, runId: 'run-1","call-1', toolCallId: '' }],
  ];
  for (const [field, variant] of variants) {
    it(`changes with ${field}`, () => {
      expect(computeBinding(key, variant)).not.toBe(binding);
    });
  }

  it('changes with the key', () => {
    expect(computeBinding(normalizeKey('j'.repeat(32)), base)).not.toBe(binding);
  });
});

describe('approval tokens', () => {
  const binding = computeBinding(key, base);
  const token = approvalToken(key, 'cnf_1', binding);

  it('are <id>.<mac> with a 43-character base64url mac', () => {
    expect(token).toMatch(/^cnf_1\.[A-Za-z0-9_-]{43}$/);
    expect(tokenId(token)).toBe('cnf_1');
    expect(hashToken(token)).not.toContain(token);
    expect(hashToken(token)).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('verify only for the same id, binding, key and stored hash', () => {
    const expected = { id: 'cnf_1', binding, tokenHash: hashToken(token) };
    expect(verifyToken(key, token, expected)).toBe(true);
    const mac = token.slice('cnf_1.'.length);
    const flipped = `cnf_1.${mac[0] === 'A' ? 'B' : 'A'}${mac.slice(1)}`;
    expect(verifyToken(key, flipped, expected)).toBe(false);
    expect(verifyToken(key, token, { ...expected, id: 'cnf_2' })).toBe(false);
    expect(verifyToken(key, token, { ...expected, binding: computeBinding(key, { ...base, runId: 'x' }) })).toBe(false);
    expect(verifyToken(key, token, { ...expected, tokenHash: null })).toBe(false);
    expect(verifyToken(key, token, { ...expected, tokenHash: hashToken('other') })).toBe(false);
    expect(verifyToken(normalizeKey('j'.repeat(32)), token, expected)).toBe(false);
  });

  it('reject malformed tokens', () => {
    for (const bad of ['', 'nodot', '.mac', 'id.', 'x'.repeat(600)]) expect(tokenId(bad)).toBeUndefined();
  });

  it('compares in constant time without throwing on length differences', () => {
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('abc', 'abd')).toBe(false);
    expect(safeEqual('abc', 'abcd')).toBe(false);
  });
});
