import { describe, expect, it } from 'vitest';
import { restartDelay } from './restart-backoff.js';

const policy = { baseDelayMs: 100, maxDelayMs: 1_000, jitter: 0.5 };

describe('restartDelay', () => {
  it('doubles from the base up to the cap', () => {
    const ceiling = (attempt: number): number => restartDelay(attempt, policy, () => 0);
    expect([1, 2, 3, 4, 5, 6].map(ceiling)).toEqual([100, 200, 400, 800, 1_000, 1_000]);
  });

  it('takes up to `jitter` of the delay away at random', () => {
    expect(restartDelay(3, policy, () => 1)).toBe(200);
    expect(restartDelay(3, policy, () => 0.5)).toBe(300);
    expect(restartDelay(3, { ...policy, jitter: 0 }, () => 1)).toBe(400);
    expect(restartDelay(3, { ...policy, jitter: 1 }, () => 1)).toBe(0);
  });
});
