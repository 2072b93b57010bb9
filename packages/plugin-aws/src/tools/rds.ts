import { defineTool, type AnyToolDefinition, type ToolContext } from '@aurora-ops/core/plugin-sdk';
import {
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { z } from 'zod';
import { clientConfigFor, DEFAULT_OUTPUT_BUDGET, type AwsPluginOptions } from '../aws-options.js';
import { AWS_CREDENTIAL_SLOT } from '../credentials.js';
import { awsCall } from '../errors.js';
import {
  compact,
  fetchPage,
  iso,
  maxResultsField,
  nextTokenField,
  pageOutput,
  regionField,
  tagRecord,
} from '../pagination.js';

const IDENTIFIER = z.string().regex(/^[A-Za-z][A-Za-z0-9-]{0,62}$/, 'an RDS identifier');

/** RDS: DB instances, Aurora/Multi-AZ clusters and snapshots. */
export function rdsTools(options: AwsPluginOptions): AnyToolDefinition[] {
  const budget = options.outputBudget ?? DEFAULT_OUTPUT_BUDGET;
  const client = async (context: ToolContext, region: string | undefined) =>
    new RDSClient(await clientConfigFor(options, context, region));
  const paging = { region: regionField, maxResults: maxResultsField(100, 50, 20), nextToken: nextTokenField };

  const instances = defineTool({
    name: 'rds_list_instances',
    title: 'List RDS DB instances',
    description:
      'RDS DB instances of one region: engine, class, status, endpoint, Multi-AZ, cluster and tags. Paginated.',
    input: z.object(paging),
    output: z.object({
      instances: z.array(
        z.object({
          identifier: z.string(),
          arn: z.string(),
          engine: z.string().optional(),
          engineVersion: z.string().optional(),
          instanceClass: z.string().optional(),
          status: z.string().optional(),
          endpoint: z.string().optional(),
          port: z.number().optional(),
          multiAz: z.boolean().optional(),
          clusterIdentifier: z.string().optional(),
          subnetGroup: z.string().optional(),
          vpcId: z.string().optional(),
          storageGb: z.number().optional(),
          tags: z.record(z.string(), z.string()),
        }),
      ),
      ...pageOutput,
    }),
    risk: 'read',
    credentials: [AWS_CREDENTIAL_SLOT],
    handler: async (input, context) => {
      const rds = await client(context, input.region);
      const page = await fetchPage(input.nextToken, budget, async (token) => {
        const response = await awsCall('rds:DescribeDBInstances', () =>
          rds.send(
            new DescribeDBInstancesCommand({
              MaxRecords: input.maxResults,
              ...(token === undefined ? {} : { Marker: token }),
            }),
            {
              abortSignal: context.signal,
            },
          ),
        );
        const items = (response.DBInstances ?? []).map((db) =>
          compact({
            identifier: db.DBInstanceIdentifier ?? '',
            arn: db.DBInstanceArn ?? '',
            engine: db.Engine,
            engineVersion: db.EngineVersion,
            instanceClass: db.DBInstanceClass,
            status: db.DBInstanceStatus,
            endpoint: db.Endpoint?.Address,
            port: db.Endpoint?.Port,
            multiAz: db.MultiAZ,
            clusterIdentifier: db.DBClusterIdentifier,
            subnetGroup: db.DBSubnetGroup?.DBSubnetGroupName,
            vpcId: db.DBSubnetGroup?.VpcId,
            storageGb: db.AllocatedStorage,
            tags: tagRecord(db.TagList),
          }),
        );
        return { items, next: response.Marker };
      });
      return { instances: page.items, ...compact({ nextToken: page.nextToken }), truncated: page.truncated };
    },
  });

  const clusters = defineTool({
    name: 'rds_list_clusters',
    title: 'List RDS DB clusters',
    description: 'RDS and Aurora DB clusters of one region: engine, status, endpoints, members and tags. Paginated.',
    input: z.object(paging),
    output: z.object({
      clusters: z.array(
        z.object({
          identifier: z.string(),
          arn: z.string(),
          engine: z.string().optional(),
          engineVersion: z.string().optional(),
          status: z.string().optional(),
          endpoint: z.string().optional(),
          readerEndpoint: z.string().optional(),
          multiAz: z.boolean().optional(),
          members: z.array(z.object({ identifier: z.string(), writer: z.boolean() })),
          tags: z.record(z.string(), z.string()),
        }),
      ),
      ...pageOutput,
    }),
    risk: 'read',
    credentials: [AWS_CREDENTIAL_SLOT],
    handler: async (input, context) => {
      const rds = await client(context, input.region);
      const page = await fetchPage(input.nextToken, budget, async (token) => {
        const response = await awsCall('rds:DescribeDBClusters', () =>
          rds.send(
            new DescribeDBClustersCommand({
              MaxRecords: input.maxResults,
              ...(token === undefined ? {} : { Marker: token }),
            }),
            {
              abortSignal: context.signal,
            },
          ),
        );
        const items = (response.DBClusters ?? []).map((cluster) =>
          compact({
            identifier: cluster.DBClusterIdentifier ?? '',
            arn: cluster.DBClusterArn ?? '',
            engine: cluster.Engine,
            engineVersion: cluster.EngineVersion,
            status: cluster.Status,
            endpoint: cluster.Endpoint,
            readerEndpoint: cluster.ReaderEndpoint,
            multiAz: cluster.MultiAZ,
            members: (cluster.DBClusterMembers ?? []).map((member) => ({
              identifier: member.DBInstanceIdentifier ?? '',
              writer: member.IsClusterWriter === true,
            })),
            tags: tagRecord(cluster.TagList),
          }),
        );
        return { items, next: response.Marker };
      });
      return { clusters: page.items, ...compact({ nextToken: page.nextToken }), truncated: page.truncated };
    },
  });

  const snapshots = defineTool({
    name: 'rds_list_snapshots',
    title: 'List RDS DB snapshots',
    description:
      'DB snapshots of one region, optionally of one DB instance or of one type (automated, manual, …). Paginated.',
    input: z.object({
      ...paging,
      dbInstanceIdentifier: IDENTIFIER.optional(),
      snapshotType: z.enum(['automated', 'manual', 'shared', 'public', 'awsbackup']).optional(),
    }),
    output: z.object({
      snapshots: z.array(
        z.object({
          identifier: z.string(),
          arn: z.string(),
          dbInstanceIdentifier: z.string().optional(),
          type: z.string().optional(),
          status: z.string().optional(),
          engine: z.string().optional(),
          createdAt: z.string().optional(),
          storageGb: z.number().optional(),
          encrypted: z.boolean().optional(),
        }),
      ),
      ...pageOutput,
    }),
    risk: 'read',
    credentials: [AWS_CREDENTIAL_SLOT],
    handler: async (input, context) => {
      const rds = await client(context, input.region);
      const page = await fetchPage(input.nextToken, budget, async (token) => {
        const response = await awsCall('rds:DescribeDBSnapshots', () =>
          rds.send(
            new DescribeDBSnapshotsCommand({
              MaxRecords: input.maxResults,
              ...(input.dbInstanceIdentifier === undefined ? {} : { DBInstanceIdentifier: input.dbInstanceIdentifier }),
              ...(input.snapshotType === undefined ? {} : { SnapshotType: input.snapshotType }),
              ...(token === undefined ? {} : { Marker: token }),
            }),
            { abortSignal: context.signal },
          ),
        );
        const items = (response.DBSnapshots ?? []).map((snapshot) =>
          compact({
            identifier: snapshot.DBSnapshotIdentifier ?? '',
            arn: snapshot.DBSnapshotArn ?? '',
            dbInstanceIdentifier: snapshot.DBInstanceIdentifier,
            type: snapshot.SnapshotType,
            status: snapshot.Status,
            engine: snapshot.Engine,
            createdAt: iso(snapshot.SnapshotCreateTime),
            storageGb: snapshot.AllocatedStorage,
            encrypted: snapshot.Encrypted,
          }),
        );
        return { items, next: response.Marker };
      });
      return { snapshots: page.items, ...compact({ nextToken: page.nextToken }), truncated: page.truncated };
    },
  });

  return [instances, clusters, snapshots] as AnyToolDefinition[];
}
