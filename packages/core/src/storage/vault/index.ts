/** `@aurora-ops/core/storage/vault`. */
export {};
