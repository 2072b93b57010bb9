/**
 * Subscription, resource group, AKS, SQL, App Service, Azure Monitor metrics and Log
 * Analytics tools through the real Azure SDK clients (AutoRest and TypeSpec ARM clients,
 * the REST-level client, LogsQueryClient) against the local fake Azure server.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAzurePlugin } from '../src/index.js';
import { runTool } from './support/call-tool.js';
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
beforeEach(() => azure.reset());

const plugin = (extra = {}) => createAzurePlugin(testOptions(azure, extra));
const ARM_TOKEN = `Bearer ${tokenFor('https://management.azure.com/.default')}`;
const RG = (group: string) => `/subscriptions/${SUBSCRIPTION}/resourceGroups/${group}`;

describe('subscriptions and resource groups', () => {
  it('subscriptions_list pages through nextLink', async () => {
    azure.on(
      'subscriptions.list',
      json(fixture('subscriptions-list-page1.json')),
      json(fixture('subscriptions-list-page2.json')),
    );
    const first = await runTool(plugin(), 'subscriptions_list', {});
    expect(first).toMatchObject({
      subscriptions: [
        {
          subscriptionId: SUBSCRIPTION,
          displayName: 'Production',
          state: 'Enabled',
          tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
        },
      ],
      truncated: false,
    });
    const second = await runTool(plugin(), 'subscriptions_list', { nextToken: first.nextToken });
    expect(second).toEqual({
      subscriptions: [expect.objectContaining({ displayName: 'Sandbox', state: 'Warned' })],
      truncated: false,
    });
    const [one, two] = azure.calls('subscriptions.list');
    expect(one).toMatchObject({ method: 'GET', path: '/subscriptions' });
    expect(one?.query.get('api-version')).toBe('2022-12-01');
    expect(one?.headers.authorization).toBe(ARM_TOKEN);
    expect(two?.query.get('$skiptoken')).toBe('subs-2');
    expect(two?.headers.authorization).toBe(ARM_TOKEN);
  });

  it('subscriptions_list maps a 401 InvalidAuthenticationToken to FORBIDDEN', async () => {
    azure.on('subscriptions.list', armError('InvalidAuthenticationToken', 401));
    await expect(runTool(plugin(), 'subscriptions_list', {})).rejects.toMatchObject({
      code: 'FORBIDDEN',
      details: { operation: 'subscriptions.list', azureCode: 'InvalidAuthenticationToken', httpStatus: 401 },
    });
  });

  it('resource_groups_list lists the default subscription', async () => {
    azure.on('resourceGroups.list', json(fixture('resource-groups-list.json')));
    const result = await runTool(plugin(), 'resource_groups_list', {});
    expect(result).toEqual({
      resourceGroups: [
        {
          name: 'rg-prod',
          id: RG('rg-prod'),
          location: 'westeurope',
          provisioningState: 'Succeeded',
          tags: { env: 'prod' },
        },
        {
          name: 'MC_rg-prod_aks-prod_westeurope',
          id: RG('MC_rg-prod_aks-prod_westeurope'),
          location: 'westeurope',
          provisioningState: 'Succeeded',
          managedBy: `${RG('rg-prod')}/providers/Microsoft.ContainerService/managedClusters/aks-prod`,
          tags: {},
        },
      ],
      truncated: false,
    });
    const [request] = azure.calls('resourceGroups.list');
    expect(request?.path).toBe(`/subscriptions/${SUBSCRIPTION}/resourcegroups`);
    expect(request?.headers.authorization).toBe(ARM_TOKEN);
  });

  it('without any subscription: CONFIGURATION_ERROR saying where to set one, before any request', async () => {
    const error = await runTool(plugin({ subscriptionId: undefined }), 'resource_groups_list', {}).catch(
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({ code: 'CONFIGURATION_ERROR', details: { setting: 'subscriptionId' } });
    expect((error as Error).message).toMatch(/subscriptionId.*subscription_id.*AZURE_SUBSCRIPTION_ID/);
    expect(azure.requests).toHaveLength(0);
  });

  it('refuses a subscriptionId that is not a GUID', async () => {
    await expect(runTool(plugin(), 'resource_groups_list', { subscriptionId: 'prod' })).rejects.toThrow();
    expect(azure.requests).toHaveLength(0);
  });
});

describe('AKS', () => {
  it('aks_list_clusters summarizes clusters', async () => {
    azure.on('managedClusters.list', json(fixture('aks-list.json')));
    const result = await runTool(plugin(), 'aks_list_clusters', {});
    expect(result).toEqual({
      clusters: [
        {
          name: 'aks-prod',
          id: `/subscriptions/${SUBSCRIPTION}/resourcegroups/rg-prod/providers/Microsoft.ContainerService/managedClusters/aks-prod`,
          resourceGroup: 'rg-prod',
          location: 'westeurope',
          kubernetesVersion: '1.30.6',
          provisioningState: 'Succeeded',
          powerState: 'Running',
          fqdn: 'aks-prod-dns-1a2b3c4d.hcp.westeurope.azmk8s.io',
          nodeResourceGroup: 'MC_rg-prod_aks-prod_westeurope',
          agentPools: ['system', 'user'],
          tags: { env: 'prod' },
        },
      ],
      truncated: false,
    });
    const [request] = azure.calls('managedClusters.list');
    expect(request?.path).toBe(`/subscriptions/${SUBSCRIPTION}/providers/Microsoft.ContainerService/managedClusters`);
    expect(request?.headers.authorization).toBe(ARM_TOKEN);
  });

  it('aks_list_clusters of one resource group', async () => {
    azure.on('managedClusters.listByResourceGroup', json(fixture('aks-list.json')));
    await runTool(plugin(), 'aks_list_clusters', { resourceGroup: 'rg-prod' });
    expect(azure.calls('managedClusters.listByResourceGroup')[0]?.path).toBe(
      `${RG('rg-prod')}/providers/Microsoft.ContainerService/managedClusters`,
    );
  });

  it('aks_get_cluster returns networking and pools', async () => {
    azure.on('managedClusters.get', json(fixture('aks-get.json')));
    const result = await runTool(plugin(), 'aks_get_cluster', { resourceGroup: 'rg-prod', name: 'aks-prod' });
    expect(result).toMatchObject({
      name: 'aks-prod',
      skuTier: 'Standard',
      identityType: 'SystemAssigned',
      networkPlugin: 'azure',
      networkPolicy: 'calico',
      serviceCidr: '10.0.0.0/16',
      privateCluster: false,
      enableRbac: true,
      agentPoolProfiles: [
        { name: 'system', mode: 'System', vmSize: 'Standard_D4ds_v5', count: 3, minCount: 3, maxCount: 5 },
        { name: 'user', mode: 'User', vmSize: 'Standard_D8ds_v5', count: 2 },
      ],
    });
    expect(azure.calls('managedClusters.get')[0]?.path).toBe(
      `${RG('rg-prod')}/providers/Microsoft.ContainerService/managedClusters/aks-prod`,
    );
  });

  it('aks_list_agent_pools returns sizing and states', async () => {
    azure.on('agentPools.list', json(fixture('aks-agent-pools.json')));
    const result = await runTool(plugin(), 'aks_list_agent_pools', {
      resourceGroup: 'rg-prod',
      clusterName: 'aks-prod',
    });
    expect(result).toMatchObject({
      clusterName: 'aks-prod',
      agentPools: [
        {
          name: 'system',
          mode: 'System',
          count: 3,
          enableAutoScaling: true,
          orchestratorVersion: '1.30.6',
          nodeImageVersion: 'AKSUbuntu-2204gen2containerd-202411.12.0',
          powerState: 'Running',
          availabilityZones: ['1', '2', '3'],
        },
        { name: 'user', powerState: 'Stopped', availabilityZones: [] },
      ],
      truncated: false,
    });
    expect(azure.calls('agentPools.list')[0]?.path).toBe(
      `${RG('rg-prod')}/providers/Microsoft.ContainerService/managedClusters/aks-prod/agentPools`,
    );
  });

  it('aks_get_cluster maps ResourceNotFound to NOT_FOUND', async () => {
    azure.on('managedClusters.get', armError('ResourceNotFound', 404));
    await expect(
      runTool(plugin(), 'aks_get_cluster', { resourceGroup: 'rg-prod', name: 'nope' }),
    ).rejects.toMatchObject({
      code: 'NOT_FOUND',
      details: { operation: 'managedClusters.get', azureCode: 'ResourceNotFound' },
    });
  });
});

describe('SQL (AutoRest client)', () => {
  it('sql_list_servers pages through nextLink', async () => {
    azure.on('servers.list', json(fixture('sql-servers-list.json')), json('{"value":[]}'));
    const first = await runTool(plugin(), 'sql_list_servers', {});
    expect(first).toMatchObject({
      servers: [
        {
          name: 'sql-orders',
          resourceGroup: 'rg-data',
          location: 'westeurope',
          version: '12.0',
          state: 'Ready',
          fullyQualifiedDomainName: 'sql-orders.database.windows.net',
          publicNetworkAccess: 'Disabled',
          minimalTlsVersion: '1.2',
          administratorLogin: 'sqladmin',
          tags: { env: 'prod' },
        },
      ],
    });
    const second = await runTool(plugin(), 'sql_list_servers', { nextToken: first.nextToken });
    expect(second).toEqual({ servers: [], truncated: false });
    const [one, two] = azure.calls('servers.list');
    expect(one?.path).toBe(`/subscriptions/${SUBSCRIPTION}/providers/Microsoft.Sql/servers`);
    expect(one?.headers.authorization).toBe(ARM_TOKEN);
    expect(two?.query.get('$skipToken')).toBe('sql-2');
  });

  it('sql_get_server, sql_list_databases and sql_get_database', async () => {
    azure.on('servers.get', json(fixture('sql-server-get.json')));
    azure.on('databases.listByServer', json(fixture('sql-databases-list.json')));
    azure.on('databases.get', json(fixture('sql-database-get.json')));
    expect(await runTool(plugin(), 'sql_get_server', { resourceGroup: 'rg-data', name: 'sql-orders' })).toMatchObject({
      name: 'sql-orders',
      state: 'Ready',
    });
    const databases = await runTool(plugin(), 'sql_list_databases', {
      resourceGroup: 'rg-data',
      serverName: 'sql-orders',
    });
    expect(databases).toMatchObject({
      databases: [
        {
          name: 'orders',
          serverName: 'sql-orders',
          status: 'Online',
          sku: 'GP_Gen5',
          tier: 'GeneralPurpose',
          capacity: 2,
          maxSizeBytes: 34359738368,
          zoneRedundant: true,
          creationDate: '2024-05-02T09:21:13.317Z',
          earliestRestoreDate: '2024-11-15T00:00:00.000Z',
          tags: { app: 'orders' },
        },
        { name: 'master', tier: 'System' },
      ],
      truncated: false,
    });
    const database = await runTool(plugin(), 'sql_get_database', {
      resourceGroup: 'rg-data',
      serverName: 'sql-orders',
      name: 'orders',
    });
    expect(database).toMatchObject({ name: 'orders', status: 'Online' });
    expect(azure.calls('databases.listByServer')[0]?.path).toBe(
      `${RG('rg-data')}/providers/Microsoft.Sql/servers/sql-orders/databases`,
    );
    expect(azure.calls('databases.get')[0]?.path).toBe(
      `${RG('rg-data')}/providers/Microsoft.Sql/servers/sql-orders/databases/orders`,
    );
    expect(azure.calls('databases.get')[0]?.headers.authorization).toBe(ARM_TOKEN);
  });

  it('an AutoRest 403 keeps the Azure code and names the action', async () => {
    azure.on(
      'servers.get',
      armError(
        'AuthorizationFailed',
        403,
        "The client 'x' with object id 'y' does not have authorization to perform action 'Microsoft.Sql/servers/read' over scope 'z'.",
      ),
    );
    await expect(
      runTool(plugin(), 'sql_get_server', { resourceGroup: 'rg-data', name: 'sql-orders' }),
    ).rejects.toMatchObject({
      code: 'FORBIDDEN',
      details: { azureCode: 'AuthorizationFailed', action: 'Microsoft.Sql/servers/read', httpStatus: 403 },
    });
  });
});

describe('App Service', () => {
  it('webapp_list and webapp_get', async () => {
    azure.on('webApps.list', json(fixture('webapps-list.json')));
    azure.on('webApps.get', json(fixture('webapp-get.json')));
    const list = await runTool(plugin(), 'webapp_list', {});
    expect(list).toEqual({
      webApps: [
        {
          name: 'shop-api',
          id: `${RG('rg-web')}/providers/Microsoft.Web/sites/shop-api`,
          resourceGroup: 'rg-web',
          location: 'West Europe',
          kind: 'app,linux',
          state: 'Running',
          enabled: true,
          defaultHostName: 'shop-api.azurewebsites.net',
          appServicePlanId: `${RG('rg-web')}/providers/Microsoft.Web/serverfarms/asp-prod`,
          httpsOnly: true,
          tags: { env: 'prod' },
        },
      ],
      truncated: false,
    });
    const site = await runTool(plugin(), 'webapp_get', { resourceGroup: 'rg-web', name: 'shop-api' });
    expect(site).toMatchObject({
      availabilityState: 'Normal',
      hostNames: ['shop-api.azurewebsites.net', 'api.shop.example'],
      linuxFxVersion: 'NODE|20-lts',
      alwaysOn: true,
      numberOfWorkers: 2,
      minTlsVersion: '1.2',
      ftpsState: 'Disabled',
      healthCheckPath: '/healthz',
      outboundIpAddresses: ['20.50.2.1', '20.50.2.2'],
      publicNetworkAccess: 'Enabled',
    });
    expect(azure.calls('webApps.list')[0]?.path).toBe(`/subscriptions/${SUBSCRIPTION}/providers/Microsoft.Web/sites`);
    expect(azure.calls('webApps.get')[0]?.path).toBe(`${RG('rg-web')}/providers/Microsoft.Web/sites/shop-api`);
    expect(azure.calls('webApps.get')[0]?.headers.authorization).toBe(ARM_TOKEN);
  });
});

describe('Azure Monitor metrics', () => {
  const resourceId = `${RG('rg-prod')}/providers/Microsoft.Compute/virtualMachines/web-1`;

  it('sends metric names, timespan, interval and aggregations, and returns the series', async () => {
    azure.on('metrics.list', json(fixture('metrics-list.json')));
    const result = await runTool(plugin(), 'monitor_get_metrics', {
      resourceId,
      metricNames: ['Percentage CPU', 'Network In Total'],
      timespan: '2024-11-22T10:00:00Z/2024-11-22T10:15:00Z',
      interval: 'PT5M',
      aggregations: ['Average', 'Maximum'],
      filter: "lun eq '*'",
    });
    expect(result).toEqual({
      timespan: '2024-11-22T10:00:00Z/2024-11-22T10:15:00Z',
      interval: 'PT5M',
      namespace: 'Microsoft.Compute/virtualMachines',
      resourceRegion: 'westeurope',
      metrics: [
        {
          name: 'Percentage CPU',
          unit: 'Percent',
          timeseries: [
            {
              dimensions: {},
              points: [
                { timeStamp: '2024-11-22T10:00:00.000Z', average: 12.5, maximum: 30.1 },
                { timeStamp: '2024-11-22T10:05:00.000Z', average: 81.2, maximum: 99.4 },
                { timeStamp: '2024-11-22T10:10:00.000Z', average: 77.9, maximum: 97 },
              ],
            },
          ],
        },
        {
          name: 'Network In Total',
          unit: 'Bytes',
          timeseries: [
            { dimensions: { lun: '0' }, points: [{ timeStamp: '2024-11-22T10:00:00.000Z', average: 1024 }] },
          ],
        },
      ],
      truncated: false,
    });
    const [request] = azure.calls('metrics.list');
    expect(request?.path).toBe(`${resourceId}/providers/Microsoft.Insights/metrics`);
    expect(Object.fromEntries(request!.query)).toMatchObject({
      metricnames: 'Percentage CPU,Network In Total',
      timespan: '2024-11-22T10:00:00.000Z/2024-11-22T10:15:00.000Z',
      interval: 'PT5M',
      aggregation: 'Average,Maximum',
      $filter: "lun eq '*'",
    });
    expect(request?.headers.authorization).toBe(ARM_TOKEN);
  });

  it('cuts points to maxDatapoints and continues with nextToken', async () => {
    azure.on('metrics.list', json(fixture('metrics-list.json')));
    const args = {
      resourceId,
      metricNames: ['Percentage CPU'],
      timespan: '2024-11-22T10:00:00Z/2024-11-22T10:15:00Z',
      maxDatapoints: 2,
    };
    const first = await runTool(plugin(), 'monitor_get_metrics', args);
    expect(first.truncated).toBe(true);
    const points = (result: Record<string, unknown>) =>
      (result.metrics as { timeseries: { points: { timeStamp: string }[] }[] }[]).flatMap((metric) =>
        metric.timeseries.flatMap((series) => series.points.map((point) => point.timeStamp)),
      );
    expect(points(first)).toEqual(['2024-11-22T10:00:00.000Z', '2024-11-22T10:05:00.000Z']);
    const second = await runTool(plugin(), 'monitor_get_metrics', { ...args, nextToken: first.nextToken });
    expect(points(second)).toEqual(['2024-11-22T10:10:00.000Z', '2024-11-22T10:00:00.000Z']);
    expect(second.truncated).toBe(false);
  });

  it('a duration timespan ends now; a bad metric name is INVALID_INPUT with what Azure said', async () => {
    azure.on(
      'metrics.list',
      armError(
        'BadRequest',
        400,
        'Failed to find metric configuration for provider: Microsoft.Compute, resource Type: virtualMachines, metric: Percentage CPUU',
      ),
    );
    const error = await runTool(plugin(), 'monitor_get_metrics', {
      resourceId,
      metricNames: ['Percentage CPUU'],
      timespan: 'PT30M',
    }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'INVALID_INPUT', details: { azureCode: 'BadRequest', httpStatus: 400 } });
    expect((error as Error).message).toContain('Failed to find metric configuration');
    const [start, end] = azure.calls('metrics.list')[0]!.query.get('timespan')!.split('/');
    expect(Date.parse(end!) - Date.parse(start!)).toBe(30 * 60_000);
    expect(Math.abs(Date.now() - Date.parse(end!))).toBeLessThan(60_000);
  });
});

describe('Log Analytics', () => {
  const workspaceId = '3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b';

  it('posts the KQL and timespan with a Log Analytics token, and returns typed tables', async () => {
    azure.on('logs.query', json(fixture('logs-query.json')));
    const result = await runTool(plugin(), 'log_analytics_query', {
      workspaceId,
      query: "AzureActivity | where ActivityStatusValue == 'Failure' | take 50",
      timespan: 'P1D',
      serverTimeoutSeconds: 30,
    });
    expect(result).toEqual({
      status: 'Success',
      tables: [
        {
          name: 'PrimaryResult',
          columns: [
            { name: 'TimeGenerated', type: 'datetime' },
            { name: 'OperationNameValue', type: 'string' },
            { name: 'ActivityStatusValue', type: 'string' },
            { name: 'Count', type: 'long' },
            { name: 'Properties_d', type: 'dynamic' },
          ],
          rows: [
            [
              '2024-11-22T10:01:00.000Z',
              'MICROSOFT.COMPUTE/VIRTUALMACHINES/DEALLOCATE/ACTION',
              'Failure',
              3,
              expect.anything(),
            ],
            ['2024-11-22T10:02:00.000Z', 'MICROSOFT.COMPUTE/VIRTUALMACHINES/START/ACTION', 'Success', 1, null],
            ['2024-11-22T10:03:00.000Z', 'MICROSOFT.SQL/SERVERS/DATABASES/WRITE', 'Success', 2, null],
          ],
        },
      ],
      totalRows: 3,
      truncated: false,
    });
    const [request] = azure.calls('logs.query');
    expect(request).toMatchObject({ method: 'POST', path: `/v1/workspaces/${workspaceId}/query` });
    expect(request?.json).toEqual({
      query: "AzureActivity | where ActivityStatusValue == 'Failure' | take 50",
      timespan: 'P1D',
    });
    expect(request?.headers.prefer).toBe('wait=30');
    expect(request?.headers.authorization).toBe(`Bearer ${tokenFor('https://api.loganalytics.io/.default')}`);
    // A second scope: the credential asked Entra ID for a Log Analytics token.
    expect(azure.calls('token').map((token) => token.form.get('scope'))).toContain(
      'https://api.loganalytics.io/.default',
    );
  });

  it('pages rows with maxRows and reports a partial failure', async () => {
    azure.on('logs.query', json(fixture('logs-query.json')));
    const args = {
      workspaceId,
      query: 'AzureActivity | sort by TimeGenerated asc',
      timespan: '2024-11-22T10:00:00Z/2024-11-22T11:00:00Z',
      maxRows: 2,
    };
    const first = await runTool(plugin(), 'log_analytics_query', args);
    expect(first).toMatchObject({ totalRows: 3, truncated: true });
    expect((first.tables as { rows: unknown[] }[])[0]?.rows).toHaveLength(2);
    const second = await runTool(plugin(), 'log_analytics_query', { ...args, nextToken: first.nextToken });
    expect((second.tables as { rows: unknown[][] }[])[0]?.rows.map((row) => row[2])).toEqual(['Success']);
    expect(azure.calls('logs.query')[0]?.json).toMatchObject({
      timespan: '2024-11-22T10:00:00.000Z/2024-11-22T11:00:00.000Z',
    });
    azure.on('logs.query', json(fixture('logs-query-partial.json')));
    const partial = await runTool(plugin(), 'log_analytics_query', { workspaceId, query: 'Heartbeat' });
    expect(partial).toMatchObject({
      status: 'PartialFailure',
      partialError: { code: 'PartialError' },
      tables: [{ rows: [['web-1']] }],
    });
  });

  it('a KQL error is INVALID_INPUT with what Azure said; a missing workspace is NOT_FOUND', async () => {
    azure.on(
      'logs.query',
      json(
        JSON.stringify({
          error: {
            code: 'BadArgumentError',
            message: 'The request had some invalid properties',
            innererror: {
              code: 'SemanticError',
              message: "'where' operator: Failed to resolve column or scalar expression named 'Foo'",
            },
          },
        }),
        400,
      ),
    );
    const error = await runTool(plugin(), 'log_analytics_query', {
      workspaceId,
      query: 'AzureActivity | where Foo == 1',
    }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      code: 'INVALID_INPUT',
      details: { operation: 'logs.queryWorkspace', httpStatus: 400 },
    });
    azure.on(
      'logs.query',
      json(
        JSON.stringify({ error: { code: 'WorkspaceNotFoundError', message: 'The workspace could not be found' } }),
        404,
      ),
    );
    await expect(runTool(plugin(), 'log_analytics_query', { workspaceId, query: 'Heartbeat' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      details: { azureCode: 'WorkspaceNotFoundError' },
    });
  });
});
