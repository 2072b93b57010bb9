/**
 * The SecretStore conformance suite against the local encrypted store and the Vault
 * adapter. Vault: a real server when AURORA_TEST_VAULT_ADDR and AURORA_TEST_VAULT_TOKEN
 * are set, otherwise the local server in support/fake-vault-server.ts, which implements
 * the documented KV v2 and AppRole HTTP API.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConnectionLostError,
  ForbiddenError,
  NotFoundError,
  UpstreamError,
  createLocalSecretStore,
  createSecretResolver,
} from '../src/index.js';
import { createVaultSecretStore } from '../src/storage/vault/index.js';
import { describeSecretStoreConformance } from '../src/testing/index.js';
import { startFakeVault, type FakeVault } from './support/fake-vault-server.js';

const realVault = process.env.AURORA_TEST_VAULT_ADDR;
const realToken = process.env.AURORA_TEST_VAULT_TOKEN;
const realMount = process.env.AURORA_TEST_VAULT_MOUNT ?? 'secret';

const directories = new Map<object, string>();
describeSecretStoreConformance('local encrypted files', {
  async create() {
    const directory = await mkdtemp(join(tmpdir(), 'aurora-secrets-'));
    const store = createLocalSecretStore({ directory });
    directories.set(store, directory);
    return store;
  },
  createSibling(store) {
    return Promise.resolve(createLocalSecretStore({ directory: directories.get(store)! }));
  },
  async destroy(store) {
    const directory = directories.get(store);
    directories.delete(store);
    // The sibling shares the directory; the first destroy removes it.
    if (directory !== undefined && ![...directories.values()].includes(directory)) {
      await rm(directory, { recursive: true, force: true });
    }
  },
});

let fake: FakeVault | undefined;
const vaultTarget = async (): Promise<{ endpoint: string; token: string }> => {
  if (realVault !== undefined && realToken !== undefined) return { endpoint: realVault, token: realToken };
  fake ??= await startFakeVault({ mount: realMount });
  return { endpoint: fake.url, token: fake.rootToken };
};
afterAll(async () => {
  await fake?.stop();
});

describeSecretStoreConformance(realVault === undefined ? 'Vault KV v2 (local fake server)' : 'Vault KV v2 (real)', {
  async create() {
    const { endpoint, token } = await vaultTarget();
    return createVaultSecretStore({ endpoint, auth: { token }, mount: realMount, retryDelayMs: 10 });
  },
  async createSibling() {
    const { endpoint, token } = await vaultTarget();
    return createVaultSecretStore({ endpoint, auth: { token }, mount: realMount, retryDelayMs: 10 });
  },
  destroy: (store) => store.close?.() ?? Promise.resolve(),
});

describe.skipIf(realVault !== undefined)('Vault adapter against the local KV v2 server (protocol details)', () => {
  let vault: FakeVault;
  const prefix = `t${randomBytes(3).toString('hex')}`;
  beforeAll(async () => {
    vault = await startFakeVault();
  });
  afterAll(async () => {
    await vault.stop();
  });

  it('sends the token, the namespace and KV v2 paths', async () => {
    const store = createVaultSecretStore({
      endpoint: vault.url,
      auth: { token: vault.rootToken },
      namespace: 'team-a',
    });
    await store.put(`${prefix}/orgs/acme/aws`, { key: 'ns-value' });
    const write = vault.requests.find((request) => request.method === 'POST')!;
    expect(write.path).toBe(`/v1/secret/data/${prefix}/orgs/acme/aws`);
    expect(write.token).toBe(vault.rootToken);
    expect(write.namespace).toBe('team-a');
    expect(write.body).toEqual({ data: { key: 'ns-value' } });
    // Namespaces are isolated: the same path outside the namespace does not exist.
    const root = createVaultSecretStore({ endpoint: vault.url, auth: { token: vault.rootToken } });
    await expect(root.get(`${prefix}/orgs/acme/aws`)).rejects.toSatisfy(NotFoundError.isInstance);
    // The DESIGN form `<mount>/data/<path>` names the same secret.
    expect(await store.get(`secret/data/${prefix}/orgs/acme/aws`)).toEqual({ key: 'ns-value' });
  });

  it('logs in with AppRole, and again when the token expires', async () => {
    vault.addAppRole('role-1', 'secret-1');
    const store = createVaultSecretStore({
      endpoint: vault.url,
      auth: { appRole: { roleId: 'role-1', secretId: 'secret-1' } },
    });
    await store.put(`${prefix}/approle`, { v: 'approle-value' });
    vault.expireAppRoleTokens();
    expect(await store.get(`${prefix}/approle`)).toEqual({ v: 'approle-value' });
    const logins = vault.requests.filter((request) => request.path === '/v1/auth/approle/login');
    expect(logins).toHaveLength(2);
    const wrong = createVaultSecretStore({
      endpoint: vault.url,
      auth: { appRole: { roleId: 'role-1', secretId: 'not-the-secret-id' } },
      retries: 0,
    });
    const error = await wrong.get(`${prefix}/approle`).catch((thrown: unknown) => thrown);
    expect(JSON.stringify(error)).not.toContain('not-the-secret-id');
  });

  it('retries 503 and 429 with backoff, then gives up with a retryable UpstreamError', async () => {
    const store = createVaultSecretStore({
      endpoint: vault.url,
      auth: { token: vault.rootToken },
      retries: 3,
      retryDelayMs: 5,
    });
    await store.put(`${prefix}/retry`, { v: 'retry-value' });
    vault.failNext(2, 503);
    expect(await store.get(`${prefix}/retry`)).toEqual({ v: 'retry-value' });
    vault.failNext(1, 429);
    expect(await store.get(`${prefix}/retry`)).toEqual({ v: 'retry-value' });
    vault.failNext(10, 502);
    const error = await store.get(`${prefix}/retry`).catch((thrown: unknown) => thrown);
    expect(UpstreamError.isInstance(error)).toBe(true);
    expect((error as UpstreamError).retryable).toBe(true);
    vault.failNext(0, 500);
  });

  it('maps 403 to ForbiddenError and does not retry it', async () => {
    const readOnly = vault.addReadOnlyToken(`${prefix}/public/`);
    const store = createVaultSecretStore({ endpoint: vault.url, auth: { token: readOnly }, retryDelayMs: 5 });
    const before = vault.requests.length;
    const error = await store.put(`${prefix}/private/x`, { v: 'denied-value' }).catch((thrown: unknown) => thrown);
    expect(ForbiddenError.isInstance(error)).toBe(true);
    expect(vault.requests.length - before).toBe(1);
    expect(JSON.stringify(error)).not.toContain(readOnly);
    expect(String((error as Error).stack)).not.toContain(readOnly);
  });

  it('an unreachable Vault is a ConnectionLostError after the retries', async () => {
    const store = createVaultSecretStore({
      endpoint: 'http://127.0.0.1:1',
      auth: { token: 'never-sent-token' },
      retries: 1,
      retryDelayMs: 5,
    });
    const error = await store.get('x').catch((thrown: unknown) => thrown);
    expect(ConnectionLostError.isInstance(error)).toBe(true);
    expect(JSON.stringify(error)).not.toContain('never-sent-token');
  });

  it('resolves org references through the resolver', async () => {
    const store = createVaultSecretStore({ endpoint: vault.url, auth: { token: vault.rootToken } });
    await store.put(`${prefix}/aurora/orgs/acme/aws`, { secret_access_key: 'vault-acme-key' });
    const resolver = createSecretResolver({ stores: { vault: store } });
    expect(
      await resolver.resolve(`vault:secret/data/${prefix}/aurora/orgs/{org}/aws#secret_access_key`, { org: 'acme' }),
    ).toBe('vault-acme-key');
    await expect(
      resolver.resolve(`vault:secret/data/${prefix}/aurora/orgs/acme/aws`, { org: 'globex' }),
    ).rejects.toSatisfy(ForbiddenError.isInstance);
  });
});
