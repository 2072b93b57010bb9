import { defineTool, type AnyToolDefinition } from '@aurora-ops/core/plugin-sdk';
import { sqladmin_v1 } from '@googleapis/sqladmin/build/v1.js';
import { z } from 'zod';
import { GCP_CREDENTIAL_SLOT } from '../credentials.js';
import { gcpCall } from '../errors.js';
import type { GcpCall } from '../gcp-options.js';
import {
  compact,
  fetchPage,
  lastSegment,
  maxResultsField,
  nextOf,
  nextTokenField,
  opt,
  pageOutput,
  projectField,
} from '../pagination.js';
import { labelRecord, methodOptions, type ToolKit } from './gcp-tool.js';

const SQL_INSTANCE = z
  .string()
  .regex(/^[a-z]([-a-z0-9]{0,96}[a-z0-9])?$/, 'a Cloud SQL instance name (lower-case letters, digits, hyphens)');

const sqlSummary = z.object({
  name: z.string(),
  databaseVersion: z.string().optional(),
  state: z.string(),
  region: z.string().optional(),
  zone: z.string().optional(),
  tier: z.string().optional(),
  edition: z.string().optional(),
  availabilityType: z.string().optional().describe('ZONAL or REGIONAL (high availability)'),
  instanceType: z.string().optional(),
  primary: z.string().optional().describe('The primary of a read replica'),
  connectionName: z.string().optional(),
  ipAddresses: z.array(z.object({ type: z.string(), address: z.string() })),
  privateNetwork: z.string().optional(),
  labels: z.record(z.string(), z.string()),
});

function summarize(instance: sqladmin_v1.Schema$DatabaseInstance) {
  return compact({
    name: instance.name ?? '',
    databaseVersion: opt(instance.databaseVersion),
    state: instance.state ?? 'SQL_INSTANCE_STATE_UNSPECIFIED',
    region: opt(instance.region),
    zone: opt(instance.gceZone),
    tier: opt(instance.settings?.tier),
    edition: opt(instance.settings?.edition),
    availabilityType: opt(instance.settings?.availabilityType),
    instanceType: opt(instance.instanceType),
    primary: opt(instance.masterInstanceName),
    connectionName: opt(instance.connectionName),
    ipAddresses: (instance.ipAddresses ?? []).map((ip) => ({
      type: ip.type ?? 'UNKNOWN',
      address: ip.ipAddress ?? '',
    })),
    privateNetwork: opt(instance.settings?.ipConfiguration?.privateNetwork),
    labels: labelRecord(instance.settings?.userLabels),
  });
}

/** Cloud SQL: instances. */
export function sqlTools(kit: ToolKit): AnyToolDefinition[] {
  const { budget } = kit;
  const instances = (call: GcpCall) => new sqladmin_v1.Sqladmin(call.client('sqladmin')).instances;

  const list = defineTool({
    name: 'sql_list_instances',
    title: 'List Cloud SQL instances',
    description:
      'Cloud SQL instances of a project with engine version, state, region, tier, availability, IP addresses and labels; filter with a Cloud SQL filter (e.g. settings.userLabels.env:prod). Paginated.',
    input: z.object({
      project: projectField,
      filter: z.string().min(1).max(1024).optional(),
      maxResults: maxResultsField(500, 100),
      nextToken: nextTokenField,
    }),
    output: z.object({ instances: z.array(sqlSummary), ...pageOutput }),
    risk: 'read',
    credentials: [GCP_CREDENTIAL_SLOT],
    handler: async (input, context) => {
      const call = await kit.call(context, input.project);
      const page = await fetchPage(input.nextToken, budget, async (token) => {
        const { data } = await gcpCall('sql.instances.list', () =>
          instances(call).list(
            {
              project: call.project,
              maxResults: input.maxResults,
              ...(input.filter === undefined ? {} : { filter: input.filter }),
              ...(token === undefined ? {} : { pageToken: token }),
            },
            methodOptions(call),
          ),
        );
        return { items: (data.items ?? []).map(summarize), next: nextOf(data.nextPageToken) };
      });
      return { instances: page.items, ...compact({ nextToken: page.nextToken }), truncated: page.truncated };
    },
  });

  const get = defineTool({
    name: 'sql_get_instance',
    title: 'Get a Cloud SQL instance',
    description:
      'One Cloud SQL instance: state, engine, tier, availability, storage, backups, network, replicas, maintenance and labels.',
    input: z.object({ project: projectField, instance: SQL_INSTANCE }),
    output: sqlSummary.extend({
      created: z.string().optional(),
      diskSizeGb: z.string().optional(),
      diskType: z.string().optional(),
      storageAutoResize: z.boolean().optional(),
      backupsEnabled: z.boolean().optional(),
      pointInTimeRecovery: z.boolean().optional(),
      publicIp: z.boolean().optional(),
      requireSsl: z.boolean().optional(),
      deletionProtection: z.boolean().optional(),
      replicas: z.array(z.string()),
      serviceAccount: z.string().optional(),
      suspensionReasons: z.array(z.string()),
      maintenanceVersion: z.string().optional(),
    }),
    risk: 'read',
    credentials: [GCP_CREDENTIAL_SLOT],
    handler: async (input, context) => {
      const call = await kit.call(context, input.project);
      const { data } = await gcpCall('sql.instances.get', () =>
        instances(call).get({ project: call.project, instance: input.instance }, methodOptions(call)),
      );
      const settings = data.settings;
      return {
        ...summarize(data),
        ...compact({
          created: opt(data.createTime),
          diskSizeGb: opt(settings?.dataDiskSizeGb),
          diskType: opt(settings?.dataDiskType),
          storageAutoResize: opt(settings?.storageAutoResize),
          backupsEnabled: opt(settings?.backupConfiguration?.enabled),
          pointInTimeRecovery: opt(
            settings?.backupConfiguration?.pointInTimeRecoveryEnabled ??
              settings?.backupConfiguration?.binaryLogEnabled,
          ),
          publicIp: opt(settings?.ipConfiguration?.ipv4Enabled),
          requireSsl: opt(settings?.ipConfiguration?.requireSsl),
          deletionProtection: opt(settings?.deletionProtectionEnabled),
          serviceAccount: opt(data.serviceAccountEmailAddress),
          maintenanceVersion: opt(data.maintenanceVersion),
        }),
        replicas: (data.replicaNames ?? []).map((name) => lastSegment(name) ?? name),
        suspensionReasons: data.suspensionReason ?? [],
      };
    },
  });

  return [list, get] as AnyToolDefinition[];
}
