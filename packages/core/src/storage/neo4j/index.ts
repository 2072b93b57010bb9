/** `@aurora-ops/core/storage/neo4j`. */
export {};
