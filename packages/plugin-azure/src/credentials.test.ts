import { ClientSecretCredential } from '@azure/identity';
import { describe, expect, it } from 'vitest';
import { azureCredentialFromSecret, createCredentialCache } from './credentials.js';

const PRINCIPAL = {
  tenant_id: '72f988bf-86f1-41af-91ab-2d7cd011db47',
  client_id: '00000000-1111-4222-8333-444444444444',
  client_secret: 'never-shown-value',
};

describe('azureCredentialFromSecret', () => {
  it('builds a ClientSecretCredential and reads the default subscription', () => {
    const resolved = azureCredentialFromSecret({
      ...PRINCIPAL,
      subscription_id: '00000000-0000-4000-8000-00000000abcd',
    });
    expect(resolved.credential).toBeInstanceOf(ClientSecretCredential);
    expect(resolved).toMatchObject({
      subscriptionId: '00000000-0000-4000-8000-00000000abcd',
      source: 'service-principal',
    });
  });

  it('accepts the camelCase spellings', () => {
    const resolved = azureCredentialFromSecret({
      tenantId: PRINCIPAL.tenant_id,
      clientId: PRINCIPAL.client_id,
      clientSecret: PRINCIPAL.client_secret,
    });
    expect(resolved.credential).toBeInstanceOf(ClientSecretCredential);
  });

  it('names the missing fields, never the values', () => {
    let caught: unknown;
    try {
      azureCredentialFromSecret({ client_secret: 'never-shown-value' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({
      code: 'CONFIGURATION_ERROR',
      details: { slot: 'azure', fields: ['tenant_id', 'client_id'] },
    });
    expect(JSON.stringify(caught)).not.toContain('never-shown-value');
    expect((caught as Error).message).not.toContain('never-shown-value');
    expect(() => azureCredentialFromSecret({})).toThrowError(/missing: tenant_id, client_id, client_secret/);
  });

  it('refuses a client_id or subscription_id that is not a GUID', () => {
    expect(() => azureCredentialFromSecret({ ...PRINCIPAL, client_id: 'my-app' })).toThrowError(
      expect.objectContaining({
        code: 'CONFIGURATION_ERROR',
        details: { slot: 'azure', fields: ['client_id'] },
      }) as Error,
    );
    expect(() => azureCredentialFromSecret({ ...PRINCIPAL, subscription_id: 'prod' })).toThrowError(/subscription_id/);
  });

  it('keeps one credential per org and principal, keyed by a hash (no plaintext in the cache)', () => {
    const cache = createCredentialCache(2);
    const a = azureCredentialFromSecret(PRINCIPAL, { cache, org: 'acme' });
    expect(azureCredentialFromSecret(PRINCIPAL, { cache, org: 'acme' }).credential).toBe(a.credential);
    expect(azureCredentialFromSecret(PRINCIPAL, { cache, org: 'other' }).credential).not.toBe(a.credential);
    azureCredentialFromSecret({ ...PRINCIPAL, client_secret: 'rotated' }, { cache, org: 'acme' });
    expect(cache.entries.size).toBe(2);
    for (const key of cache.entries.keys()) {
      expect(key).toMatch(/^[0-9a-f]{64}$/);
      expect(key).not.toContain('never-shown-value');
    }
  });
});
