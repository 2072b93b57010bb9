import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigurationError, ForbiddenError, InvalidSecretReferenceError, NotFoundError } from '../errors/errors.js';
import { createEnvSecretStore } from './env-secret-store.js';
import { createLocalSecretStore } from './local-secret-store.js';
import { createSecretResolver } from './resolver.js';
import type { SecretStore } from './secret-store.js';

/** Counts reads of the wrapped store. */
function counting(inner: SecretStore): SecretStore & { reads: number } {
  const wrapper = {
    ...inner,
    reads: 0,
    get(path: string) {
      wrapper.reads += 1;
      return inner.get(path);
    },
  };
  return wrapper;
}

describe('createSecretResolver', () => {
  let directory: string;
  let local: SecretStore & { reads: number };

  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'aurora-resolver-'));
    local = counting(createLocalSecretStore({ directory, key: Buffer.alloc(32, 7) }));
    await local.put('orgs/acme/aws', { access_key_id: 'AKIA-ACME', secret_access_key: 'acme-secret-value' });
    await local.put('orgs/globex/aws', { access_key_id: 'AKIA-GLOBEX', secret_access_key: 'globex-secret-value' });
    await local.put('orgs/acme/slack', { token: 'xoxb-acme-token' });
  });
  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('resolves a field for the calling org and teaches the redactor', async () => {
    const resolver = createSecretResolver({ stores: { local } });
    const value = await resolver.resolve('local:orgs/{org}/aws#secret_access_key', { org: 'acme' });
    expect(value).toBe('acme-secret-value');
    expect(resolver.redactor.redact('leak acme-secret-value here')).toBe('leak [REDACTED] here');
    expect(await resolver.resolve('local:orgs/{org}/slack', { org: 'acme' })).toBe('xoxb-acme-token');
    expect(await resolver.resolveAll('local:orgs/{org}/aws', { org: 'globex' })).toEqual({
      access_key_id: 'AKIA-GLOBEX',
      secret_access_key: 'globex-secret-value',
    });
  });

  it("refuses another org's secret, literal or by placeholder trickery", async () => {
    const resolver = createSecretResolver({ stores: { local } });
    for (const reference of [
      'local:orgs/globex/aws#secret_access_key',
      'local:orgs/{org}/../globex/aws',
      'local:shared/aws#secret_access_key',
      'local:orgs/{org}/orgs/globex/aws',
    ]) {
      const error = await resolver.resolve(reference, { org: 'acme' }).catch((thrown: unknown) => thrown);
      expect(
        ForbiddenError.isInstance(error) || InvalidSecretReferenceError.isInstance(error),
        `${reference}: ${String(error)}`,
      ).toBe(true);
    }
    expect(local.reads).toBe(0);
  });

  it('caches plaintext for the TTL, shares concurrent reads and drops failures', async () => {
    let clock = 0;
    const resolver = createSecretResolver({ stores: { local }, ttlMs: 1000, now: () => clock });
    const reference = 'local:orgs/{org}/aws#access_key_id';
    await Promise.all([1, 2, 3].map(() => resolver.resolve(reference, { org: 'acme' })));
    expect(local.reads).toBe(1);
    clock = 999;
    await resolver.resolve(reference, { org: 'acme' });
    expect(local.reads).toBe(1);
    clock = 1001;
    await resolver.resolve(reference, { org: 'acme' });
    expect(local.reads).toBe(2);
    resolver.invalidate(reference, { org: 'acme' });
    await resolver.resolve(reference, { org: 'acme' });
    expect(local.reads).toBe(3);

    await expect(resolver.resolve('local:orgs/{org}/none', { org: 'acme' })).rejects.toSatisfy(
      NotFoundError.isInstance,
    );
    await local.put('orgs/acme/none', { v: 'now-present' });
    expect(await resolver.resolve('local:orgs/{org}/none', { org: 'acme' })).toBe('now-present');
  });

  it('names a missing field or an ambiguous secret without printing values', async () => {
    const resolver = createSecretResolver({ stores: { local } });
    const missing = await resolver.resolve('local:orgs/{org}/aws#nope', { org: 'acme' }).catch((e: unknown) => e);
    expect(InvalidSecretReferenceError.isInstance(missing)).toBe(true);
    expect(String(missing)).toContain('access_key_id, secret_access_key');
    const ambiguous = await resolver.resolve('local:orgs/{org}/aws', { org: 'acme' }).catch((e: unknown) => e);
    expect(String(ambiguous)).toMatch(/2 fields/);
    expect(JSON.stringify(ambiguous)).not.toContain('acme-secret-value');
  });

  it('keeps env references for the deployment unless allowed', async () => {
    const env = createEnvSecretStore({ env: { AURORA_SLACK_TOKEN: 'deploy-token-value', AURORA_SECRET_KEY: 'k' } });
    const closed = createSecretResolver({ stores: { local, env } });
    await expect(closed.resolve('env:AURORA_SLACK_TOKEN', { org: 'acme' })).rejects.toSatisfy(
      ForbiddenError.isInstance,
    );
    expect(await closed.resolveDeployment('env:AURORA_SLACK_TOKEN')).toBe('deploy-token-value');
    await expect(closed.resolveDeployment('env:AURORA_SECRET_KEY')).rejects.toSatisfy(ForbiddenError.isInstance);
    await expect(closed.resolveDeployment('local:orgs/{org}/aws#access_key_id')).rejects.toSatisfy(
      InvalidSecretReferenceError.isInstance,
    );
    const open = createSecretResolver({ stores: { env }, allowDeploymentSecrets: (org) => org === 'acme' });
    expect(await open.resolve('env:AURORA_SLACK_TOKEN', { org: 'acme' })).toBe('deploy-token-value');
    await expect(open.resolve('env:AURORA_SLACK_TOKEN', { org: 'globex' })).rejects.toSatisfy(
      ForbiddenError.isInstance,
    );
  });

  it('registers schemes once and rejects unknown ones', async () => {
    const resolver = createSecretResolver({ stores: { local } });
    await expect(resolver.resolve('vault:orgs/{org}/aws', { org: 'acme' })).rejects.toThrow(/Unknown secret scheme/);
    resolver.register('team', { store: local, scope: 'org' });
    expect(resolver.schemes).toEqual(['local', 'team']);
    expect(await resolver.resolve('team:orgs/{org}/slack', { org: 'acme' })).toBe('xoxb-acme-token');
    expect(() => resolver.register('team', local)).toThrow(ConfigurationError);
    expect(resolver.validate('local:orgs/{org}/aws#x', { org: 'acme' })).toEqual({
      scheme: 'local',
      path: 'orgs/{org}/aws',
      field: 'x',
    });
  });
});
