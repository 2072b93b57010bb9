import { describe, expect, it } from 'vitest';
import { cutToBudget, decodeCursor, encodeCursor, fetchPage } from './pagination.js';

describe('cursors', () => {
  it('round-trip the AWS token and the skip count', () => {
    const token = 'AAAA+/=with spaces&odd?chars';
    expect(decodeCursor(encodeCursor({ token, skip: 7 }))).toEqual({ token, skip: 7 });
    expect(decodeCursor(encodeCursor({ token: undefined, skip: 3 }))).toEqual({ token: undefined, skip: 3 });
    expect(decodeCursor(undefined)).toEqual({ token: undefined, skip: 0 });
  });

  it('decode cursors handed out before the helper moved to the plugin SDK', () => {
    expect(decodeCursor('12.cDI')).toEqual({ token: 'p2', skip: 12 });
    expect(encodeCursor({ token: 'p2', skip: 12 })).toBe('12.cDI');
    expect(decodeCursor('2.')).toEqual({ token: undefined, skip: 2 });
  });

  it('refuse anything else with INVALID_INPUT naming nextToken', () => {
    for (const bad of ['', 'abc', '1.a b', '-1.AA', '1234567.AA']) {
      expect(() => decodeCursor(bad)).toThrowError(
        expect.objectContaining({ code: 'INVALID_INPUT', details: { field: 'nextToken' } }) as Error,
      );
    }
  });
});

describe('budget', () => {
  it('keeps at least one item and cuts at the budget', () => {
    const items = ['a'.repeat(50), 'b'.repeat(50), 'c'.repeat(50)];
    expect(cutToBudget(items, 0, 10)).toEqual({ items: [items[0]], rest: 2 });
    expect(cutToBudget(items, 1, 120)).toEqual({ items: [items[1], items[2]], rest: 0 });
  });

  it('fetchPage continues a truncated page, then moves to the next AWS page', async () => {
    const pages: Record<string, { items: number[]; next?: string }> = {
      first: { items: [1, 2, 3], next: 'p2' },
      p2: { items: [4] },
    };
    const fetched: (string | undefined)[] = [];
    const fetch = (token: string | undefined) => {
      fetched.push(token);
      const page = pages[token ?? 'first']!;
      return Promise.resolve({ items: page.items, next: page.next });
    };
    const seen: number[] = [];
    let nextToken: string | undefined;
    do {
      const page = await fetchPage(nextToken, 4, fetch);
      seen.push(...page.items);
      nextToken = page.nextToken;
    } while (nextToken !== undefined);
    expect(seen).toEqual([1, 2, 3, 4]);
    // Budget 4 fits two items: [1, 2], then [3] from a re-read of page 1, then page 2.
    expect(fetched).toEqual([undefined, undefined, 'p2']);
  });
});
