import { ConfigurationError, type EdgeInput, type NodeInput, type SecretValue } from '@aurora-ops/core';
import { cloudresourcemanager_v3 } from '@googleapis/cloudresourcemanager/build/v3.js';
import { compute_v1 } from '@googleapis/compute/build/v1.js';
import { container_v1 } from '@googleapis/container/build/v1.js';
import { run_v2 } from '@googleapis/run/build/v2.js';
import { sqladmin_v1 } from '@googleapis/sqladmin/build/v1.js';
import { authClientForKey, serviceAccountKeyFromSecret, type GcpAuth } from './credentials.js';
import { gcpCall } from './errors.js';
import { adcProject, staticCall, type GcpCall, type GcpPluginOptions } from './gcp-options.js';
import { lastSegment, nextOf } from './pagination.js';
import { applicationDefaultAuth } from './plugin.js';

/** One page of discovered resources, in the shape `GraphStore.upsertNodes` / `upsertEdges` take. */
export interface DiscoveryPage {
  readonly nodes: NodeInput[];
  readonly edges: EdgeInput[];
}

export interface DiscoverGcpOptions extends GcpPluginOptions {
  /** The org the graph belongs to. */
  readonly org: string;
  /** Projects to walk. Default: `project`, else the key's `project_id`, else Application Default Credentials' project. */
  readonly projects?: readonly string[];
  /** A resolved `gcp` secret (a service-account key); without it, `baseAuth` or Application Default Credentials. */
  readonly secret?: SecretValue;
  /** Items asked of GCP per request (default 100). */
  readonly pageSize?: number;
  readonly signal?: AbortSignal;
}

type Scalar = string | number | boolean | readonly string[] | null | undefined;

/** Properties without empty values (the graph store takes scalars and string arrays only). */
function props(values: Record<string, Scalar>): NodeInput['properties'] {
  return Object.fromEntries(
    Object.entries(values).filter(([, value]) => value !== undefined && value !== null),
  ) as NodeInput['properties'];
}

/** Labels as sorted `key=value` strings. */
function labelList(labels: Readonly<Record<string, string>> | null | undefined): string[] {
  return Object.entries(labels ?? {})
    .map(([key, value]) => `${key}=${value}`)
    .sort();
}

/** The full resource name of a Compute URL or relative name: `//compute.googleapis.com/projects/…`. */
export function computeId(url: string): string {
  const at = url.indexOf('projects/');
  return `//compute.googleapis.com/${at === -1 ? url : url.slice(at)}`;
}

const projectId = (project: string) => `//cloudresourcemanager.googleapis.com/projects/${project}`;

/**
 * Streams a GCP project's resources and relationships for the service graph, one GCP page
 * at a time, so a large project never has to fit in memory. Node ids are full resource
 * names (`//compute.googleapis.com/projects/p/zones/z/instances/web-1`); edges point from
 * the dependent to its dependency: `GceInstance -IN_SUBNETWORK-> Subnetwork -IN_NETWORK->
 * VpcNetwork`, `GkeNodePool -PART_OF-> GkeCluster`, `CloudSqlInstance -IN_NETWORK->
 * VpcNetwork`, `CloudRunService -RUNS_AS-> ServiceAccount`, and every resource `-IN_PROJECT->
 * GcpProject`. Failures are typed Aurora errors (see `mapGcpError`).
 */
export async function* discoverGcp(options: DiscoverGcpOptions): AsyncGenerator<DiscoveryPage> {
  let auth: GcpAuth = options.baseAuth ?? applicationDefaultAuth(options.tokenUrl);
  let keyProject: string | undefined;
  if (options.secret !== undefined) {
    const key = serviceAccountKeyFromSecret(options.secret);
    auth = authClientForKey(key, {
      ...(options.tokenUrl === undefined ? {} : { tokenUrl: options.tokenUrl }),
      ...(options.authCache === undefined ? {} : { cache: options.authCache, org: options.org }),
    });
    keyProject = key.projectId;
  }
  let projects = options.projects ?? [options.project ?? keyProject].filter((p): p is string => p !== undefined);
  if (projects.length === 0) {
    const found = options.secret === undefined ? await adcProject(auth) : undefined;
    if (found === undefined) {
      throw new ConfigurationError({
        message:
          'discoverGcp needs a project: pass projects or project, use a key with project_id, or set GOOGLE_CLOUD_PROJECT.',
        details: { setting: 'projects' },
      });
    }
    projects = [found];
  }
  for (const project of projects) {
    const walk: Walk = {
      org: options.org,
      project,
      pageSize: options.pageSize ?? 100,
      call: staticCall(options, auth, project, options.signal),
    };
    yield await projectPage(walk);
    yield* networkPages(walk);
    yield* instancePages(walk);
    yield* gkePages(walk);
    yield* sqlPages(walk);
    yield* runPages(walk);
  }
}

interface Walk {
  readonly org: string;
  readonly project: string;
  readonly pageSize: number;
  readonly call: GcpCall;
}

function node(walk: Walk, id: string, label: string, properties: Record<string, Scalar>): NodeInput {
  return { id, org: walk.org, labels: [label], properties: props({ project: walk.project, ...properties }) };
}

function edge(walk: Walk, from: string, to: string, type: string): EdgeInput {
  return { org: walk.org, from, to, type };
}

const inProject = (walk: Walk, from: string) => edge(walk, from, projectId(walk.project), 'IN_PROJECT');

async function projectPage(walk: Walk): Promise<DiscoveryPage> {
  const projects = new cloudresourcemanager_v3.Cloudresourcemanager(walk.call.client('cloudresourcemanager')).projects;
  const { data } = await gcpCall('cloudresourcemanager.projects.get', () =>
    projects.get({ name: `projects/${walk.project}` }, { signal: walk.call.signal }),
  );
  return {
    nodes: [
      node(walk, projectId(walk.project), 'GcpProject', {
        kind: 'gcp-project',
        region: 'global',
        name: data.displayName ?? walk.project,
        status: data.state,
        number: lastSegment(data.name),
        parent: data.parent,
        tags: labelList(data.labels),
      }),
    ],
    edges: [],
  };
}

async function* networkPages(walk: Walk): AsyncGenerator<DiscoveryPage> {
  const compute = new compute_v1.Compute(walk.call.client('compute'));
  const { project, call } = walk;
  const maxResults = Math.min(500, walk.pageSize);
  let token: string | undefined;
  do {
    const { data } = await gcpCall('compute.networks.list', () =>
      compute.networks.list(
        { project, maxResults, ...(token === undefined ? {} : { pageToken: token }) },
        { signal: call.signal },
      ),
    );
    const page: DiscoveryPage = { nodes: [], edges: [] };
    for (const network of data.items ?? []) {
      const id = computeId(network.selfLink ?? `projects/${project}/global/networks/${network.name ?? ''}`);
      page.nodes.push(
        node(walk, id, 'VpcNetwork', {
          kind: 'vpc-network',
          region: 'global',
          name: network.name,
          autoSubnets: network.autoCreateSubnetworks,
          routingMode: network.routingConfig?.routingMode,
          mtu: network.mtu,
        }),
      );
      page.edges.push(inProject(walk, id));
    }
    yield page;
    token = nextOf(data.nextPageToken);
  } while (token !== undefined);
  do {
    const { data } = await gcpCall('compute.subnetworks.aggregatedList', () =>
      compute.subnetworks.aggregatedList(
        { project, maxResults, returnPartialSuccess: true, ...(token === undefined ? {} : { pageToken: token }) },
        { signal: call.signal },
      ),
    );
    const page: DiscoveryPage = { nodes: [], edges: [] };
    for (const subnet of Object.values(data.items ?? {}).flatMap((scoped) => scoped.subnetworks ?? [])) {
      const region = lastSegment(subnet.region);
      const id = computeId(
        subnet.selfLink ?? `projects/${project}/regions/${region ?? ''}/subnetworks/${subnet.name ?? ''}`,
      );
      page.nodes.push(
        node(walk, id, 'Subnetwork', {
          kind: 'subnetwork',
          region,
          name: subnet.name,
          cidr: subnet.ipCidrRange,
          purpose: subnet.purpose,
          status: subnet.state,
        }),
      );
      if (subnet.network) page.edges.push(edge(walk, id, computeId(subnet.network), 'IN_NETWORK'));
      page.edges.push(inProject(walk, id));
    }
    yield page;
    token = nextOf(data.nextPageToken);
  } while (token !== undefined);
}

async function* instancePages(walk: Walk): AsyncGenerator<DiscoveryPage> {
  const compute = new compute_v1.Compute(walk.call.client('compute'));
  const { project, call } = walk;
  let token: string | undefined;
  do {
    const { data } = await gcpCall('compute.instances.aggregatedList', () =>
      compute.instances.aggregatedList(
        {
          project,
          maxResults: Math.min(500, walk.pageSize),
          returnPartialSuccess: true,
          ...(token === undefined ? {} : { pageToken: token }),
        },
        { signal: call.signal },
      ),
    );
    const page: DiscoveryPage = { nodes: [], edges: [] };
    for (const instance of Object.values(data.items ?? {}).flatMap((scoped) => scoped.instances ?? [])) {
      const zone = lastSegment(instance.zone);
      const id = computeId(
        instance.selfLink ?? `projects/${project}/zones/${zone ?? ''}/instances/${instance.name ?? ''}`,
      );
      const nics = instance.networkInterfaces ?? [];
      page.nodes.push(
        node(walk, id, 'GceInstance', {
          kind: 'gce-instance',
          region: zone?.replace(/-[a-z]$/, ''),
          zone,
          name: instance.name,
          status: instance.status,
          machineType: lastSegment(instance.machineType),
          privateIp: nics[0]?.networkIP,
          tags: labelList(instance.labels),
        }),
      );
      for (const nic of nics) {
        if (nic.subnetwork) page.edges.push(edge(walk, id, computeId(nic.subnetwork), 'IN_SUBNETWORK'));
        else if (nic.network) page.edges.push(edge(walk, id, computeId(nic.network), 'IN_NETWORK'));
      }
      page.edges.push(inProject(walk, id));
    }
    yield page;
    token = nextOf(data.nextPageToken);
  } while (token !== undefined);
}

async function* gkePages(walk: Walk): AsyncGenerator<DiscoveryPage> {
  const clusters = new container_v1.Container(walk.call.client('container')).projects.locations.clusters;
  const { data } = await gcpCall('container.projects.locations.clusters.list', () =>
    clusters.list({ parent: `projects/${walk.project}/locations/-` }, { signal: walk.call.signal }),
  );
  // GKE returns every cluster at once: one page per cluster with its node pools.
  for (const cluster of data.clusters ?? []) {
    const location = cluster.location ?? cluster.zone ?? '-';
    const id = `//container.googleapis.com/projects/${walk.project}/locations/${location}/clusters/${cluster.name ?? ''}`;
    const page: DiscoveryPage = {
      nodes: [
        node(walk, id, 'GkeCluster', {
          kind: 'gke-cluster',
          region: location.replace(/-[a-z]$/, ''),
          location,
          name: cluster.name,
          status: cluster.status,
          version: cluster.currentMasterVersion,
          nodeCount: cluster.currentNodeCount,
          autopilot: cluster.autopilot?.enabled ?? false,
          tags: labelList(cluster.resourceLabels),
        }),
      ],
      edges: [inProject(walk, id)],
    };
    const subnetwork = cluster.networkConfig?.subnetwork;
    const network = cluster.networkConfig?.network;
    if (subnetwork) page.edges.push(edge(walk, id, computeId(subnetwork), 'IN_SUBNETWORK'));
    else if (network) page.edges.push(edge(walk, id, computeId(network), 'IN_NETWORK'));
    for (const pool of cluster.nodePools ?? []) {
      const poolId = `${id}/nodePools/${pool.name ?? ''}`;
      page.nodes.push(
        node(walk, poolId, 'GkeNodePool', {
          kind: 'gke-node-pool',
          region: location.replace(/-[a-z]$/, ''),
          location,
          name: pool.name,
          status: pool.status,
          version: pool.version,
          machineType: pool.config?.machineType,
          nodeCount: pool.initialNodeCount,
          tags: labelList(pool.config?.resourceLabels),
        }),
      );
      page.edges.push(edge(walk, poolId, id, 'PART_OF'));
      const account = pool.config?.serviceAccount;
      if (account && account !== 'default') addServiceAccount(walk, page, poolId, account);
    }
    yield page;
  }
}

async function* sqlPages(walk: Walk): AsyncGenerator<DiscoveryPage> {
  const instances = new sqladmin_v1.Sqladmin(walk.call.client('sqladmin')).instances;
  let token: string | undefined;
  do {
    const { data } = await gcpCall('sql.instances.list', () =>
      instances.list(
        {
          project: walk.project,
          maxResults: Math.min(500, walk.pageSize),
          ...(token === undefined ? {} : { pageToken: token }),
        },
        { signal: walk.call.signal },
      ),
    );
    const page: DiscoveryPage = { nodes: [], edges: [] };
    for (const db of data.items ?? []) {
      const id = `//sqladmin.googleapis.com/projects/${walk.project}/instances/${db.name ?? ''}`;
      page.nodes.push(
        node(walk, id, 'CloudSqlInstance', {
          kind: 'cloud-sql-instance',
          region: db.region,
          zone: db.gceZone,
          name: db.name,
          status: db.state,
          engine: db.databaseVersion,
          tier: db.settings?.tier,
          availability: db.settings?.availabilityType,
          tags: labelList(db.settings?.userLabels),
        }),
      );
      const network = db.settings?.ipConfiguration?.privateNetwork;
      if (network) page.edges.push(edge(walk, id, computeId(network), 'IN_NETWORK'));
      if (db.masterInstanceName) {
        const primary = lastSegment(db.masterInstanceName.replace(':', '/'));
        page.edges.push(
          edge(walk, id, `//sqladmin.googleapis.com/projects/${walk.project}/instances/${primary ?? ''}`, 'REPLICA_OF'),
        );
      }
      page.edges.push(inProject(walk, id));
    }
    yield page;
    token = nextOf(data.nextPageToken);
  } while (token !== undefined);
}

/** A `ServiceAccount` node (once per page) and `from -RUNS_AS-> account`. */
function addServiceAccount(walk: Walk, page: DiscoveryPage, from: string, email: string): void {
  const owner = /@([a-z][a-z0-9-]{4,28}[a-z0-9])\.iam\.gserviceaccount\.com$/.exec(email)?.[1] ?? walk.project;
  const id = `//iam.googleapis.com/projects/${owner}/serviceAccounts/${email}`;
  if (!page.nodes.some((existing) => existing.id === id)) {
    page.nodes.push({
      id,
      org: walk.org,
      labels: ['ServiceAccount'],
      properties: props({ kind: 'service-account', region: 'global', project: owner, name: email }),
    });
  }
  page.edges.push(edge(walk, from, id, 'RUNS_AS'));
}

async function* runPages(walk: Walk): AsyncGenerator<DiscoveryPage> {
  const services = new run_v2.Run(walk.call.client('run')).projects.locations.services;
  let token: string | undefined;
  do {
    const { data } = await gcpCall('run.projects.locations.services.list', () =>
      services.list(
        {
          parent: `projects/${walk.project}/locations/-`,
          pageSize: Math.min(500, walk.pageSize),
          ...(token === undefined ? {} : { pageToken: token }),
        },
        { signal: walk.call.signal },
      ),
    );
    const page: DiscoveryPage = { nodes: [], edges: [] };
    for (const service of data.services ?? []) {
      const name = service.name ?? '';
      const id = `//run.googleapis.com/${name}`;
      const ready = service.terminalCondition;
      page.nodes.push(
        node(walk, id, 'CloudRunService', {
          kind: 'cloud-run-service',
          region: name.split('/')[3],
          name: lastSegment(name),
          status: ready?.state === 'CONDITION_SUCCEEDED' ? 'ready' : (ready?.state ?? undefined),
          uri: service.uri,
          revision: lastSegment(service.latestReadyRevision),
          tags: labelList(service.labels),
        }),
      );
      const account = service.template?.serviceAccount;
      if (account) addServiceAccount(walk, page, id, account);
      page.edges.push(inProject(walk, id));
    }
    yield page;
    token = nextOf(data.nextPageToken);
  } while (token !== undefined);
}
