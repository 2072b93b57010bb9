import { defineTool, type AnyToolDefinition } from '@aurora-ops/core/plugin-sdk';
import { getContinuationToken as resourcesLink, ResourceManagementClient } from '@azure/arm-resources';
import { z } from 'zod';
import { armGet, parseArmBody } from '../arm-rest.js';
import { requireSubscription, type ToolEnvironment } from '../azure-options.js';
import { AZURE_CREDENTIAL_SLOT } from '../credentials.js';
import { azureCall } from '../errors.js';
import {
  compact,
  fetchPage,
  firstPage,
  maxResultsField,
  nextTokenField,
  pageOutput,
  subscriptionField,
  tagRecord,
} from '../pagination.js';

const SUBSCRIPTIONS_API = '2022-12-01';

/** The documented shape of `GET /subscriptions` (fields this tool reads). */
const subscriptionList = z.object({
  value: z.array(
    z.object({
      subscriptionId: z.string().optional(),
      displayName: z.string().optional(),
      state: z.string().optional(),
      tenantId: z.string().optional(),
    }),
  ),
  nextLink: z.string().nullish(),
});

/** Subscriptions the credential can see, and the resource groups of one subscription. */
export function subscriptionTools(environment: ToolEnvironment): AnyToolDefinition[] {
  const subscriptions = defineTool({
    name: 'subscriptions_list',
    title: 'List Azure subscriptions',
    description:
      'The Azure subscriptions the credential can read, with id, name and state. Start here to find a subscriptionId. Paginated.',
    input: z.object({ maxResults: maxResultsField(1000, 100), nextToken: nextTokenField }),
    output: z.object({
      subscriptions: z.array(
        z.object({
          subscriptionId: z.string(),
          displayName: z.string().optional(),
          state: z.string().optional(),
          tenantId: z.string().optional(),
        }),
      ),
      ...pageOutput,
    }),
    risk: 'read',
    connectionTest: true,
    credentials: [AZURE_CREDENTIAL_SLOT],
    handler: async (input, context) => {
      const call = await environment.call(context, undefined);
      const page = await fetchPage(
        { ...input, budget: environment.budget, origin: environment.origin },
        async (link) => {
          const body = await azureCall('subscriptions.list', () =>
            armGet(call.credential, call.modular, link ?? '/subscriptions', SUBSCRIPTIONS_API, context.signal),
          );
          const result = parseArmBody(subscriptionList, body, 'subscriptions.list');
          return {
            items: result.value.map((subscription) =>
              compact({
                subscriptionId: subscription.subscriptionId ?? '',
                displayName: subscription.displayName,
                state: subscription.state,
                tenantId: subscription.tenantId,
              }),
            ),
            next: result.nextLink ?? undefined,
          };
        },
      );
      return { subscriptions: page.items, ...compact({ nextToken: page.nextToken }), truncated: page.truncated };
    },
  });

  const resourceGroups = defineTool({
    name: 'resource_groups_list',
    title: 'List Azure resource groups',
    description: 'Resource groups of one subscription with location, provisioning state and tags. Paginated.',
    input: z.object({
      subscriptionId: subscriptionField,
      maxResults: maxResultsField(1000, 100),
      nextToken: nextTokenField,
    }),
    output: z.object({
      resourceGroups: z.array(
        z.object({
          name: z.string(),
          id: z.string(),
          location: z.string(),
          provisioningState: z.string().optional(),
          managedBy: z.string().optional(),
          tags: z.record(z.string(), z.string()),
        }),
      ),
      ...pageOutput,
    }),
    risk: 'read',
    credentials: [AZURE_CREDENTIAL_SLOT],
    handler: async (input, context) => {
      const call = await environment.call(context, input.subscriptionId);
      const client = new ResourceManagementClient(call.credential, requireSubscription(call), call.classic);
      const page = await fetchPage(
        { ...input, budget: environment.budget, origin: environment.origin },
        async (link) => {
          const result = await azureCall('resourceGroups.list', () =>
            firstPage(client.resourceGroups.list({ abortSignal: context.signal }), link, resourcesLink),
          );
          return {
            items: result.items.map((group) =>
              compact({
                name: group.name ?? '',
                id: group.id ?? '',
                location: group.location,
                provisioningState: group.properties?.provisioningState,
                managedBy: group.managedBy,
                tags: tagRecord(group.tags),
              }),
            ),
            next: result.next,
          };
        },
      );
      return { resourceGroups: page.items, ...compact({ nextToken: page.nextToken }), truncated: page.truncated };
    },
  });

  return [subscriptions, resourceGroups] as AnyToolDefinition[];
}
