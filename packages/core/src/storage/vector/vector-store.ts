/**
 * The VectorStore specification (types only): knowledge-base chunks and incident memory.
 * Collections have a fixed dimension. Every chunk belongs to one org and every read and
 * delete is scoped to one org: no call can see another org's chunks.
 */
export type MetadataValue = string | number | boolean | null;

export type ChunkMetadata = Readonly<Record<string, MetadataValue>>;

export interface VectorChunk {
  readonly id: string;
  readonly org: string;
  readonly text: string;
  readonly vector: readonly number[] | Float32Array;
  readonly metadata?: ChunkMetadata;
}

/**
 * Equality on each key (`{ source: 'runbook' }`), or membership (`{ kind: { in: ['a', 'b'] } }`).
 * Keys combine with AND.
 */
export type MetadataFilter = Readonly<Record<string, MetadataValue | { readonly in: readonly MetadataValue[] }>>;

export interface CollectionSpec {
  /** `[a-z][a-z0-9_]{0,62}` */
  readonly name: string;
  readonly dimension: number;
}

export interface SearchOptions {
  readonly org: string;
  /** Results wanted, 1–1000 (default 10). */
  readonly k?: number;
  readonly filter?: MetadataFilter;
  readonly signal?: AbortSignal;
}

export interface HybridQuery {
  readonly vector: readonly number[] | Float32Array;
  readonly text: string;
  /** 0 = keyword only, 1 = vector only (default 0.5), as Weaviate's `alpha`. */
  readonly alpha?: number;
}

export interface VectorMatch {
  readonly id: string;
  readonly text: string;
  readonly metadata: ChunkMetadata;
  /** Higher is better. Vector: cosine similarity; keyword: the backend's rank; hybrid: fused score in [0, 1]. */
  readonly score: number;
}

export interface DeleteChunksOptions {
  readonly org: string;
  readonly ids?: readonly string[];
  readonly filter?: MetadataFilter;
}

export interface VectorStoreCapabilities {
  readonly keywordSearch: boolean;
  readonly hybridSearch: boolean;
  /** Approximate index (HNSW): recall may be slightly below exact search. */
  readonly approximate: boolean;
}

export interface VectorStore {
  readonly specificationVersion: 'v1';
  readonly capabilities: VectorStoreCapabilities;
  /** Idempotent for the same dimension; an existing collection with another dimension is an `InvalidInputError`. */
  createCollection(spec: CollectionSpec): Promise<void>;
  /** Idempotent. */
  dropCollection(name: string): Promise<void>;
  /** Inserts or replaces by (org, id). Wrong dimension → `InvalidInputError`; unknown collection → `NotFoundError`. */
  upsert(collection: string, chunks: readonly VectorChunk[]): Promise<void>;
  /** Deletes by ids and/or filter within one org; returns how many were deleted. */
  delete(collection: string, options: DeleteChunksOptions): Promise<number>;
  /** k nearest neighbours by cosine similarity. */
  search(collection: string, vector: readonly number[] | Float32Array, options: SearchOptions): Promise<VectorMatch[]>;
  keywordSearch(collection: string, text: string, options: SearchOptions): Promise<VectorMatch[]>;
  hybridSearch(collection: string, query: HybridQuery, options: SearchOptions): Promise<VectorMatch[]>;
  close(): Promise<void>;
}
