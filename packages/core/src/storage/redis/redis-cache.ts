import { Redis, type RedisOptions } from 'ioredis';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { AuroraError } from '../../errors/aurora-error.js';
import { ConnectionLostError } from '../../errors/errors.js';
import type { Cache, RateLimitOptions, RateLimiter } from '../cache/cache.js';
import {
  assertCacheKey,
  assertIncrement,
  assertPoints,
  assertRateLimitOptions,
  assertTtl,
  decide,
} from '../cache/cache-common.js';

export interface RedisConnectionOptions {
  /** An ioredis client of your own (`close()` leaves it open), or… */
  readonly client?: Redis;
  /** …a `redis://` / `rediss://` URL. Default `redis://127.0.0.1:6379`. */
  readonly url?: string;
  /** How long a command may wait for a connection before `ConnectionLostError`. Default 5 000 ms. */
  readonly connectTimeoutMs?: number;
}

export interface RedisCacheOptions extends RedisConnectionOptions {
  /** Prefix of every key. Default `aurora:cache:`. */
  readonly keyPrefix?: string;
}

/** INCRBY, and PEXPIRE only when this call created the key: atomic in one script. */
const INCREMENT = `
local value = redis.call('INCRBY', KEYS[1], ARGV[1])
if tonumber(ARGV[2]) > 0 and value == tonumber(ARGV[1]) and redis.call('PTTL', KEYS[1]) == -1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return value`;

function connect(options: RedisConnectionOptions): { client: Redis; owned: boolean } {
  if (options.client !== undefined) return { client: options.client, owned: false };
  const settings: RedisOptions = {
    connectTimeout: options.connectTimeoutMs ?? 5000,
    // Fail commands instead of queueing them forever while Redis is down.
    maxRetriesPerRequest: 1,
    enableOfflineQueue: true,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  };
  const client = new Redis(options.url ?? 'redis://127.0.0.1:6379', settings);
  client.on('error', () => undefined);
  return { client, owned: true };
}

function typed(error: unknown): Error {
  if (AuroraError.isInstance(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (
    /ECONNREFUSED|ETIMEDOUT|ENOTFOUND|Connection is closed|MaxRetriesPerRequest|not ready|Stream isn't writeable/i.test(
      message,
    )
  ) {
    return new ConnectionLostError({ message: `Redis is unreachable (${message}).` });
  }
  return AuroraError.from(error, 'UPSTREAM_ERROR', `Redis failed: ${message}`);
}

/** Waits up to `timeoutMs` for the connection (rate-limiter-flexible refuses to queue). */
async function ready(client: Redis, timeoutMs: number): Promise<void> {
  if (client.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off('ready', onReady);
      reject(new ConnectionLostError({ message: `Redis is unreachable (not ready after ${timeoutMs} ms).` }));
    }, timeoutMs);
    const onReady = (): void => {
      clearTimeout(timer);
      resolve();
    };
    client.once('ready', onReady);
  });
}

async function guard<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw typed(error);
  }
}

/** The Cache on Redis: shared by every replica that uses the same Redis and prefix. */
export function createRedisCache(options: RedisCacheOptions = {}): Cache {
  const { client, owned } = connect(options);
  const prefix = options.keyPrefix ?? 'aurora:cache:';
  const full = (key: string): string => {
    assertCacheKey(key);
    return `${prefix}${key}`;
  };
  return {
    specificationVersion: 'v1',
    async get(key) {
      const redisKey = full(key);
      return guard(async () => (await client.get(redisKey)) ?? undefined);
    },
    async set(key, value, setOptions) {
      const redisKey = full(key);
      assertTtl(setOptions);
      await guard(() =>
        setOptions?.ttlMs === undefined
          ? client.set(redisKey, String(value))
          : client.set(redisKey, String(value), 'PX', Math.ceil(setOptions.ttlMs)),
      );
    },
    async delete(key) {
      const redisKey = full(key);
      return guard(async () => (await client.del(redisKey)) === 1);
    },
    async increment(key, by = 1, setOptions) {
      const redisKey = full(key);
      assertIncrement(by);
      assertTtl(setOptions);
      return guard(async () =>
        Number(await client.eval(INCREMENT, 1, redisKey, String(by), String(Math.ceil(setOptions?.ttlMs ?? 0)))),
      );
    },
    async close() {
      if (owned) client.disconnect();
      return Promise.resolve();
    },
  };
}

/** A RateLimiter on Redis (rate-limiter-flexible's RateLimiterRedis): one limit across replicas. */
export function createRedisRateLimiter(options: RateLimitOptions & RedisConnectionOptions): RateLimiter {
  assertRateLimitOptions(options);
  const { client, owned } = connect(options);
  const limiter = new RateLimiterRedis({
    storeClient: client,
    points: options.points,
    duration: options.durationMs / 1000,
    keyPrefix: `aurora:rl:${options.keyPrefix}`,
    rejectIfRedisNotReady: true,
  });
  return {
    specificationVersion: 'v1',
    options: { points: options.points, durationMs: options.durationMs, keyPrefix: options.keyPrefix },
    async consume(key, points = 1) {
      assertCacheKey(key);
      assertPoints(points);
      return guard(async () => {
        await ready(client, options.connectTimeoutMs ?? 5000);
        return decide(options.points, () => limiter.consume(key, points));
      });
    },
    async reset(key) {
      assertCacheKey(key);
      await guard(async () => {
        await ready(client, options.connectTimeoutMs ?? 5000);
        await limiter.delete(key);
      });
    },
    async close() {
      if (owned) client.disconnect();
      return Promise.resolve();
    },
  };
}
