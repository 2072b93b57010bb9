/** Core's tests use the helper it publishes as `@aurora-ops/core/testing/postgres`. */
export * from '../../src/testing/postgres.js';
