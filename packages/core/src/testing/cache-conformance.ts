import { describe, expect } from 'vitest';
import { InvalidInputError } from '../errors/errors.js';
import type { Cache, RateLimiter, RateLimitOptions } from '../storage/cache/cache.js';
import type { ConformanceHarness } from './harness.js';
import { conformanceScaffold } from './scaffold.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The Cache conformance suite: each `create()` is an empty namespace. */
export function describeCacheConformance(name: string, harness: ConformanceHarness<Cache>): void {
  describe(`Cache conformance: ${name}`, () => {
    const { create, sibling, test } = conformanceScaffold(harness, (item) => item.close());

    test('set, get, overwrite and delete', async () => {
      const cache = await create();
      expect(await cache.get('missing')).toBeUndefined();
      await cache.set('k', 'v1');
      await cache.set('k', 'v2 ✓');
      expect(await cache.get('k')).toBe('v2 ✓');
      expect(await cache.delete('k')).toBe(true);
      expect(await cache.delete('k')).toBe(false);
      expect(await cache.get('k')).toBeUndefined();
      await cache.set('odd key/with:chars {}', 'x');
      expect(await cache.get('odd key/with:chars {}')).toBe('x');
    });

    test('values expire after their TTL', async () => {
      const cache = await create();
      await cache.set('short', 'v', { ttlMs: 150 });
      await cache.set('long', 'v', { ttlMs: 60_000 });
      expect(await cache.get('short')).toBe('v');
      await sleep(400);
      expect(await cache.get('short')).toBeUndefined();
      expect(await cache.get('long')).toBe('v');
    });

    test('increment is atomic under 200 concurrent calls', async () => {
      const cache = await create();
      const results = await Promise.all(Array.from({ length: 200 }, () => cache.increment('counter')));
      expect(await cache.get('counter')).toBe('200');
      expect(new Set(results).size).toBe(200);
      expect(await cache.increment('counter', -50)).toBe(150);
    });

    test('increment sets the TTL when it creates the key, and only then', async () => {
      const cache = await create();
      await cache.increment('windowed', 1, { ttlMs: 300 });
      await sleep(150);
      await cache.increment('windowed', 1, { ttlMs: 300 });
      await sleep(250);
      // The first call's TTL stands: the key is gone 300 ms after it was created.
      expect(await cache.get('windowed')).toBeUndefined();
    });

    test('bad input is InvalidInputError', async () => {
      const cache = await create();
      await expect(cache.set('', 'v')).rejects.toSatisfy(InvalidInputError.isInstance);
      await expect(cache.set('k', 'v', { ttlMs: -1 })).rejects.toSatisfy(InvalidInputError.isInstance);
      await expect(cache.increment('k', 1.5)).rejects.toSatisfy(InvalidInputError.isInstance);
      await expect(cache.get('x'.repeat(600))).rejects.toSatisfy(InvalidInputError.isInstance);
    });

    test(
      'two instances on the same store see each other’s values and counts',
      async () => {
        const a = await create();
        const b = await sibling(a);
        await a.set('shared', 'from a');
        expect(await b.get('shared')).toBe('from a');
        await Promise.all([
          ...Array.from({ length: 50 }, () => a.increment('both')),
          ...Array.from({ length: 50 }, () => b.increment('both')),
        ]);
        expect(await a.get('both')).toBe('100');
      },
      { needsSibling: true },
    );
  });
}

/** The RateLimiter conformance suite. `harness.create()` must use `options` with a fresh key prefix. */
export function describeRateLimiterConformance(
  name: string,
  harness: ConformanceHarness<RateLimiter>,
  options: Pick<RateLimitOptions, 'points' | 'durationMs'>,
): void {
  describe(`RateLimiter conformance: ${name}`, () => {
    const { create, sibling, test } = conformanceScaffold(harness, (item) => item.close());

    test('allows the limit, then refuses with a retry delay', async () => {
      const limiter = await create();
      expect(limiter.options.points).toBe(options.points);
      const decisions = [];
      for (let i = 0; i < options.points; i += 1) decisions.push(await limiter.consume('user-1'));
      expect(decisions.every((decision) => decision.allowed)).toBe(true);
      expect(decisions.map((decision) => decision.remaining)).toEqual(
        Array.from({ length: options.points }, (_, i) => options.points - i - 1),
      );
      const refused = await limiter.consume('user-1');
      expect(refused).toMatchObject({ allowed: false, remaining: 0, limit: options.points });
      expect(refused.retryAfterMs).toBeGreaterThan(0);
      expect(refused.retryAfterMs).toBeLessThanOrEqual(options.durationMs);
      expect((await limiter.consume('user-2')).allowed).toBe(true);
    });

    test('the window resets after its duration, and reset() clears a key', async () => {
      const limiter = await create();
      for (let i = 0; i < options.points; i += 1) await limiter.consume('k');
      expect((await limiter.consume('k')).allowed).toBe(false);
      await limiter.reset('k');
      expect((await limiter.consume('k')).allowed).toBe(true);
      for (let i = 0; i < options.points; i += 1) await limiter.consume('w');
      expect((await limiter.consume('w')).allowed).toBe(false);
      await sleep(options.durationMs + 200);
      expect((await limiter.consume('w')).allowed).toBe(true);
    });

    test('concurrent consumes never over-admit', async () => {
      const limiter = await create();
      const decisions = await Promise.all(Array.from({ length: options.points * 3 }, () => limiter.consume('burst')));
      expect(decisions.filter((decision) => decision.allowed)).toHaveLength(options.points);
    });

    test('bad input is InvalidInputError', async () => {
      const limiter = await create();
      await expect(limiter.consume('')).rejects.toSatisfy(InvalidInputError.isInstance);
      await expect(limiter.consume('k', 0)).rejects.toSatisfy(InvalidInputError.isInstance);
    });

    test(
      'two instances share one limit',
      async () => {
        const a = await create();
        const b = await sibling(a);
        const decisions = await Promise.all(
          Array.from({ length: options.points * 2 }, (_, i) => (i % 2 === 0 ? a : b).consume('shared-user')),
        );
        expect(decisions.filter((decision) => decision.allowed)).toHaveLength(options.points);
      },
      { needsSibling: true },
    );
  });
}
