/**
 * The plugin conformance suite against the Azure plugin over in-process, stdio (the test
 * bin run by `node --import tsx`, credentials from DefaultAzureCredential's environment
 * variables, the fake server's certificate trusted through NODE_EXTRA_CA_CERTS) and
 * Streamable HTTP. Every transport's plugin talks to the same fake Azure server, so sample
 * results must be identical.
 */
import { fileURLToPath } from 'node:url';
import { createPluginServer, servePlugin } from '@aurora-ops/core/plugin-sdk';
import { describePluginConformance } from '@aurora-ops/core/testing';
import { afterAll, beforeAll } from 'vitest';
import { createAzurePlugin } from '../src/index.js';
import {
  armError,
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

let azure: FakeAzure | undefined;
let endpoint = 'https://127.0.0.1:9';
let caFile = '';
beforeAll(async () => {
  azure = await startFakeAzure();
  endpoint = azure.url;
  caFile = azure.caFile;
  azure.on('subscriptions.list', json(fixture('subscriptions-list-page2.json')));
  azure.on('resourceGroups.list', json(fixture('resource-groups-list.json')));
  azure.on('virtualMachines.listAll', json(fixture('vm-list-page2.json')));
  azure.on('managedClusters.get', armError('ResourceNotFound', 404));
});
afterAll(() => azure?.close());

/** The endpoint is known only once the fake server runs, so the plugin is built lazily. */
const plugin = () => createAzurePlugin(testOptions(azure!));
const base = createAzurePlugin();

describePluginConformance('plugin-azure', {
  plugin: base,
  createServer: (options) => createPluginServer(plugin(), options),
  stdio: {
    command: process.execPath,
    args: ['--import', 'tsx', fileURLToPath(new URL('./support/bin.ts', import.meta.url))],
    cwd: fileURLToPath(new URL('../../..', import.meta.url)),
    // Read when the suite connects, after beforeAll started the fake server.
    get env() {
      return {
        AURORA_TEST_AZURE_ENDPOINT: endpoint,
        NODE_EXTRA_CA_CERTS: caFile,
        AZURE_TENANT_ID: TENANT,
        AZURE_CLIENT_ID: CLIENT_ID,
        AZURE_CLIENT_SECRET: CLIENT_SECRET,
        AZURE_SUBSCRIPTION_ID: SUBSCRIPTION,
      };
    },
  },
  http: {
    async start({ readOnly }) {
      const handle = await servePlugin(plugin(), { transport: 'http' }, { readOnly });
      return { url: handle.url!, close: () => handle.close() };
    },
  },
  samples: [
    { tool: 'subscriptions_list', arguments: {} },
    { tool: 'resource_groups_list', arguments: { maxResults: 1 } },
    { tool: 'vm_list', arguments: {} },
    { tool: 'aks_get_cluster', arguments: { resourceGroup: 'rg-prod', name: 'missing' } },
    { tool: 'vm_get', arguments: { resourceGroup: 'rg-prod', name: 'not/a/name' } },
  ],
  guardedCall: { tool: 'vm_delete', arguments: { resourceGroup: 'rg-prod', name: 'web-1' } },
});
