import { describe, expect, it } from 'vitest';
import { backoffDelay } from './plugin-connection.js';
import { StderrTail } from './stderr-tail.js';
import { identityRedactor } from './call-outcome.js';

describe('reconnect backoff', () => {
  const policy = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 1_000 };
  it('grows exponentially, is capped, and jitters within [½, 1]', () => {
    expect(backoffDelay(1, policy, () => 1)).toBe(100);
    expect(backoffDelay(3, policy, () => 1)).toBe(400);
    expect(backoffDelay(10, policy, () => 1)).toBe(1_000);
    expect(backoffDelay(3, policy, () => 0)).toBe(200);
  });
});

describe('stderr tail', () => {
  it('keeps the last lines, joining partial chunks', () => {
    const tail = new StderrTail(identityRedactor, 3);
    tail.append('one\ntw');
    tail.append('o\nthree\nfour\nfi');
    expect(tail.snapshot()).toEqual(['three', 'four', 'fi']);
  });
});
