import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  createDatabaseJobQueue,
  createEnvSecretStore,
  createFilesystemObjectStore,
  createLocalSecretStore,
  createMemoryCache,
  createMemoryRateLimiter,
  createSecretRedactor,
  createSecretResolver,
  createTablesGraphStore,
  createPgvectorStore,
  type Cache,
  type Database,
  type GraphStore,
  type JobQueue,
  type Logger,
  type ObjectStore,
  type RateLimiter,
  type RateLimitOptions,
  type SecretRedactor,
  type SecretResolver,
  type SecretStore,
  type VectorStore,
} from '@aurora-ops/core';
import type { ServerConfig } from '../config/config.js';
import { initPgliteDataDir } from './pglite-init.js';

/** What each store runs on, for `/ready`, `aurora doctor` and the start-up banner. */
export interface StoreDescription {
  readonly database: 'pglite' | 'postgres';
  readonly objects: 'filesystem' | 's3';
  readonly secrets: 'local' | 'vault';
  readonly queue: 'embedded' | 'bullmq';
  readonly cache: 'memory' | 'redis';
  readonly vectors: 'pgvector' | 'weaviate' | 'none';
  readonly graph: 'tables' | 'neo4j';
}

export interface Stores {
  readonly database: Database;
  readonly objects: ObjectStore;
  readonly secrets: SecretStore;
  readonly resolver: SecretResolver;
  readonly redactor: SecretRedactor;
  readonly queue: JobQueue;
  readonly cache: Cache;
  /** A rate limiter (memory, or Redis shared by replicas); closed with the stores. */
  rateLimiter(options: RateLimitOptions): RateLimiter;
  readonly vectors?: VectorStore;
  readonly graph: GraphStore;
  /** The master key (32+ characters): JWT signing, approval bindings, local secrets. */
  readonly secretKey: string;
  readonly describe: StoreDescription;
  /** Each store checked for real (a round trip), for `/ready`. */
  check(): Promise<{ name: string; ok: boolean; ms: number; detail?: string }[]>;
  close(): Promise<void>;
}

export interface OpenStoresOptions {
  readonly logger?: Logger;
  /** Where slow start-up steps say what they are doing (default: `logger`). */
  readonly progress?: Logger;
  /** Skip the vector store (e.g. PGlite without pgvector in tests). */
  readonly vectors?: boolean;
  /** An in-memory PGlite (tests): nothing is written to the data directory's database. */
  readonly inMemoryDatabase?: boolean;
}

/** Reads the master key from the config, else from `<dataDir>/secret.key`, creating it (0600) on first run. */
async function masterKey(config: ServerConfig): Promise<{ key: string; created: boolean }> {
  if (config.secretKey) return { key: config.secretKey, created: false };
  const file = join(config.dataDir, 'secret.key');
  try {
    return { key: (await readFile(file, 'utf8')).trim(), created: false };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const key = randomBytes(32).toString('base64url');
  await writeFile(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
  await chmod(file, 0o600);
  return { key, created: true };
}

async function timed(name: string, check: () => Promise<unknown>, timeoutMs = 5000) {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { name, ok: true, ms: Math.round(performance.now() - started) };
  } catch (error) {
    return {
      name,
      ok: false,
      ms: Math.round(performance.now() - started),
      detail: (error as Error).message.split('\n')[0] ?? 'failed',
    };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Opens every store the configuration names: a production adapter where its variables are
 * set, the embedded default (in `dataDir`) where not. Drivers are imported only when used.
 */
export async function openStores(config: ServerConfig, options: OpenStoresOptions = {}): Promise<Stores> {
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const { key: secretKey } = await masterKey(config);
  const closers: (() => Promise<void>)[] = [];
  const logger = options.logger;
  try {
    let database: Database;
    if (config.database) {
      const { createPostgresDatabase } = await import('@aurora-ops/core/storage/postgres');
      database = createPostgresDatabase({
        connectionString: config.database.url,
        max: config.database.pool,
        applicationName: 'aurora',
      });
    } else {
      const { createPgliteDatabase } = await import('@aurora-ops/core/storage/pglite');
      const dataDir = join(config.dataDir, 'pglite');
      const vector = options.vectors !== false;
      const progress = options.progress ?? logger;
      if (!options.inMemoryDatabase)
        await initPgliteDataDir(dataDir, { vector, ...(progress ? { logger: progress } : {}) });
      database = createPgliteDatabase({
        ...(options.inMemoryDatabase ? {} : { dataDir }),
        vector,
        ...(logger ? { logger } : {}),
      });
    }
    closers.push(() => database.close());

    let objects: ObjectStore;
    if (config.s3) {
      const { createS3ObjectStore } = await import('@aurora-ops/core/storage/s3');
      const s3 = config.s3;
      objects = createS3ObjectStore({
        bucket: s3.bucket,
        region: s3.region,
        forcePathStyle: s3.forcePathStyle,
        ...(s3.endpoint ? { endpoint: s3.endpoint } : {}),
        ...(s3.accessKeyId && s3.secretAccessKey
          ? { credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } }
          : {}),
      });
    } else {
      objects = createFilesystemObjectStore({ directory: join(config.dataDir, 'objects') });
    }
    closers.push(() => objects.close());

    let secrets: SecretStore;
    if (config.vault) {
      const { createVaultSecretStore } = await import('@aurora-ops/core/storage/vault');
      secrets = createVaultSecretStore({
        endpoint: config.vault.address,
        auth: { token: config.vault.token },
        mount: config.vault.mount,
      });
    } else {
      secrets = createLocalSecretStore({ directory: join(config.dataDir, 'secrets'), key: secretKey });
    }
    closers.push(() => secrets.close?.() ?? Promise.resolve());

    const redactor = createSecretRedactor();
    redactor.learn(secretKey);
    // Org secrets in the configured store; `env:` references are deployment secrets (the model key), never resolvable for an org.
    const resolver = createSecretResolver({
      stores: { [config.vault ? 'vault' : 'local']: secrets, env: createEnvSecretStore() },
      redactor,
    });

    let queue: JobQueue;
    let cache: Cache;
    let makeRateLimiter: (options: RateLimitOptions) => RateLimiter;
    if (config.redis) {
      const [{ createBullmqJobQueue }, { createRedisCache, createRedisRateLimiter }] = await Promise.all([
        import('@aurora-ops/core/storage/bullmq'),
        import('@aurora-ops/core/storage/redis'),
      ]);
      queue = createBullmqJobQueue({
        connection: config.redis.url,
        prefix: config.redis.prefix,
        redact: (text) => redactor.redact(text),
      });
      cache = createRedisCache({ url: config.redis.url, keyPrefix: `${config.redis.prefix}:cache:` });
      const { url, prefix } = config.redis;
      makeRateLimiter = (options) =>
        createRedisRateLimiter({ ...options, url, keyPrefix: `${prefix}:rate:${options.keyPrefix}` });
    } else {
      queue = createDatabaseJobQueue({ database, redact: (text) => redactor.redact(text) });
      cache = createMemoryCache();
      makeRateLimiter = createMemoryRateLimiter;
    }
    closers.push(
      () => queue.close(),
      () => cache.close(),
      async () => {
        for (const limiter of limiters) await limiter.close();
      },
    );

    const limiters: RateLimiter[] = [];
    let vectors: VectorStore | undefined;
    if (config.weaviate) {
      const { createWeaviateVectorStore } = await import('@aurora-ops/core/storage/weaviate');
      vectors = createWeaviateVectorStore({
        httpUrl: config.weaviate.url,
        ...(config.weaviate.apiKey ? { apiKey: config.weaviate.apiKey } : {}),
      });
    } else if (options.vectors !== false) {
      vectors = createPgvectorStore({ database });
    }
    if (vectors) {
      const store = vectors;
      closers.push(() => store.close());
    }

    let graph: GraphStore;
    if (config.neo4j) {
      const { createNeo4jGraphStore } = await import('@aurora-ops/core/storage/neo4j');
      graph = createNeo4jGraphStore({
        url: config.neo4j.url,
        username: config.neo4j.user,
        password: config.neo4j.password,
      });
    } else {
      graph = createTablesGraphStore({ database });
    }
    closers.push(() => graph.close());

    const describe: StoreDescription = {
      database: config.database ? 'postgres' : 'pglite',
      objects: config.s3 ? 's3' : 'filesystem',
      secrets: config.vault ? 'vault' : 'local',
      queue: config.redis ? 'bullmq' : 'embedded',
      cache: config.redis ? 'redis' : 'memory',
      vectors: config.weaviate ? 'weaviate' : vectors ? 'pgvector' : 'none',
      graph: config.neo4j ? 'neo4j' : 'tables',
    };

    return {
      database,
      objects,
      secrets,
      resolver,
      redactor,
      queue,
      cache,
      rateLimiter(options) {
        const limiter = makeRateLimiter(options);
        limiters.push(limiter);
        return limiter;
      },
      ...(vectors ? { vectors } : {}),
      graph,
      secretKey,
      describe,
      async check() {
        return Promise.all([
          timed(`database (${describe.database})`, () => database.ping()),
          timed(`objects (${describe.objects})`, () => objects.list({ prefix: 'aurora-ready/', limit: 1 })),
          timed(`secrets (${describe.secrets})`, () => secrets.list('aurora-ready/')),
          timed(`cache (${describe.cache})`, () => cache.get('aurora-ready')),
          timed(`queue (${describe.queue})`, () => queue.counts('maintenance')),
        ]);
      },
      async close() {
        for (const close of closers.reverse()) {
          try {
            await close();
          } catch (error) {
            logger?.warn('stores: close failed', { error: (error as Error).message });
          }
        }
      },
    };
  } catch (error) {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    throw error;
  }
}
