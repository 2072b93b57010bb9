import { describe, expect, it } from 'vitest';
import { awsCredentialsFromSecret, createRoleCache } from './credentials.js';

describe('awsCredentialsFromSecret', () => {
  it('builds a static key pair with session token and region', () => {
    expect(
      awsCredentialsFromSecret({
        access_key_id: 'AKIAX',
        secret_access_key: 's3cr3t',
        session_token: 'tok',
        region: 'eu-west-1',
      }),
    ).toEqual({
      credentials: { accessKeyId: 'AKIAX', secretAccessKey: 's3cr3t', sessionToken: 'tok' },
      region: 'eu-west-1',
      source: 'access-key',
    });
  });

  it('names the missing fields, never the values', () => {
    let caught: unknown;
    try {
      awsCredentialsFromSecret({ secret_access_key: 'never-shown-value' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ code: 'CONFIGURATION_ERROR', details: { slot: 'aws', fields: ['access_key_id'] } });
    expect(JSON.stringify(caught)).not.toContain('never-shown-value');
    expect((caught as Error).message).not.toContain('never-shown-value');
    expect(() => awsCredentialsFromSecret({})).toThrowError(/missing: access_key_id, secret_access_key/);
  });

  it('refuses a role_arn that is not an IAM role ARN', () => {
    expect(() => awsCredentialsFromSecret({ role_arn: 'arn:aws:iam::123:user/bob' })).toThrowError(
      expect.objectContaining({ code: 'CONFIGURATION_ERROR', details: { slot: 'aws', fields: ['role_arn'] } }) as Error,
    );
  });

  it('keeps one assumed-role provider per org, role and external id', () => {
    const roleCache = createRoleCache(2);
    const secret = { role_arn: 'arn:aws:iam::123456789012:role/ro', external_id: 'x' };
    const a = awsCredentialsFromSecret(secret, { roleCache, org: 'acme' });
    expect(a.source).toBe('assume-role');
    expect(awsCredentialsFromSecret(secret, { roleCache, org: 'acme' }).credentials).toBe(a.credentials);
    expect(awsCredentialsFromSecret(secret, { roleCache, org: 'other' }).credentials).not.toBe(a.credentials);
    awsCredentialsFromSecret({ ...secret, external_id: 'y' }, { roleCache, org: 'acme' });
    expect(roleCache.entries.size).toBe(2);
  });
});
