import { InvalidInputError } from '@aurora-ops/core';
import { defineTool, type AnyToolDefinition } from '@aurora-ops/core/plugin-sdk';
import { logging_v2 } from '@googleapis/logging/build/v2.js';
import { z } from 'zod';
import { GCP_CREDENTIAL_SLOT } from '../credentials.js';
import { gcpCall } from '../errors.js';
import {
  compact,
  fetchPage,
  maxResultsField,
  nextOf,
  nextTokenField,
  opt,
  pageOutput,
  projectField,
} from '../pagination.js';
import { labelRecord, methodOptions, type ToolKit } from './gcp-tool.js';

const isoDate = z.iso.datetime({ offset: true });
/** Longer payloads are cut; the model rarely needs more of one log entry. */
const MAX_PAYLOAD = 4_000;

/** The entry's payload as one string: text, JSON, or the audit-log essentials. */
function payloadOf(entry: logging_v2.Schema$LogEntry): string | undefined {
  if (typeof entry.textPayload === 'string') return entry.textPayload;
  if (entry.jsonPayload !== undefined && entry.jsonPayload !== null) return JSON.stringify(entry.jsonPayload);
  if (entry.protoPayload !== undefined && entry.protoPayload !== null) return JSON.stringify(entry.protoPayload);
  return undefined;
}

/** The Logging query: the caller's filter AND the time range. */
export function loggingFilter(
  filter: string | undefined,
  startTime: string | undefined,
  endTime: string | undefined,
): string | undefined {
  const parts = [
    ...(filter === undefined ? [] : [`(${filter})`]),
    ...(startTime === undefined ? [] : [`timestamp >= "${new Date(startTime).toISOString()}"`]),
    ...(endTime === undefined ? [] : [`timestamp <= "${new Date(endTime).toISOString()}"`]),
  ];
  return parts.length === 0 ? undefined : parts.join(' AND ');
}

/** Cloud Logging: entries matching a filter. */
export function loggingTools(kit: ToolKit): AnyToolDefinition[] {
  const { budget } = kit;

  const list = defineTool({
    name: 'logging_list_entries',
    title: 'List Cloud Logging entries',
    description:
      'Log entries of a project matching a Logging query (e.g. severity>=ERROR AND resource.type="k8s_container" AND resource.labels.cluster_name="prod") between two ISO times, newest first by default. Paginated.',
    input: z.object({
      project: projectField,
      filter: z.string().min(1).max(20_000).optional().describe('A Logging query language filter'),
      startTime: isoDate.optional().describe('Entries at or after this time (ISO 8601)'),
      endTime: isoDate.optional().describe('Entries at or before this time (ISO 8601)'),
      order: z.enum(['desc', 'asc']).default('desc').describe('By timestamp; default newest first'),
      maxResults: maxResultsField(1000, 100),
      nextToken: nextTokenField,
    }),
    output: z.object({
      entries: z.array(
        z.object({
          timestamp: z.string().optional(),
          severity: z.string().optional(),
          logName: z.string().optional(),
          resource: z.object({ type: z.string(), labels: z.record(z.string(), z.string()) }).optional(),
          payload: z.string().optional(),
          payloadTruncated: z.boolean().optional(),
          http: z.string().optional().describe('METHOD URL STATUS LATENCY of an HTTP request entry'),
          trace: z.string().optional(),
          labels: z.record(z.string(), z.string()),
          insertId: z.string().optional(),
        }),
      ),
      ...pageOutput,
    }),
    risk: 'read',
    credentials: [GCP_CREDENTIAL_SLOT],
    handler: async (input, context) => {
      if (
        input.startTime !== undefined &&
        input.endTime !== undefined &&
        Date.parse(input.startTime) > Date.parse(input.endTime)
      ) {
        throw new InvalidInputError({ message: 'endTime is before startTime.', details: { field: 'endTime' } });
      }
      const call = await kit.call(context, input.project);
      const entries = new logging_v2.Logging(call.client('logging')).entries;
      const filter = loggingFilter(input.filter, input.startTime, input.endTime);
      const page = await fetchPage(input.nextToken, budget, async (token) => {
        const { data } = await gcpCall('logging.entries.list', () =>
          entries.list(
            {
              requestBody: {
                resourceNames: [`projects/${call.project}`],
                orderBy: `timestamp ${input.order}`,
                pageSize: input.maxResults,
                ...(filter === undefined ? {} : { filter }),
                ...(token === undefined ? {} : { pageToken: token }),
              },
            },
            // entries:list is a read sent as POST: retry it like a GET.
            methodOptions(call, true),
          ),
        );
        const items = (data.entries ?? []).map((entry) => {
          const payload = payloadOf(entry);
          const http = entry.httpRequest;
          return compact({
            timestamp: opt(entry.timestamp),
            severity: opt(entry.severity),
            logName: opt(entry.logName)?.replace(/^projects\/[^/]+\/logs\//, ''),
            resource:
              entry.resource === undefined
                ? undefined
                : { type: entry.resource.type ?? '', labels: labelRecord(entry.resource.labels) },
            payload: payload === undefined ? undefined : payload.slice(0, MAX_PAYLOAD),
            payloadTruncated: payload !== undefined && payload.length > MAX_PAYLOAD ? true : undefined,
            http:
              http === undefined
                ? undefined
                : [http.requestMethod, http.requestUrl, http.status, http.latency]
                    .filter((part) => part !== undefined && part !== null)
                    .join(' '),
            trace: opt(entry.trace),
            labels: labelRecord(entry.labels),
            insertId: opt(entry.insertId),
          });
        });
        return { items, next: nextOf(data.nextPageToken) };
      });
      return { entries: page.items, ...compact({ nextToken: page.nextToken }), truncated: page.truncated };
    },
  });

  return [list] as AnyToolDefinition[];
}
