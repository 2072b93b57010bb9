/** Cache and RateLimiter conformance: in memory and on the Redis server on this machine. */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { ConnectionLostError, createMemoryCache, createMemoryRateLimiter } from '../src/index.js';
import type { Cache, RateLimiter } from '../src/storage/cache/cache.js';
import { createRedisCache, createRedisRateLimiter } from '../src/storage/redis/index.js';
import { describeCacheConformance, describeRateLimiterConformance } from '../src/testing/index.js';

const url = process.env.AURORA_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const admin = new Redis(url, { lazyConnect: true });
const runId = randomBytes(4).toString('hex');
afterAll(async () => {
  let cursor = '0';
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', `*t${runId}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await admin.del(...keys);
  } while (cursor !== '0');
  admin.disconnect();
});

const limits = { points: 5, durationMs: 1000 };
let counter = 0;
const prefix = (): string => `t${runId}-${(counter += 1)}`;

describeCacheConformance('in memory', {
  create: () => Promise.resolve(createMemoryCache()),
  destroy: () => Promise.resolve(),
  skip: [
    {
      reason: 'in-memory: one process, nothing shared',
      tests: ['two instances on the same store see each other’s values and counts'],
    },
  ],
});
describeRateLimiterConformance(
  'in memory',
  {
    create: () => Promise.resolve(createMemoryRateLimiter({ ...limits, keyPrefix: prefix() })),
    destroy: () => Promise.resolve(),
    skip: [{ reason: 'in-memory: one process, nothing shared', tests: ['two instances share one limit'] }],
  },
  limits,
);

const cachePrefixes = new Map<Cache, string>();
describeCacheConformance('Redis', {
  create() {
    const keyPrefix = `aurora:${prefix()}:`;
    const cache = createRedisCache({ url, keyPrefix });
    cachePrefixes.set(cache, keyPrefix);
    return Promise.resolve(cache);
  },
  createSibling: (of) => Promise.resolve(createRedisCache({ url, keyPrefix: cachePrefixes.get(of)! })),
  destroy: () => Promise.resolve(),
});
const limiterPrefixes = new Map<RateLimiter, string>();
describeRateLimiterConformance(
  'Redis',
  {
    create() {
      const keyPrefix = prefix();
      const limiter = createRedisRateLimiter({ url, ...limits, keyPrefix });
      limiterPrefixes.set(limiter, keyPrefix);
      return Promise.resolve(limiter);
    },
    createSibling: (of) =>
      Promise.resolve(createRedisRateLimiter({ url, ...limits, keyPrefix: limiterPrefixes.get(of)! })),
    destroy: () => Promise.resolve(),
  },
  limits,
);

describe('cache adapters: edges', () => {
  it('an unreachable Redis is a ConnectionLostError within seconds', async () => {
    const cache = createRedisCache({ url: 'redis://127.0.0.1:1', connectTimeoutMs: 500 });
    const limiter = createRedisRateLimiter({ url: 'redis://127.0.0.1:1', ...limits, keyPrefix: 'down' });
    const started = Date.now();
    await expect(cache.get('k')).rejects.toSatisfy(ConnectionLostError.isInstance);
    await expect(limiter.consume('k')).rejects.toSatisfy(ConnectionLostError.isInstance);
    expect(Date.now() - started).toBeLessThan(10_000);
    await cache.close();
    await limiter.close();
  });

  it('the memory cache keeps at most maxEntries, evicting the least recently used', async () => {
    const cache = createMemoryCache({ maxEntries: 3 });
    for (const key of ['a', 'b', 'c']) await cache.set(key, key);
    await cache.get('a');
    await cache.set('d', 'd');
    expect(await cache.get('b')).toBeUndefined();
    expect(await cache.get('a')).toBe('a');
    expect(await cache.get('d')).toBe('d');
  });
});
