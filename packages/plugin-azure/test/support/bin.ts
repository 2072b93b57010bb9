/**
 * The plugin's bin for tests: `node --import tsx packages/plugin-azure/test/support/bin.ts [flags]`.
 * `AURORA_TEST_AZURE_ENDPOINT` points ARM, Log Analytics and Entra ID at the fake Azure
 * server; credentials come from DefaultAzureCredential (the test sets AZURE_TENANT_ID,
 * AZURE_CLIENT_ID and AZURE_CLIENT_SECRET), and the server's certificate is trusted through
 * NODE_EXTRA_CA_CERTS.
 */
import { runPluginCli } from '@aurora-ops/core/plugin-sdk';
import { createAzurePlugin } from '../../src/index.js';

const endpoint = process.env.AURORA_TEST_AZURE_ENDPOINT;
await runPluginCli(
  createAzurePlugin(
    endpoint === undefined
      ? {}
      : {
          armEndpoint: endpoint,
          logsEndpoint: `${endpoint}/v1`,
          authorityHost: endpoint,
          disableInstanceDiscovery: true,
          ...(process.env.AZURE_SUBSCRIPTION_ID === undefined
            ? {}
            : { subscriptionId: process.env.AZURE_SUBSCRIPTION_ID }),
        },
  ),
);
