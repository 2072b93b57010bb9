import { RateLimiterRes } from 'rate-limiter-flexible';
import { InvalidInputError } from '../../errors/errors.js';
import type { CacheSetOptions, RateLimitDecision, RateLimitOptions } from './cache.js';

export function assertCacheKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0 || key.length > 512) {
    throw new InvalidInputError({
      message: 'A cache key is a string of 1–512 characters.',
      details: { reason: 'key' },
    });
  }
}

export function assertTtl(options: CacheSetOptions | undefined): void {
  const ttl = options?.ttlMs;
  if (ttl !== undefined && (!Number.isFinite(ttl) || ttl <= 0)) {
    throw new InvalidInputError({ message: 'ttlMs is a positive number.', details: { reason: 'ttlMs' } });
  }
}

export function assertIncrement(by: number): void {
  if (!Number.isSafeInteger(by)) {
    throw new InvalidInputError({ message: 'increment takes a safe integer.', details: { reason: 'by' } });
  }
}

export function assertRateLimitOptions(options: RateLimitOptions): void {
  if (!Number.isInteger(options.points) || options.points < 1) {
    throw new InvalidInputError({ message: 'points is a positive integer.', details: { reason: 'points' } });
  }
  if (!Number.isInteger(options.durationMs) || options.durationMs < 1000 || options.durationMs % 1000 !== 0) {
    throw new InvalidInputError({
      message: 'durationMs is a whole number of seconds (≥ 1000).',
      details: { reason: 'durationMs' },
    });
  }
  if (typeof options.keyPrefix !== 'string' || !/^[a-z0-9:_-]{1,64}$/.test(options.keyPrefix)) {
    throw new InvalidInputError({ message: 'keyPrefix matches [a-z0-9:_-]{1,64}.', details: { reason: 'keyPrefix' } });
  }
}

export function assertPoints(points: number): void {
  if (!Number.isInteger(points) || points < 1) {
    throw new InvalidInputError({ message: 'points is a positive integer.', details: { reason: 'points' } });
  }
}

/** rate-limiter-flexible resolves with a RateLimiterRes when allowed and rejects with one when refused. */
export async function decide(limit: number, consume: () => Promise<RateLimiterRes>): Promise<RateLimitDecision> {
  try {
    const res = await consume();
    return { allowed: true, remaining: res.remainingPoints, retryAfterMs: res.msBeforeNext, limit };
  } catch (error) {
    if (error instanceof RateLimiterRes) {
      return { allowed: false, remaining: 0, retryAfterMs: Math.max(1, error.msBeforeNext), limit };
    }
    throw error;
  }
}
