/** Plugin options that point every client of the plugin at the fake Azure server, with a real service-principal token flow. */
import { ClientSecretCredential } from '@azure/identity';
import type { AzurePluginOptions } from '../../src/index.js';
import { CLIENT_ID, CLIENT_SECRET, SUBSCRIPTION, TENANT, type FakeAzure } from './fake-azure.js';

export function testOptions(azure: FakeAzure, extra: Partial<AzurePluginOptions> = {}): AzurePluginOptions {
  const tlsOptions = { ca: azure.ca };
  return {
    armEndpoint: azure.url,
    logsEndpoint: `${azure.url}/v1`,
    authorityHost: azure.url,
    disableInstanceDiscovery: true,
    tlsOptions,
    subscriptionId: SUBSCRIPTION,
    retryDelayInMs: 10,
    maxRetryDelayInMs: 100,
    pollIntervalMs: 10,
    // The deployment's own credential (standalone mode): the real MSAL client-credentials flow against the fake Entra ID.
    credential: new ClientSecretCredential(TENANT, CLIENT_ID, CLIENT_SECRET, {
      authorityHost: azure.url,
      disableInstanceDiscovery: true,
      tlsOptions,
    }),
    ...extra,
  };
}
