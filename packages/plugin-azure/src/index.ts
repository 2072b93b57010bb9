/** The public surface of `@aurora-ops/plugin-azure`. Named exports only. */
export { createAzurePlugin } from './plugin.js';
export { VERSION } from './version.js';
export type { AzurePluginOptions, AzureTlsOptions } from './azure-options.js';
export {
  AZURE_CREDENTIAL_SLOT,
  azureCredentialFromSecret,
  azureCredentialSlot,
  azureSecretSchema,
  createCredentialCache,
  resolveAzureCredential,
} from './credentials.js';
export type { CredentialCache, ResolvedAzureCredential, ServicePrincipalSettings } from './credentials.js';
export { discoverAzure } from './discovery.js';
export type { DiscoverAzureOptions, DiscoveryPage } from './discovery.js';
export { AzureQuotaExceededError, azureErrorCode, mapAzureError } from './errors.js';
