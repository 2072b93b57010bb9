/** Cache operations per second: the adapters beside the raw client doing the same command. */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { createMemoryCache, createMemoryRateLimiter } from '../../packages/core/src/index.js';
import { createRedisCache, createRedisRateLimiter } from '../../packages/core/src/storage/redis/index.js';
import { compare, measure, type Comparison } from '../lib/measure.js';

const redisUrl = process.env.AURORA_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export async function benchCache(): Promise<{ comparisons: Comparison[]; notes: string[] }> {
  const run = randomBytes(3).toString('hex');
  const raw = new Redis(redisUrl);
  const cache = createRedisCache({ url: redisUrl, keyPrefix: `bench:${run}:` });
  const map = new Map<string, string>();
  const memory = createMemoryCache();
  try {
    await cache.set('k', 'v');
    await raw.set(`bench:${run}:raw`, 'v');
    const comparisons = [
      await compare(
        'cache/redis',
        'get',
        () => cache.get('k'),
        () => raw.get(`bench:${run}:raw`),
        { iterations: 2000 },
      ),
      await compare(
        'cache/redis',
        'set with TTL',
        (i) => cache.set(`k${i % 100}`, 'v', { ttlMs: 60_000 }),
        (i) => raw.set(`bench:${run}:raw${i % 100}`, 'v', 'PX', 60_000),
        { iterations: 2000 },
      ),
      await compare(
        'cache/memory',
        'get',
        () => memory.get('k'),
        () => Promise.resolve(map.get('k')),
        { iterations: 20_000 },
      ),
    ];
    const limiter = createRedisRateLimiter({
      url: redisUrl,
      points: 1_000_000,
      durationMs: 60_000,
      keyPrefix: `b${run}`,
    });
    const memoryLimiter = createMemoryRateLimiter({ points: 1_000_000, durationMs: 60_000, keyPrefix: `b${run}` });
    const redisConsume = await measure('rate limiter consume (Redis)', (i) => limiter.consume(`u${i % 50}`), {
      iterations: 2000,
    });
    const memoryConsume = await measure('rate limiter consume (memory)', (i) => memoryLimiter.consume(`u${i % 50}`), {
      iterations: 20_000,
    });
    await limiter.close();
    return {
      comparisons,
      notes: [
        `rate limiter consume on Redis: ${redisConsume.opsPerSecond.toFixed(0)} ops/s (p50 ${redisConsume.p50Ms.toFixed(3)} ms)`,
        `rate limiter consume in memory: ${memoryConsume.opsPerSecond.toFixed(0)} ops/s`,
      ],
    };
  } finally {
    const keys = await raw.keys(`*${run}*`);
    if (keys.length > 0) await raw.del(...keys);
    raw.disconnect();
    await cache.close();
  }
}
