import { InvalidInputError } from '@aurora-ops/core';
import { z } from 'zod';

/** A GCP project id: 6–30 characters, lower-case letters, digits and hyphens, starting with a letter. */
export const PROJECT_ID = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;

/** `project`, shared by every tool's input. */
export const projectField = z
  .string()
  .regex(PROJECT_ID, 'a GCP project id such as my-project-123')
  .optional()
  .describe(
    'GCP project id; default: the plugin setting, then the credential key, then Application Default Credentials',
  );

/** A zone such as `europe-west1-b`. */
export const zoneField = z.string().regex(/^[a-z]+-[a-z]+\d+-[a-z]$/, 'a zone such as europe-west1-b');

/** A region such as `europe-west1`. */
export const regionField = z.string().regex(/^[a-z]+-[a-z]+\d+$/, 'a region such as europe-west1');

/** A location (region or zone) or `-` for all of them. */
export const locationField = z
  .string()
  .regex(/^(-|[a-z]+-[a-z]+\d+(-[a-z])?)$/, 'a region, a zone, or - for all locations');

/** A resource name as GCP allows it for instances, clusters, services (RFC 1035 label). */
export const resourceName = (what: string) =>
  z.string().regex(/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/, `a ${what} name (lower-case letters, digits, hyphens)`);

export const nextTokenField = z.string().min(1).max(4096).optional().describe('The nextToken of the previous page');

export function maxResultsField(max: number, fallback: number, min = 1) {
  return z
    .number()
    .int()
    .min(min)
    .max(max)
    .default(fallback)
    .describe(`Items per page (${min}–${max}, default ${fallback})`);
}

/** Output fields every paginated result carries. */
export const pageOutput = {
  nextToken: z.string().optional().describe('Pass back as nextToken for the next page; absent on the last page'),
  truncated: z.boolean().describe('True when the page was cut to fit the output budget (nextToken continues it)'),
};

interface Cursor {
  /** The GCP page token that fetches the page this cursor points into (undefined: the first page). */
  readonly token: string | undefined;
  /** Items of that page already returned. */
  readonly skip: number;
}

/** `<skip>.<base64url(token)>`: opaque to the model, no JSON involved. */
export function encodeCursor(cursor: Cursor): string {
  return `${cursor.skip}.${Buffer.from(cursor.token ?? '', 'utf8').toString('base64url')}`;
}

export function decodeCursor(value: string | undefined): Cursor {
  if (value === undefined) return { token: undefined, skip: 0 };
  const match = /^(\d{1,6})\.([A-Za-z0-9_-]*)$/.exec(value);
  if (match === null) {
    throw new InvalidInputError({
      message: 'nextToken is not a token this tool returned; pass the nextToken of the previous result unchanged.',
      details: { field: 'nextToken' },
    });
  }
  const token = Buffer.from(match[2]!, 'base64url').toString('utf8');
  return { token: token === '' ? undefined : token, skip: Number(match[1]) };
}

export interface Page<T> {
  readonly items: readonly T[];
  readonly next: string | undefined;
}

export interface PageResult<T> {
  readonly items: T[];
  readonly nextToken?: string;
  readonly truncated: boolean;
}

/**
 * Fetches one page with the GCP page token inside `nextToken`, skips what an earlier
 * truncated result already returned, and cuts the rest to `budget` characters of JSON. The
 * result's `nextToken` continues exactly where it stopped, inside the same GCP page or after it.
 */
export async function fetchPage<T>(
  nextToken: string | undefined,
  budget: number,
  fetch: (token: string | undefined) => Promise<Page<T>>,
): Promise<PageResult<T>> {
  const cursor = decodeCursor(nextToken);
  const page = await fetch(cursor.token);
  const cut = cutToBudget(page.items, cursor.skip, budget);
  if (cut.rest > 0) {
    return {
      items: cut.items,
      nextToken: encodeCursor({ token: cursor.token, skip: cursor.skip + cut.items.length }),
      truncated: true,
    };
  }
  return {
    items: cut.items,
    ...(page.next === undefined ? {} : { nextToken: encodeCursor({ token: page.next, skip: 0 }) }),
    truncated: false,
  };
}

/** The items from `skip` on that fit `budget` characters of JSON (at least one), and how many are left. */
export function cutToBudget<T>(all: readonly T[], skip: number, budget: number): { items: T[]; rest: number } {
  const rest = all.slice(skip);
  const items: T[] = [];
  let used = 0;
  for (const item of rest) {
    const size = JSON.stringify(item).length + 1;
    if (items.length > 0 && used + size > budget) break;
    items.push(item);
    used += size;
  }
  return { items, rest: rest.length - items.length };
}

/** Drops `undefined` values so outputs stay minimal and match optional schema fields. */
export function compact<T extends Record<string, unknown>>(
  value: T,
): { [K in keyof T]: Exclude<T[K], undefined | null> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined && v !== null)) as {
    [K in keyof T]: Exclude<T[K], undefined | null>;
  };
}

/** `null` (as the generated clients type absent fields) becomes `undefined`. */
export function opt<T>(value: T | null | undefined): T | undefined {
  return value ?? undefined;
}

/** The last path segment of a GCP URL or resource name (`…/zones/europe-west1-b` → `europe-west1-b`). */
export function lastSegment(value: string | null | undefined): string | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  return value.slice(value.lastIndexOf('/') + 1);
}

/** A GCP page token as the client takes it: `undefined` when absent or empty. */
export function nextOf(token: string | null | undefined): string | undefined {
  return token === null || token === undefined || token === '' ? undefined : token;
}
