/* eslint-disable @typescript-eslint/require-await -- async methods, so a validation failure rejects instead of throwing */
import { RateLimiterMemory } from 'rate-limiter-flexible';
import type { Cache, RateLimitOptions, RateLimiter } from './cache.js';
import {
  assertCacheKey,
  assertIncrement,
  assertPoints,
  assertRateLimitOptions,
  assertTtl,
  decide,
} from './cache-common.js';

export interface MemoryCacheOptions {
  /** Entries kept; the least recently used go first. Default 10 000. */
  readonly maxEntries?: number;
  /** Clock (tests). */
  readonly now?: () => number;
}

interface Entry {
  value: string;
  expires: number;
}

/** The embedded Cache: a bounded LRU map in this process (not shared with other replicas). */
export function createMemoryCache(options: MemoryCacheOptions = {}): Cache {
  const maxEntries = options.maxEntries ?? 10_000;
  const now = options.now ?? Date.now;
  const entries = new Map<string, Entry>();

  const live = (key: string): Entry | undefined => {
    const entry = entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expires <= now()) {
      entries.delete(key);
      return undefined;
    }
    // Map order is insertion order: re-inserting marks it most recently used.
    entries.delete(key);
    entries.set(key, entry);
    return entry;
  };
  const store = (key: string, entry: Entry): void => {
    entries.delete(key);
    entries.set(key, entry);
    while (entries.size > maxEntries) {
      const oldest = entries.keys().next();
      if (oldest.done === true) break;
      entries.delete(oldest.value);
    }
  };

  return {
    specificationVersion: 'v1',
    async get(key) {
      assertCacheKey(key);
      return live(key)?.value;
    },
    async set(key, value, setOptions) {
      assertCacheKey(key);
      assertTtl(setOptions);
      store(key, { value: String(value), expires: now() + (setOptions?.ttlMs ?? Number.POSITIVE_INFINITY) });
    },
    async delete(key) {
      assertCacheKey(key);
      const existed = live(key) !== undefined;
      entries.delete(key);
      return existed;
    },
    async increment(key, by = 1, setOptions) {
      assertCacheKey(key);
      assertIncrement(by);
      assertTtl(setOptions);
      const entry = live(key);
      const next = (entry === undefined ? 0 : Number(entry.value) || 0) + by;
      store(key, {
        value: String(next),
        expires: entry?.expires ?? now() + (setOptions?.ttlMs ?? Number.POSITIVE_INFINITY),
      });
      return next;
    },
    close() {
      entries.clear();
      return Promise.resolve();
    },
  };
}

/** The embedded RateLimiter (rate-limiter-flexible's memory limiter): per process. */
export function createMemoryRateLimiter(options: RateLimitOptions): RateLimiter {
  assertRateLimitOptions(options);
  const limiter = new RateLimiterMemory({
    points: options.points,
    duration: options.durationMs / 1000,
    keyPrefix: options.keyPrefix,
  });
  return {
    specificationVersion: 'v1',
    options,
    async consume(key, points = 1) {
      assertCacheKey(key);
      assertPoints(points);
      return decide(options.points, () => limiter.consume(key, points));
    },
    async reset(key) {
      assertCacheKey(key);
      await limiter.delete(key);
    },
    close: () => Promise.resolve(),
  };
}
