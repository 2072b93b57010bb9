/** `@aurora-ops/core/storage/redis`. */
export {};
