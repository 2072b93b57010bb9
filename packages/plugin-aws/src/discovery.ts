import type { EdgeInput, NodeInput, SecretValue } from '@aurora-ops/core';
import { DescribeInstancesCommand, DescribeSubnetsCommand, DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  DescribeClusterCommand,
  DescribeNodegroupCommand,
  EKSClient,
  ListClustersCommand,
  ListNodegroupsCommand,
} from '@aws-sdk/client-eks';
import { LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { DescribeDBInstancesCommand, DescribeDBSubnetGroupsCommand, RDSClient } from '@aws-sdk/client-rds';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { staticClientConfig, type AwsClientConfig, type AwsPluginOptions } from './aws-options.js';
import { awsCredentialsFromSecret, type AwsCredentialsSource } from './credentials.js';
import { awsCall } from './errors.js';

/** One page of discovered resources, in the shape `GraphStore.upsertNodes` / `upsertEdges` take. */
export interface DiscoveryPage {
  readonly nodes: NodeInput[];
  readonly edges: EdgeInput[];
}

export interface DiscoverAwsOptions extends AwsPluginOptions {
  /** The org the graph belongs to. */
  readonly org: string;
  /** Regions to walk. Default: `region`, or the SDK's default region. */
  readonly regions?: readonly string[];
  /** Credentials to use instead of `baseCredentials`. */
  readonly credentials?: AwsCredentialsSource;
  /** A resolved `aws` secret (key pair or role); without it, `credentials`, `baseCredentials` or the SDK's default chain. */
  readonly secret?: SecretValue;
  /** Items asked of AWS per request (default 100). */
  readonly pageSize?: number;
  readonly signal?: AbortSignal;
}

type Tags = readonly { Key?: string; Value?: string }[] | undefined;

function tagList(tags: Tags | Record<string, string>): string[] {
  const entries = Array.isArray(tags)
    ? (tags as { Key?: string; Value?: string }[]).map((tag) => [tag.Key ?? '', tag.Value ?? ''])
    : Object.entries(tags ?? {});
  return entries
    .filter(([key]) => key !== '')
    .map(([key, value]) => `${key}=${value}`)
    .sort();
}

function nameTag(tags: Tags): string | undefined {
  return tags?.find((tag) => tag.Key === 'Name')?.Value;
}

/** Properties without `undefined` values (the graph store takes scalars and string arrays only). */
function props(
  values: Record<string, string | number | boolean | readonly string[] | undefined>,
): NodeInput['properties'] {
  return Object.fromEntries(
    Object.entries(values).filter(([, value]) => value !== undefined),
  ) as NodeInput['properties'];
}

/**
 * Streams an AWS account's resources and relationships for the service graph, one AWS
 * page at a time, so a large account never has to fit in memory. Node ids are ARNs;
 * edges point from the dependent to its dependency: `Ec2Instance -IN_SUBNET-> Subnet
 * -IN_VPC-> Vpc`, `EksNodegroup -PART_OF-> EksCluster`, `LambdaFunction -ASSUMES-> IamRole`,
 * `RdsInstance -IN_SUBNET_GROUP-> DbSubnetGroup -IN_VPC-> Vpc`, … Failures are typed
 * Aurora errors (see `mapAwsError`).
 */
export async function* discoverAws(options: DiscoverAwsOptions): AsyncGenerator<DiscoveryPage> {
  const { org } = options;
  const pageSize = options.pageSize ?? 100;
  const abortSignal = options.signal;
  let credentials: AwsCredentialsSource | undefined = options.credentials ?? options.baseCredentials;
  let secretRegion: string | undefined;
  if (options.secret !== undefined) {
    const resolved = awsCredentialsFromSecret(options.secret, {
      ...(options.baseCredentials === undefined ? {} : { baseCredentials: options.baseCredentials }),
      ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
      ...(options.region === undefined ? {} : { region: options.region }),
    });
    credentials = resolved.credentials;
    secretRegion = resolved.region;
  }
  const regions = options.regions ?? [options.region ?? secretRegion].filter((r): r is string => r !== undefined);
  const walk: (string | undefined)[] = regions.length === 0 ? [undefined] : [...regions];
  for (const regionChoice of walk) {
    const config = staticClientConfig(options, regionChoice, credentials);
    const identity = await awsCall('sts:GetCallerIdentity', () =>
      new STSClient(config).send(new GetCallerIdentityCommand({}), { abortSignal }),
    );
    const account = identity.Account ?? '';
    const partition = /^arn:([^:]+):/.exec(identity.Arn ?? '')?.[1] ?? 'aws';
    const region = regionChoice ?? (await new STSClient(config).config.region());
    const context: Walk = { org, account, partition, region, pageSize, abortSignal, config };
    yield* ec2Pages(context);
    yield* eksPages(context);
    yield* lambdaPages(context);
    yield* rdsPages(context);
  }
}

interface Walk {
  readonly org: string;
  readonly account: string;
  readonly partition: string;
  readonly region: string;
  readonly pageSize: number;
  readonly abortSignal: AbortSignal | undefined;
  readonly config: AwsClientConfig;
}

const ec2Max = (walk: Walk): number => Math.min(1000, Math.max(5, walk.pageSize));

const ec2Arn = (walk: Walk, type: string, id: string): string =>
  `arn:${walk.partition}:ec2:${walk.region}:${walk.account}:${type}/${id}`;

async function* ec2Pages(walk: Walk): AsyncGenerator<DiscoveryPage> {
  const { org, region, abortSignal } = walk;
  const ec2 = new EC2Client(walk.config);
  let token: string | undefined;
  do {
    const response = await awsCall('ec2:DescribeVpcs', () =>
      ec2.send(new DescribeVpcsCommand({ MaxResults: ec2Max(walk), NextToken: token }), { abortSignal }),
    );
    const nodes = (response.Vpcs ?? []).map((vpc) => ({
      id: ec2Arn(walk, 'vpc', vpc.VpcId ?? ''),
      org,
      labels: ['Vpc'],
      properties: props({
        kind: 'vpc',
        region,
        account: walk.account,
        vpcId: vpc.VpcId,
        name: nameTag(vpc.Tags),
        status: vpc.State,
        cidr: vpc.CidrBlock,
        isDefault: vpc.IsDefault,
        tags: tagList(vpc.Tags),
      }),
    }));
    yield { nodes, edges: [] };
    token = response.NextToken;
  } while (token !== undefined);
  do {
    const response = await awsCall('ec2:DescribeSubnets', () =>
      ec2.send(new DescribeSubnetsCommand({ MaxResults: ec2Max(walk), NextToken: token }), {
        abortSignal,
      }),
    );
    const subnets = response.Subnets ?? [];
    yield {
      nodes: subnets.map((subnet) => ({
        id: subnet.SubnetArn ?? ec2Arn(walk, 'subnet', subnet.SubnetId ?? ''),
        org,
        labels: ['Subnet'],
        properties: props({
          kind: 'subnet',
          region,
          account: walk.account,
          subnetId: subnet.SubnetId,
          name: nameTag(subnet.Tags),
          status: subnet.State,
          cidr: subnet.CidrBlock,
          availabilityZone: subnet.AvailabilityZone,
          tags: tagList(subnet.Tags),
        }),
      })),
      edges: subnets
        .filter((subnet) => subnet.VpcId !== undefined)
        .map((subnet) => ({
          org,
          from: subnet.SubnetArn ?? ec2Arn(walk, 'subnet', subnet.SubnetId ?? ''),
          to: ec2Arn(walk, 'vpc', subnet.VpcId!),
          type: 'IN_VPC',
        })),
    };
    token = response.NextToken;
  } while (token !== undefined);
  do {
    const response = await awsCall('ec2:DescribeInstances', () =>
      ec2.send(new DescribeInstancesCommand({ MaxResults: ec2Max(walk), NextToken: token }), {
        abortSignal,
      }),
    );
    const page: DiscoveryPage = { nodes: [], edges: [] };
    for (const reservation of response.Reservations ?? []) {
      for (const instance of reservation.Instances ?? []) {
        const id = ec2Arn(walk, 'instance', instance.InstanceId ?? '');
        page.nodes.push({
          id,
          org,
          labels: ['Ec2Instance'],
          properties: props({
            kind: 'ec2-instance',
            region,
            account: reservation.OwnerId ?? walk.account,
            instanceId: instance.InstanceId,
            name: nameTag(instance.Tags),
            status: instance.State?.Name,
            instanceType: instance.InstanceType,
            availabilityZone: instance.Placement?.AvailabilityZone,
            privateIp: instance.PrivateIpAddress,
            tags: tagList(instance.Tags),
          }),
        });
        if (instance.SubnetId !== undefined) {
          page.edges.push({ org, from: id, to: ec2Arn(walk, 'subnet', instance.SubnetId), type: 'IN_SUBNET' });
        } else if (instance.VpcId !== undefined) {
          page.edges.push({ org, from: id, to: ec2Arn(walk, 'vpc', instance.VpcId), type: 'IN_VPC' });
        }
      }
    }
    yield page;
    token = response.NextToken;
  } while (token !== undefined);
}

async function* eksPages(walk: Walk): AsyncGenerator<DiscoveryPage> {
  const { org, region, abortSignal } = walk;
  const eks = new EKSClient(walk.config);
  let token: string | undefined;
  do {
    const list = await awsCall('eks:ListClusters', () =>
      eks.send(new ListClustersCommand({ maxResults: Math.min(100, walk.pageSize), nextToken: token }), {
        abortSignal,
      }),
    );
    for (const name of list.clusters ?? []) {
      const { cluster } = await awsCall('eks:DescribeCluster', () =>
        eks.send(new DescribeClusterCommand({ name }), { abortSignal }),
      );
      if (cluster?.arn === undefined) continue;
      const clusterArn = cluster.arn;
      const page: DiscoveryPage = {
        nodes: [
          {
            id: clusterArn,
            org,
            labels: ['EksCluster'],
            properties: props({
              kind: 'eks-cluster',
              region,
              account: walk.account,
              name,
              status: cluster.status,
              version: cluster.version,
              tags: tagList(cluster.tags),
            }),
          },
        ],
        edges: [],
      };
      const vpcId = cluster.resourcesVpcConfig?.vpcId;
      if (vpcId !== undefined)
        page.edges.push({ org, from: clusterArn, to: ec2Arn(walk, 'vpc', vpcId), type: 'IN_VPC' });
      if (cluster.roleArn !== undefined) addRole(page, org, clusterArn, cluster.roleArn);
      let groupToken: string | undefined;
      do {
        const groups = await awsCall('eks:ListNodegroups', () =>
          eks.send(
            new ListNodegroupsCommand({
              clusterName: name,
              maxResults: Math.min(100, walk.pageSize),
              nextToken: groupToken,
            }),
            { abortSignal },
          ),
        );
        for (const group of groups.nodegroups ?? []) {
          const { nodegroup } = await awsCall('eks:DescribeNodegroup', () =>
            eks.send(new DescribeNodegroupCommand({ clusterName: name, nodegroupName: group }), { abortSignal }),
          );
          if (nodegroup?.nodegroupArn === undefined) continue;
          const id = nodegroup.nodegroupArn;
          page.nodes.push({
            id,
            org,
            labels: ['EksNodegroup'],
            properties: props({
              kind: 'eks-nodegroup',
              region,
              account: walk.account,
              name: group,
              status: nodegroup.status,
              version: nodegroup.version,
              instanceTypes: nodegroup.instanceTypes,
              desiredSize: nodegroup.scalingConfig?.desiredSize,
              tags: tagList(nodegroup.tags),
            }),
          });
          page.edges.push({ org, from: id, to: clusterArn, type: 'PART_OF' });
          for (const subnet of nodegroup.subnets ?? []) {
            page.edges.push({ org, from: id, to: ec2Arn(walk, 'subnet', subnet), type: 'IN_SUBNET' });
          }
          if (nodegroup.nodeRole !== undefined) addRole(page, org, id, nodegroup.nodeRole);
        }
        groupToken = groups.nextToken;
      } while (groupToken !== undefined);
      yield page;
    }
    token = list.nextToken;
  } while (token !== undefined);
}

/** An `IamRole` node (IAM is global) and `from -ASSUMES-> role`. */
function addRole(page: DiscoveryPage, org: string, from: string, roleArn: string): void {
  if (!page.nodes.some((node) => node.id === roleArn)) {
    page.nodes.push({
      id: roleArn,
      org,
      labels: ['IamRole'],
      properties: props({
        kind: 'iam-role',
        region: 'global',
        account: /^arn:[^:]+:iam::(\d+):/.exec(roleArn)?.[1],
        name: roleArn.slice(roleArn.lastIndexOf('/') + 1),
      }),
    });
  }
  page.edges.push({ org, from, to: roleArn, type: 'ASSUMES' });
}

async function* lambdaPages(walk: Walk): AsyncGenerator<DiscoveryPage> {
  const { org, region, abortSignal } = walk;
  const lambda = new LambdaClient(walk.config);
  let marker: string | undefined;
  do {
    const response = await awsCall('lambda:ListFunctions', () =>
      lambda.send(new ListFunctionsCommand({ MaxItems: Math.min(50, walk.pageSize), Marker: marker }), { abortSignal }),
    );
    const page: DiscoveryPage = { nodes: [], edges: [] };
    for (const fn of response.Functions ?? []) {
      if (fn.FunctionArn === undefined) continue;
      page.nodes.push({
        id: fn.FunctionArn,
        org,
        labels: ['LambdaFunction'],
        properties: props({
          kind: 'lambda-function',
          region,
          account: walk.account,
          name: fn.FunctionName,
          status: fn.State,
          runtime: fn.Runtime,
          tags: [],
        }),
      });
      if (fn.Role !== undefined) addRole(page, org, fn.FunctionArn, fn.Role);
      for (const subnet of fn.VpcConfig?.SubnetIds ?? []) {
        page.edges.push({ org, from: fn.FunctionArn, to: ec2Arn(walk, 'subnet', subnet), type: 'IN_SUBNET' });
      }
    }
    yield page;
    marker = response.NextMarker;
  } while (marker !== undefined);
}

async function* rdsPages(walk: Walk): AsyncGenerator<DiscoveryPage> {
  const { org, region, abortSignal } = walk;
  const rds = new RDSClient(walk.config);
  const groupArn = (name: string) => `arn:${walk.partition}:rds:${region}:${walk.account}:subgrp:${name}`;
  const maxRecords = Math.min(100, Math.max(20, walk.pageSize));
  let marker: string | undefined;
  do {
    const response = await awsCall('rds:DescribeDBSubnetGroups', () =>
      rds.send(new DescribeDBSubnetGroupsCommand({ MaxRecords: maxRecords, Marker: marker }), { abortSignal }),
    );
    const page: DiscoveryPage = { nodes: [], edges: [] };
    for (const group of response.DBSubnetGroups ?? []) {
      const id = group.DBSubnetGroupArn ?? groupArn(group.DBSubnetGroupName ?? '');
      page.nodes.push({
        id,
        org,
        labels: ['DbSubnetGroup'],
        properties: props({
          kind: 'db-subnet-group',
          region,
          account: walk.account,
          name: group.DBSubnetGroupName,
          status: group.SubnetGroupStatus,
        }),
      });
      if (group.VpcId !== undefined)
        page.edges.push({ org, from: id, to: ec2Arn(walk, 'vpc', group.VpcId), type: 'IN_VPC' });
      for (const subnet of group.Subnets ?? []) {
        if (subnet.SubnetIdentifier === undefined) continue;
        page.edges.push({ org, from: id, to: ec2Arn(walk, 'subnet', subnet.SubnetIdentifier), type: 'USES_SUBNET' });
      }
    }
    yield page;
    marker = response.Marker;
  } while (marker !== undefined);
  do {
    const response = await awsCall('rds:DescribeDBInstances', () =>
      rds.send(new DescribeDBInstancesCommand({ MaxRecords: maxRecords, Marker: marker }), { abortSignal }),
    );
    const page: DiscoveryPage = { nodes: [], edges: [] };
    for (const db of response.DBInstances ?? []) {
      if (db.DBInstanceArn === undefined) continue;
      page.nodes.push({
        id: db.DBInstanceArn,
        org,
        labels: ['RdsInstance'],
        properties: props({
          kind: 'rds-instance',
          region,
          account: walk.account,
          name: db.DBInstanceIdentifier,
          status: db.DBInstanceStatus,
          engine: db.Engine,
          instanceClass: db.DBInstanceClass,
          tags: tagList(db.TagList),
        }),
      });
      const groupName = db.DBSubnetGroup?.DBSubnetGroupName;
      if (groupName !== undefined) {
        page.edges.push({ org, from: db.DBInstanceArn, to: groupArn(groupName), type: 'IN_SUBNET_GROUP' });
      }
    }
    yield page;
    marker = response.Marker;
  } while (marker !== undefined);
}
