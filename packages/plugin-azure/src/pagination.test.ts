import { describe, expect, it } from 'vitest';
import { cutToBudget, decodeCursor, encodeCursor, fetchPage, parseResourceId } from './pagination.js';

const ORIGIN = 'https://management.azure.com';

describe('cursors', () => {
  it('round-trip the nextLink and the skip count', () => {
    const link = `${ORIGIN}/subscriptions/s/providers/Microsoft.Compute/virtualMachines?api-version=2024-11-01&$skiptoken=a+b/c=`;
    expect(decodeCursor(encodeCursor({ link, skip: 7 }), ORIGIN)).toEqual({ link, skip: 7 });
    expect(decodeCursor(encodeCursor({ link: undefined, skip: 3 }), ORIGIN)).toEqual({ link: undefined, skip: 3 });
    expect(decodeCursor(undefined, ORIGIN)).toEqual({ link: undefined, skip: 0 });
  });

  it('decode cursors handed out before the helper moved to the plugin SDK', () => {
    const link = `${ORIGIN}/p2?$skiptoken=a+b/c=`;
    const old = '7.aHR0cHM6Ly9tYW5hZ2VtZW50LmF6dXJlLmNvbS9wMj8kc2tpcHRva2VuPWErYi9jPQ';
    expect(decodeCursor(old, ORIGIN)).toEqual({ link, skip: 7 });
    expect(encodeCursor({ link, skip: 7 })).toBe(old);
  });

  it('refuse anything else, and links to another origin, with INVALID_INPUT naming nextToken', () => {
    const elsewhere = (url: string) => encodeCursor({ link: url, skip: 0 });
    for (const bad of [
      '',
      'abc',
      '1.a b',
      '-1.AA',
      '1234567.AA',
      elsewhere('https://attacker.example/subscriptions'),
      elsewhere('http://management.azure.com/subscriptions'),
      elsewhere('https://management.azure.com.attacker.example/x'),
      elsewhere('not a url'),
    ]) {
      expect(() => decodeCursor(bad, ORIGIN)).toThrowError(
        expect.objectContaining({ code: 'INVALID_INPUT', details: { field: 'nextToken' } }) as Error,
      );
    }
  });
});

describe('budget', () => {
  it('keeps at least one item and cuts at the budget or the count', () => {
    const items = ['a'.repeat(50), 'b'.repeat(50), 'c'.repeat(50)];
    expect(cutToBudget(items, 0, 10)).toEqual({ items: [items[0]], rest: 2 });
    expect(cutToBudget(items, 1, 120)).toEqual({ items: [items[1], items[2]], rest: 0 });
    expect(cutToBudget(items, 0, 10_000, 2)).toEqual({ items: [items[0], items[1]], rest: 1 });
  });

  it('fetchPage continues a truncated page, then moves to the next Azure page', async () => {
    const pages: Record<string, { items: number[]; next?: string }> = {
      first: { items: [1, 2, 3], next: `${ORIGIN}/p2` },
      [`${ORIGIN}/p2`]: { items: [4] },
    };
    const fetched: (string | undefined)[] = [];
    const fetch = (link: string | undefined) => {
      fetched.push(link);
      const page = pages[link ?? 'first']!;
      return Promise.resolve({ items: page.items, next: page.next });
    };
    const seen: number[] = [];
    let nextToken: string | undefined;
    do {
      const page = await fetchPage({ nextToken, budget: 10_000, maxResults: 2, origin: ORIGIN }, fetch);
      seen.push(...page.items);
      nextToken = page.nextToken;
    } while (nextToken !== undefined);
    expect(seen).toEqual([1, 2, 3, 4]);
    // Two per result: [1, 2], then [3] from a re-read of page 1, then page 2.
    expect(fetched).toEqual([undefined, undefined, `${ORIGIN}/p2`]);
  });
});

describe('parseResourceId', () => {
  it('reads subscription, resource group (any casing) and name', () => {
    expect(parseResourceId('/subscriptions/s-1/resourcegroups/RG-A/providers/Microsoft.Web/sites/app')).toEqual({
      subscriptionId: 's-1',
      resourceGroup: 'RG-A',
      name: 'app',
    });
    expect(parseResourceId(undefined)).toEqual({});
  });
});
