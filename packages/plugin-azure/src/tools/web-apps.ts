import { defineTool, type AnyToolDefinition, type ToolContext } from '@aurora-ops/core/plugin-sdk';
import { WebSiteManagementClient, type Site } from '@azure/arm-appservice';
import { z } from 'zod';
import { requireSubscription, type ToolEnvironment } from '../azure-options.js';
import { AZURE_CREDENTIAL_SLOT } from '../credentials.js';
import { azureCall } from '../errors.js';
import {
  compact,
  fetchPage,
  firstPage,
  iso,
  pageOutput,
  parseResourceId,
  resourceGroupName,
  resourceName,
  subscriptionField,
  tagRecord,
  scopedListInput,
} from '../pagination.js';

const SITE_NAME = resourceName('a web app');

const siteSummary = z.object({
  name: z.string(),
  id: z.string(),
  resourceGroup: z.string().optional(),
  location: z.string(),
  kind: z.string().optional(),
  state: z.string().optional(),
  enabled: z.boolean().optional(),
  defaultHostName: z.string().optional(),
  appServicePlanId: z.string().optional(),
  httpsOnly: z.boolean().optional(),
  tags: z.record(z.string(), z.string()),
});

function summarize(site: Site) {
  return compact({
    name: site.name ?? '',
    id: site.id ?? '',
    resourceGroup: site.resourceGroup ?? parseResourceId(site.id).resourceGroup,
    location: site.location,
    kind: site.kind,
    state: site.state,
    enabled: site.enabled,
    defaultHostName: site.defaultHostName,
    appServicePlanId: site.serverFarmId,
    httpsOnly: site.httpsOnly,
    tags: tagRecord(site.tags),
  });
}

/** App Service: web apps (and function apps, which are sites too). Never reads app settings. */
export function webAppTools(environment: ToolEnvironment): AnyToolDefinition[] {
  const client = async (context: ToolContext, subscriptionId: string | undefined) => {
    const call = await environment.call(context, subscriptionId);
    return new WebSiteManagementClient(call.credential, requireSubscription(call), call.modular);
  };

  const list = defineTool({
    name: 'webapp_list',
    title: 'List App Service web apps',
    description:
      'App Service web apps and function apps of a subscription, or of one resource group, with state, host name, App Service plan and tags. Paginated.',
    input: z.object(scopedListInput),
    output: z.object({ webApps: z.array(siteSummary), ...pageOutput }),
    risk: 'read',
    credentials: [AZURE_CREDENTIAL_SLOT],
    handler: async (input, context) => {
      const web = await client(context, input.subscriptionId);
      const options = { abortSignal: context.signal };
      const page = await fetchPage(
        { ...input, budget: environment.budget, origin: environment.origin },
        async (link) => {
          const result = await azureCall('webApps.list', () =>
            firstPage(
              input.resourceGroup === undefined
                ? web.webApps.list(options)
                : web.webApps.listByResourceGroup(input.resourceGroup, options),
              link,
            ),
          );
          return { items: result.items.map(summarize), next: result.next };
        },
      );
      return { webApps: page.items, ...compact({ nextToken: page.nextToken }), truncated: page.truncated };
    },
  });

  const get = defineTool({
    name: 'webapp_get',
    title: 'Get an App Service web app',
    description:
      'One web app: state, availability, host names, plan, runtime stack, Always On, TLS and HTTPS settings, outbound IPs, VNet integration subnet. Application settings are never read.',
    input: z.object({ subscriptionId: subscriptionField, resourceGroup: resourceGroupName, name: SITE_NAME }),
    output: siteSummary.extend({
      availabilityState: z.string().optional(),
      usageState: z.string().optional(),
      hostNames: z.array(z.string()),
      linuxFxVersion: z.string().optional(),
      alwaysOn: z.boolean().optional(),
      numberOfWorkers: z.number().optional(),
      minTlsVersion: z.string().optional(),
      ftpsState: z.string().optional(),
      healthCheckPath: z.string().optional(),
      outboundIpAddresses: z.array(z.string()),
      virtualNetworkSubnetId: z.string().optional(),
      publicNetworkAccess: z.string().optional(),
      lastModified: z.string().optional(),
    }),
    risk: 'read',
    credentials: [AZURE_CREDENTIAL_SLOT],
    handler: async (input, context) => {
      const web = await client(context, input.subscriptionId);
      const site = await azureCall('webApps.get', () =>
        web.webApps.get(input.resourceGroup, input.name, { abortSignal: context.signal }),
      );
      const config = site.siteConfig;
      return {
        ...summarize(site),
        ...compact({
          availabilityState: site.availabilityState,
          usageState: site.usageState,
          linuxFxVersion: config?.linuxFxVersion === '' ? undefined : config?.linuxFxVersion,
          alwaysOn: config?.alwaysOn,
          numberOfWorkers: config?.numberOfWorkers,
          minTlsVersion: config?.minTlsVersion,
          ftpsState: config?.ftpsState,
          healthCheckPath: config?.healthCheckPath,
          virtualNetworkSubnetId: site.virtualNetworkSubnetId,
          publicNetworkAccess: site.publicNetworkAccess,
          lastModified: iso(site.lastModifiedTimeUtc),
        }),
        hostNames: site.hostNames ?? [],
        outboundIpAddresses: (site.outboundIpAddresses ?? '').split(',').filter((ip) => ip !== ''),
      };
    },
  });

  return [list, get] as AnyToolDefinition[];
}
