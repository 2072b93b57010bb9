/** Standalone (no credential reference): DefaultAzureCredential, and a clear error when it finds nothing. */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAzurePlugin } from '../src/index.js';
import { runTool } from './support/call-tool.js';
import {
  CLIENT_ID,
  CLIENT_SECRET,
  fixture,
  json,
  startFakeAzure,
  SUBSCRIPTION,
  TENANT,
  type FakeAzure,
} from './support/fake-azure.js';
import { testOptions } from './support/options.js';

const KEYS = [
  'AZURE_TENANT_ID',
  'AZURE_CLIENT_ID',
  'AZURE_CLIENT_SECRET',
  'AZURE_CLIENT_CERTIFICATE_PATH',
  'AZURE_USERNAME',
  'AZURE_PASSWORD',
  'AZURE_FEDERATED_TOKEN_FILE',
  'AZURE_AUTHORITY_HOST',
  'AZURE_TOKEN_CREDENTIALS',
  'IDENTITY_ENDPOINT',
  'MSI_ENDPOINT',
] as const;
const saved = Object.fromEntries(KEYS.map((key) => [key, process.env[key]]));

let azure: FakeAzure;
beforeAll(async () => {
  azure = await startFakeAzure();
  azure.on('virtualMachines.listAll', json(fixture('vm-list-page2.json')));
});
afterAll(() => azure.close());
afterEach(() => {
  for (const key of KEYS) {
    if (saved[key] === undefined) delete process.env[key];
    else process.env[key] = saved[key];
  }
});

function isolate(env: Partial<Record<(typeof KEYS)[number], string>>): void {
  for (const key of KEYS) delete process.env[key];
  Object.assign(process.env, env);
}

/** The plugin with no `credential` option: it builds a DefaultAzureCredential. */
const standalone = () => createAzurePlugin(testOptions(azure, { credential: undefined }));

describe('standalone credentials', () => {
  it('DefaultAzureCredential picks up a service principal from the environment', async () => {
    isolate({ AZURE_TENANT_ID: TENANT, AZURE_CLIENT_ID: CLIENT_ID, AZURE_CLIENT_SECRET: CLIENT_SECRET });
    const result = await runTool(standalone(), 'vm_list', {});
    expect(result.virtualMachines).toHaveLength(1);
    const token = azure.calls('token').at(-1);
    expect(token?.path).toBe(`/${TENANT}/oauth2/v2.0/token`);
    expect(token?.form.get('client_id')).toBe(CLIENT_ID);
    expect(azure.calls('virtualMachines.listAll').at(-1)?.path).toBe(
      `/subscriptions/${SUBSCRIPTION}/providers/Microsoft.Compute/virtualMachines`,
    );
  });

  it('without any credential: CONFIGURATION_ERROR saying what to configure, no ARM request, no stack', async () => {
    // "dev" leaves out the managed identity probe (a request to 169.254.169.254 that waits for a
    // timeout on a machine that is not in Azure); the developer-tool credentials (az, azd, pwsh) fail.
    isolate({ AZURE_TOKEN_CREDENTIALS: 'dev' });
    const before = azure.armCalls().length;
    const error = await runTool(standalone(), 'vm_list', {}).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'CONFIGURATION_ERROR', details: { operation: 'virtualMachines.list' } });
    expect((error as Error).message).toMatch(/"azure" credential slot.*AZURE_TENANT_ID.*AZURE_CLIENT_SECRET.*az login/);
    expect((error as Error).message).not.toMatch(/\n\s+at /);
    expect(azure.armCalls().length).toBe(before);
  });
});
