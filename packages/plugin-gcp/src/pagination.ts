import {
  fetchPage as fetchSdkPage,
  nextTokenField as sdkNextTokenField,
  pageOutputFields,
  type Page,
  type PageResult,
} from '@aurora-ops/core/plugin-sdk';
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

/** `nextToken`, up to 4096 characters. */
export const nextTokenField = sdkNextTokenField();

export {
  compactNullish as compact,
  cutToBudget,
  decodePageCursor as decodeCursor,
  encodePageCursor as encodeCursor,
  maxResultsField,
} from '@aurora-ops/core/plugin-sdk';
export type { Page, PageResult } from '@aurora-ops/core/plugin-sdk';

/** Output fields every paginated result carries. */
export const pageOutput = pageOutputFields();

/**
 * Fetches one page with the GCP page token inside `nextToken`, skips what an earlier
 * truncated result already returned, and cuts the rest to `budget` characters of JSON. The
 * result's `nextToken` continues exactly where it stopped, inside the same GCP page or after it.
 */
export function fetchPage<T>(
  nextToken: string | undefined,
  budget: number,
  fetch: (token: string | undefined) => Promise<Page<T>>,
): Promise<PageResult<T>> {
  return fetchSdkPage({ nextToken, budget }, fetch);
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
