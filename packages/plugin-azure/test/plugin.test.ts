/**
 * The Azure plugin served over Streamable HTTP (servePlugin) to a client without
 * elicitation: the standalone guard, read-only mode, and service principals that arrive as
 * secret references resolved through core's local secret store, with the real MSAL token
 * flow against the fake Entra ID.
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
import { createAzurePlugin } from '../src/index.js';
import { accepted, fixture, json, startFakeAzure, SUBSCRIPTION, type FakeAzure } from './support/fake-azure.js';
import { connectHttp, errorOf, type McpHttpClient } from './support/mcp-http.js';
import { testOptions } from './support/options.js';

const ORG_TENANT = 'contoso.onmicrosoft.com';
const ORG_CLIENT = '5a5a5a5a-1111-4222-8333-944444444444';
const ORG_SUBSCRIPTION = '22222222-3333-4444-8555-666666666666';
const CANARY = 'org~secret~canary~Yh7Q2w';

let azure: FakeAzure;
const open: { close(): Promise<void> }[] = [];
beforeAll(async () => {
  azure = await startFakeAzure();
});
afterAll(() => azure.close());
beforeEach(() => azure.reset());
afterEach(async () => {
  for (const item of open.splice(0).reverse()) await item.close();
});

async function serve(options: PluginServerOptions): Promise<McpHttpClient> {
  const handle = await servePlugin(createAzurePlugin(testOptions(azure)), { transport: 'http' }, options);
  open.push(handle);
  const client = await connectHttp(handle.url!);
  open.push(client);
  return client;
}

const target = { resourceGroup: 'rg-prod', name: 'web-1' };

describe('standalone guard', () => {
  it('refuses a destructive tool with CONFIRMATION_REQUIRED for a client without elicitation, and never calls Azure', async () => {
    const client = await serve({});
    const result = await client.callTool('vm_delete', target);
    expect(result.isError).toBe(true);
    expect(errorOf(result).code).toBe('CONFIRMATION_REQUIRED');
    expect(azure.requests).toHaveLength(0);
  });

  it('refuses a write tool too', async () => {
    const client = await serve({});
    const result = await client.callTool('vm_deallocate', target);
    expect(errorOf(result).code).toBe('CONFIRMATION_REQUIRED');
    expect(azure.requests).toHaveLength(0);
  });

  it('runs it when the server was started with confirmations "allow" (--allow-writes)', async () => {
    azure.on('virtualMachines.delete', accepted('op-del'));
    azure.on('operations.get', json(fixture('operation-succeeded.json')));
    const client = await serve({ confirmations: 'allow' });
    const result = await client.callTool('vm_delete', target);
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ action: 'delete', status: 'succeeded', done: true });
    expect(azure.calls('virtualMachines.delete')).toHaveLength(1);
  });

  it('declares subscriptions_list as its connection test (what POST /connectors/azure/test calls)', async () => {
    const client = await serve({ readOnly: true });
    const tools = (await client.listTools()) as { name: string; _meta?: Record<string, unknown> }[];
    expect(
      tools.filter((listed) => listed._meta?.['aurora/connectionTest'] === true).map((listed) => listed.name),
    ).toEqual(['subscriptions_list']);
  });

  it('read-only mode lists only read tools', async () => {
    const client = await serve({ readOnly: true });
    const names = (await client.listTools()).map((tool) => tool.name);
    expect(names).toContain('vm_list');
    expect(names).toContain('log_analytics_query');
    for (const name of ['vm_start', 'vm_deallocate', 'vm_restart', 'vm_delete']) expect(names).not.toContain(name);
    expect(names).toHaveLength(15);
  });

  it('marks the tools with MCP annotations by risk', async () => {
    const client = await serve({});
    const tools = await client.listTools();
    const annotations = (name: string) => tools.find((tool) => tool.name === name)?.annotations;
    expect(annotations('vm_get')).toMatchObject({ readOnlyHint: true });
    expect(annotations('vm_delete')).toMatchObject({ readOnlyHint: false, destructiveHint: true });
    expect(annotations('vm_start')).toMatchObject({ readOnlyHint: false, destructiveHint: false });
    expect(tools).toHaveLength(19);
  });
});

describe('service principal from a secret reference', () => {
  let directory: string;
  let store: SecretStore;
  let resolver: SecretResolver;
  const logs: LogRecord[] = [];
  const meta = (secret: string, org = 'acme') => ({
    'aurora/org': org,
    'aurora/credentials': { azure: `local:orgs/{org}/${secret}` },
  });

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'plugin-azure-secrets-'));
    store = createLocalSecretStore({ directory, key: randomBytes(32) });
    const principal = {
      tenant_id: ORG_TENANT,
      client_id: ORG_CLIENT,
      client_secret: CANARY,
      subscription_id: ORG_SUBSCRIPTION,
    };
    await store.put('orgs/acme/azure', principal);
    await store.put('orgs/globex/azure', { tenantId: ORG_TENANT, clientId: ORG_CLIENT, clientSecret: `${CANARY}-2` });
    await store.put('orgs/acme/partial', { tenant_id: ORG_TENANT, client_id: ORG_CLIENT });
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

  it("gets the org's token with its service principal, uses its subscription; the secret is in no result, error, log or ARM request", async () => {
    azure.on('virtualMachines.listAll', json(fixture('vm-list-page2.json')));
    azure.on('virtualMachines.get', json('{"error":{"code":"AuthorizationFailed","message":"no"}}', 403));
    const client = await server();
    const ok = await client.callTool('vm_list', {}, meta('azure'));
    expect(ok.structuredContent).toMatchObject({ virtualMachines: [{ name: 'batch-7' }] });
    const [token] = azure.calls('token');
    expect(token?.path).toBe(`/${ORG_TENANT}/oauth2/v2.0/token`);
    expect(token?.form.get('client_id')).toBe(ORG_CLIENT);
    expect(token?.form.get('client_secret')).toBe(CANARY);
    expect(azure.calls('virtualMachines.listAll')[0]?.path).toBe(
      `/subscriptions/${ORG_SUBSCRIPTION}/providers/Microsoft.Compute/virtualMachines`,
    );
    const failed = await client.callTool('vm_get', target, meta('azure'));
    expect(errorOf(failed)).toMatchObject({ code: 'FORBIDDEN', details: { azureCode: 'AuthorizationFailed' } });
    const crash = await client.callTool('vm_start', target, meta('azure'));
    expect(crash.isError).toBe(true);
    const everything = JSON.stringify([ok, failed, crash, logs, azure.armCalls().map((r) => [r.headers, r.body])]);
    expect(everything).not.toContain(CANARY);
    // The credential object is kept in memory for the org: the second call used the cached token.
    expect(azure.calls('token')).toHaveLength(1);
    // Another org with the same principal fields gets its own credential (camelCase spellings accepted).
    await client.callTool('vm_list', { subscriptionId: SUBSCRIPTION }, meta('azure', 'globex'));
    expect(azure.calls('token')).toHaveLength(2);
    expect(azure.calls('token')[1]?.form.get('client_secret')).toBe(`${CANARY}-2`);
  });

  it('a rejected client secret is CONFIGURATION_ERROR naming what to check, not echoing it', async () => {
    azure.on(
      'token',
      json(
        JSON.stringify({
          error: 'invalid_client',
          error_description: `AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${ORG_CLIENT}'. Trace ID: 1 Correlation ID: 2 Timestamp: 2024-11-22 10:00:00Z`,
          error_codes: [7000215],
          timestamp: '2024-11-22 10:00:00Z',
          trace_id: '0f1e2d3c-0000-4000-8000-000000000000',
          correlation_id: '1a2b3c4d-0000-4000-8000-000000000000',
        }),
        401,
      ),
    );
    const client = await server();
    const result = await client.callTool('vm_list', {}, meta('azure'));
    expect(result.isError).toBe(true);
    const error = errorOf(result);
    expect(error).toMatchObject({
      code: 'CONFIGURATION_ERROR',
      details: { entraError: 'invalid_client', entraCodes: ['7000215'] },
    });
    expect(error.message).toMatch(/client_secret/);
    expect(error.message).not.toMatch(/\n\s+at /);
    expect(JSON.stringify([result, logs])).not.toContain(CANARY);
    expect(azure.armCalls()).toHaveLength(0);
  });

  it('a secret without the service principal is CONFIGURATION_ERROR naming the missing field', async () => {
    const client = await server();
    const result = await client.callTool('vm_list', {}, meta('partial'));
    expect(errorOf(result)).toMatchObject({
      code: 'CONFIGURATION_ERROR',
      details: { slot: 'azure', fields: ['client_secret'] },
    });
    expect(errorOf(result).message).toContain('client_secret');
    expect(azure.requests).toHaveLength(0);
  });
});
