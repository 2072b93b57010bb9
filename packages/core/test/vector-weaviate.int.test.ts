/**
 * What the Weaviate VectorStore sends and how it fails, through the real `weaviate-client`
 * 3.12 against the local protocol fake (test/support/fake-weaviate-server.ts), which records
 * every REST and gRPC request.
 */
import { createServer } from 'node:net';
import { inspect } from 'node:util';
import { Status } from 'nice-grpc';
import weaviate, { generateUuid5 } from 'weaviate-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ConnectionLostError,
  ForbiddenError,
  InvalidInputError,
  NotFoundError,
  TimeoutError,
  UpstreamError,
} from '../src/errors/errors.js';
import type { VectorStore } from '../src/storage/vector/vector-store.js';
import { createWeaviateVectorStore, type WeaviateVectorStoreSettings } from '../src/storage/weaviate/index.js';
import { chunkUuid, uuidV5 } from '../src/storage/weaviate/weaviate-schema.js';
import { Filters_Operator, type Filters } from '../node_modules/weaviate-client/dist/node/esm/proto/v1/base.js';
import { Hybrid_FusionType } from '../node_modules/weaviate-client/dist/node/esm/proto/v1/base_search.js';
import type { BatchDeleteRequest } from '../node_modules/weaviate-client/dist/node/esm/proto/v1/batch_delete.js';
import type { BatchObjectsRequest } from '../node_modules/weaviate-client/dist/node/esm/proto/v1/batch.js';
import type { SearchRequest } from '../node_modules/weaviate-client/dist/node/esm/proto/v1/search_get.js';
import { startFakeWeaviate, type FakeWeaviate } from './support/fake-weaviate-server.js';

const API_KEY = 'wv-key-7f3a9c1e-never-shown';
const WRONG_KEY = 'wv-wrong-4b2d8e6f-never-shown';
const DIM = 4;
const v = (...values: number[]): number[] => values;

let fake: FakeWeaviate;
const open: VectorStore[] = [];

beforeAll(async () => {
  fake = await startFakeWeaviate({ apiKey: API_KEY });
});
afterAll(() => fake.stop());
afterEach(async () => {
  for (const store of open.splice(0)) await store.close();
});

let prefixCounter = 0;
function store(settings: Partial<WeaviateVectorStoreSettings> = {}): VectorStore {
  prefixCounter += 1;
  const created = createWeaviateVectorStore({
    httpUrl: fake.httpUrl,
    grpcUrl: fake.grpcUrl,
    apiKey: API_KEY,
    collectionPrefix: `P${prefixCounter}`,
    ...settings,
  });
  open.push(created);
  return created;
}

const since = (mark: number) => fake.requests.slice(mark);
const grpcCalls = <T>(mark: number, method: string): T[] =>
  since(mark)
    .filter((request) => request.protocol === 'grpc' && request.method === method)
    .map((request) => request.body as T);

/** The conjuncts of a top-level AND (or the filter itself). */
const conjuncts = (filter: Filters | undefined): Filters[] =>
  filter === undefined ? [] : filter.operator === Filters_Operator.OPERATOR_AND ? filter.filters : [filter];

const orgClause = (filter: Filters | undefined): string | undefined =>
  conjuncts(filter).find(
    (clause) => clause.operator === Filters_Operator.OPERATOR_EQUAL && clause.target?.property === 'org',
  )?.valueText;

async function seed(target: VectorStore, org = 'acme'): Promise<void> {
  await target.createCollection({ name: 'kb', dimension: DIM });
  await target.upsert('kb', [
    { org, id: 'a', vector: v(1, 0, 0, 0), text: 'restart the payment service', metadata: { source: 'runbook' } },
    { org, id: 'b', vector: v(0, 1, 0, 0), text: 'database failover', metadata: { source: 'report', rank: 2 } },
  ]);
}

describe('Weaviate VectorStore: what is sent', () => {
  it('creates a class with vectorizer none, HNSW, cosine, the dimension recorded, and field-tokenized filter properties', async () => {
    const target = store({ collectionPrefix: 'Aurora' });
    const mark = fake.requests.length;
    await target.createCollection({ name: 'kb', dimension: DIM });
    const post = since(mark).find((request) => request.method === 'POST' && request.path === '/v1/schema');
    const body = post?.body as Record<string, unknown>;
    expect(body.class).toBe('Aurora_kb');
    expect(body.vectorizer).toBe('none');
    expect(body.vectorIndexType).toBe('hnsw');
    expect(body.vectorIndexConfig).toMatchObject({ distance: 'cosine' });
    expect(body.description).toContain(`dimension ${DIM}`);
    expect(body.multiTenancyConfig).toEqual({ enabled: false });
    expect(body.properties).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'org', dataType: ['text'], tokenization: 'field', indexFilterable: true }),
        expect.objectContaining({ name: 'text', dataType: ['text'], tokenization: 'word', indexSearchable: true }),
        expect.objectContaining({ name: 'metadataTerms', dataType: ['text[]'], tokenization: 'field' }),
        expect.objectContaining({ name: 'metadataJson', indexFilterable: false, indexSearchable: false }),
      ]),
    );
    // Every request carried the API key.
    for (const request of since(mark)) expect(request.authorization).toBe(`Bearer ${API_KEY}`);
    // Idempotent for the same dimension: no second POST.
    const again = fake.requests.length;
    await target.createCollection({ name: 'kb', dimension: DIM });
    expect(since(again).filter((request) => request.method === 'POST')).toEqual([]);
    await expect(target.createCollection({ name: 'kb', dimension: DIM + 1 })).rejects.toSatisfy(
      InvalidInputError.isInstance,
    );
    await target.dropCollection('kb');
    expect(fake.classDefinition('Aurora_kb')).toBeUndefined();
  });

  it('ids are deterministic UUIDv5 of (org, id); objects carry org, chunkId, text, JSON metadata and typed terms', async () => {
    expect(uuidV5('aurora', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe(generateUuid5('aurora'));
    const target = store();
    const mark = fake.requests.length;
    await seed(target);
    const [batch] = grpcCalls<BatchObjectsRequest>(mark, 'BatchObjects');
    const object = batch!.objects.find((candidate) => candidate.uuid === chunkUuid('acme', 'b'))!;
    expect(object.uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(chunkUuid('acme', 'b')).not.toBe(chunkUuid('globex', 'b'));
    expect(object.properties?.nonRefProperties).toMatchObject({
      org: 'acme',
      chunkId: 'b',
      text: 'database failover',
      metadataJson: '{"source":"report","rank":2}',
    });
    expect(object.properties?.textArrayProperties).toEqual([
      expect.objectContaining({ propName: 'metadataTerms', values: ['"source"="report"', '"rank"=2'] }),
    ]);
    const [match] = await target.search('kb', v(0, 1, 0, 0), { org: 'acme', k: 1 });
    expect(match).toEqual({ id: 'b', text: 'database failover', metadata: { source: 'report', rank: 2 }, score: 1 });
  });

  it('filter mode: every search and delete carries an org equality at the top level', async () => {
    const target = store();
    await seed(target);
    const mark = fake.requests.length;
    await target.search('kb', v(1, 0, 0, 0), { org: 'acme', filter: { source: { in: ['runbook', 'report'] } } });
    await target.search('kb', v(1, 0, 0, 0), { org: 'acme' });
    await target.keywordSearch('kb', 'failover', { org: 'acme' });
    await target.hybridSearch('kb', { vector: v(1, 0, 0, 0), text: 'failover', alpha: 0.3 }, { org: 'acme', k: 3 });
    expect(await target.delete('kb', { org: 'acme', ids: ['a'] })).toBe(1);
    expect(await target.delete('kb', { org: 'acme', filter: { rank: 2 } })).toBe(1);
    const searches = grpcCalls<SearchRequest>(mark, 'Search');
    const deletes = grpcCalls<BatchDeleteRequest>(mark, 'BatchDelete');
    expect(searches).toHaveLength(4);
    expect(deletes).toHaveLength(2);
    for (const request of [...searches, ...deletes]) {
      expect(orgClause(request.filters)).toBe('acme');
      expect(request.tenant ?? '').toBe('');
    }
    const membership = conjuncts(searches[0]!.filters).find(
      (clause) => clause.operator === Filters_Operator.OPERATOR_CONTAINS_ANY,
    );
    expect(membership?.target?.property).toBe('metadataTerms');
    expect(membership?.valueTextArray?.values).toEqual(['"source"="runbook"', '"source"="report"']);
    expect(searches[2]!.bm25Search?.properties).toEqual(['text']);
    const hybrid = searches[3]!.hybridSearch!;
    expect(hybrid.alpha).toBeCloseTo(0.3, 6);
    expect(hybrid.fusionType).toBe(Hybrid_FusionType.FUSION_TYPE_RELATIVE_SCORE);
    expect(hybrid.properties).toEqual(['text']);
    expect(searches[3]!.limit).toBe(3);
    const byId = conjuncts(deletes[0]!.filters).find((clause) => clause.target?.property === '_id');
    expect(byId?.valueTextArray?.values).toEqual([chunkUuid('acme', 'a')]);
  });

  it('tenant mode: a multi-tenant class, the org as tenant on every call, an org without a tenant finds nothing', async () => {
    const target = store({ orgIsolation: 'tenant', collectionPrefix: 'Tenanted' });
    const mark = fake.requests.length;
    await seed(target, 'acme');
    await seed(target, 'globex');
    const post = since(mark).find((request) => request.method === 'POST' && request.path === '/v1/schema');
    expect((post?.body as Record<string, unknown>).multiTenancyConfig).toEqual({
      enabled: true,
      autoTenantCreation: true,
    });
    expect(fake.objects('Tenanted_kb', 'acme').map((object) => object.properties.chunkId)).toEqual(['a', 'b']);
    expect(fake.objects('Tenanted_kb', 'globex')).toHaveLength(2);
    await target.search('kb', v(1, 0, 0, 0), { org: 'acme' });
    await target.keywordSearch('kb', 'failover', { org: 'globex' });
    await target.hybridSearch('kb', { vector: v(1, 0, 0, 0), text: 'failover' }, { org: 'acme' });
    expect(await target.delete('kb', { org: 'globex', ids: ['a'] })).toBe(1);
    for (const batch of grpcCalls<BatchObjectsRequest>(mark, 'BatchObjects')) {
      for (const object of batch.objects) expect(object.tenant).toBe(object.properties?.nonRefProperties?.org);
    }
    const searches = grpcCalls<SearchRequest>(mark, 'Search');
    expect(searches.map((request) => request.tenant)).toEqual(['acme', 'globex', 'acme']);
    for (const request of searches) expect(orgClause(request.filters)).toBeUndefined();
    expect(grpcCalls<BatchDeleteRequest>(mark, 'BatchDelete').map((request) => request.tenant)).toEqual(['globex']);
    expect(await target.search('kb', v(1, 0, 0, 0), { org: 'initech' })).toEqual([]);
    expect(await target.delete('kb', { org: 'initech', ids: ['a'] })).toBe(0);
    expect(fake.objects('Tenanted_kb', 'initech')).toEqual([]);
    await expect(target.search('kb', v(1, 0, 0, 0), { org: 'has space' })).rejects.toSatisfy(
      InvalidInputError.isInstance,
    );
    // A class made for the other mode is refused rather than silently mixed.
    const other = store({ collectionPrefix: 'Tenanted' });
    await expect(other.search('kb', v(1, 0, 0, 0), { org: 'acme' })).rejects.toSatisfy(InvalidInputError.isInstance);
  });

  it('splits an upsert into batchSize batches run concurrently, duplicates (org, id) collapsed to the last', async () => {
    const target = store({ batchSize: 2, concurrency: 2, collectionPrefix: 'Batched' });
    await target.createCollection({ name: 'kb', dimension: DIM });
    const mark = fake.requests.length;
    const chunks = Array.from({ length: 7 }, (_, i) => ({
      org: 'acme',
      id: `c${i}`,
      vector: v(1, i, 0, 0),
      text: `t${i}`,
    }));
    await target.upsert('kb', [...chunks, { org: 'acme', id: 'c0', vector: v(0, 0, 0, 1), text: 'last' }]);
    const batches = grpcCalls<BatchObjectsRequest>(mark, 'BatchObjects');
    expect(batches.map((batch) => batch.objects.length).sort()).toEqual([1, 2, 2, 2]);
    expect(fake.objects('Batched_kb')).toHaveLength(7);
    const [top] = await target.search('kb', v(0, 0, 0, 1), { org: 'acme', k: 1 });
    expect(top).toMatchObject({ id: 'c0', text: 'last' });
  });

  it('validates before sending: a wrong-length vector, bad filter or bad alpha sends no object', async () => {
    const target = store();
    await target.createCollection({ name: 'kb', dimension: DIM });
    const mark = fake.requests.length;
    await expect(target.upsert('kb', [{ org: 'acme', id: 'x', vector: v(1, 2), text: 'x' }])).rejects.toSatisfy(
      InvalidInputError.isInstance,
    );
    await expect(
      target.search('kb', v(1, 0, 0, 0), { org: 'acme', filter: { source: { in: 'runbook' } } as never }),
    ).rejects.toSatisfy(InvalidInputError.isInstance);
    await expect(
      target.hybridSearch('kb', { vector: v(1, 0, 0, 0), text: 'x', alpha: 2 }, { org: 'acme' }),
    ).rejects.toSatisfy(InvalidInputError.isInstance);
    expect(since(mark).filter((request) => request.protocol === 'grpc')).toEqual([]);
  });

  it('an existing client is used as is and not closed by close(); a foreign class is refused', async () => {
    const client = await weaviate.connectToCustom({
      httpHost: '127.0.0.1',
      httpPort: Number(new URL(fake.httpUrl).port),
      grpcHost: '127.0.0.1',
      grpcPort: Number(new URL(fake.grpcUrl).port),
      authCredentials: new weaviate.ApiKey(API_KEY),
    });
    try {
      const target = createWeaviateVectorStore({ client, collectionPrefix: 'Shared' });
      await seed(target);
      await target.close();
      expect(await client.collections.exists('Shared_kb')).toBe(true);
      await client.collections.createFromSchema({ class: 'Shared_foreign', vectorizer: 'none', properties: [] });
      const again = createWeaviateVectorStore({ client, collectionPrefix: 'Shared' });
      await expect(again.createCollection({ name: 'foreign', dimension: DIM })).rejects.toSatisfy(
        InvalidInputError.isInstance,
      );
      await again.close();
    } finally {
      await client.close();
    }
  });
});

describe('Weaviate VectorStore: errors', () => {
  const expectNoSecret = (error: unknown): void => {
    for (const text of [
      (error as Error).message,
      JSON.stringify(error),
      inspect(error, { depth: 10, showHidden: true }),
    ]) {
      expect(text).not.toContain(API_KEY);
      expect(text).not.toContain(WRONG_KEY);
      expect(text).not.toContain('never-shown');
    }
  };

  it('a rejected API key is ForbiddenError, and no key appears in the error even when the server quotes it', async () => {
    const target = store({ apiKey: WRONG_KEY });
    const error = await target.createCollection({ name: 'kb', dimension: DIM }).catch((caught: unknown) => caught);
    expect(ForbiddenError.isInstance(error)).toBe(true);
    // The fake's 401 body does quote it: the adapter must not have passed it on.
    expect(fake.requests.some((request) => request.authorization === `Bearer ${WRONG_KEY}`)).toBe(true);
    expectNoSecret(error);
  });

  it('gRPC UNAUTHENTICATED, INVALID_ARGUMENT and NOT_FOUND map to Forbidden, InvalidInput and NotFound', async () => {
    const target = store();
    await seed(target);
    const cases = [
      [Status.UNAUTHENTICATED, ForbiddenError.isInstance],
      [Status.PERMISSION_DENIED, ForbiddenError.isInstance],
      [Status.INVALID_ARGUMENT, InvalidInputError.isInstance],
      [Status.NOT_FOUND, NotFoundError.isInstance],
    ] as const;
    for (const [status, is] of cases) {
      fake.failNextGrpc(1, status);
      const error = await target.search('kb', v(1, 0, 0, 0), { org: 'acme' }).catch((caught: unknown) => caught);
      expect(is(error), `${Status[status]} → ${String(error)}`).toBe(true);
      expect((error as Error).message).not.toContain('injected');
      expectNoSecret(error);
    }
  });

  it('REST 422 is InvalidInputError, 404 (unknown collection) NotFoundError, 500 UpstreamError; none quotes the server', async () => {
    const target = store();
    await target.createCollection({ name: 'kb', dimension: DIM });
    fake.failNextRest(1, 422);
    const invalid = await target.createCollection({ name: 'other', dimension: DIM }).catch((caught: unknown) => caught);
    expect(InvalidInputError.isInstance(invalid)).toBe(true);
    expect((invalid as Error).message).not.toContain('injected');
    const missing = await target.search('missing', v(1, 0, 0, 0), { org: 'acme' }).catch((caught: unknown) => caught);
    expect(NotFoundError.isInstance(missing)).toBe(true);
    fake.failNextRest(1, 500);
    const upstream = await target
      .createCollection({ name: 'third', dimension: DIM })
      .catch((caught: unknown) => caught);
    expect(UpstreamError.isInstance(upstream)).toBe(true);
    expect((upstream as UpstreamError).details).toMatchObject({ status: 500, backend: 'weaviate' });
    for (const error of [invalid, missing, upstream]) expectNoSecret(error);
  });

  it('a refused port is ConnectionLostError (retryable); a stalled request is TimeoutError', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as { port: number };
        probe.close(() => resolve(free));
      });
    });
    const refused = store({ httpUrl: `http://127.0.0.1:${port}`, grpcUrl: `http://127.0.0.1:${port}` });
    const error = await refused.search('kb', v(1, 0, 0, 0), { org: 'acme' }).catch((caught: unknown) => caught);
    expect(ConnectionLostError.isInstance(error)).toBe(true);
    expect((error as ConnectionLostError).retryable).toBe(true);
    expectNoSecret(error);

    const slow = store({ timeout: { query: 1 } });
    await slow.createCollection({ name: 'kb', dimension: DIM });
    fake.stallNextRest(1);
    // The schema read of an uncached collection is a REST GET, bounded by the query timeout.
    const timeout = await slow.search('uncached', v(1, 0, 0, 0), { org: 'acme' }).catch((caught: unknown) => caught);
    expect(TimeoutError.isInstance(timeout)).toBe(true);
  });

  it('per-object batch errors are one UpstreamError naming the failed chunk ids, not the server text', async () => {
    const stale = store({ collectionPrefix: 'Stale' });
    await stale.createCollection({ name: 'kb', dimension: DIM });
    // Another replica drops and recreates the class with another dimension.
    const replica = store({ collectionPrefix: 'Stale' });
    await replica.dropCollection('kb');
    await replica.createCollection({ name: 'kb', dimension: 2 });
    await replica.upsert('kb', [{ org: 'acme', id: 'two', vector: v(1, 0), text: 'two' }]);
    const error = await stale
      .upsert('kb', [{ org: 'acme', id: 'four', vector: v(1, 0, 0, 0), text: 'four' }])
      .catch((caught: unknown) => caught);
    expect(UpstreamError.isInstance(error)).toBe(true);
    expect((error as UpstreamError).details).toMatchObject({ failed: 1, ids: ['four'], operation: 'upsert' });
    expect((error as Error).message).not.toContain('length');
  });
});
