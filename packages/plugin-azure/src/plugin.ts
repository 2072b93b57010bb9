import { definePlugin, type PluginDefinition } from '@aurora-ops/core/plugin-sdk';
import { toolEnvironment, type AzurePluginOptions } from './azure-options.js';
import { AZURE_CREDENTIAL_SLOT, azureCredentialSlot, createCredentialCache } from './credentials.js';
import { aksTools } from './tools/aks.js';
import { monitorTools } from './tools/monitor.js';
import { sqlTools } from './tools/sql.js';
import { subscriptionTools } from './tools/subscriptions.js';
import { vmTools } from './tools/vm.js';
import { webAppTools } from './tools/web-apps.js';
import { VERSION } from './version.js';

/**
 * The Azure plugin: read tools for subscriptions, resource groups, virtual machines, AKS,
 * SQL, App Service, Azure Monitor metrics and Log Analytics, and guarded write tools for
 * virtual machines. Every tool reads the `azure` credential slot (a service principal);
 * without one (standalone) `DefaultAzureCredential` is used.
 */
export function createAzurePlugin(settings: AzurePluginOptions = {}): PluginDefinition {
  const environment = toolEnvironment({
    ...settings,
    credentialCache: settings.credentialCache ?? createCredentialCache(),
  });
  return definePlugin({
    name: 'azure',
    version: VERSION,
    title: 'Microsoft Azure',
    description:
      'Microsoft Azure: subscriptions, resource groups, virtual machines, AKS, SQL, App Service, Azure Monitor metrics and Log Analytics. Tools take an optional subscriptionId (subscriptions_list finds one). List tools are paginated: pass nextToken back for more.',
    credentials: { [AZURE_CREDENTIAL_SLOT]: azureCredentialSlot },
    tools: [
      ...subscriptionTools(environment),
      ...vmTools(environment),
      ...aksTools(environment),
      ...sqlTools(environment),
      ...webAppTools(environment),
      ...monitorTools(environment),
    ],
  });
}
