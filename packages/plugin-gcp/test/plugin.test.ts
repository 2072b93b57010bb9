/**
 * The GCP plugin served over Streamable HTTP (servePlugin) to a client without elicitation:
 * the standalone guard, read-only mode, and a service-account key that arrives as a secret
 * reference resolved through core's local secret store, against the fake GCP server.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createLocalSecretStore,
  createLogger,
  createSecretResolver,
  type LogRecord,
  type SecretResolver,
  type SecretStore,
} from '@aurora-ops/core';
import { servePlugin, type PluginServerOptions } from '@aurora-ops/core/plugin-sdk';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createGcpPlugin } from '../src/index.js';
import { apiError, fixture, json, startFakeGcp, type FakeGcp } from './support/fake-gcp.js';
import { createTestKey, type TestKey } from './support/keys.js';
import { connectHttp, errorOf, type McpHttpClient } from './support/mcp-http.js';

let gcp: FakeGcp;
let key: TestKey;
let untrusted: TestKey;
const open: { close(): Promise<void> }[] = [];
beforeAll(async () => {
  gcp = await startFakeGcp();
  key = createTestKey(gcp.tokenUrl, 'acme-prod', 'aurora-org-key');
  untrusted = createTestKey(gcp.tokenUrl, 'acme-prod', 'revoked-key');
  gcp.trust(key.publicKey);
});
afterAll(() => gcp.close());
beforeEach(() => gcp.reset());
afterEach(async () => {
  for (const item of open.splice(0).reverse()) await item.close();
});

async function serve(options: PluginServerOptions): Promise<McpHttpClient> {
  // Standalone credentials are ADC; these tests either never reach GCP or bring a key.
  const plugin = createGcpPlugin({ rootUrl: gcp.url, project: 'acme-prod' });
  const handle = await servePlugin(plugin, { transport: 'http' }, options);
  open.push(handle);
  const client = await connectHttp(handle.url!);
  open.push(client);
  return client;
}

describe('standalone guard', () => {
  it('refuses a destructive tool with CONFIRMATION_REQUIRED for a client without elicitation, and never calls GCP', async () => {
    const client = await serve({});
    const result = await client.callTool('compute_delete_instance', { zone: 'europe-west1-b', instance: 'web-1' });
    expect(result.isError).toBe(true);
    expect(errorOf(result).code).toBe('CONFIRMATION_REQUIRED');
    expect(gcp.requests).toHaveLength(0);
    expect(gcp.tokenRequests).toHaveLength(0);
  });

  it('declares projects_list as its connection test (what POST /connectors/gcp/test calls)', async () => {
    const client = await serve({ readOnly: true });
    const tools = (await client.listTools()) as { name: string; _meta?: Record<string, unknown> }[];
    expect(
      tools.filter((listed) => listed._meta?.['aurora/connectionTest'] === true).map((listed) => listed.name),
    ).toEqual(['projects_list']);
  });

  it('read-only mode lists only read tools', async () => {
    const client = await serve({ readOnly: true });
    const names = (await client.listTools()).map((tool) => tool.name);
    expect(names).toContain('compute_list_instances');
    expect(names).not.toContain('compute_stop_instance');
    expect(names).not.toContain('compute_delete_instance');
    expect(names).toHaveLength(16);
  });
});

describe('credentials from a secret reference', () => {
  let directory: string;
  let store: SecretStore;
  let resolver: SecretResolver;
  const logs: LogRecord[] = [];
  const meta = (secret: string) => ({
    'aurora/org': 'acme',
    'aurora/credentials': { gcp: `local:orgs/{org}/${secret}` },
  });
  /** A line out of the middle of the PEM: if any of the key leaks, this does. */
  const canary = () => key.secret.private_key!.split('\n')[5]!;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'plugin-gcp-secrets-'));
    store = createLocalSecretStore({ directory, key: randomBytes(32) });
    await store.put('orgs/acme/gcp', key.secret);
    await store.put('orgs/acme/gcp-json', { key_json: JSON.stringify(key.secret) });
    await store.put('orgs/acme/revoked', untrusted.secret);
    await store.put('orgs/acme/partial', { client_email: key.clientEmail });
    resolver = createSecretResolver({ stores: { local: store } });
  });
  afterAll(async () => {
    await store.close?.();
    await rm(directory, { recursive: true, force: true });
  });
  beforeEach(() => {
    logs.length = 0;
  });
  const server = () => serve({ resolver, confirmations: 'host', logger: createLogger((record) => logs.push(record)) });

  it('signs the JWT grant with the org key and sends its token; the key is in no result, error, log or request', async () => {
    gcp.on(
      'GET /compute/v1/projects/acme-prod/aggregated/instances',
      json(fixture('compute-instances-aggregated-page2.json')),
    );
    gcp.on('GET /v1/projects/acme-prod/instances', apiError('error-permission-denied.json', 403));
    const client = await server();
    const ok = await client.callTool('compute_list_instances', {}, meta('gcp'));
    expect(ok.structuredContent).toMatchObject({ instances: [{ name: 'batch-7' }] });
    expect(gcp.tokenRequests).toMatchObject([{ verified: true, claims: { iss: key.clientEmail } }]);
    const [request] = gcp.calls('GET /compute/v1/projects/acme-prod/aggregated/instances');
    expect(request?.headers.authorization).toBe(`Bearer ${gcp.issued[0]}`);
    const denied = await client.callTool('sql_list_instances', {}, meta('gcp'));
    expect(errorOf(denied)).toMatchObject({ code: 'FORBIDDEN', details: { permission: 'compute.instances.list' } });
    // The same key as JSON text in key_json works the same way.
    const again = await client.callTool('compute_list_instances', {}, meta('gcp-json'));
    expect(again.structuredContent).toMatchObject({ instances: [{ name: 'batch-7' }] });
    const everything = JSON.stringify([
      ok,
      denied,
      again,
      logs,
      gcp.requests.map((r) => [r.headers, r.body]),
      gcp.tokenRequests,
    ]);
    expect(everything).not.toContain(canary());
    expect(everything).not.toContain('PRIVATE KEY');
  });

  it('a key the token endpoint refuses is UNAUTHENTICATED, and the API is never called', async () => {
    const client = await server();
    const result = await client.callTool('compute_list_instances', {}, meta('revoked'));
    expect(errorOf(result)).toMatchObject({ code: 'UNAUTHENTICATED', details: { oauthError: 'invalid_grant' } });
    expect(errorOf(result).message).toMatch(/token endpoint refused the service-account key/);
    expect(gcp.tokenRequests[0]).toMatchObject({ verified: false });
    expect(gcp.requests).toHaveLength(0);
  });

  it('a secret that is not a service-account key is CONFIGURATION_ERROR naming the missing field', async () => {
    const client = await server();
    const result = await client.callTool('compute_list_instances', {}, meta('partial'));
    expect(errorOf(result)).toMatchObject({
      code: 'CONFIGURATION_ERROR',
      details: { slot: 'gcp', fields: ['private_key'] },
    });
    expect(errorOf(result).message).toContain('private_key');
    expect(result.content[0]?.text).not.toMatch(/\n\s+at /);
    expect(gcp.requests).toHaveLength(0);
    expect(gcp.tokenRequests).toHaveLength(0);
  });

  it('runs a write tool when the host confirmed it (confirmations "host"), with the org key', async () => {
    gcp.on(
      'POST /compute/v1/projects/acme-prod/zones/europe-west1-b/instances/web-1/stop',
      json(fixture('compute-operation-stop.json')),
    );
    const client = await server();
    const result = await client.callTool(
      'compute_stop_instance',
      { zone: 'europe-west1-b', instance: 'web-1' },
      meta('gcp'),
    );
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ operationType: 'stop', status: 'RUNNING', instance: 'web-1' });
  });
});
