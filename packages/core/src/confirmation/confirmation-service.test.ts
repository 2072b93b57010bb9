import { describe, expect, it } from 'vitest';
import { ConfigurationError, InvalidInputError } from '../errors/errors.js';
import type { Database } from '../storage/database/database.js';
import { createMemoryAuditSink } from './audit-sink.js';
import type { PendingConfirmation, PolicyRule, Principal } from './confirmation.js';
import {
  createConfirmationService,
  defaultAuthorize,
  type ConfirmationServiceOptions,
} from './confirmation-service.js';

/** `evaluate` and option checks never touch the database. */
const database = { specificationVersion: 'v1' } as Database;
const base: ConfirmationServiceOptions = { database, key: 'x'.repeat(32), audit: createMemoryAuditSink() };

const configurationError = (options: Partial<ConfirmationServiceOptions>): ConfigurationError => {
  try {
    createConfirmationService({ ...base, ...options });
  } catch (error) {
    if (ConfigurationError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a ConfigurationError');
};

describe('createConfirmationService options', () => {
  it('refuses a key shorter than 32 bytes without quoting it', () => {
    const error = configurationError({ key: 'too-short-but-secret' });
    expect(error.details.setting).toBe('key');
    expect(JSON.stringify(error.toJSON())).not.toContain('too-short-but-secret');
    expect(configurationError({ key: new Uint8Array(16) }).details.setting).toBe('key');
  });

  it('names each bad setting', () => {
    expect(configurationError({ database: {} as Database }).details.setting).toBe('database');
    expect(configurationError({ audit: {} as ConfirmationServiceOptions['audit'] }).details.setting).toBe('audit');
    expect(configurationError({ ttlMs: 0 }).details.setting).toBe('ttlMs');
    expect(configurationError({ ttlMs: 1.5 }).details.setting).toBe('ttlMs');
    expect(configurationError({ authorize: 'yes' as never }).details.setting).toBe('authorize');
    expect(configurationError({ policy: [] as never }).details.setting).toBe('policy');
  });
});

describe('defaultAuthorize', () => {
  const confirmation = { org: 'acme' } as PendingConfirmation;
  const cases: [Principal, boolean][] = [
    [{ id: 'a', org: 'acme', roles: ['operator'] }, true],
    [{ id: 'a', org: 'acme', roles: ['viewer', 'admin'] }, true],
    [{ id: 'a', org: 'acme', roles: ['viewer'] }, false],
    [{ id: 'a', org: 'acme', roles: [] }, false],
    [{ id: 'a', org: 'other', roles: ['admin'] }, false],
  ];
  for (const [principal, expected] of cases) {
    it(`${principal.org}/${principal.roles.join(',') || 'no roles'} → ${expected}`, () => {
      expect(defaultAuthorize(principal, confirmation)).toBe(expected);
    });
  }
});

describe('evaluate', () => {
  const rules: Record<string, PolicyRule[]> = {
    acme: [{ tool: '*__delete_*', action: 'deny' }],
    beta: [{ tool: '*', when: { bad: '(' } }],
  };
  const service = createConfirmationService({ ...base, policy: (org) => Promise.resolve(rules[org] ?? []) });

  it('reads the org’s rules', async () => {
    expect(await service.evaluate('acme', 'aws__delete_bucket', 'destructive', {})).toEqual({
      risk: 'destructive',
      action: 'deny',
      rule: 0,
      reason: 'policy',
    });
    expect((await service.evaluate('other', 'aws__delete_bucket', 'destructive', {})).action).toBe('confirm');
    expect((await service.evaluate('other', 'aws__list_buckets', 'read', {})).action).toBe('run');
  });

  it('reports an invalid stored rule by index, and bad input as InvalidInputError', async () => {
    await expect(service.evaluate('beta', 'x', 'write', { bad: 1 })).rejects.toThrow(/Policy rule 0/);
    await expect(service.evaluate('acme', 'x', 'risky' as never, {})).rejects.toSatisfy(InvalidInputError.isInstance);
    await expect(service.evaluate('acme', 'x', 'read', null as never)).rejects.toSatisfy(InvalidInputError.isInstance);
    await expect(service.evaluate('', 'x', 'read', {})).rejects.toSatisfy(InvalidInputError.isInstance);
  });
});

describe('createMemoryAuditSink', () => {
  it('keeps entries in order and lists one org, newest first, with a cursor', async () => {
    const sink = createMemoryAuditSink();
    for (let index = 0; index < 5; index += 1) {
      await sink.write({ at: new Date(), org: index % 2 === 0 ? 'acme' : 'beta', action: `a${index}` });
    }
    expect(sink.entries.map((entry) => entry.action)).toEqual(['a0', 'a1', 'a2', 'a3', 'a4']);
    const page = await sink.list('acme', { limit: 2 });
    expect(page.map((entry) => entry.action)).toEqual(['a4', 'a2']);
    expect((await sink.list('acme', { before: page[1]!.id })).map((entry) => entry.action)).toEqual(['a0']);
    await expect(sink.list('acme', { limit: 0 })).rejects.toSatisfy(InvalidInputError.isInstance);
    await expect(sink.write({ at: new Date(), org: '', action: 'x' })).rejects.toSatisfy(InvalidInputError.isInstance);
  });
});
