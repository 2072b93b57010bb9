/**
 * The GraphStore specification (types only): the service dependency graph.
 * Edges point from the dependent to its dependency (`api -[CALLS]-> db`,
 * `instance -[IN_SUBNET]-> subnet`), so the blast radius of `db` is everything with a path
 * to `db`. Every node and edge belongs to one org; every read is scoped to one org.
 */
export type PropertyValue = string | number | boolean | null | readonly string[] | readonly number[];

export type Properties = Readonly<Record<string, PropertyValue>>;

export interface GraphNode {
  /** Stable id from discovery, e.g. an ARN; unique within an org. */
  readonly id: string;
  readonly org: string;
  readonly labels: readonly string[];
  readonly properties: Properties;
  readonly lastSeenAt: Date;
  /** Set by `markStale`, cleared when the node is upserted again. */
  readonly staleSince?: Date | null;
}

export interface GraphEdge {
  readonly org: string;
  readonly from: string;
  readonly to: string;
  /** `[A-Z][A-Z0-9_]*`, e.g. `DEPENDS_ON`. (org, from, type, to) identifies an edge. */
  readonly type: string;
  readonly properties: Properties;
  readonly lastSeenAt: Date;
}

export type NodeInput = Omit<GraphNode, 'lastSeenAt' | 'staleSince'> & { readonly lastSeenAt?: Date };
export type EdgeInput = Omit<GraphEdge, 'lastSeenAt' | 'properties'> & {
  readonly properties?: Properties;
  readonly lastSeenAt?: Date;
};

export interface NeighbourOptions {
  readonly direction?: 'out' | 'in' | 'both';
  readonly types?: readonly string[];
  readonly limit?: number;
}

export interface Neighbour {
  readonly node: GraphNode;
  readonly edge: GraphEdge;
}

export interface GraphPath {
  /** Node ids from start to end. */
  readonly nodes: readonly string[];
  readonly edges: readonly GraphEdge[];
}

export interface BlastRadiusEntry {
  readonly node: GraphNode;
  /** Hops from the failing node (1 = direct dependent). */
  readonly distance: number;
}

export interface GraphStoreCapabilities {
  /** Upserts from several writers at once converge to the same graph. */
  readonly concurrentWriters: boolean;
}

export interface GraphStore {
  readonly specificationVersion: 'v1';
  readonly capabilities: GraphStoreCapabilities;
  /** Idempotent batch upsert; labels and properties replace the stored ones; lastSeenAt = max. */
  upsertNodes(nodes: readonly NodeInput[]): Promise<void>;
  /** Idempotent batch upsert; both endpoints must exist in the org (`NotFoundError` otherwise). */
  upsertEdges(edges: readonly EdgeInput[]): Promise<void>;
  /** `NotFoundError` when absent. */
  getNode(org: string, id: string): Promise<GraphNode>;
  neighbours(org: string, id: string, options?: NeighbourOptions): Promise<Neighbour[]>;
  /** Shortest paths from `from` to `to` following edge direction, up to `maxHops` (default 6). */
  paths(
    org: string,
    from: string,
    to: string,
    options?: { readonly maxHops?: number; readonly limit?: number },
  ): Promise<GraphPath[]>;
  /** Everything that depends on `id`, directly or transitively, within `maxHops` (default 3). */
  blastRadius(org: string, id: string, options?: { readonly maxHops?: number }): Promise<BlastRadiusEntry[]>;
  /** Marks nodes (and edges) not seen since `notSeenSince` as stale; returns the node count. */
  markStale(org: string, notSeenSince: Date): Promise<number>;
  /** Deletes nodes stale since before `staleBefore`, with their edges; returns the node count. */
  deleteStale(org: string, staleBefore: Date): Promise<number>;
  countByLabel(org: string): Promise<Record<string, number>>;
  close(): Promise<void>;
}
