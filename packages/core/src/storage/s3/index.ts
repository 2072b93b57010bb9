/** `@aurora-ops/core/storage/s3`: ObjectStore on S3 and S3-compatible stores (drivers: `@aws-sdk/client-s3`, `@aws-sdk/lib-storage`). */
export { createS3ObjectStore } from './s3-object-store.js';
export type { S3Credentials, S3ObjectStoreOptions } from './s3-object-store.js';
