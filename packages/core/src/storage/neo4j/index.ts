/** `@aurora-ops/core/storage/neo4j`: the GraphStore on Neo4j 5 or Memgraph (driver: `neo4j-driver`, Bolt). */
export { createNeo4jGraphStore } from './neo4j-graph-store.js';
export type {
  GraphFlavor,
  Neo4jGraphStoreConnectionSettings,
  Neo4jGraphStoreDriverSettings,
  Neo4jGraphStoreSettings,
} from './neo4j-graph-store.js';
