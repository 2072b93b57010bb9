import { defineConfig } from 'tsup';

// One entry per subpath export (see package.json "exports").
export default defineConfig({
  entry: {
    index: 'src/index.ts',
    'testing/index': 'src/testing/index.ts',
    'testing/postgres': 'src/testing/postgres.ts',
    'internal/index': 'src/internal/index.ts',
    'storage/pglite/index': 'src/storage/pglite/index.ts',
    'storage/postgres/index': 'src/storage/postgres/index.ts',
    'storage/s3/index': 'src/storage/s3/index.ts',
    'storage/vault/index': 'src/storage/vault/index.ts',
    'storage/redis/index': 'src/storage/redis/index.ts',
    'storage/bullmq/index': 'src/storage/bullmq/index.ts',
    'storage/weaviate/index': 'src/storage/weaviate/index.ts',
    'storage/neo4j/index': 'src/storage/neo4j/index.ts',
    'agent/index': 'src/agent/index.ts',
    'mcp-host/index': 'src/mcp-host/index.ts',
    'plugin-sdk/index': 'src/plugin-sdk/index.ts',
  },
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  platform: 'node',
  splitting: true,
  treeshake: true,
});
