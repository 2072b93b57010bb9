import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { InvalidInputError } from '../errors/errors.js';
import {
  compact,
  compactNullish,
  cutToBudget,
  decodePageCursor,
  encodePageCursor,
  fetchPage,
  maxResultsField,
  nextTokenField,
  pageOutputFields,
  sameOrigin,
  type Page,
} from './pagination.js';

const ORIGIN = 'https://management.azure.com';

function rejected(fn: () => unknown): InvalidInputError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(InvalidInputError.isInstance(caught), String(caught)).toBe(true);
  return caught as InvalidInputError;
}

describe('page cursors', () => {
  it('round-trip the provider token and the skip count', () => {
    const token = 'AAAA+/=with spaces&odd?chars';
    expect(decodePageCursor(encodePageCursor({ token, skip: 7 }))).toEqual({ token, skip: 7 });
    expect(decodePageCursor(encodePageCursor({ token: undefined, skip: 3 }))).toEqual({ token: undefined, skip: 3 });
    expect(decodePageCursor(undefined)).toEqual({ token: undefined, skip: 0 });
  });

  it('keep the format `<skip>.<base64url(token)>` so that cursors already handed out still decode', () => {
    expect(encodePageCursor({ token: 'p2', skip: 12 })).toBe('12.cDI');
    expect(encodePageCursor({ token: undefined, skip: 0 })).toBe('0.');
    expect(decodePageCursor('12.cDI')).toEqual({ token: 'p2', skip: 12 });
  });

  it('refuse anything else with INVALID_INPUT naming nextToken and telling what to do', () => {
    for (const bad of ['', 'abc', '1.a b', '-1.AA', '1234567.AA', '1.AA=']) {
      const error = rejected(() => decodePageCursor(bad));
      expect(error.code).toBe('INVALID_INPUT');
      expect(error.details).toEqual({ field: 'nextToken' });
      expect(error.message).toBe(
        'nextToken is not a token this tool returned; pass the nextToken of the previous result unchanged.',
      );
    }
  });

  it('ask validate about the token inside, only when there is one', () => {
    const asked: string[] = [];
    const validate = (token: string) => {
      asked.push(token);
      return token.startsWith('ok');
    };
    expect(decodePageCursor(encodePageCursor({ token: 'ok-1', skip: 2 }), { validate })).toEqual({
      token: 'ok-1',
      skip: 2,
    });
    expect(decodePageCursor(encodePageCursor({ token: undefined, skip: 2 }), { validate })).toEqual({
      token: undefined,
      skip: 2,
    });
    expect(
      rejected(() => decodePageCursor(encodePageCursor({ token: 'forged', skip: 0 }), { validate })).details,
    ).toEqual({ field: 'nextToken' });
    expect(asked).toEqual(['ok-1', 'forged']);
  });

  it('sameOrigin accepts links on the origin only', () => {
    const onArm = sameOrigin(ORIGIN);
    expect(onArm(`${ORIGIN}/subscriptions/s?api-version=1&$skiptoken=a+b/c=`)).toBe(true);
    expect(onArm('https://management.azure.com:443/x')).toBe(true);
    for (const other of [
      'https://attacker.example/subscriptions',
      'http://management.azure.com/subscriptions',
      'https://management.azure.com.attacker.example/x',
      'https://management.azure.com:8443/x',
      'not a url',
      '/relative',
    ]) {
      expect(onArm(other), other).toBe(false);
    }
  });
});

describe('cutToBudget', () => {
  const items = ['a'.repeat(50), 'b'.repeat(50), 'c'.repeat(50)];

  it('keeps at least one item and cuts at the budget', () => {
    expect(cutToBudget(items, 0, 10)).toEqual({ items: [items[0]], rest: 2 });
    expect(cutToBudget(items, 1, 120)).toEqual({ items: [items[1], items[2]], rest: 0 });
    // Each item is 52 characters of JSON plus one: 106 fits two, 105 only one.
    expect(cutToBudget(items, 0, 106)).toEqual({ items: [items[0], items[1]], rest: 1 });
    expect(cutToBudget(items, 0, 105)).toEqual({ items: [items[0]], rest: 2 });
  });

  it('cuts at max items too', () => {
    expect(cutToBudget(items, 0, 10_000, 2)).toEqual({ items: [items[0], items[1]], rest: 1 });
    expect(cutToBudget(items, 3, 10_000, 2)).toEqual({ items: [], rest: 0 });
  });
});

describe('fetchPage', () => {
  const pages: Record<string, { items: number[]; next?: string }> = {
    first: { items: [1, 2, 3], next: 'p2' },
    p2: { items: [4] },
  };

  function source() {
    const fetched: (string | undefined)[] = [];
    const fetch = (token: string | undefined): Promise<Page<number>> => {
      fetched.push(token);
      const page = pages[token ?? 'first']!;
      return Promise.resolve({ items: page.items, next: page.next });
    };
    return { fetched, fetch };
  }

  it('continues a truncated page at the budget, then moves to the next provider page', async () => {
    const { fetched, fetch } = source();
    const results = [];
    let nextToken: string | undefined;
    do {
      const result = await fetchPage({ nextToken, budget: 4 }, fetch);
      results.push(result);
      nextToken = result.nextToken;
    } while (nextToken !== undefined);
    // Budget 4 fits two items: [1, 2], then [3] from a re-read of page 1, then page 2.
    expect(results).toEqual([
      { items: [1, 2], nextToken: '2.', truncated: true },
      { items: [3], nextToken: '0.cDI', truncated: false },
      { items: [4], truncated: false },
    ]);
    expect(fetched).toEqual([undefined, undefined, 'p2']);
  });

  it('cuts at maxResults', async () => {
    const { fetch } = source();
    const result = await fetchPage({ budget: 10_000, maxResults: 1 }, fetch);
    expect(result).toEqual({ items: [1], nextToken: '1.', truncated: true });
  });

  it('refuses a token validate rejects before fetching anything', async () => {
    const { fetched, fetch } = source();
    await expect(
      fetchPage({ nextToken: encodePageCursor({ token: 'p2', skip: 0 }), budget: 10, validate: () => false }, fetch),
    ).rejects.toMatchObject({ code: 'INVALID_INPUT', details: { field: 'nextToken' } });
    await expect(fetchPage({ nextToken: 'garbage', budget: 10 }, fetch)).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
    expect(fetched).toEqual([]);
  });
});

describe('fields', () => {
  it('nextTokenField takes 1 to maxLength characters, or nothing', () => {
    const field = nextTokenField();
    expect(field.safeParse(undefined).success).toBe(true);
    expect(field.safeParse('').success).toBe(false);
    expect(field.safeParse('x'.repeat(4096)).success).toBe(true);
    expect(field.safeParse('x'.repeat(4097)).success).toBe(false);
    const long = nextTokenField({ maxLength: 8192 });
    expect(long.safeParse('x'.repeat(8192)).success).toBe(true);
    expect(long.safeParse('x'.repeat(8193)).success).toBe(false);
  });

  it('maxResultsField defaults, bounds and describes itself', () => {
    const field = maxResultsField(100, 20, 5);
    expect(field.parse(undefined)).toBe(20);
    expect(field.safeParse(4).success).toBe(false);
    expect(field.safeParse(101).success).toBe(false);
    expect(field.safeParse(2.5).success).toBe(false);
    expect(field.description).toBe('Items per page (5–100, default 20)');
    expect(maxResultsField(50, 10).description).toBe('Items per page (1–50, default 10)');
  });

  it('pageOutputFields validate a page result and take another truncated description', () => {
    const output = z.object(pageOutputFields());
    expect(output.safeParse({ truncated: false }).success).toBe(true);
    expect(output.safeParse({ nextToken: '0.cDI', truncated: true }).success).toBe(true);
    expect(output.safeParse({}).success).toBe(false);
    expect(pageOutputFields().truncated.description).toBe(
      'True when the page was cut to fit the output budget (nextToken continues it)',
    );
    expect(pageOutputFields({ truncatedDescription: 'Cut.' }).truncated.description).toBe('Cut.');
  });
});

describe('compact', () => {
  it('drops undefined but keeps null; compactNullish drops both', () => {
    const value = { a: 1, b: undefined, c: null, d: '', e: 0, f: false };
    expect(compact(value)).toStrictEqual({ a: 1, c: null, d: '', e: 0, f: false });
    expect(compactNullish(value)).toStrictEqual({ a: 1, d: '', e: 0, f: false });
  });
});
