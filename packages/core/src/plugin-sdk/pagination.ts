import { z } from 'zod';
import { InvalidInputError } from '../errors/errors.js';

/**
 * Pagination for list tools: the `maxResults` / `nextToken` input fields, the `nextToken` /
 * `truncated` output fields, and `fetchPage`, which wraps a provider's own page token in an
 * opaque cursor so that one provider page can be returned over several results when its
 * items do not fit the output budget.
 */

/** The longest `nextToken` {@link nextTokenField} accepts unless told otherwise. */
export const DEFAULT_MAX_TOKEN_LENGTH = 4096;

/** Options of {@link nextTokenField}. */
export interface NextTokenFieldOptions {
  /** The longest token accepted (default {@link DEFAULT_MAX_TOKEN_LENGTH}). */
  readonly maxLength?: number;
}

/** The optional `nextToken` input field of a list tool. */
export function nextTokenField(options: NextTokenFieldOptions = {}) {
  return z
    .string()
    .min(1)
    .max(options.maxLength ?? DEFAULT_MAX_TOKEN_LENGTH)
    .optional()
    .describe('The nextToken of the previous page');
}

/** The `maxResults` input field: an integer from `min` to `max`, `fallback` when absent. */
export function maxResultsField(max: number, fallback: number, min = 1) {
  return z
    .number()
    .int()
    .min(min)
    .max(max)
    .default(fallback)
    .describe(`Items per page (${min}–${max}, default ${fallback})`);
}

/** Options of {@link pageOutputFields}. */
export interface PageOutputFieldsOptions {
  /** How the `truncated` field is described to the model. */
  readonly truncatedDescription?: string;
}

/** The output fields every paginated result carries: `nextToken` and `truncated`. */
export function pageOutputFields(options: PageOutputFieldsOptions = {}) {
  return {
    nextToken: z.string().optional().describe('Pass back as nextToken for the next page; absent on the last page'),
    truncated: z
      .boolean()
      .describe(
        options.truncatedDescription ?? 'True when the page was cut to fit the output budget (nextToken continues it)',
      ),
  };
}

/** Where a `nextToken` points: a provider page and how many of its items were already returned. */
export interface PageCursor {
  /** The provider's token (or link) of the page this cursor points into (undefined: the first page). */
  readonly token: string | undefined;
  /** Items of that page already returned. */
  readonly skip: number;
}

/** `<skip>.<base64url(token)>`: opaque to the model, no JSON involved. */
export function encodePageCursor(cursor: PageCursor): string {
  return `${cursor.skip}.${Buffer.from(cursor.token ?? '', 'utf8').toString('base64url')}`;
}

/** Options of {@link decodePageCursor}. */
export interface DecodePageCursorOptions {
  /**
   * Accepts or refuses the provider token inside a cursor (called only when there is one).
   * A refused token is reported exactly like a malformed cursor.
   */
  readonly validate?: (token: string) => boolean;
}

function invalidCursor(): InvalidInputError {
  return new InvalidInputError({
    message: 'nextToken is not a token this tool returned; pass the nextToken of the previous result unchanged.',
    details: { field: 'nextToken' },
  });
}

/**
 * Reads a cursor written by {@link encodePageCursor}; `undefined` is the first page.
 * @throws InvalidInputError (`details.field: 'nextToken'`) when the value is not such a
 *   cursor or `validate` refuses its token.
 */
export function decodePageCursor(value: string | undefined, options: DecodePageCursorOptions = {}): PageCursor {
  if (value === undefined) return { token: undefined, skip: 0 };
  const match = /^(\d{1,6})\.([A-Za-z0-9_-]*)$/.exec(value);
  if (match === null) throw invalidCursor();
  const token = Buffer.from(match[2]!, 'base64url').toString('utf8');
  if (token !== '' && options.validate !== undefined && !options.validate(token)) throw invalidCursor();
  return { token: token === '' ? undefined : token, skip: Number(match[1]) };
}

/**
 * A `validate` hook for cursors that carry a URL (a `nextLink`): the URL must parse and be
 * on `origin` (scheme, host and port). Use it when the client sends credentials to whatever
 * URL it is given, so that a forged token cannot point anywhere else.
 */
export function sameOrigin(origin: string): (token: string) => boolean {
  return (token) => {
    let url: URL;
    try {
      url = new URL(token);
    } catch {
      return false;
    }
    return url.origin === new URL(origin).origin;
  };
}

/** One provider page: its items and the token of the next page (undefined: the last page). */
export interface Page<T> {
  readonly items: readonly T[];
  readonly next: string | undefined;
}

/** What a list tool returns for one call: the items, the cursor that continues, and whether the page was cut. */
export interface PageResult<T> {
  readonly items: T[];
  readonly nextToken?: string;
  readonly truncated: boolean;
}

/** What {@link fetchPage} fetches and how much of it one result may carry. */
export interface FetchPageRequest {
  /** The `nextToken` the caller passed (undefined: the first page). */
  readonly nextToken?: string | undefined;
  /** Characters of JSON per result. */
  readonly budget: number;
  /** At most this many items per result (default: no limit but the budget). */
  readonly maxResults?: number | undefined;
  /** Checks the provider token inside `nextToken`; see {@link DecodePageCursorOptions.validate}. */
  readonly validate?: ((token: string) => boolean) | undefined;
}

/**
 * Fetches one provider page with the token inside `nextToken`, skips what an earlier
 * truncated result already returned, and cuts the rest to `budget` characters of JSON (and
 * `maxResults` items). The result's `nextToken` continues exactly where it stopped, inside
 * the same provider page or after it.
 * @throws InvalidInputError when `nextToken` is not a cursor this helper wrote.
 */
export async function fetchPage<T>(
  request: FetchPageRequest,
  fetch: (token: string | undefined) => Promise<Page<T>>,
): Promise<PageResult<T>> {
  const cursor = decodePageCursor(request.nextToken, { validate: request.validate });
  const page = await fetch(cursor.token);
  const cut = cutToBudget(page.items, cursor.skip, request.budget, request.maxResults);
  if (cut.rest > 0) {
    return {
      items: cut.items,
      nextToken: encodePageCursor({ token: cursor.token, skip: cursor.skip + cut.items.length }),
      truncated: true,
    };
  }
  return {
    items: cut.items,
    ...(page.next === undefined ? {} : { nextToken: encodePageCursor({ token: page.next, skip: 0 }) }),
    truncated: false,
  };
}

/**
 * The items from `skip` on that fit `budget` characters of JSON and `max` items (at least
 * one item), and how many are left.
 */
export function cutToBudget<T>(
  all: readonly T[],
  skip: number,
  budget: number,
  max = Number.POSITIVE_INFINITY,
): { items: T[]; rest: number } {
  const rest = all.slice(skip);
  const items: T[] = [];
  let used = 0;
  for (const item of rest) {
    if (items.length >= max) break;
    const size = JSON.stringify(item).length + 1;
    if (items.length > 0 && used + size > budget) break;
    items.push(item);
    used += size;
  }
  return { items, rest: rest.length - items.length };
}

/** Drops `undefined` values so outputs stay minimal and match optional schema fields. */
export function compact<T extends Record<string, unknown>>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>;
  };
}

/** Drops `undefined` and `null` values (as generated clients type absent fields) from an output. */
export function compactNullish<T extends Record<string, unknown>>(
  value: T,
): { [K in keyof T]: Exclude<T[K], undefined | null> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined && v !== null)) as {
    [K in keyof T]: Exclude<T[K], undefined | null>;
  };
}
