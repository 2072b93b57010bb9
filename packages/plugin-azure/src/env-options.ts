import type { AzurePluginOptions } from './azure-options.js';

/**
 * The bin's settings from the environment: `AZURE_SUBSCRIPTION_ID` (default subscription). Credentials are read by
 * `DefaultAzureCredential` itself (`AZURE_TENANT_ID`, `AZURE_CLIENT_ID`, …).
 */
export function azureOptionsFromEnvironment(environment: NodeJS.ProcessEnv = process.env): AzurePluginOptions {
  const subscriptionId = environment.AZURE_SUBSCRIPTION_ID;
  return {
    ...(subscriptionId === undefined || subscriptionId === '' ? {} : { subscriptionId }),
  };
}
