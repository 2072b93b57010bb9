/** `@aurora-ops/core/storage/weaviate`. */
export {};
