/**
 * A local Weaviate that speaks what `weaviate-client` 3.12 uses: REST on one port
 * (`/v1/meta`, `/v1/.well-known/{live,ready}`, `/v1/schema`, `/v1/schema/{class}`,
 * `/v1/schema/{class}/tenants[/{name}]`) and gRPC on another (`weaviate.v1.Weaviate`:
 * `Search`, `BatchObjects`, `BatchDelete`, `TenantsGet`; `grpc.health.v1.Health/Check`),
 * served with nice-grpc and the service definitions shipped inside weaviate-client. Objects
 * live in memory; searches are exact (brute-force cosine, BM25, relativeScore fusion, see
 * fake-weaviate-search.ts). Every request is recorded so tests can assert what was sent.
 *
 * Used when AURORA_TEST_WEAVIATE_URL is not set. Deliberate differences from Weaviate: the
 * search is exact (no HNSW), BM25 uses a short English stopword list, a 401 body quotes the
 * rejected credential (a hostile server, to prove the adapter never repeats server text),
 * and gRPC status codes for errors are this fake's choice where Weaviate's are undocumented.
 */
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer, ServerError, Status, type CallContext } from 'nice-grpc';
import {
  HealthCheckResponse_ServingStatus,
  HealthDefinition,
} from '../../node_modules/weaviate-client/dist/node/esm/proto/google/health/v1/health.js';
import type { Properties, Value } from '../../node_modules/weaviate-client/dist/node/esm/proto/v1/properties.js';
import { WeaviateDefinition } from '../../node_modules/weaviate-client/dist/node/esm/proto/v1/weaviate.js';
import {
  BatchDeleteReply,
  type BatchDeleteRequest,
} from '../../node_modules/weaviate-client/dist/node/esm/proto/v1/batch_delete.js';
import {
  BatchObjectsReply,
  type BatchObjectsRequest,
} from '../../node_modules/weaviate-client/dist/node/esm/proto/v1/batch.js';
import {
  SearchReply,
  type SearchRequest,
} from '../../node_modules/weaviate-client/dist/node/esm/proto/v1/search_get.js';
import {
  TenantActivityStatus,
  TenantsGetReply,
  type TenantsGetRequest,
} from '../../node_modules/weaviate-client/dist/node/esm/proto/v1/tenants.js';
import {
  bm25,
  matches,
  nearest,
  relativeScoreFusion,
  requestVector,
  vectorFromBytes,
  type FakeObject,
  type FakeProperty,
  type Scored,
} from './fake-weaviate-search.js';

export const FAKE_WEAVIATE_VERSION = '1.32.4';

export interface FakeWeaviateRequest {
  readonly protocol: 'rest' | 'grpc';
  /** HTTP method, or the gRPC method name (`Search`, `BatchObjects`, …). */
  readonly method: string;
  /** REST path, or the gRPC collection. */
  readonly path: string;
  readonly authorization: string | undefined;
  /** The JSON body, or the decoded gRPC request message. */
  readonly body: unknown;
}

export interface FakeWeaviate {
  readonly httpUrl: string;
  readonly grpcUrl: string;
  readonly requests: FakeWeaviateRequest[];
  /** A class definition as stored (with Weaviate's defaults filled in), or undefined. */
  classDefinition(className: string): Record<string, unknown> | undefined;
  /** Objects of `className` in `tenant` ('' without multi-tenancy). */
  objects(className: string, tenant?: string): FakeObject[];
  /** The next `count` REST requests fail with `status` (JSON body quoting the path). */
  failNextRest(count: number, status: number): void;
  /** The next `count` gRPC calls (not health checks) fail with `status`. */
  failNextGrpc(count: number, status: Status): void;
  /** The next `count` REST requests are never answered (until stop). */
  stallNextRest(count: number): void;
  stop(): Promise<void>;
}

interface StoredClass {
  readonly definition: Record<string, unknown>;
  readonly properties: FakeProperty[];
  readonly multiTenant: boolean;
  readonly autoTenantCreation: boolean;
  /** tenant ('' without multi-tenancy) → uuid → object */
  readonly shards: Map<string, Map<string, FakeObject>>;
  dimension: number | undefined;
}

const CLASS_NAME = /^[A-Z][_0-9A-Za-z]{0,254}$/;

function withDefaults(input: Record<string, unknown>): Record<string, unknown> {
  const multiTenancy = (input.multiTenancyConfig ?? {}) as Record<string, unknown>;
  const enabled = multiTenancy.enabled === true;
  const properties = ((input.properties ?? []) as Record<string, unknown>[]).map((property) => {
    const text = ['text', 'text[]'].includes((property.dataType as string[])[0]!);
    return {
      indexFilterable: true,
      indexRangeFilters: false,
      indexSearchable: text,
      ...(text ? { tokenization: 'word' } : {}),
      ...property,
    };
  });
  return {
    ...input,
    invertedIndexConfig: {
      bm25: { b: 0.75, k1: 1.2 },
      cleanupIntervalSeconds: 60,
      stopwords: { additions: null, preset: 'en', removals: null },
      usingBlockMaxWAND: true,
    },
    multiTenancyConfig: {
      autoTenantActivation: false,
      autoTenantCreation: multiTenancy.autoTenantCreation === true,
      enabled,
    },
    properties,
    replicationConfig: { asyncEnabled: false, deletionStrategy: 'NoAutomatedResolution', factor: 1 },
    shardingConfig: enabled
      ? {
          actualCount: 0,
          actualVirtualCount: 0,
          desiredCount: 0,
          desiredVirtualCount: 0,
          function: '',
          key: '',
          strategy: '',
          virtualPerPhysical: 0,
        }
      : {
          actualCount: 1,
          actualVirtualCount: 128,
          desiredCount: 1,
          desiredVirtualCount: 128,
          function: 'murmur3',
          key: '_id',
          strategy: 'hash',
          virtualPerPhysical: 128,
        },
    vectorIndexConfig: {
      skip: false,
      cleanupIntervalSeconds: 300,
      maxConnections: 32,
      efConstruction: 128,
      ef: -1,
      dynamicEfMin: 100,
      dynamicEfMax: 500,
      dynamicEfFactor: 8,
      vectorCacheMaxObjects: 1000000000000,
      flatSearchCutoff: 40000,
      distance: 'cosine',
      filterStrategy: 'sweeping',
      ...((input.vectorIndexConfig ?? {}) as Record<string, unknown>),
    },
    vectorIndexType: input.vectorIndexType ?? 'hnsw',
    vectorizer: input.vectorizer ?? 'none',
  };
}

/** A protobuf `Value` for a stored property value. */
function toValue(value: unknown): Value {
  if (typeof value === 'string') return { textValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  if (typeof value === 'number') return { numberValue: value };
  if (Array.isArray(value)) return { listValue: { textValues: { values: value.map(String) } } };
  return { nullValue: 0 };
}

export async function startFakeWeaviate(options: { apiKey?: string } = {}): Promise<FakeWeaviate> {
  const classes = new Map<string, StoredClass>();
  const requests: FakeWeaviateRequest[] = [];
  let restFailures = { count: 0, status: 500 };
  let grpcFailures = { count: 0, status: Status.INTERNAL };
  let stalls = 0;
  const stalled: ServerResponse[] = [];

  const authorized = (authorization: string | undefined): boolean =>
    options.apiKey === undefined || authorization === `Bearer ${options.apiKey}`;

  // ---------------------------------------------------------------- REST
  const send = (response: ServerResponse, status: number, body?: unknown): void => {
    if (body === undefined) response.writeHead(status).end();
    else response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  const errors = (response: ServerResponse, status: number, message: string): void =>
    send(response, status, { error: [{ message }] });

  const readBody = async (request: IncomingMessage): Promise<unknown> => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    return text === '' ? undefined : (JSON.parse(text) as unknown);
  };

  const rest = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://fake');
    const path = url.pathname;
    const method = request.method ?? 'GET';
    const authorization = request.headers.authorization;
    const body = await readBody(request);
    requests.push({ protocol: 'rest', method, path, authorization, body });
    if (stalls > 0) {
      stalls -= 1;
      stalled.push(response);
      return;
    }
    if (restFailures.count > 0) {
      restFailures.count -= 1;
      errors(response, restFailures.status, `injected failure on ${path}`);
      return;
    }
    if (path === '/v1/.well-known/live' || path === '/v1/.well-known/ready') return send(response, 200);
    if (path === '/v1/.well-known/openid-configuration') return send(response, 404);
    if (!authorized(authorization)) {
      // A hostile server quoting the credential back: the adapter must never repeat it.
      return send(response, 401, { code: 401, message: `unauthorized: invalid api key: ${authorization ?? ''}` });
    }
    if (path === '/v1/meta' && method === 'GET') {
      return send(response, 200, {
        hostname: 'http://[::]:8080',
        modules: {},
        version: FAKE_WEAVIATE_VERSION,
        grpcMaxMessageSize: 104858000,
      });
    }
    if (path === '/v1/schema' && method === 'GET') {
      return send(response, 200, { classes: [...classes.values()].map((stored) => stored.definition) });
    }
    if (path === '/v1/schema' && method === 'POST') {
      const input = body as Record<string, unknown>;
      const name = input?.class;
      if (typeof name !== 'string' || !CLASS_NAME.test(name)) {
        return errors(response, 422, `'${String(name)}' is not a valid class name`);
      }
      if (classes.has(name)) return errors(response, 422, `class name "${name}" already exists`);
      const definition = withDefaults(input);
      const multiTenancy = definition.multiTenancyConfig as { enabled: boolean; autoTenantCreation: boolean };
      classes.set(name, {
        definition,
        properties: definition.properties as FakeProperty[],
        multiTenant: multiTenancy.enabled,
        autoTenantCreation: multiTenancy.autoTenantCreation,
        shards: new Map(multiTenancy.enabled ? [] : [['', new Map()]]),
        dimension: undefined,
      });
      return send(response, 200, definition);
    }
    const match = /^\/v1\/schema\/([^/]+)(?:\/tenants(?:\/([^/]+))?)?$/.exec(path);
    if (match !== null) {
      const name = decodeURIComponent(match[1]!);
      const stored = classes.get(name);
      const tenantsPath = path.includes('/tenants');
      if (!tenantsPath && method === 'GET')
        return stored === undefined ? send(response, 404) : send(response, 200, stored.definition);
      if (!tenantsPath && method === 'DELETE') {
        classes.delete(name);
        return send(response, 200);
      }
      if (stored === undefined) return errors(response, 422, `class "${name}" not found`);
      if (!stored.multiTenant) return errors(response, 422, `multi-tenancy is not enabled for class "${name}"`);
      const tenant = match[2] === undefined ? undefined : decodeURIComponent(match[2]);
      if (tenant !== undefined && method === 'GET') {
        return stored.shards.has(tenant)
          ? send(response, 200, { name: tenant, activityStatus: 'ACTIVE' })
          : send(response, 404);
      }
      if (tenant === undefined && method === 'GET') {
        return send(
          response,
          200,
          [...stored.shards.keys()].map((key) => ({ name: key, activityStatus: 'ACTIVE' })),
        );
      }
      if (tenant === undefined && method === 'POST') {
        for (const entry of body as { name: string }[])
          if (!stored.shards.has(entry.name)) stored.shards.set(entry.name, new Map());
        return send(
          response,
          200,
          (body as { name: string }[]).map((entry) => ({ name: entry.name, activityStatus: 'ACTIVE' })),
        );
      }
    }
    return errors(response, 404, `no route for ${method} ${path}`);
  };

  const http = createHttpServer((request, response) => {
    rest(request, response).catch(() => send(response, 500, { error: [{ message: 'fake weaviate failed' }] }));
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));

  // ---------------------------------------------------------------- gRPC
  const enter = (method: string, collection: string, body: unknown, context: CallContext): void => {
    const authorization = context.metadata.get('authorization');
    requests.push({ protocol: 'grpc', method, path: collection, authorization, body });
    if (grpcFailures.count > 0) {
      grpcFailures.count -= 1;
      throw new ServerError(grpcFailures.status, `injected failure on ${method}`);
    }
    if (!authorized(authorization))
      throw new ServerError(Status.UNAUTHENTICATED, `invalid api key: ${authorization ?? ''}`);
  };

  const classFor = (name: string): StoredClass => {
    const stored = classes.get(name);
    if (stored === undefined) throw new ServerError(Status.NOT_FOUND, `class ${name} not found`);
    return stored;
  };

  const shardFor = (stored: StoredClass, tenant: string | undefined, create: boolean): Map<string, FakeObject> => {
    if (!stored.multiTenant) {
      if (tenant)
        throw new ServerError(Status.INVALID_ARGUMENT, 'has multi-tenancy disabled, but request was with tenant');
      return stored.shards.get('')!;
    }
    if (!tenant)
      throw new ServerError(Status.INVALID_ARGUMENT, 'has multi-tenancy enabled, but request was without tenant');
    let shard = stored.shards.get(tenant);
    if (shard === undefined && create && stored.autoTenantCreation) {
      shard = new Map();
      stored.shards.set(tenant, shard);
    }
    if (shard === undefined) throw new ServerError(Status.NOT_FOUND, `tenant not found: "${tenant}"`);
    return shard;
  };

  const searchable = (stored: StoredClass, requested: readonly string[]): string[] =>
    requested.length > 0
      ? requested.map((name) => name.split('^')[0]!)
      : stored.properties.filter((property) => property.indexSearchable === true).map((property) => property.name);

  const search = (request: SearchRequest, context: CallContext): SearchReply => {
    enter('Search', request.collection, request, context);
    const stored = classFor(request.collection);
    const shard = shardFor(stored, request.tenant, false);
    const candidates = [...shard.values()].filter(
      (object) => request.filters === undefined || matches(request.filters, object, stored.properties),
    );
    const limit = request.limit > 0 ? request.limit : 10;
    let results: { scored: Scored; distance?: number; score?: number }[];
    if (request.nearVector !== undefined) {
      const vector = requestVector(request.nearVector);
      if (vector === undefined) throw new ServerError(Status.INVALID_ARGUMENT, 'nearVector without a vector');
      checkDimension(stored, vector);
      results = nearest(vector, candidates).map((scored) => ({ scored, distance: scored.score }));
    } else if (request.bm25Search !== undefined) {
      results = bm25(request.bm25Search.query, candidates, searchable(stored, request.bm25Search.properties)).map(
        (scored) => ({ scored, score: scored.score }),
      );
    } else if (request.hybridSearch !== undefined) {
      const hybrid = request.hybridSearch;
      const vector = requestVector(hybrid) ?? (hybrid.nearVector && requestVector(hybrid.nearVector));
      const alpha = hybrid.alpha;
      if (alpha > 0 && vector === undefined) throw new ServerError(Status.INVALID_ARGUMENT, 'hybrid without a vector');
      if (vector !== undefined) checkDimension(stored, vector);
      const vectorResults = alpha > 0 && vector !== undefined ? nearest(vector, candidates).slice(0, 100) : [];
      const keywordResults =
        alpha < 1 ? bm25(hybrid.query, candidates, searchable(stored, hybrid.properties)).slice(0, 100) : [];
      results = relativeScoreFusion(vectorResults, keywordResults, alpha).map((scored) => ({
        scored,
        score: scored.score,
      }));
    } else {
      results = candidates.map((object) => ({ scored: { object, score: 0 } }));
    }
    const wanted = request.properties;
    return SearchReply.fromPartial({
      took: 0.001,
      results: results.slice(request.offset, request.offset + limit).map(({ scored, distance, score }) => {
        const names =
          wanted === undefined || wanted.returnAllNonrefProperties
            ? Object.keys(scored.object.properties)
            : wanted.nonRefProperties;
        const fields: Properties['fields'] = {};
        for (const name of names) {
          if (name in scored.object.properties) fields[name] = toValue(scored.object.properties[name]);
        }
        return {
          properties: {
            nonRefProps: { fields },
            refProps: [],
            targetCollection: request.collection,
            refPropsRequested: false,
          },
          metadata: {
            id: scored.object.uuid,
            ...(distance === undefined ? {} : { distance, distancePresent: true }),
            ...(score === undefined ? {} : { score, scorePresent: true }),
          },
        };
      }),
    });
  };

  const checkDimension = (stored: StoredClass, vector: readonly number[]): void => {
    if (stored.dimension !== undefined && vector.length !== stored.dimension) {
      throw new ServerError(
        Status.INVALID_ARGUMENT,
        `vector lengths don't match: ${vector.length} vs ${stored.dimension}`,
      );
    }
  };

  const batchObjects = (request: BatchObjectsRequest, context: CallContext): BatchObjectsReply => {
    enter('BatchObjects', request.objects[0]?.collection ?? '', request, context);
    const failures: { index: number; error: string }[] = [];
    request.objects.forEach((object, index) => {
      try {
        const stored = classFor(object.collection);
        const shard = shardFor(stored, object.tenant, true);
        const vector =
          object.vectors.length > 0
            ? vectorFromBytes(object.vectors[0]!.vectorBytes)
            : object.vectorBytes.length > 0
              ? vectorFromBytes(object.vectorBytes)
              : object.vector;
        if (stored.dimension !== undefined && vector.length !== stored.dimension) {
          throw new Error(
            `new node has a vector with length ${vector.length}. Existing nodes have vectors with length ${stored.dimension}`,
          );
        }
        const properties: Record<string, unknown> = { ...(object.properties?.nonRefProperties ?? {}) };
        for (const list of object.properties?.textArrayProperties ?? []) properties[list.propName] = [...list.values];
        for (const name of object.properties?.emptyListProps ?? []) properties[name] = [];
        for (const name of Object.keys(properties)) {
          if (!stored.properties.some((property) => property.name === name)) {
            throw new Error(`no such prop with name '${name}' found in class '${object.collection}'`);
          }
        }
        if (vector.length > 0) stored.dimension ??= vector.length;
        shard.set(object.uuid, { uuid: object.uuid, properties, vector });
      } catch (error) {
        failures.push({ index, error: error instanceof Error ? error.message : String(error) });
      }
    });
    return BatchObjectsReply.fromPartial({ took: 0.001, errors: failures });
  };

  const batchDelete = (request: BatchDeleteRequest, context: CallContext): BatchDeleteReply => {
    enter('BatchDelete', request.collection, request, context);
    const stored = classFor(request.collection);
    if (request.filters === undefined) throw new ServerError(Status.INVALID_ARGUMENT, 'batch delete needs a filter');
    const shard = shardFor(stored, request.tenant, false);
    const doomed = [...shard.values()].filter((object) => matches(request.filters!, object, stored.properties));
    if (!request.dryRun) for (const object of doomed) shard.delete(object.uuid);
    return BatchDeleteReply.fromPartial({
      took: 0.001,
      failed: 0,
      matches: doomed.length,
      successful: request.dryRun ? 0 : doomed.length,
      objects: request.verbose
        ? doomed.map((object) => ({ uuid: Buffer.from(object.uuid.replaceAll('-', ''), 'hex'), successful: true }))
        : [],
    });
  };

  const tenantsGet = (request: TenantsGetRequest, context: CallContext): TenantsGetReply => {
    enter('TenantsGet', request.collection, request, context);
    const stored = classFor(request.collection);
    const names = request.names?.values ?? [...stored.shards.keys()];
    return TenantsGetReply.fromPartial({
      took: 0.001,
      tenants: names
        .filter((name) => stored.shards.has(name))
        .map((name) => ({ name, activityStatus: TenantActivityStatus.TENANT_ACTIVITY_STATUS_ACTIVE })),
    });
  };

  const unimplemented = (method: string) => (): never => {
    throw new ServerError(Status.UNIMPLEMENTED, `${method} is not implemented by the fake Weaviate`);
  };

  const unimplementedStream = (method: string) =>
    // eslint-disable-next-line require-yield
    async function* (): AsyncGenerator<never> {
      await Promise.resolve();
      throw new ServerError(Status.UNIMPLEMENTED, `${method} is not implemented by the fake Weaviate`);
    };

  const grpc = createServer();
  grpc.add(WeaviateDefinition, {
    search: (request, context) => Promise.resolve(search(request, context)),
    batchObjects: (request, context) => Promise.resolve(batchObjects(request, context)),
    batchDelete: (request, context) => Promise.resolve(batchDelete(request, context)),
    tenantsGet: (request, context) => Promise.resolve(tenantsGet(request, context)),
    batchReferences: unimplemented('BatchReferences'),
    aggregate: unimplemented('Aggregate'),
    batchStream: unimplementedStream('BatchStream'),
  });
  grpc.add(HealthDefinition, {
    check: () => Promise.resolve({ status: HealthCheckResponse_ServingStatus.SERVING }),
    watch: unimplementedStream('Watch'),
  });
  const grpcPort = await grpc.listen('127.0.0.1:0');

  return {
    httpUrl: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    grpcUrl: `http://127.0.0.1:${grpcPort}`,
    requests,
    classDefinition: (className) => classes.get(className)?.definition,
    objects: (className, tenant = '') => [...(classes.get(className)?.shards.get(tenant)?.values() ?? [])],
    failNextRest: (count, status) => {
      restFailures = { count, status };
    },
    failNextGrpc: (count, status) => {
      grpcFailures = { count, status };
    },
    stallNextRest: (count) => {
      stalls = count;
    },
    async stop() {
      for (const response of stalled.splice(0)) response.destroy();
      await grpc.shutdown();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
