import weaviate, { Filters, type Collection, type FilterValue, type WeaviateClient } from 'weaviate-client';
import { ConfigurationError, InvalidInputError, NotFoundError, UpstreamError } from '../../errors/errors.js';
import type { AuroraError } from '../../errors/aurora-error.js';
import { parseJson } from '../../internal/json.js';
import type {
  ChunkMetadata,
  CollectionSpec,
  DeleteChunksOptions,
  MetadataFilter,
  SearchOptions,
  VectorChunk,
  VectorMatch,
  VectorStore,
} from '../vector/vector-store.js';
import {
  assertCollectionName,
  assertMetadata,
  assertOrg,
  assertVector,
  invalid,
  validateSearch,
} from '../vector/vector-validation.js';
import { connectOptions, type WeaviateConnectionSettings } from './weaviate-connection.js';
import { mapWeaviateError } from './weaviate-errors.js';
import {
  PROPERTIES,
  RETURNED_PROPERTIES,
  assertPrefix,
  chunkUuid,
  className,
  classDefinition,
  dimensionFromDescription,
  filterTerms,
  metadataTerms,
  type HnswSettings,
} from './weaviate-schema.js';

interface CommonSettings {
  /** Class name prefix (capital first letter): collection `kb` is class `Aurora_kb`. Default `Aurora`. */
  readonly collectionPrefix?: string;
  /**
   * `filter` (default): one class per collection, `org` stored on each object and an `org`
   * equality filter on every search and delete. `tenant`: a multi-tenant class, the org is the
   * tenant (created on first write); orgs must then match `[A-Za-z0-9_-]{1,64}`.
   */
  readonly orgIsolation?: 'filter' | 'tenant';
  /** Objects per `insertMany` call. Default 250. */
  readonly batchSize?: number;
  /** `insertMany` calls in flight during one upsert. Default 4. */
  readonly concurrency?: number;
  /** HNSW parameters for new classes (Weaviate defaults otherwise). */
  readonly hnsw?: HnswSettings;
}

export type WeaviateVectorStoreSettings = CommonSettings &
  (
    | (WeaviateConnectionSettings & { readonly client?: undefined })
    | {
        /** An existing client: used as is and never closed by `close()`. */
        readonly client: WeaviateClient;
      }
  );

const TENANT = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_DIMENSION = 65535;
/** Weaviate's default QUERY_MAXIMUM_RESULTS: one batch delete removes at most this many. */
const DELETE_PAGE = 10000;

type Properties = Record<string, unknown>;

/**
 * VectorStore on Weaviate through `weaviate-client` (REST for the schema, gRPC for data).
 * See `weaviate-schema.ts` for how chunks map to objects and `docs/vector.md` ("Weaviate").
 */
export function createWeaviateVectorStore(settings: WeaviateVectorStoreSettings): VectorStore {
  const prefix = settings.collectionPrefix ?? 'Aurora';
  assertPrefix(prefix);
  const isolation = settings.orgIsolation ?? 'filter';
  if (isolation !== 'filter' && isolation !== 'tenant') throw invalid('orgIsolation is "filter" or "tenant".');
  const tenants = isolation === 'tenant';
  const batchSize = settings.batchSize ?? 250;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw invalid('batchSize is a positive integer.');
  const concurrency = settings.concurrency ?? 4;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw invalid('concurrency is a positive integer.');
  const owned = settings.client === undefined;
  const connectionOptions = settings.client === undefined ? connectOptions(settings) : undefined;
  const dimensions = new Map<string, number>();
  let connecting: Promise<WeaviateClient> | undefined = settings.client && Promise.resolve(settings.client);
  let closed = false;

  const connect = (): Promise<WeaviateClient> => {
    if (closed) return Promise.reject(new ConfigurationError({ message: 'This Weaviate VectorStore is closed.' }));
    connecting ??= weaviate.connectToCustom(connectionOptions!).catch((error: unknown) => {
      connecting = undefined;
      throw mapWeaviateError(error, 'connect');
    });
    return connecting;
  };

  const collectionOf = async (name: string): Promise<Collection> => (await connect()).collections.use(cls(name));
  const cls = (name: string): string => className(prefix, name);

  /** The recorded dimension and tenancy of an existing class, or undefined if there is none. */
  const describe = async (name: string): Promise<{ dimension: number | undefined; tenants: boolean } | undefined> => {
    const client = await connect();
    try {
      const config = await client.collections.export(cls(name));
      return { dimension: dimensionFromDescription(config.description), tenants: config.multiTenancy.enabled };
    } catch (error) {
      const mapped = mapWeaviateError(error, 'describe collection', name);
      if (mapped.code === 'NOT_FOUND') return undefined;
      throw mapped;
    }
  };

  const dimensionOf = async (name: string): Promise<number> => {
    assertCollectionName(name);
    const known = dimensions.get(name);
    if (known !== undefined) return known;
    const found = await describe(name);
    if (found === undefined) {
      throw new NotFoundError({ message: `No vector collection "${name}".`, details: { collection: name } });
    }
    const dimension = checkExisting(name, found);
    dimensions.set(name, dimension);
    return dimension;
  };

  const checkExisting = (name: string, found: { dimension: number | undefined; tenants: boolean }): number => {
    if (found.dimension === undefined) {
      throw new InvalidInputError({
        message: `Weaviate class "${cls(name)}" exists but was not created by Aurora (no recorded dimension).`,
        details: { collection: name },
      });
    }
    if (found.tenants !== tenants) {
      throw new InvalidInputError({
        message: `Weaviate class "${cls(name)}" was created for orgIsolation "${found.tenants ? 'tenant' : 'filter'}".`,
        details: { collection: name },
      });
    }
    return found.dimension;
  };

  const assertTenant = (org: string): void => {
    if (tenants && !TENANT.test(org)) throw invalid('With orgIsolation "tenant", org matches [A-Za-z0-9_-]{1,64}.');
  };

  /** The `where` of a search or delete: the org (filter mode, and always for deletes) AND the metadata terms. */
  const where = (
    collection: Collection,
    org: string,
    filter: MetadataFilter | undefined,
    extra: FilterValue[] = [],
    scope = !tenants,
  ): FilterValue | undefined => {
    const clauses: FilterValue[] = [];
    if (scope) clauses.push(collection.filter.byProperty(PROPERTIES.org).equal(org));
    clauses.push(...extra);
    for (const terms of filterTerms(filter)) {
      clauses.push(collection.filter.byProperty(PROPERTIES.metadataTerms).containsAny(terms));
    }
    if (clauses.length === 0) return undefined;
    return clauses.length === 1 ? clauses[0] : Filters.and(...clauses);
  };

  const forOrg = (collection: Collection, org: string): Collection =>
    tenants ? collection.withTenant(org) : collection;

  /** In tenant mode, a read or delete on an org with no tenant yet finds nothing. */
  const orEmpty = async <T>(name: string, org: string, operation: string, run: () => Promise<T>, empty: T) => {
    try {
      return await run();
    } catch (error) {
      if (tenants && isForeignError(error)) {
        const tenant = await (await collectionOf(name)).tenants.getByName(org).catch(() => undefined);
        if (tenant === null) return empty;
      }
      throw forget(name, mapWeaviateError(error, operation, name));
    }
  };

  /** A collection Weaviate no longer knows is looked up afresh next time (another replica may have dropped it). */
  const forget = (name: string, error: AuroraError): AuroraError => {
    if (error.code === 'NOT_FOUND') dimensions.delete(name);
    return error;
  };

  const toMatch = (object: { properties: Properties }, score: number): VectorMatch => {
    const { [PROPERTIES.chunkId]: id, [PROPERTIES.text]: text, [PROPERTIES.metadataJson]: json } = object.properties;
    return {
      id: typeof id === 'string' ? id : '',
      text: typeof text === 'string' ? text : '',
      metadata: readMetadata(json),
      score,
    };
  };

  const prepareSearch = async (name: string, searchOptions: SearchOptions) => {
    const k = validateSearch(searchOptions);
    assertTenant(searchOptions.org);
    const dimension = await dimensionOf(name);
    const collection = await collectionOf(name);
    return { k, dimension, collection, filters: where(collection, searchOptions.org, searchOptions.filter) };
  };

  return {
    specificationVersion: 'v1',
    capabilities: { keywordSearch: true, hybridSearch: true, approximate: true },

    async createCollection(spec: CollectionSpec) {
      assertCollectionName(spec.name);
      if (!Number.isInteger(spec.dimension) || spec.dimension < 1 || spec.dimension > MAX_DIMENSION) {
        throw invalid(`dimension is an integer 1–${MAX_DIMENSION}.`);
      }
      const compare = (found: { dimension: number | undefined; tenants: boolean }): void => {
        const existing = checkExisting(spec.name, found);
        if (existing !== spec.dimension) {
          throw invalid(`Collection "${spec.name}" exists with dimension ${existing}, not ${spec.dimension}.`, {
            expected: existing,
            got: spec.dimension,
          });
        }
      };
      const found = await describe(spec.name);
      if (found !== undefined) {
        compare(found);
      } else {
        const client = await connect();
        try {
          await client.collections.createFromSchema(
            classDefinition(cls(spec.name), spec.dimension, tenants, settings.hnsw) as never,
          );
        } catch (error) {
          // Another instance may have created it meanwhile (Weaviate answers 422).
          const raced = await describe(spec.name);
          if (raced === undefined) throw mapWeaviateError(error, 'create collection', spec.name);
          compare(raced);
        }
      }
      dimensions.set(spec.name, spec.dimension);
    },

    async dropCollection(name) {
      assertCollectionName(name);
      const client = await connect();
      dimensions.delete(name);
      try {
        await client.collections.delete(cls(name));
      } catch (error) {
        const mapped = mapWeaviateError(error, 'drop collection', name);
        if (mapped.code !== 'NOT_FOUND') throw mapped;
      }
    },

    async upsert(name, chunks: readonly VectorChunk[]) {
      const dimension = await dimensionOf(name);
      if (!Array.isArray(chunks)) throw invalid('upsert takes a list of chunks.');
      const list: readonly VectorChunk[] = chunks;
      const byKey = new Map<string, VectorChunk>();
      for (const chunk of list) {
        assertOrg(chunk.org);
        assertTenant(chunk.org);
        if (typeof chunk.id !== 'string' || chunk.id.length === 0 || chunk.id.length > 512) {
          throw invalid('A chunk id is a string of 1–512 characters.');
        }
        if (typeof chunk.text !== 'string') throw invalid('A chunk text is a string.');
        assertMetadata(chunk.metadata);
        assertVector(chunk.vector, dimension);
        byKey.set(JSON.stringify([chunk.org, chunk.id]), chunk);
      }
      const groups = new Map<string, VectorChunk[]>();
      for (const chunk of byKey.values()) {
        const key = tenants ? chunk.org : '';
        const group = groups.get(key);
        if (group === undefined) groups.set(key, [chunk]);
        else group.push(chunk);
      }
      const collection = await collectionOf(name);
      const jobs: { target: Collection; slice: VectorChunk[] }[] = [];
      for (const [org, group] of groups) {
        const target = tenants ? collection.withTenant(org) : collection;
        for (let start = 0; start < group.length; start += batchSize) {
          jobs.push({ target, slice: group.slice(start, start + batchSize) });
        }
      }
      const failed: string[] = [];
      let thrown: AuroraError | undefined;
      const worker = async (): Promise<void> => {
        for (let job = jobs.shift(); job !== undefined && thrown === undefined; job = jobs.shift()) {
          const { target, slice } = job;
          try {
            const result = await target.data.insertMany(slice.map(toObject));
            for (const index of Object.keys(result.errors)) failed.push(slice[Number(index)]!.id);
          } catch (error) {
            thrown ??= forget(name, mapWeaviateError(error, 'upsert', name));
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, jobs.length) }, worker));
      if (thrown !== undefined) throw thrown;
      if (failed.length > 0) {
        throw new UpstreamError({
          message: `Weaviate rejected ${failed.length} of ${byKey.size} chunks in an upsert to "${name}".`,
          details: {
            backend: 'weaviate',
            operation: 'upsert',
            collection: name,
            failed: failed.length,
            ids: failed.slice(0, 20),
          },
        });
      }
    },

    async delete(name, deleteOptions: DeleteChunksOptions) {
      await dimensionOf(name);
      assertOrg(deleteOptions.org);
      assertTenant(deleteOptions.org);
      if (deleteOptions.ids === undefined && deleteOptions.filter === undefined) {
        throw invalid('delete needs ids, a filter, or both.');
      }
      const { ids, org } = deleteOptions;
      if (ids !== undefined) {
        const list: unknown = ids;
        if (!Array.isArray(list) || list.some((id) => typeof id !== 'string'))
          throw invalid('ids is a list of strings.');
        if (ids.length === 0) return 0;
      }
      const collection = await collectionOf(name);
      const extra =
        ids === undefined ? [] : [collection.filter.byId().containsAny(ids.map((id) => chunkUuid(org, id)))];
      const filters = where(collection, org, deleteOptions.filter, extra, true)!;
      const target = forOrg(collection, org);
      return orEmpty(
        name,
        org,
        'delete',
        async () => {
          let deleted = 0;
          for (;;) {
            const reply = await target.data.deleteMany(filters);
            deleted += reply.successful;
            if (reply.matches < DELETE_PAGE || reply.successful === 0) return deleted;
          }
        },
        0,
      );
    },

    async search(name, vector, searchOptions) {
      const { k, dimension, collection, filters } = await prepareSearch(name, searchOptions);
      assertVector(vector, dimension);
      const reply = await orEmpty(
        name,
        searchOptions.org,
        'search',
        () =>
          forOrg(collection, searchOptions.org).query.nearVector(Array.from(vector), {
            limit: k,
            ...(filters === undefined ? {} : { filters }),
            returnMetadata: ['distance'],
            returnProperties: RETURNED_PROPERTIES,
          }),
        { objects: [] },
      );
      return reply.objects.map((object) => toMatch(object, 1 - (object.metadata?.distance ?? 1)));
    },

    async keywordSearch(name, text, searchOptions) {
      const { k, collection, filters } = await prepareSearch(name, searchOptions);
      if (typeof text !== 'string') throw invalid('The query text is a string.');
      if (text.trim() === '') return [];
      const reply = await orEmpty(
        name,
        searchOptions.org,
        'keyword search',
        () =>
          forOrg(collection, searchOptions.org).query.bm25(text, {
            limit: k,
            queryProperties: [PROPERTIES.text],
            ...(filters === undefined ? {} : { filters }),
            returnMetadata: ['score'],
            returnProperties: RETURNED_PROPERTIES,
          }),
        { objects: [] },
      );
      return reply.objects.map((object) => toMatch(object, object.metadata?.score ?? 0));
    },

    async hybridSearch(name, query, searchOptions) {
      const { k, dimension, collection, filters } = await prepareSearch(name, searchOptions);
      const alpha = query.alpha ?? 0.5;
      if (typeof alpha !== 'number' || !(alpha >= 0 && alpha <= 1)) throw invalid('alpha is between 0 and 1.');
      if (typeof query.text !== 'string') throw invalid('The query text is a string.');
      assertVector(query.vector, dimension);
      const reply = await orEmpty(
        name,
        searchOptions.org,
        'hybrid search',
        () =>
          forOrg(collection, searchOptions.org).query.hybrid(query.text, {
            vector: Array.from(query.vector),
            alpha,
            fusionType: 'RelativeScore',
            queryProperties: [PROPERTIES.text],
            limit: k,
            ...(filters === undefined ? {} : { filters }),
            returnMetadata: ['score'],
            returnProperties: RETURNED_PROPERTIES,
          }),
        { objects: [] },
      );
      return reply.objects.map((object) => toMatch(object, Math.min(1, Math.max(0, object.metadata?.score ?? 0))));
    },

    async close() {
      if (closed) return;
      closed = true;
      const pending = connecting;
      connecting = undefined;
      if (owned && pending !== undefined) await (await pending.catch(() => undefined))?.close();
    },
  } satisfies VectorStore;
}

/** The Weaviate object of a chunk (see weaviate-schema.ts). */
function toObject(chunk: VectorChunk) {
  return {
    id: chunkUuid(chunk.org, chunk.id),
    properties: {
      [PROPERTIES.chunkId]: chunk.id,
      [PROPERTIES.org]: chunk.org,
      [PROPERTIES.text]: chunk.text,
      [PROPERTIES.metadataJson]: JSON.stringify(chunk.metadata ?? {}),
      [PROPERTIES.metadataTerms]: metadataTerms(chunk.metadata ?? {}),
    },
    vectors: Array.from(chunk.vector),
  };
}

/** True for errors from the client or the network (not Aurora's own validation errors). */
function isForeignError(error: unknown): boolean {
  return !(typeof error === 'object' && error !== null && Symbol.for('aurora.error') in error);
}

function readMetadata(json: unknown): ChunkMetadata {
  if (typeof json !== 'string' || json === '') return {};
  const value = parseJson(json, 'Stored chunk metadata');
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as ChunkMetadata) : {};
}
