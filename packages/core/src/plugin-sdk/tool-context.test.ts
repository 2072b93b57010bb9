import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors/errors.js';
import { AURORA_META, parseAuroraMeta } from './tool-context.js';

function invalid(meta: unknown): InvalidInputError {
  let caught: unknown;
  try {
    parseAuroraMeta(meta);
  } catch (error) {
    caught = error;
  }
  expect(InvalidInputError.isInstance(caught), String(caught)).toBe(true);
  return caught as InvalidInputError;
}

describe('parseAuroraMeta', () => {
  it('reads every aurora/* key and ignores the rest', () => {
    expect(
      parseAuroraMeta({
        progressToken: 7,
        'other/key': { x: 1 },
        'aurora/org': 'acme',
        'aurora/user': 'u-1',
        'aurora/session': 's-1',
        'aurora/runId': 'r-1',
        'aurora/toolCallId': 'call-1',
        'aurora/credentials': { aws: 'local:orgs/{org}/aws' },
      }),
    ).toEqual({
      org: 'acme',
      user: 'u-1',
      session: 's-1',
      runId: 'r-1',
      toolCallId: 'call-1',
      credentials: { aws: 'local:orgs/{org}/aws' },
    });
  });

  it('gives an empty reading for no _meta (a standalone client)', () => {
    expect(parseAuroraMeta(undefined)).toEqual({ credentials: {} });
    expect(parseAuroraMeta({ progressToken: 'p' })).toEqual({ credentials: {} });
  });

  it('names the bad key without quoting its value', () => {
    const secretish = 'AKIAVERYSECRETVALUE123';
    const error = invalid({ [AURORA_META.credentials]: { aws: 42, note: secretish } });
    expect(error.details.slot).toBe('aws');
    expect(JSON.stringify(error.toJSON())).not.toContain(secretish);
    expect(invalid({ [AURORA_META.user]: 12 }).details.field).toBe(AURORA_META.user);
    expect(invalid({ [AURORA_META.session]: 'x'.repeat(300) }).details.field).toBe(AURORA_META.session);
    expect(invalid({ [AURORA_META.credentials]: ['local:x'] }).details.field).toBe(AURORA_META.credentials);
    expect(invalid([1, 2]).details.field).toBe('_meta');
  });

  it('rejects an org id that is not [a-z0-9][a-z0-9_-]*', () => {
    expect(invalid({ [AURORA_META.org]: '../other-org' }).message).toContain('org id');
    expect(invalid({ [AURORA_META.org]: 'Acme' }).message).toContain('org id');
  });
});
