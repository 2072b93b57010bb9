import { defineTool, type AnyToolDefinition, type ToolContext } from '@aurora-ops/core/plugin-sdk';
import { ListBucketsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { clientConfigFor, DEFAULT_OUTPUT_BUDGET, type AwsPluginOptions } from '../aws-options.js';
import { AWS_CREDENTIAL_SLOT } from '../credentials.js';
import { awsCall } from '../errors.js';
import { compact, fetchPage, iso, maxResultsField, nextTokenField, pageOutput, regionField } from '../pagination.js';

const BUCKET = z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name');

/** S3: buckets and object listings (never object contents). */
export function s3Tools(options: AwsPluginOptions): AnyToolDefinition[] {
  const budget = options.outputBudget ?? DEFAULT_OUTPUT_BUDGET;
  const client = async (context: ToolContext, region: string | undefined) =>
    new S3Client({
      ...(await clientConfigFor(options, context, region)),
      // A custom endpoint (tests, S3-compatible gateways) is addressed by path, not by bucket subdomain.
      ...(options.endpoint === undefined ? {} : { forcePathStyle: true }),
    });

  const buckets = defineTool({
    name: 's3_list_buckets',
    title: 'List S3 buckets',
    description: 'S3 buckets of the account with their creation date and region; optional name prefix. Paginated.',
    input: z.object({
      region: regionField,
      prefix: z.string().min(1).max(63).optional(),
      maxResults: maxResultsField(1000, 200),
      nextToken: nextTokenField,
    }),
    output: z.object({
      buckets: z.array(z.object({ name: z.string(), createdAt: z.string().optional(), region: z.string().optional() })),
      ...pageOutput,
    }),
    risk: 'read',
    credentials: [AWS_CREDENTIAL_SLOT],
    handler: async (input, context) => {
      const s3 = await client(context, input.region);
      const page = await fetchPage(input.nextToken, budget, async (token) => {
        const response = await awsCall('s3:ListBuckets', () =>
          s3.send(
            new ListBucketsCommand({
              MaxBuckets: input.maxResults,
              ...(input.prefix === undefined ? {} : { Prefix: input.prefix }),
              ...(token === undefined ? {} : { ContinuationToken: token }),
            }),
            { abortSignal: context.signal },
          ),
        );
        const items = (response.Buckets ?? []).map((bucket) =>
          compact({ name: bucket.Name ?? '', createdAt: iso(bucket.CreationDate), region: bucket.BucketRegion }),
        );
        return { items, next: response.ContinuationToken };
      });
      return { buckets: page.items, ...compact({ nextToken: page.nextToken }), truncated: page.truncated };
    },
  });

  const objects = defineTool({
    name: 's3_list_objects',
    title: 'List S3 objects',
    description:
      'Keys, sizes and dates of the objects in one bucket, optionally under a prefix; with a delimiter ("/"), common prefixes are listed as folders. Paginated.',
    input: z.object({
      region: regionField,
      bucket: BUCKET,
      prefix: z.string().max(1024).optional(),
      delimiter: z.string().min(1).max(8).optional(),
      maxResults: maxResultsField(1000, 200),
      nextToken: nextTokenField,
    }),
    output: z.object({
      bucket: z.string(),
      objects: z.array(
        z.object({
          key: z.string(),
          size: z.number().optional(),
          lastModified: z.string().optional(),
          storageClass: z.string().optional(),
        }),
      ),
      prefixes: z.array(z.string()),
      ...pageOutput,
    }),
    risk: 'read',
    credentials: [AWS_CREDENTIAL_SLOT],
    handler: async (input, context) => {
      const s3 = await client(context, input.region);
      const prefixes: string[] = [];
      const page = await fetchPage(input.nextToken, budget, async (token) => {
        const response = await awsCall('s3:ListObjectsV2', () =>
          s3.send(
            new ListObjectsV2Command({
              Bucket: input.bucket,
              MaxKeys: input.maxResults,
              ...(input.prefix === undefined ? {} : { Prefix: input.prefix }),
              ...(input.delimiter === undefined ? {} : { Delimiter: input.delimiter }),
              ...(token === undefined ? {} : { ContinuationToken: token }),
            }),
            { abortSignal: context.signal },
          ),
        );
        prefixes.push(...(response.CommonPrefixes ?? []).map((entry) => entry.Prefix ?? ''));
        const items = (response.Contents ?? []).map((object) =>
          compact({
            key: object.Key ?? '',
            size: object.Size,
            lastModified: iso(object.LastModified),
            storageClass: object.StorageClass,
          }),
        );
        return { items, next: response.IsTruncated === true ? response.NextContinuationToken : undefined };
      });
      return {
        bucket: input.bucket,
        objects: page.items,
        prefixes,
        ...compact({ nextToken: page.nextToken }),
        truncated: page.truncated,
      };
    },
  });

  return [buckets, objects] as AnyToolDefinition[];
}
