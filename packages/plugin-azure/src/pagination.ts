import {
  compactNullish as compact,
  decodePageCursor,
  encodePageCursor,
  fetchPage as fetchSdkPage,
  maxResultsField as sdkMaxResultsField,
  nextTokenField as sdkNextTokenField,
  pageOutputFields,
  sameOrigin,
  type Page,
  type PageResult,
} from '@aurora-ops/core/plugin-sdk';
import { z } from 'zod';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `subscriptionId`, shared by every subscription-scoped tool's input. */
export const subscriptionField = z
  .string()
  .regex(GUID, 'an Azure subscription id (a GUID)')
  .optional()
  .describe('Azure subscription id; default: the credential secret, then the plugin setting');

/** A resource group name as ARM accepts it. */
export const resourceGroupName = z
  .string()
  .regex(/^[-\w.()]{1,89}[-\w()]$|^[-\w()]$/u, 'a resource group name (letters, digits, - _ . ( ), up to 90)');

/** The name segment of a resource (VM, cluster, server, site, …). */
export const resourceName = (what: string) =>
  z
    .string()
    .min(1)
    .max(260)
    .regex(/^[^/?#%&\\<>*:\s]+$/, `${what} name without / ? # % & \\ < > * : or spaces`);

/** `nextToken`, up to 8192 characters (a `nextLink` with a `$skiptoken` is long). */
export const nextTokenField = sdkNextTokenField({ maxLength: 8192 });

export function maxResultsField(max: number, fallback: number) {
  return sdkMaxResultsField(max, fallback);
}

export { compact };
export { cutToBudget } from '@aurora-ops/core/plugin-sdk';
export type { Page, PageResult } from '@aurora-ops/core/plugin-sdk';

/** Output fields every paginated result carries. */
export const pageOutput = pageOutputFields({
  truncatedDescription: 'True when the page was cut to maxResults or the output budget (nextToken continues it)',
});

interface Cursor {
  /** Azure's `nextLink` of the page this cursor points into (undefined: the first page). */
  readonly link: string | undefined;
  /** Items of that page already returned. */
  readonly skip: number;
}

/** `<skip>.<base64url(nextLink)>`: opaque to the model, no JSON involved. */
export function encodeCursor(cursor: Cursor): string {
  return encodePageCursor({ token: cursor.link, skip: cursor.skip });
}

/**
 * Reads a cursor. The link inside must be a URL on `origin` (the ARM endpoint): the SDK
 * sends the bearer token to whatever URL it is given, so a forged token must not point
 * anywhere else.
 */
export function decodeCursor(value: string | undefined, origin: string): Cursor {
  const cursor = decodePageCursor(value, { validate: sameOrigin(origin) });
  return { link: cursor.token, skip: cursor.skip };
}

export interface PageRequest {
  readonly nextToken?: string | undefined;
  /** At most this many items per result. */
  readonly maxResults: number;
  /** Characters of JSON per result. */
  readonly budget: number;
  /** The origin every `nextLink` must be on. */
  readonly origin: string;
}

/**
 * Fetches one Azure page (the first, or the `nextLink` inside `nextToken`), skips what an
 * earlier result already returned, and cuts the rest to `maxResults` items and `budget`
 * characters of JSON. The result's `nextToken` continues exactly where it stopped, inside
 * the same Azure page or after it. (ARM sizes its pages itself; most list APIs take no page size.)
 */
export function fetchPage<T>(
  request: PageRequest,
  fetch: (link: string | undefined) => Promise<Page<T>>,
): Promise<PageResult<T>> {
  const { nextToken, maxResults, budget, origin } = request;
  return fetchSdkPage({ nextToken, maxResults, budget, validate: sameOrigin(origin) }, fetch);
}

/** What every Azure SDK list method returns: an async iterator with `byPage`. */
export interface PagedIterator<T> {
  byPage(settings?: { continuationToken?: string }): AsyncIterableIterator<T[]>;
}

/**
 * One page of an Azure list, starting at `link` (a `nextLink`), with the link of the next
 * page. TypeSpec clients put it on the page (`continuationToken`); AutoRest clients expose
 * it through their package's `getContinuationToken`, passed as `linkOf`.
 */
export async function firstPage<T>(
  iterator: PagedIterator<T>,
  link: string | undefined,
  linkOf?: (page: unknown) => string | undefined,
): Promise<Page<T>> {
  const pages = iterator.byPage(link === undefined ? undefined : { continuationToken: link });
  const result = await pages.next();
  if (result.done === true) return { items: [], next: undefined };
  const page = result.value;
  const next = (page as { continuationToken?: unknown }).continuationToken;
  const token = typeof next === 'string' && next !== '' ? next : linkOf?.(page);
  return { items: page, next: token === undefined || token === '' ? undefined : token };
}

/** Tags as a plain object (Azure may return `null` values). */
export function tagRecord(
  tags: Readonly<Record<string, string | null | undefined>> | undefined,
): Record<string, string> {
  const record: Record<string, string> = {};
  for (const [key, value] of Object.entries(tags ?? {})) record[key] = value ?? '';
  return record;
}

export function iso(date: Date | string | undefined | null): string | undefined {
  if (date === undefined || date === null) return undefined;
  return typeof date === 'string' ? date : date.toISOString();
}

/** The parts of an ARM resource id: subscription, resource group, provider type and name. */
export interface ResourceIdParts {
  readonly subscriptionId?: string;
  readonly resourceGroup?: string;
  readonly name?: string;
}

export function parseResourceId(id: string | undefined): ResourceIdParts {
  if (id === undefined) return {};
  const segments = id.split('/');
  const after = (key: string) => {
    const index = segments.findIndex((segment) => segment.toLowerCase() === key);
    return index === -1 ? undefined : segments[index + 1];
  };
  return compact({
    subscriptionId: after('subscriptions'),
    resourceGroup: after('resourcegroups'),
    name: segments.length > 1 ? segments[segments.length - 1] : undefined,
  });
}

/** The input of a list tool over a whole subscription or one of its resource groups. */
export const scopedListInput = {
  subscriptionId: subscriptionField,
  resourceGroup: resourceGroupName.optional().describe('Only this resource group'),
  maxResults: maxResultsField(1000, 100),
  nextToken: nextTokenField,
};
