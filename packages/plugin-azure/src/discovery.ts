import type { SecretValue } from '@aurora-ops/core';
import { ComputeManagementClient, type VirtualMachine } from '@azure/arm-compute';
import { ContainerServiceClient } from '@azure/arm-containerservice';
import { WebSiteManagementClient } from '@azure/arm-appservice';
import { ResourceManagementClient } from '@azure/arm-resources';
import { SqlManagementClient } from '@azure/arm-sql';
import type { TokenCredential } from '@azure/core-auth';
import { z } from 'zod';
import { armGet, parseArmBody } from './arm-rest.js';
import { clientOptions, lazyDefaultCredential, type AzurePluginOptions } from './azure-options.js';
import { azureCredentialFromSecret } from './credentials.js';
import { PageBuilder, pages, tagList, type DiscoveryPage, type Walk } from './discovery-page.js';
import { azureCall } from './errors.js';
import { parseResourceId } from './pagination.js';

export type { DiscoveryPage } from './discovery-page.js';

export interface DiscoverAzureOptions extends AzurePluginOptions {
  /** The org the graph belongs to. */
  readonly org: string;
  /** Subscriptions to walk. Default: `subscriptionId` (or the secret's), else every subscription the credential sees. */
  readonly subscriptionIds?: readonly string[];
  /** A resolved `azure` secret (service principal); without it, `credential` or `DefaultAzureCredential`. */
  readonly secret?: SecretValue;
  /** The Microsoft.Network API version used to read network interfaces. Default `2024-05-01`. */
  readonly networkApiVersion?: string;
  readonly signal?: AbortSignal;
}

const SUBSCRIPTIONS_API = '2022-12-01';
const subscriptionBody = z.object({
  subscriptionId: z.string(),
  displayName: z.string().optional(),
  state: z.string().optional(),
});
const subscriptionList = z.object({ value: z.array(subscriptionBody), nextLink: z.string().nullish() });
/** The fields of a network interface (Microsoft.Network) that discovery reads. */
const nicProperties = z.object({
  ipConfigurations: z
    .array(
      z.object({
        properties: z
          .object({
            subnet: z.object({ id: z.string().optional() }).optional(),
            privateIPAddress: z.string().optional(),
          })
          .optional(),
      }),
    )
    .optional(),
});

/**
 * Streams an Azure tenant's resources and relationships for the service graph, one Azure
 * page at a time, so a large subscription never has to fit in memory. Node ids are ARM
 * resource ids, lower-cased; edges point from the dependent to its dependency:
 * `VirtualMachine -USES_NIC-> NetworkInterface -IN_SUBNET-> Subnet -IN_VNET-> VirtualNetwork`,
 * `AksAgentPool -PART_OF-> AksCluster`, `SqlDatabase -PART_OF-> SqlServer`,
 * `WebApp -RUNS_ON-> AppServicePlan`, every resource `-IN_RESOURCE_GROUP-> ResourceGroup`
 * and `-IN_SUBSCRIPTION-> AzureSubscription`. Failures are typed Aurora errors (see `mapAzureError`).
 */
export async function* discoverAzure(options: DiscoverAzureOptions): AsyncGenerator<DiscoveryPage> {
  let credential: TokenCredential;
  let secretSubscription: string | undefined;
  if (options.secret === undefined) {
    credential = lazyDefaultCredential(options)();
  } else {
    const resolved = azureCredentialFromSecret(options.secret, {
      ...(options.authorityHost === undefined ? {} : { authorityHost: options.authorityHost }),
      ...(options.disableInstanceDiscovery === undefined
        ? {}
        : { disableInstanceDiscovery: options.disableInstanceDiscovery }),
      ...(options.tlsOptions === undefined ? {} : { tlsOptions: options.tlsOptions }),
    });
    credential = resolved.credential;
    secretSubscription = resolved.subscriptionId;
  }
  const chosen =
    options.subscriptionIds ??
    [options.subscriptionId ?? secretSubscription].filter((id): id is string => id !== undefined);
  const { modular } = clientOptions(options);
  const signal = options.signal ?? new AbortController().signal;
  const subscriptions: z.infer<typeof subscriptionBody>[] = [];
  if (chosen.length === 0) {
    let link: string | undefined = '/subscriptions';
    while (link !== undefined) {
      const from: string = link;
      const body = await azureCall('subscriptions.list', () =>
        armGet(credential, modular, from, SUBSCRIPTIONS_API, signal),
      );
      const list = parseArmBody(subscriptionList, body, 'subscriptions.list');
      subscriptions.push(...list.value);
      link = list.nextLink ?? undefined;
    }
  } else {
    for (const subscriptionId of chosen) {
      const body = await azureCall('subscriptions.get', () =>
        armGet(credential, modular, `/subscriptions/${subscriptionId}`, SUBSCRIPTIONS_API, signal),
      );
      subscriptions.push(parseArmBody(subscriptionBody, body, 'subscriptions.get'));
    }
  }
  for (const subscription of subscriptions) {
    const walk: Walk = {
      org: options.org,
      subscriptionId: subscription.subscriptionId,
      credential,
      options,
      networkApiVersion: options.networkApiVersion ?? '2024-05-01',
      abortSignal: options.signal,
    };
    const first = new PageBuilder(walk);
    first.node(`/subscriptions/${subscription.subscriptionId}`, 'AzureSubscription', {
      kind: 'subscription',
      region: 'global',
      name: subscription.displayName,
      status: subscription.state,
    });
    yield first.page;
    yield* resourceGroupPages(walk);
    yield* vmPages(walk);
    yield* aksPages(walk);
    yield* sqlPages(walk);
    yield* webAppPages(walk);
  }
}

async function* resourceGroupPages(walk: Walk): AsyncGenerator<DiscoveryPage> {
  const resources = new ResourceManagementClient(
    walk.credential,
    walk.subscriptionId,
    clientOptions(walk.options).classic,
  );
  for await (const groups of pages(
    'resourceGroups.list',
    resources.resourceGroups.list({ abortSignal: walk.abortSignal }),
  )) {
    const builder = new PageBuilder(walk);
    for (const group of groups) {
      if (group.id === undefined) continue;
      builder.node(group.id, 'ResourceGroup', {
        kind: 'resource-group',
        region: group.location,
        name: group.name,
        status: group.properties?.provisioningState,
        tags: tagList(group.tags),
      });
      builder.edge(group.id, 'IN_SUBSCRIPTION', `/subscriptions/${walk.subscriptionId}`);
    }
    yield builder.page;
  }
}

async function* vmPages(walk: Walk): AsyncGenerator<DiscoveryPage> {
  const { modular, classic } = clientOptions(walk.options);
  const compute = new ComputeManagementClient(walk.credential, walk.subscriptionId, modular);
  const resources = new ResourceManagementClient(walk.credential, walk.subscriptionId, classic);
  for await (const vms of pages(
    'virtualMachines.listAll',
    compute.virtualMachines.listAll({ abortSignal: walk.abortSignal }),
  )) {
    const builder = new PageBuilder(walk);
    for (const vm of vms) {
      if (vm.id === undefined) continue;
      // Network first, so the VM's edges point at nodes already on the page.
      const nics = await networkInterfaces(walk, resources, vm, builder);
      builder.node(vm.id, 'VirtualMachine', {
        kind: 'virtual-machine',
        region: vm.location,
        name: vm.name,
        resourceGroup: parseResourceId(vm.id).resourceGroup,
        status: vm.provisioningState,
        vmSize: vm.hardwareProfile?.vmSize,
        osType: vm.storageProfile?.osDisk?.osType,
        zones: vm.zones ?? [],
        tags: tagList(vm.tags),
      });
      builder.scope(vm.id);
      for (const nic of nics) builder.edge(vm.id, 'USES_NIC', nic);
    }
    yield builder.page;
  }
}

/** The VM's network interfaces as nodes, each read for its subnet; returns their ids. */
async function networkInterfaces(
  walk: Walk,
  resources: ResourceManagementClient,
  vm: VirtualMachine,
  builder: PageBuilder,
): Promise<string[]> {
  const ids = (vm.networkProfile?.networkInterfaces ?? [])
    .map((nic) => nic.id)
    .filter((id): id is string => id !== undefined);
  for (const id of ids) {
    const nic = await azureCall('resources.getById', () =>
      // The id goes into the path as is (`/{resourceId}`): without its leading slash.
      resources.resources.getById(id.replace(/^\/+/, ''), walk.networkApiVersion, { abortSignal: walk.abortSignal }),
    );
    const properties = nicProperties.safeParse(nic.properties ?? {});
    const configurations = properties.success ? (properties.data.ipConfigurations ?? []) : [];
    const subnets = configurations
      .map((configuration) => configuration.properties?.subnet?.id)
      .filter((subnet): subnet is string => subnet !== undefined);
    for (const subnet of subnets) builder.subnet(id, subnet, nic.location ?? vm.location);
    builder.node(id, 'NetworkInterface', {
      kind: 'network-interface',
      region: nic.location ?? vm.location,
      name: nic.name ?? parseResourceId(id).name,
      resourceGroup: parseResourceId(id).resourceGroup,
      privateIps: configurations
        .map((configuration) => configuration.properties?.privateIPAddress)
        .filter((ip): ip is string => ip !== undefined),
      tags: tagList(nic.tags),
    });
    builder.scope(id);
  }
  return ids;
}

async function* aksPages(walk: Walk): AsyncGenerator<DiscoveryPage> {
  const aks = new ContainerServiceClient(walk.credential, walk.subscriptionId, clientOptions(walk.options).modular);
  for await (const clusters of pages(
    'managedClusters.list',
    aks.managedClusters.list({ abortSignal: walk.abortSignal }),
  )) {
    for (const cluster of clusters) {
      if (cluster.id === undefined || cluster.name === undefined) continue;
      const builder = new PageBuilder(walk);
      const group = parseResourceId(cluster.id).resourceGroup ?? '';
      builder.node(cluster.id, 'AksCluster', {
        kind: 'aks-cluster',
        region: cluster.location,
        name: cluster.name,
        resourceGroup: group,
        status: cluster.powerState?.code ?? cluster.provisioningState,
        version: cluster.currentKubernetesVersion ?? cluster.kubernetesVersion,
        tags: tagList(cluster.tags),
      });
      builder.scope(cluster.id);
      for await (const pools of pages(
        'agentPools.list',
        aks.agentPools.list(group, cluster.name, { abortSignal: walk.abortSignal }),
      )) {
        for (const pool of pools) {
          if (pool.id === undefined) continue;
          if (pool.vnetSubnetID !== undefined) builder.subnet(pool.id, pool.vnetSubnetID, cluster.location);
          builder.node(pool.id, 'AksAgentPool', {
            kind: 'aks-agent-pool',
            region: cluster.location,
            name: pool.name,
            resourceGroup: group,
            status: pool.powerState?.code ?? pool.provisioningState,
            mode: pool.mode,
            vmSize: pool.vmSize,
            count: pool.count,
            tags: tagList(pool.tags),
          });
          builder.edge(pool.id, 'PART_OF', cluster.id);
          builder.scope(pool.id);
        }
      }
      yield builder.page;
    }
  }
}

async function* sqlPages(walk: Walk): AsyncGenerator<DiscoveryPage> {
  const sql = new SqlManagementClient(walk.credential, walk.subscriptionId, clientOptions(walk.options).classic);
  for await (const servers of pages('servers.list', sql.servers.list({ abortSignal: walk.abortSignal }))) {
    for (const server of servers) {
      if (server.id === undefined || server.name === undefined) continue;
      const builder = new PageBuilder(walk);
      const group = parseResourceId(server.id).resourceGroup ?? '';
      builder.node(server.id, 'SqlServer', {
        kind: 'sql-server',
        region: server.location,
        name: server.name,
        resourceGroup: group,
        status: server.state,
        version: server.version,
        fqdn: server.fullyQualifiedDomainName,
        tags: tagList(server.tags),
      });
      builder.scope(server.id);
      for await (const databases of pages(
        'databases.listByServer',
        sql.databases.listByServer(group, server.name, { abortSignal: walk.abortSignal }),
      )) {
        for (const database of databases) {
          if (database.id === undefined) continue;
          builder.node(database.id, 'SqlDatabase', {
            kind: 'sql-database',
            region: database.location,
            name: database.name,
            resourceGroup: group,
            status: database.status,
            sku: database.currentSku?.name ?? database.sku?.name,
            tags: tagList(database.tags),
          });
          builder.edge(database.id, 'PART_OF', server.id);
          builder.scope(database.id);
        }
      }
      yield builder.page;
    }
  }
}

async function* webAppPages(walk: Walk): AsyncGenerator<DiscoveryPage> {
  const web = new WebSiteManagementClient(walk.credential, walk.subscriptionId, clientOptions(walk.options).modular);
  for await (const sites of pages('webApps.list', web.webApps.list({ abortSignal: walk.abortSignal }))) {
    const builder = new PageBuilder(walk);
    for (const site of sites) {
      if (site.id === undefined) continue;
      if (site.serverFarmId !== undefined) {
        builder.node(site.serverFarmId, 'AppServicePlan', {
          kind: 'app-service-plan',
          region: site.location,
          name: parseResourceId(site.serverFarmId).name,
          resourceGroup: parseResourceId(site.serverFarmId).resourceGroup,
        });
        builder.scope(site.serverFarmId);
      }
      if (site.virtualNetworkSubnetId !== undefined)
        builder.subnet(site.id, site.virtualNetworkSubnetId, site.location);
      builder.node(site.id, 'WebApp', {
        kind: 'web-app',
        region: site.location,
        name: site.name,
        resourceGroup: site.resourceGroup ?? parseResourceId(site.id).resourceGroup,
        status: site.state,
        appKind: site.kind,
        defaultHostName: site.defaultHostName,
        tags: tagList(site.tags),
      });
      builder.scope(site.id);
      if (site.serverFarmId !== undefined) builder.edge(site.id, 'RUNS_ON', site.serverFarmId);
    }
    yield builder.page;
  }
}
