/** `@aurora-ops/core/storage/s3`. */
export {};
