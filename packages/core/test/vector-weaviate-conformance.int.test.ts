/**
 * The VectorStore conformance suite on Weaviate, through the real `weaviate-client` 3.12.
 * With AURORA_TEST_WEAVIATE_URL (and AURORA_TEST_WEAVIATE_GRPC_URL, AURORA_TEST_WEAVIATE_API_KEY)
 * it runs against that server; otherwise against the local protocol fake
 * (test/support/fake-weaviate-server.ts), and the suite's title says so. Both isolation modes.
 */
import { randomUUID } from 'node:crypto';
import { afterAll } from 'vitest';
import type { VectorStore } from '../src/storage/vector/vector-store.js';
import { createWeaviateVectorStore } from '../src/storage/weaviate/index.js';
import { describeVectorStoreConformance } from '../src/testing/index.js';
import { startFakeWeaviate } from './support/fake-weaviate-server.js';

const realUrl = process.env.AURORA_TEST_WEAVIATE_URL;
const fake = realUrl === undefined ? await startFakeWeaviate() : undefined;
afterAll(() => fake?.stop());

const connection = {
  httpUrl: realUrl ?? fake!.httpUrl,
  grpcUrl: process.env.AURORA_TEST_WEAVIATE_GRPC_URL ?? fake?.grpcUrl,
  apiKey: process.env.AURORA_TEST_WEAVIATE_API_KEY,
};
const where = realUrl === undefined ? 'local protocol fake' : new URL(realUrl).host;

for (const orgIsolation of ['filter', 'tenant'] as const) {
  // Each store gets its own class prefix, so tests never see each other's classes.
  const prefixes = new Map<VectorStore, string>();
  describeVectorStoreConformance(`Weaviate (${where}), orgIsolation ${orgIsolation}`, {
    create() {
      const prefix = `T${randomUUID().replaceAll('-', '').slice(0, 12)}`;
      const store = createWeaviateVectorStore({ ...connection, collectionPrefix: prefix, orgIsolation });
      prefixes.set(store, prefix);
      return Promise.resolve(store);
    },
    createSibling(of) {
      const prefix = prefixes.get(of)!;
      return Promise.resolve(createWeaviateVectorStore({ ...connection, collectionPrefix: prefix, orgIsolation }));
    },
    async destroy(store) {
      const prefix = prefixes.get(store);
      prefixes.delete(store);
      if (prefix === undefined) return;
      const cleaner = createWeaviateVectorStore({ ...connection, collectionPrefix: prefix, orgIsolation });
      await cleaner.dropCollection('kb');
      await cleaner.close();
    },
  });
}
