/** `@aurora-ops/core/storage/weaviate`: Weaviate as a VectorStore (driver: `weaviate-client` 3.12, REST + gRPC). */
export { createWeaviateVectorStore } from './weaviate-vector-store.js';
export type { WeaviateVectorStoreSettings } from './weaviate-vector-store.js';
export type { WeaviateConnectionSettings } from './weaviate-connection.js';
export type { HnswSettings as WeaviateHnswSettings } from './weaviate-schema.js';
