import {
  fetchPage as fetchSdkPage,
  nextTokenField as sdkNextTokenField,
  pageOutputFields,
  type Page,
  type PageResult,
} from '@aurora-ops/core/plugin-sdk';
import { z } from 'zod';

/** `region`, `maxResults` and `nextToken`, shared by every list tool's input. */
export const regionField = z
  .string()
  .regex(/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/, 'an AWS region such as us-east-1')
  .optional()
  .describe('AWS region; default: the credential secret, then the plugin setting, then AWS_REGION');

/** `nextToken`, up to 4096 characters. */
export const nextTokenField = sdkNextTokenField();

export {
  compact,
  cutToBudget,
  decodePageCursor as decodeCursor,
  encodePageCursor as encodeCursor,
  maxResultsField,
} from '@aurora-ops/core/plugin-sdk';
export type { Page, PageResult } from '@aurora-ops/core/plugin-sdk';

/** Output fields every paginated result carries. */
export const pageOutput = pageOutputFields();

/**
 * Fetches one page with the AWS token inside `nextToken`, skips what an earlier truncated
 * result already returned, and cuts the rest to `budget` characters of JSON. The result's
 * `nextToken` continues exactly where it stopped, inside the same AWS page or after it.
 */
export function fetchPage<T>(
  nextToken: string | undefined,
  budget: number,
  fetch: (token: string | undefined) => Promise<Page<T>>,
): Promise<PageResult<T>> {
  return fetchSdkPage({ nextToken, budget }, fetch);
}

/** Tags as a plain object; AWS returns them as `[{ Key, Value }]`. */
export function tagRecord(tags: readonly { Key?: string; Value?: string }[] | undefined): Record<string, string> {
  const record: Record<string, string> = {};
  for (const tag of tags ?? []) if (tag.Key !== undefined) record[tag.Key] = tag.Value ?? '';
  return record;
}

export function iso(date: Date | undefined): string | undefined {
  return date === undefined ? undefined : date.toISOString();
}
