/** `@aurora-ops/core/storage/redis`: Cache and RateLimiter on Redis (driver: `ioredis`). */
export { createRedisCache, createRedisRateLimiter } from './redis-cache.js';
export type { RedisCacheOptions, RedisConnectionOptions } from './redis-cache.js';
