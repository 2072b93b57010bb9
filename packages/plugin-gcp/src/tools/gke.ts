import { defineTool, type AnyToolDefinition } from '@aurora-ops/core/plugin-sdk';
import { container_v1 } from '@googleapis/container/build/v1.js';
import { z } from 'zod';
import { GCP_CREDENTIAL_SLOT } from '../credentials.js';
import { gcpCall } from '../errors.js';
import type { GcpCall } from '../gcp-options.js';
import {
  compact,
  fetchPage,
  lastSegment,
  locationField,
  nextTokenField,
  opt,
  pageOutput,
  projectField,
  resourceName,
} from '../pagination.js';
import { labelRecord, methodOptions, type ToolKit } from './gcp-tool.js';

const CLUSTER = resourceName('GKE cluster');
const NODE_POOL = resourceName('node pool');
const LOCATION = locationField.describe("The cluster's region or zone");

const clusterSummary = z.object({
  name: z.string(),
  location: z.string().optional(),
  status: z.string(),
  masterVersion: z.string().optional(),
  nodeVersion: z.string().optional(),
  nodeCount: z.number().optional(),
  autopilot: z.boolean(),
  releaseChannel: z.string().optional(),
  network: z.string().optional(),
  subnetwork: z.string().optional(),
  nodePools: z.array(z.string()),
  created: z.string().optional(),
  labels: z.record(z.string(), z.string()),
});

function summarizeCluster(cluster: container_v1.Schema$Cluster) {
  return compact({
    name: cluster.name ?? '',
    location: opt(cluster.location),
    status: cluster.status ?? 'STATUS_UNSPECIFIED',
    masterVersion: opt(cluster.currentMasterVersion),
    nodeVersion: opt(cluster.currentNodeVersion),
    nodeCount: opt(cluster.currentNodeCount),
    autopilot: cluster.autopilot?.enabled ?? false,
    releaseChannel: opt(cluster.releaseChannel?.channel),
    network: opt(cluster.network),
    subnetwork: opt(cluster.subnetwork),
    nodePools: (cluster.nodePools ?? []).map((pool) => pool.name ?? '').filter((name) => name !== ''),
    created: opt(cluster.createTime),
    labels: labelRecord(cluster.resourceLabels),
  });
}

const nodePoolSummary = z.object({
  name: z.string(),
  status: z.string(),
  statusMessage: z.string().optional(),
  version: z.string().optional(),
  machineType: z.string().optional(),
  diskSizeGb: z.number().optional(),
  initialNodeCount: z.number().optional(),
  autoscaling: z.object({ enabled: z.boolean(), min: z.number().optional(), max: z.number().optional() }),
  spot: z.boolean(),
  serviceAccount: z.string().optional(),
  locations: z.array(z.string()),
  instanceGroups: z.array(z.string()),
});

function summarizeNodePool(pool: container_v1.Schema$NodePool) {
  return compact({
    name: pool.name ?? '',
    status: pool.status ?? 'STATUS_UNSPECIFIED',
    statusMessage: opt(pool.statusMessage) === '' ? undefined : opt(pool.statusMessage),
    version: opt(pool.version),
    machineType: opt(pool.config?.machineType),
    diskSizeGb: opt(pool.config?.diskSizeGb),
    initialNodeCount: opt(pool.initialNodeCount),
    autoscaling: compact({
      enabled: pool.autoscaling?.enabled ?? false,
      min: opt(pool.autoscaling?.minNodeCount ?? pool.autoscaling?.totalMinNodeCount),
      max: opt(pool.autoscaling?.maxNodeCount ?? pool.autoscaling?.totalMaxNodeCount),
    }),
    spot: (pool.config?.spot ?? false) || (pool.config?.preemptible ?? false),
    serviceAccount: opt(pool.config?.serviceAccount),
    locations: pool.locations ?? [],
    instanceGroups: (pool.instanceGroupUrls ?? []).map((url) => lastSegment(url) ?? url),
  });
}

/** GKE: clusters and their node pools. */
export function gkeTools(kit: ToolKit): AnyToolDefinition[] {
  const { budget } = kit;
  const clusters = (call: GcpCall) => new container_v1.Container(call.client('container')).projects.locations.clusters;
  const clusterName = (call: GcpCall, location: string, cluster: string) =>
    `projects/${call.project}/locations/${location}/clusters/${cluster}`;

  const listClusters = defineTool({
    name: 'gke_list_clusters',
    title: 'List GKE clusters',
    description:
      'GKE clusters of a project in one location or all (-), with status, versions, node count, network and node pool names. Paginated by the output budget (GKE returns all clusters at once).',
    input: z.object({
      project: projectField,
      location: locationField.default('-').describe('A region or zone; default - (all locations)'),
      nextToken: nextTokenField,
    }),
    output: z.object({
      clusters: z.array(clusterSummary),
      unreachableLocations: z.array(z.string()),
      ...pageOutput,
    }),
    risk: 'read',
    credentials: [GCP_CREDENTIAL_SLOT],
    handler: async (input, context) => {
      const call = await kit.call(context, input.project);
      let missing: string[] = [];
      const page = await fetchPage(input.nextToken, budget, async () => {
        const { data } = await gcpCall('container.projects.locations.clusters.list', () =>
          clusters(call).list({ parent: `projects/${call.project}/locations/${input.location}` }, methodOptions(call)),
        );
        missing = data.missingZones ?? [];
        return { items: (data.clusters ?? []).map(summarizeCluster), next: undefined };
      });
      return {
        clusters: page.items,
        unreachableLocations: missing,
        ...compact({ nextToken: page.nextToken }),
        truncated: page.truncated,
      };
    },
  });

  const getCluster = defineTool({
    name: 'gke_get_cluster',
    title: 'Get a GKE cluster',
    description:
      'One GKE cluster: status and message, versions, endpoint, network and IP ranges, private cluster settings, node pools, conditions and labels.',
    input: z.object({ project: projectField, location: LOCATION, cluster: CLUSTER }),
    output: clusterSummary.extend({
      statusMessage: z.string().optional(),
      endpoint: z.string().optional(),
      podCidr: z.string().optional(),
      servicesCidr: z.string().optional(),
      privateNodes: z.boolean().optional(),
      workloadPool: z.string().optional(),
      conditions: z.array(z.string()),
    }),
    risk: 'read',
    credentials: [GCP_CREDENTIAL_SLOT],
    handler: async (input, context) => {
      const call = await kit.call(context, input.project);
      const { data } = await gcpCall('container.projects.locations.clusters.get', () =>
        clusters(call).get({ name: clusterName(call, input.location, input.cluster) }, methodOptions(call)),
      );
      return {
        ...summarizeCluster(data),
        ...compact({
          statusMessage: opt(data.statusMessage) === '' ? undefined : opt(data.statusMessage),
          endpoint: opt(data.endpoint),
          podCidr: opt(data.clusterIpv4Cidr),
          servicesCidr: opt(data.servicesIpv4Cidr),
          privateNodes: opt(data.privateClusterConfig?.enablePrivateNodes),
          workloadPool: opt(data.workloadIdentityConfig?.workloadPool),
        }),
        conditions: (data.conditions ?? []).map((condition) =>
          [condition.canonicalCode ?? condition.code, condition.message].filter(Boolean).join(': '),
        ),
      };
    },
  });

  const listNodePools = defineTool({
    name: 'gke_list_node_pools',
    title: 'List GKE node pools',
    description:
      'Node pools of one GKE cluster with status, version, machine type, autoscaling, spot and service account.',
    input: z.object({ project: projectField, location: LOCATION, cluster: CLUSTER, nextToken: nextTokenField }),
    output: z.object({ cluster: z.string(), nodePools: z.array(nodePoolSummary), ...pageOutput }),
    risk: 'read',
    credentials: [GCP_CREDENTIAL_SLOT],
    handler: async (input, context) => {
      const call = await kit.call(context, input.project);
      const page = await fetchPage(input.nextToken, budget, async () => {
        const { data } = await gcpCall('container.projects.locations.clusters.nodePools.list', () =>
          clusters(call).nodePools.list(
            { parent: clusterName(call, input.location, input.cluster) },
            methodOptions(call),
          ),
        );
        return { items: (data.nodePools ?? []).map(summarizeNodePool), next: undefined };
      });
      return {
        cluster: input.cluster,
        nodePools: page.items,
        ...compact({ nextToken: page.nextToken }),
        truncated: page.truncated,
      };
    },
  });

  const getNodePool = defineTool({
    name: 'gke_get_node_pool',
    title: 'Get a GKE node pool',
    description: 'One node pool of a GKE cluster: status, version, machine type, autoscaling, spot, service account.',
    input: z.object({ project: projectField, location: LOCATION, cluster: CLUSTER, nodePool: NODE_POOL }),
    output: nodePoolSummary.extend({ cluster: z.string() }),
    risk: 'read',
    credentials: [GCP_CREDENTIAL_SLOT],
    handler: async (input, context) => {
      const call = await kit.call(context, input.project);
      const { data } = await gcpCall('container.projects.locations.clusters.nodePools.get', () =>
        clusters(call).nodePools.get(
          { name: `${clusterName(call, input.location, input.cluster)}/nodePools/${input.nodePool}` },
          methodOptions(call),
        ),
      );
      return { ...summarizeNodePool(data), cluster: input.cluster };
    },
  });

  return [listClusters, getCluster, listNodePools, getNodePool] as AnyToolDefinition[];
}
