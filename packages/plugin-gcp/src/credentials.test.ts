import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { authClientForKey, createAuthCache, serviceAccountKeyFromSecret } from './credentials.js';

const { privateKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});
const KEY = {
  type: 'service_account',
  project_id: 'acme-prod',
  private_key_id: 'abc123',
  private_key: privateKey,
  client_email: 'reader@acme-prod.iam.gserviceaccount.com',
  token_uri: 'https://oauth2.googleapis.com/token',
};

function caught(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('serviceAccountKeyFromSecret', () => {
  it('reads a key file stored field by field, or as JSON text in key_json or value', () => {
    const expected = {
      clientEmail: KEY.client_email,
      privateKey,
      privateKeyId: 'abc123',
      projectId: 'acme-prod',
    };
    expect(serviceAccountKeyFromSecret(KEY)).toEqual(expected);
    expect(serviceAccountKeyFromSecret({ key_json: JSON.stringify(KEY) })).toEqual(expected);
    expect(serviceAccountKeyFromSecret({ value: JSON.stringify(KEY) })).toEqual(expected);
  });

  it('keeps a non-default token_uri (https, or http on loopback) and refuses others', () => {
    expect(serviceAccountKeyFromSecret({ ...KEY, token_uri: 'http://127.0.0.1:9/token' }).tokenUri).toBe(
      'http://127.0.0.1:9/token',
    );
    expect(caught(() => serviceAccountKeyFromSecret({ ...KEY, token_uri: 'http://evil.example/token' }))).toMatchObject(
      {
        code: 'CONFIGURATION_ERROR',
        details: { slot: 'gcp', fields: ['token_uri'] },
      },
    );
  });

  it('names the missing fields, never the values', () => {
    const error = caught(() => serviceAccountKeyFromSecret({ private_key: 'never-shown-value' }));
    expect(error).toMatchObject({ code: 'CONFIGURATION_ERROR', details: { slot: 'gcp', fields: ['client_email'] } });
    expect(JSON.stringify(error)).not.toContain('never-shown-value');
    expect((error as Error).message).not.toContain('never-shown-value');
    expect(() => serviceAccountKeyFromSecret({})).toThrowError(/missing: client_email, private_key/);
  });

  it('refuses a private_key that is not a PEM key, and a user credential', () => {
    const bad = caught(() => serviceAccountKeyFromSecret({ ...KEY, private_key: 'pasted-secret-garbage' }));
    expect(bad).toMatchObject({ code: 'CONFIGURATION_ERROR', details: { fields: ['private_key'] } });
    expect((bad as Error).message).not.toContain('pasted-secret-garbage');
    expect(caught(() => serviceAccountKeyFromSecret({ ...KEY, type: 'authorized_user' }))).toMatchObject({
      details: { fields: ['type'] },
    });
    expect(caught(() => serviceAccountKeyFromSecret({ key_json: '{not json: secret-bit' }))).toMatchObject({
      code: 'CONFIGURATION_ERROR',
      details: { fields: ['key_json'] },
    });
    expect(
      (caught(() => serviceAccountKeyFromSecret({ key_json: '{not json: secret-bit' })) as Error).message,
    ).not.toContain('secret-bit');
  });
});

describe('authClientForKey', () => {
  it('keeps one client per org and key, keyed by a hash; the cache holds no key text', () => {
    const cache = createAuthCache(2);
    const key = serviceAccountKeyFromSecret(KEY);
    const a = authClientForKey(key, { cache, org: 'acme' });
    expect(authClientForKey(key, { cache, org: 'acme' })).toBe(a);
    expect(authClientForKey(key, { cache, org: 'other' })).not.toBe(a);
    expect([...cache.entries.keys()].every((hash) => /^[0-9a-f]{64}$/.test(hash))).toBe(true);
    authClientForKey({ ...key, privateKeyId: 'rotated' }, { cache, org: 'acme' });
    expect(cache.entries.size).toBe(2);
    expect(authClientForKey(key, { cache, org: 'acme' })).not.toBe(a);
  });
});
