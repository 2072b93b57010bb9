/** `@aurora-ops/core/storage/pglite`. */
export {};
