/** `discoverAzure` against the fake Azure server: pages, node labels and ids, edges from dependent to dependency. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { discoverAzure, type DiscoverAzureOptions, type DiscoveryPage } from '../src/index.js';
import {
  armError,
  fixture,
  json,
  startFakeAzure,
  SUBSCRIPTION,
  tokenFor,
  type FakeAzure,
} from './support/fake-azure.js';
import { testOptions } from './support/options.js';

let azure: FakeAzure;
beforeAll(async () => {
  azure = await startFakeAzure();
});
afterAll(() => azure.close());
beforeEach(() => {
  azure.reset();
  azure.on('subscriptions.get', json(fixture('subscription-get.json')));
  azure.on('resourceGroups.list', json(fixture('resource-groups-list.json')));
  azure.on('virtualMachines.listAll', (request) =>
    json(fixture(request.query.get('$skiptoken') === 'page-2-token' ? 'vm-list-page2.json' : 'vm-list-page1.json')),
  );
  azure.on('networkInterfaces.get', json(fixture('nic-get.json')));
  azure.on('managedClusters.list', json(fixture('aks-list.json')));
  azure.on('agentPools.list', json(fixture('aks-agent-pools.json')));
  azure.on('servers.list', (request) =>
    json(request.query.get('$skipToken') === 'sql-2' ? '{"value":[]}' : fixture('sql-servers-list.json')),
  );
  azure.on('databases.listByServer', json(fixture('sql-databases-list.json')));
  azure.on('webApps.list', json(fixture('webapps-list.json')));
});

async function collect(extra: Partial<DiscoverAzureOptions> = {}): Promise<DiscoveryPage[]> {
  const pages: DiscoveryPage[] = [];
  for await (const page of discoverAzure({ ...testOptions(azure), org: 'acme', ...extra })) pages.push(page);
  return pages;
}

const sub = `/subscriptions/${SUBSCRIPTION}`;
const id = (path: string) => `${sub}${path}`.toLowerCase();

describe('discoverAzure', () => {
  it('streams one page per Azure page and follows every nextLink', async () => {
    const pages = await collect();
    // subscription, resource groups, 2 VM pages, 1 AKS cluster, 1 SQL server (its second page is empty), web apps
    expect(pages).toHaveLength(7);
    expect(azure.calls('virtualMachines.listAll').map((request) => request.query.get('$skiptoken'))).toEqual([
      null,
      'page-2-token',
    ]);
    expect(azure.calls('servers.list').map((request) => request.query.get('$skipToken'))).toEqual([null, 'sql-2']);
    expect(azure.calls('networkInterfaces.get')[0]?.path).toBe(
      `${sub}/resourceGroups/rg-prod/providers/Microsoft.Network/networkInterfaces/web-1-nic`,
    );
    expect(azure.calls('networkInterfaces.get')[0]?.query.get('api-version')).toBe('2024-05-01');
    expect(azure.calls('agentPools.list')[0]?.path).toBe(
      `${sub}/resourceGroups/rg-prod/providers/Microsoft.ContainerService/managedClusters/aks-prod/agentPools`,
    );
    for (const request of azure.armCalls()) {
      expect(request.headers.authorization).toBe(`Bearer ${tokenFor('https://management.azure.com/.default')}`);
    }
  });

  it('maps resources to lower-cased ARM-id nodes and dependency edges', async () => {
    const pages = await collect();
    const nodes = pages.flatMap((page) => page.nodes);
    const edges = pages.flatMap((page) => page.edges);
    for (const node of nodes) {
      expect(node.org).toBe('acme');
      expect(node.id).toBe(node.id.toLowerCase());
      expect(node.id.startsWith(`/subscriptions/`)).toBe(true);
      expect(node.labels.every((label) => /^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(label))).toBe(true);
      expect(typeof node.properties.kind).toBe('string');
      expect(typeof node.properties.region).toBe('string');
    }
    for (const edge of edges) expect(edge.type).toMatch(/^[A-Z][A-Z0-9_]*$/);
    const byId = new Map(nodes.map((node) => [node.id, node]));
    const has = (from: string, type: string, to: string) =>
      edges.some((edge) => edge.from === from && edge.type === type && edge.to === to);

    const vm = id('/resourceGroups/rg-prod/providers/Microsoft.Compute/virtualMachines/web-1');
    const nic = id('/resourceGroups/rg-prod/providers/Microsoft.Network/networkInterfaces/web-1-nic');
    const vnet = id('/resourceGroups/rg-network/providers/Microsoft.Network/virtualNetworks/vnet-prod');
    const subnet = `${vnet}/subnets/snet-web`;
    const group = id('/resourceGroups/rg-prod');
    expect(byId.get(sub.toLowerCase())).toMatchObject({
      labels: ['AzureSubscription'],
      properties: { kind: 'subscription', name: 'Production', status: 'Enabled' },
    });
    expect(byId.get(group)).toMatchObject({
      labels: ['ResourceGroup'],
      properties: { region: 'westeurope', tags: ['env=prod'] },
    });
    expect(byId.get(vm)).toMatchObject({
      labels: ['VirtualMachine'],
      properties: {
        kind: 'virtual-machine',
        region: 'westeurope',
        name: 'web-1',
        resourceGroup: 'rg-prod',
        subscriptionId: SUBSCRIPTION,
        vmSize: 'Standard_D2s_v5',
        status: 'Succeeded',
        tags: ['env=prod', 'team=web'],
        resourceId: `${sub}/resourceGroups/rg-prod/providers/Microsoft.Compute/virtualMachines/web-1`,
      },
    });
    expect(byId.get(nic)).toMatchObject({ labels: ['NetworkInterface'], properties: { privateIps: ['10.0.1.4'] } });
    expect(byId.get(subnet)?.labels).toEqual(['Subnet']);
    expect(byId.get(vnet)?.labels).toEqual(['VirtualNetwork']);
    expect(has(group, 'IN_SUBSCRIPTION', sub.toLowerCase())).toBe(true);
    expect(has(vm, 'IN_RESOURCE_GROUP', group)).toBe(true);
    expect(has(vm, 'IN_SUBSCRIPTION', sub.toLowerCase())).toBe(true);
    expect(has(vm, 'USES_NIC', nic)).toBe(true);
    expect(has(nic, 'IN_SUBNET', subnet)).toBe(true);
    expect(has(subnet, 'IN_VNET', vnet)).toBe(true);
    // A VM in a resource group spelled in capitals still points at the same (lower-cased) group id.
    expect(
      has(
        id('/resourceGroups/RG-BATCH/providers/Microsoft.Compute/virtualMachines/batch-7'),
        'IN_RESOURCE_GROUP',
        id('/resourceGroups/rg-batch'),
      ),
    ).toBe(true);

    const cluster = id('/resourceGroups/rg-prod/providers/Microsoft.ContainerService/managedClusters/aks-prod');
    const pool = `${cluster}/agentpools/system`;
    expect(byId.get(cluster)).toMatchObject({
      labels: ['AksCluster'],
      properties: { status: 'Running', version: '1.30.6' },
    });
    expect(byId.get(pool)).toMatchObject({ labels: ['AksAgentPool'], properties: { mode: 'System', count: 3 } });
    expect(has(pool, 'PART_OF', cluster)).toBe(true);
    expect(has(pool, 'IN_SUBNET', `${vnet}/subnets/snet-aks`)).toBe(true);

    const server = id('/resourceGroups/rg-data/providers/Microsoft.Sql/servers/sql-orders');
    const database = `${server}/databases/orders`;
    expect(byId.get(server)).toMatchObject({
      labels: ['SqlServer'],
      properties: { status: 'Ready', fqdn: 'sql-orders.database.windows.net' },
    });
    expect(byId.get(database)).toMatchObject({
      labels: ['SqlDatabase'],
      properties: { status: 'Online', sku: 'GP_Gen5' },
    });
    expect(has(database, 'PART_OF', server)).toBe(true);
    expect(has(database, 'IN_RESOURCE_GROUP', id('/resourceGroups/rg-data'))).toBe(true);

    const site = id('/resourceGroups/rg-web/providers/Microsoft.Web/sites/shop-api');
    const plan = id('/resourceGroups/rg-web/providers/Microsoft.Web/serverfarms/asp-prod');
    expect(byId.get(site)).toMatchObject({
      labels: ['WebApp'],
      properties: { status: 'Running', appKind: 'app,linux' },
    });
    expect(byId.get(plan)?.labels).toEqual(['AppServicePlan']);
    expect(has(site, 'RUNS_ON', plan)).toBe(true);
    expect(has(site, 'IN_SUBNET', `${vnet}/subnets/snet-web-integration`)).toBe(true);

    // Every edge's dependency that discovery emits at all is emitted before (or with) the edge.
    const seen = new Set<string>();
    let checked = 0;
    for (const page of pages) {
      for (const node of page.nodes) seen.add(node.id);
      for (const edge of page.edges) {
        if (!byId.has(edge.to)) continue;
        expect(seen.has(edge.to), edge.to).toBe(true);
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThan(20);
  });

  it('without a subscription walks every subscription the credential sees', async () => {
    azure.on(
      'subscriptions.list',
      json(fixture('subscriptions-list-page1.json')),
      json(fixture('subscriptions-list-page2.json')),
    );
    const pages = await collect({ subscriptionId: undefined });
    const subscriptions = pages
      .flatMap((page) => page.nodes)
      .filter((node) => node.labels.includes('AzureSubscription'));
    expect(subscriptions.map((node) => node.properties.name)).toEqual(['Production', 'Sandbox']);
    expect(azure.calls('subscriptions.list')).toHaveLength(2);
    expect(azure.calls('resourceGroups.list').map((request) => request.path)).toEqual([
      `${sub}/resourcegroups`,
      '/subscriptions/11111111-2222-4333-8444-555555555555/resourcegroups',
    ]);
  });

  it('uses the service principal of a resolved secret', async () => {
    await collect({
      credential: undefined,
      secret: {
        tenant_id: 'fabrikam.onmicrosoft.com',
        client_id: '7b7b7b7b-1111-4222-8333-944444444444',
        client_secret: 'discovery~secret',
      },
    });
    const [token] = azure.calls('token');
    expect(token?.path).toBe('/fabrikam.onmicrosoft.com/oauth2/v2.0/token');
    expect(token?.form.get('client_id')).toBe('7b7b7b7b-1111-4222-8333-944444444444');
  });

  it('fails with a typed error when a call is denied', async () => {
    azure.on('virtualMachines.listAll', armError('AuthorizationFailed', 403));
    await expect(collect()).rejects.toMatchObject({
      code: 'FORBIDDEN',
      details: { operation: 'virtualMachines.listAll' },
    });
  });
});
