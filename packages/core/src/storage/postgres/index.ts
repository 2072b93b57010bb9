/** `@aurora-ops/core/storage/postgres`. */
export {};
