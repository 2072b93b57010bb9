import type { EdgeInput, NodeInput } from '@aurora-ops/core';
import type { TokenCredential } from '@azure/core-auth';
import type { AzurePluginOptions } from './azure-options.js';
import { azureCall } from './errors.js';
import { parseResourceId, type PagedIterator } from './pagination.js';

/** One page of discovered resources, in the shape `GraphStore.upsertNodes` / `upsertEdges` take. */
export interface DiscoveryPage {
  readonly nodes: NodeInput[];
  readonly edges: EdgeInput[];
}

/** One subscription being walked. */
export interface Walk {
  readonly org: string;
  readonly subscriptionId: string;
  readonly credential: TokenCredential;
  readonly options: AzurePluginOptions;
  readonly networkApiVersion: string;
  readonly abortSignal: AbortSignal | undefined;
}

/** ARM ids are case-insensitive and APIs disagree on casing (`resourceGroups`, `resourcegroups`): ids are lower-cased. */
const key = (id: string): string => id.toLowerCase();

export function tagList(tags: Readonly<Record<string, string | null | undefined>> | undefined): string[] {
  return Object.entries(tags ?? {})
    .map(([name, value]) => `${name}=${value ?? ''}`)
    .sort();
}

function props(
  values: Record<string, string | number | boolean | readonly string[] | null | undefined>,
): NodeInput['properties'] {
  return Object.fromEntries(
    Object.entries(values).filter(([, value]) => value !== undefined && value !== null),
  ) as NodeInput['properties'];
}

/** Collects nodes and edges of one page, each node once. */
export class PageBuilder {
  readonly page: DiscoveryPage = { nodes: [], edges: [] };
  private readonly seen = new Set<string>();
  constructor(private readonly walk: Walk) {}

  node(
    id: string,
    label: string,
    properties: Record<string, string | number | boolean | readonly string[] | null | undefined>,
  ): string {
    const nodeId = key(id);
    if (this.seen.has(nodeId)) return nodeId;
    this.seen.add(nodeId);
    this.page.nodes.push({
      id: nodeId,
      org: this.walk.org,
      labels: [label],
      properties: props({ subscriptionId: this.walk.subscriptionId, resourceId: id, ...properties }),
    });
    return nodeId;
  }

  edge(from: string, type: string, to: string): void {
    this.page.edges.push({ org: this.walk.org, from: key(from), to: key(to), type });
  }

  /** A resource's `IN_RESOURCE_GROUP` and `IN_SUBSCRIPTION` edges. */
  scope(id: string): void {
    const { resourceGroup } = parseResourceId(id);
    if (resourceGroup !== undefined) {
      this.edge(id, 'IN_RESOURCE_GROUP', `/subscriptions/${this.walk.subscriptionId}/resourceGroups/${resourceGroup}`);
    }
    this.edge(id, 'IN_SUBSCRIPTION', `/subscriptions/${this.walk.subscriptionId}`);
  }

  /** A subnet and its virtual network (ids derived from the subnet id), and `from -IN_SUBNET-> subnet`. */
  subnet(from: string, subnetId: string, region: string | undefined): void {
    const match = /^(.*\/virtualNetworks\/([^/]+))\/subnets\/([^/]+)$/i.exec(subnetId);
    if (match === null) return;
    const vnetId = match[1]!;
    const { resourceGroup, subscriptionId } = parseResourceId(vnetId);
    const common = { region, resourceGroup, subscriptionId };
    this.node(vnetId, 'VirtualNetwork', { kind: 'virtual-network', name: match[2], ...common });
    this.node(subnetId, 'Subnet', { kind: 'subnet', name: match[3], ...common });
    this.edge(subnetId, 'IN_VNET', vnetId);
    this.edge(from, 'IN_SUBNET', subnetId);
  }
}

/** Every page of an Azure list, one at a time. */
export async function* pages<T>(operation: string, iterator: PagedIterator<T>): AsyncGenerator<T[]> {
  const source = iterator.byPage();
  for (;;) {
    const next = await azureCall(operation, () => source.next());
    if (next.done === true) return;
    yield next.value;
  }
}
