import { defineTool, type AnyToolDefinition, type ToolContext } from '@aurora-ops/core/plugin-sdk';
import { getContinuationToken as sqlLink, SqlManagementClient, type Database, type Server } from '@azure/arm-sql';
import { z } from 'zod';
import { requireSubscription, type ToolEnvironment } from '../azure-options.js';
import { AZURE_CREDENTIAL_SLOT } from '../credentials.js';
import { azureCall } from '../errors.js';
import {
  compact,
  fetchPage,
  firstPage,
  iso,
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

const SERVER_NAME = resourceName('a SQL server');
const DATABASE_NAME = resourceName('a SQL database');

const serverOutput = z.object({
  name: z.string(),
  id: z.string(),
  resourceGroup: z.string().optional(),
  location: z.string(),
  version: z.string().optional(),
  state: z.string().optional(),
  fullyQualifiedDomainName: z.string().optional(),
  publicNetworkAccess: z.string().optional(),
  minimalTlsVersion: z.string().optional(),
  administratorLogin: z.string().optional(),
  tags: z.record(z.string(), z.string()),
});

function server(value: Server) {
  return compact({
    name: value.name ?? '',
    id: value.id ?? '',
    resourceGroup: parseResourceId(value.id).resourceGroup,
    location: value.location,
    version: value.version,
    state: value.state,
    fullyQualifiedDomainName: value.fullyQualifiedDomainName,
    publicNetworkAccess: value.publicNetworkAccess,
    minimalTlsVersion: value.minimalTlsVersion,
    administratorLogin: value.administratorLogin,
    tags: tagRecord(value.tags),
  });
}

const databaseOutput = z.object({
  name: z.string(),
  id: z.string(),
  serverName: z.string().optional(),
  location: z.string(),
  status: z.string().optional(),
  sku: z.string().optional(),
  tier: z.string().optional(),
  capacity: z.number().optional(),
  maxSizeBytes: z.number().optional(),
  zoneRedundant: z.boolean().optional(),
  elasticPoolId: z.string().optional(),
  creationDate: z.string().optional(),
  earliestRestoreDate: z.string().optional(),
  tags: z.record(z.string(), z.string()),
});

function database(value: Database) {
  const segments = (value.id ?? '').split('/');
  const serverIndex = segments.findIndex((segment) => segment.toLowerCase() === 'servers');
  return compact({
    name: value.name ?? '',
    id: value.id ?? '',
    serverName: serverIndex === -1 ? undefined : segments[serverIndex + 1],
    location: value.location,
    status: value.status,
    sku: value.currentSku?.name ?? value.sku?.name,
    tier: value.currentSku?.tier ?? value.sku?.tier,
    capacity: value.currentSku?.capacity ?? value.sku?.capacity,
    maxSizeBytes: value.maxSizeBytes,
    zoneRedundant: value.zoneRedundant,
    elasticPoolId: value.elasticPoolId,
    creationDate: iso(value.creationDate),
    earliestRestoreDate: iso(value.earliestRestoreDate),
    tags: tagRecord(value.tags),
  });
}

/** Azure SQL: logical servers and their databases. */
export function sqlTools(environment: ToolEnvironment): AnyToolDefinition[] {
  const client = async (context: ToolContext, subscriptionId: string | undefined) => {
    const call = await environment.call(context, subscriptionId);
    return new SqlManagementClient(call.credential, requireSubscription(call), call.classic);
  };
  const page = { budget: environment.budget, origin: environment.origin };

  const listServers = defineTool({
    name: 'sql_list_servers',
    title: 'List Azure SQL servers',
    description:
      'Azure SQL logical servers of a subscription, or of one resource group, with version, state, FQDN and network access. Paginated.',
    input: z.object(scopedListInput),
    output: z.object({ servers: z.array(serverOutput), ...pageOutput }),
    risk: 'read',
    credentials: [AZURE_CREDENTIAL_SLOT],
    handler: async (input, context) => {
      const sql = await client(context, input.subscriptionId);
      const options = { abortSignal: context.signal };
      const result = await fetchPage({ ...input, ...page }, async (link) => {
        const found = await azureCall('servers.list', () =>
          firstPage(
            input.resourceGroup === undefined
              ? sql.servers.list(options)
              : sql.servers.listByResourceGroup(input.resourceGroup, options),
            link,
            sqlLink,
          ),
        );
        return { items: found.items.map(server), next: found.next };
      });
      return { servers: result.items, ...compact({ nextToken: result.nextToken }), truncated: result.truncated };
    },
  });

  const getServer = defineTool({
    name: 'sql_get_server',
    title: 'Get an Azure SQL server',
    description: 'One Azure SQL logical server: version, state, FQDN, network access, TLS minimum and tags.',
    input: z.object({ subscriptionId: subscriptionField, resourceGroup: resourceGroupName, name: SERVER_NAME }),
    output: serverOutput,
    risk: 'read',
    credentials: [AZURE_CREDENTIAL_SLOT],
    handler: async (input, context) => {
      const sql = await client(context, input.subscriptionId);
      return server(
        await azureCall('servers.get', () =>
          sql.servers.get(input.resourceGroup, input.name, { abortSignal: context.signal }),
        ),
      );
    },
  });

  const listDatabases = defineTool({
    name: 'sql_list_databases',
    title: 'List Azure SQL databases',
    description:
      'Databases of one Azure SQL server with status, SKU, size limit, zone redundancy and restore window. Paginated.',
    input: z.object({
      subscriptionId: subscriptionField,
      resourceGroup: resourceGroupName,
      serverName: SERVER_NAME,
      maxResults: maxResultsField(1000, 100),
      nextToken: nextTokenField,
    }),
    output: z.object({ databases: z.array(databaseOutput), ...pageOutput }),
    risk: 'read',
    credentials: [AZURE_CREDENTIAL_SLOT],
    handler: async (input, context) => {
      const sql = await client(context, input.subscriptionId);
      const result = await fetchPage({ ...input, ...page }, async (link) => {
        const found = await azureCall('databases.listByServer', () =>
          firstPage(
            sql.databases.listByServer(input.resourceGroup, input.serverName, { abortSignal: context.signal }),
            link,
            sqlLink,
          ),
        );
        return { items: found.items.map(database), next: found.next };
      });
      return { databases: result.items, ...compact({ nextToken: result.nextToken }), truncated: result.truncated };
    },
  });

  const getDatabase = defineTool({
    name: 'sql_get_database',
    title: 'Get an Azure SQL database',
    description: 'One Azure SQL database: status, SKU and capacity, size limit, zone redundancy, restore window, tags.',
    input: z.object({
      subscriptionId: subscriptionField,
      resourceGroup: resourceGroupName,
      serverName: SERVER_NAME,
      name: DATABASE_NAME,
    }),
    output: databaseOutput,
    risk: 'read',
    credentials: [AZURE_CREDENTIAL_SLOT],
    handler: async (input, context) => {
      const sql = await client(context, input.subscriptionId);
      return database(
        await azureCall('databases.get', () =>
          sql.databases.get(input.resourceGroup, input.serverName, input.name, { abortSignal: context.signal }),
        ),
      );
    },
  });

  return [listServers, getServer, listDatabases, getDatabase] as AnyToolDefinition[];
}
