/** `@aurora-ops/core/storage/bullmq`. */
export {};
