import { defineTool, type AnyToolDefinition, type ToolContext } from '@aurora-ops/core/plugin-sdk';
import { ContainerServiceClient, type AgentPool, type ManagedCluster } from '@azure/arm-containerservice';
import { z } from 'zod';
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
  parseResourceId,
  resourceGroupName,
  resourceName,
  subscriptionField,
  tagRecord,
  scopedListInput,
} from '../pagination.js';

const CLUSTER_NAME = resourceName('an AKS cluster');

const clusterSummary = z.object({
  name: z.string(),
  id: z.string(),
  resourceGroup: z.string().optional(),
  location: z.string(),
  kubernetesVersion: z.string().optional(),
  provisioningState: z.string().optional(),
  powerState: z.string().optional(),
  fqdn: z.string().optional(),
  nodeResourceGroup: z.string().optional(),
  agentPools: z.array(z.string()),
  tags: z.record(z.string(), z.string()),
});

function summarize(cluster: ManagedCluster) {
  return compact({
    name: cluster.name ?? '',
    id: cluster.id ?? '',
    resourceGroup: parseResourceId(cluster.id).resourceGroup,
    location: cluster.location,
    kubernetesVersion: cluster.currentKubernetesVersion ?? cluster.kubernetesVersion,
    provisioningState: cluster.provisioningState,
    powerState: cluster.powerState?.code,
    fqdn: cluster.fqdn ?? cluster.privateFqdn,
    nodeResourceGroup: cluster.nodeResourceGroup,
    agentPools: (cluster.agentPoolProfiles ?? []).map((pool) => pool.name),
    tags: tagRecord(cluster.tags),
  });
}

function agentPool(pool: AgentPool) {
  return compact({
    name: pool.name ?? '',
    id: pool.id ?? '',
    mode: pool.mode,
    vmSize: pool.vmSize,
    count: pool.count,
    enableAutoScaling: pool.enableAutoScaling,
    minCount: pool.minCount,
    maxCount: pool.maxCount,
    orchestratorVersion: pool.currentOrchestratorVersion ?? pool.orchestratorVersion,
    nodeImageVersion: pool.nodeImageVersion,
    osType: pool.osType,
    provisioningState: pool.provisioningState,
    powerState: pool.powerState?.code,
    vnetSubnetId: pool.vnetSubnetID,
    availabilityZones: pool.availabilityZones ?? [],
  });
}

/** AKS: managed clusters and their agent pools. */
export function aksTools(environment: ToolEnvironment): AnyToolDefinition[] {
  const client = async (context: ToolContext, subscriptionId: string | undefined) => {
    const call = await environment.call(context, subscriptionId);
    return new ContainerServiceClient(call.credential, requireSubscription(call), call.modular);
  };

  const list = defineTool({
    name: 'aks_list_clusters',
    title: 'List AKS clusters',
    description:
      'AKS managed clusters of a subscription, or of one resource group, with Kubernetes version, provisioning and power state, FQDN and agent pool names. Paginated.',
    input: z.object(scopedListInput),
    output: z.object({ clusters: z.array(clusterSummary), ...pageOutput }),
    risk: 'read',
    credentials: [AZURE_CREDENTIAL_SLOT],
    handler: async (input, context) => {
      const aks = await client(context, input.subscriptionId);
      const options = { abortSignal: context.signal };
      const page = await fetchPage(
        { ...input, budget: environment.budget, origin: environment.origin },
        async (link) => {
          const result = await azureCall('managedClusters.list', () =>
            firstPage(
              input.resourceGroup === undefined
                ? aks.managedClusters.list(options)
                : aks.managedClusters.listByResourceGroup(input.resourceGroup, options),
              link,
            ),
          );
          return { items: result.items.map(summarize), next: result.next };
        },
      );
      return { clusters: page.items, ...compact({ nextToken: page.nextToken }), truncated: page.truncated };
    },
  });

  const get = defineTool({
    name: 'aks_get_cluster',
    title: 'Get an AKS cluster',
    description:
      'One AKS cluster: version, states, FQDN, networking (plugin, policy, service CIDR), SKU tier, identity, private cluster and the sizing of each agent pool.',
    input: z.object({ subscriptionId: subscriptionField, resourceGroup: resourceGroupName, name: CLUSTER_NAME }),
    output: clusterSummary.extend({
      dnsPrefix: z.string().optional(),
      skuTier: z.string().optional(),
      identityType: z.string().optional(),
      networkPlugin: z.string().optional(),
      networkPolicy: z.string().optional(),
      serviceCidr: z.string().optional(),
      privateCluster: z.boolean().optional(),
      enableRbac: z.boolean().optional(),
      agentPoolProfiles: z.array(
        z.object({
          name: z.string(),
          mode: z.string().optional(),
          vmSize: z.string().optional(),
          count: z.number().optional(),
          minCount: z.number().optional(),
          maxCount: z.number().optional(),
          vnetSubnetId: z.string().optional(),
        }),
      ),
    }),
    risk: 'read',
    credentials: [AZURE_CREDENTIAL_SLOT],
    handler: async (input, context) => {
      const aks = await client(context, input.subscriptionId);
      const cluster = await azureCall('managedClusters.get', () =>
        aks.managedClusters.get(input.resourceGroup, input.name, { abortSignal: context.signal }),
      );
      return {
        ...summarize(cluster),
        ...compact({
          dnsPrefix: cluster.dnsPrefix,
          skuTier: cluster.sku?.tier,
          identityType: cluster.identity?.type,
          networkPlugin: cluster.networkProfile?.networkPlugin,
          networkPolicy: cluster.networkProfile?.networkPolicy,
          serviceCidr: cluster.networkProfile?.serviceCidr,
          privateCluster: cluster.apiServerAccessProfile?.enablePrivateCluster,
          enableRbac: cluster.enableRbac,
        }),
        agentPoolProfiles: (cluster.agentPoolProfiles ?? []).map((pool) =>
          compact({
            name: pool.name,
            mode: pool.mode,
            vmSize: pool.vmSize,
            count: pool.count,
            minCount: pool.minCount,
            maxCount: pool.maxCount,
            vnetSubnetId: pool.vnetSubnetID,
          }),
        ),
      };
    },
  });

  const pools = defineTool({
    name: 'aks_list_agent_pools',
    title: 'List AKS agent pools',
    description:
      'Agent (node) pools of one AKS cluster: mode, VM size, node count and autoscaling bounds, versions, states, subnet and zones. Paginated.',
    input: z.object({
      subscriptionId: subscriptionField,
      resourceGroup: resourceGroupName,
      clusterName: CLUSTER_NAME,
      maxResults: maxResultsField(1000, 100),
      nextToken: nextTokenField,
    }),
    output: z.object({
      clusterName: z.string(),
      agentPools: z.array(
        z.object({
          name: z.string(),
          id: z.string(),
          mode: z.string().optional(),
          vmSize: z.string().optional(),
          count: z.number().optional(),
          enableAutoScaling: z.boolean().optional(),
          minCount: z.number().optional(),
          maxCount: z.number().optional(),
          orchestratorVersion: z.string().optional(),
          nodeImageVersion: z.string().optional(),
          osType: z.string().optional(),
          provisioningState: z.string().optional(),
          powerState: z.string().optional(),
          vnetSubnetId: z.string().optional(),
          availabilityZones: z.array(z.string()),
        }),
      ),
      ...pageOutput,
    }),
    risk: 'read',
    credentials: [AZURE_CREDENTIAL_SLOT],
    handler: async (input, context) => {
      const aks = await client(context, input.subscriptionId);
      const page = await fetchPage(
        { ...input, budget: environment.budget, origin: environment.origin },
        async (link) => {
          const result = await azureCall('agentPools.list', () =>
            firstPage(
              aks.agentPools.list(input.resourceGroup, input.clusterName, { abortSignal: context.signal }),
              link,
            ),
          );
          return { items: result.items.map(agentPool), next: result.next };
        },
      );
      return {
        clusterName: input.clusterName,
        agentPools: page.items,
        ...compact({ nextToken: page.nextToken }),
        truncated: page.truncated,
      };
    },
  });

  return [list, get, pools] as AnyToolDefinition[];
}
