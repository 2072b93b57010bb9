import { defineTool, type AnyToolDefinition, type ToolContext } from '@aurora-ops/core/plugin-sdk';
import { DescribeClusterCommand, EKSClient, ListClustersCommand, ListNodegroupsCommand } from '@aws-sdk/client-eks';
import { z } from 'zod';
import { clientConfigFor, DEFAULT_OUTPUT_BUDGET, type AwsPluginOptions } from '../aws-options.js';
import { AWS_CREDENTIAL_SLOT } from '../credentials.js';
import { awsCall } from '../errors.js';
import { compact, fetchPage, iso, maxResultsField, nextTokenField, pageOutput, regionField } from '../pagination.js';

const CLUSTER_NAME = z.string().regex(/^[0-9A-Za-z][A-Za-z0-9\-_]{0,99}$/, 'an EKS cluster name');

/** EKS: clusters and their node groups. */
export function eksTools(options: AwsPluginOptions): AnyToolDefinition[] {
  const budget = options.outputBudget ?? DEFAULT_OUTPUT_BUDGET;
  const client = async (context: ToolContext, region: string | undefined) =>
    new EKSClient(await clientConfigFor(options, context, region));

  const listClusters = defineTool({
    name: 'eks_list_clusters',
    title: 'List EKS clusters',
    description: 'Names of the EKS clusters in one region. Paginated.',
    input: z.object({ region: regionField, maxResults: maxResultsField(100, 100), nextToken: nextTokenField }),
    output: z.object({ clusters: z.array(z.string()), ...pageOutput }),
    risk: 'read',
    credentials: [AWS_CREDENTIAL_SLOT],
    handler: async (input, context) => {
      const eks = await client(context, input.region);
      const page = await fetchPage(input.nextToken, budget, async (token) => {
        const response = await awsCall('eks:ListClusters', () =>
          eks.send(
            new ListClustersCommand({
              maxResults: input.maxResults,
              ...(token === undefined ? {} : { nextToken: token }),
            }),
            {
              abortSignal: context.signal,
            },
          ),
        );
        return { items: response.clusters ?? [], next: response.nextToken };
      });
      return { clusters: page.items, ...compact({ nextToken: page.nextToken }), truncated: page.truncated };
    },
  });

  const describeCluster = defineTool({
    name: 'eks_describe_cluster',
    title: 'Describe an EKS cluster',
    description: 'Status, Kubernetes version, endpoint, role, networking and tags of one EKS cluster.',
    input: z.object({ region: regionField, name: CLUSTER_NAME }),
    output: z.object({
      name: z.string(),
      arn: z.string(),
      status: z.string(),
      version: z.string().optional(),
      platformVersion: z.string().optional(),
      endpoint: z.string().optional(),
      roleArn: z.string().optional(),
      vpcId: z.string().optional(),
      subnetIds: z.array(z.string()),
      securityGroupIds: z.array(z.string()),
      publicAccess: z.boolean().optional(),
      createdAt: z.string().optional(),
      tags: z.record(z.string(), z.string()),
    }),
    risk: 'read',
    credentials: [AWS_CREDENTIAL_SLOT],
    handler: async (input, context) => {
      const eks = await client(context, input.region);
      const { cluster } = await awsCall('eks:DescribeCluster', () =>
        eks.send(new DescribeClusterCommand({ name: input.name }), { abortSignal: context.signal }),
      );
      const vpc = cluster?.resourcesVpcConfig;
      return {
        name: cluster?.name ?? input.name,
        arn: cluster?.arn ?? '',
        status: cluster?.status ?? 'UNKNOWN',
        ...compact({
          version: cluster?.version,
          platformVersion: cluster?.platformVersion,
          endpoint: cluster?.endpoint,
          roleArn: cluster?.roleArn,
          vpcId: vpc?.vpcId,
          publicAccess: vpc?.endpointPublicAccess,
          createdAt: iso(cluster?.createdAt),
        }),
        subnetIds: vpc?.subnetIds ?? [],
        securityGroupIds: vpc?.securityGroupIds ?? [],
        tags: cluster?.tags ?? {},
      };
    },
  });

  const listNodegroups = defineTool({
    name: 'eks_list_nodegroups',
    title: 'List EKS node groups',
    description: 'Names of the managed node groups of one EKS cluster. Paginated.',
    input: z.object({
      region: regionField,
      clusterName: CLUSTER_NAME,
      maxResults: maxResultsField(100, 100),
      nextToken: nextTokenField,
    }),
    output: z.object({ clusterName: z.string(), nodegroups: z.array(z.string()), ...pageOutput }),
    risk: 'read',
    credentials: [AWS_CREDENTIAL_SLOT],
    handler: async (input, context) => {
      const eks = await client(context, input.region);
      const page = await fetchPage(input.nextToken, budget, async (token) => {
        const response = await awsCall('eks:ListNodegroups', () =>
          eks.send(
            new ListNodegroupsCommand({
              clusterName: input.clusterName,
              maxResults: input.maxResults,
              ...(token === undefined ? {} : { nextToken: token }),
            }),
            { abortSignal: context.signal },
          ),
        );
        return { items: response.nodegroups ?? [], next: response.nextToken };
      });
      return {
        clusterName: input.clusterName,
        nodegroups: page.items,
        ...compact({ nextToken: page.nextToken }),
        truncated: page.truncated,
      };
    },
  });

  return [listClusters, describeCluster, listNodegroups] as AnyToolDefinition[];
}
