import { InvalidInputError } from '@aurora-ops/core';
import { defineTool, type AnyToolDefinition } from '@aurora-ops/core/plugin-sdk';
import type { gaxios } from 'google-auth-library';
import { z } from 'zod';
import { GCP_CREDENTIAL_SLOT } from '../credentials.js';
import { gcpCall } from '../errors.js';
import type { GcpCall } from '../gcp-options.js';
import {
  compact,
  fetchPage,
  maxResultsField,
  nextOf,
  nextTokenField,
  pageOutput,
  projectField,
} from '../pagination.js';
import type { ToolKit } from './gcp-tool.js';

const isoDate = z.iso.datetime({ offset: true });
const ALIGNERS = [
  'ALIGN_NONE',
  'ALIGN_MEAN',
  'ALIGN_MIN',
  'ALIGN_MAX',
  'ALIGN_SUM',
  'ALIGN_COUNT',
  'ALIGN_DELTA',
  'ALIGN_RATE',
  'ALIGN_NEXT_OLDER',
  'ALIGN_PERCENTILE_99',
  'ALIGN_PERCENTILE_95',
  'ALIGN_PERCENTILE_50',
  'ALIGN_PERCENT_CHANGE',
] as const;
const REDUCERS = [
  'REDUCE_NONE',
  'REDUCE_MEAN',
  'REDUCE_MIN',
  'REDUCE_MAX',
  'REDUCE_SUM',
  'REDUCE_COUNT',
  'REDUCE_PERCENTILE_99',
  'REDUCE_PERCENTILE_95',
  'REDUCE_PERCENTILE_50',
] as const;

/** The parts of Cloud Monitoring's `ListTimeSeriesResponse` the tool reads. */
interface TimeSeriesResponse {
  readonly timeSeries?: readonly {
    readonly metric?: { readonly type?: string; readonly labels?: Record<string, string> };
    readonly resource?: { readonly type?: string; readonly labels?: Record<string, string> };
    readonly metricKind?: string;
    readonly valueType?: string;
    readonly unit?: string;
    readonly points?: readonly {
      readonly interval?: { readonly startTime?: string; readonly endTime?: string };
      readonly value?: {
        readonly doubleValue?: number;
        readonly int64Value?: string;
        readonly boolValue?: boolean;
        readonly stringValue?: string;
        readonly distributionValue?: { readonly mean?: number; readonly count?: string };
      };
    }[];
  }[];
  readonly nextPageToken?: string;
  readonly executionErrors?: readonly { readonly code?: number; readonly message?: string }[];
}

type PointValue = NonNullable<
  NonNullable<NonNullable<TimeSeriesResponse['timeSeries']>[number]['points']>[number]['value']
>;

function valueOf(value: PointValue | undefined): number | string | boolean | null {
  if (value === undefined) return null;
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.int64Value !== undefined) return Number(value.int64Value);
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.distributionValue !== undefined) return value.distributionValue.mean ?? 0;
  return null;
}

/** `auth.request()` of either auth kind (GoogleAuth or a client). */
interface Requester {
  request<T>(options: gaxios.GaxiosOptions): Promise<gaxios.GaxiosResponse<T>>;
}

/** The `projects.timeSeries.list` query string; repeated fields repeat the key. */
export function timeSeriesQuery(input: {
  filter: string;
  startTime: string;
  endTime: string;
  alignmentPeriodSeconds?: number | undefined;
  perSeriesAligner?: string | undefined;
  crossSeriesReducer?: string | undefined;
  groupByFields?: readonly string[] | undefined;
  pageSize: number;
  pageToken?: string | undefined;
}): URLSearchParams {
  const query = new URLSearchParams({
    filter: input.filter,
    'interval.startTime': new Date(input.startTime).toISOString(),
    'interval.endTime': new Date(input.endTime).toISOString(),
    view: 'FULL',
    pageSize: String(input.pageSize),
  });
  if (input.perSeriesAligner !== undefined) {
    query.set('aggregation.alignmentPeriod', `${input.alignmentPeriodSeconds ?? 60}s`);
    query.set('aggregation.perSeriesAligner', input.perSeriesAligner);
  }
  if (input.crossSeriesReducer !== undefined) query.set('aggregation.crossSeriesReducer', input.crossSeriesReducer);
  for (const field of input.groupByFields ?? []) query.append('aggregation.groupByFields', field);
  if (input.pageToken !== undefined) query.set('pageToken', input.pageToken);
  return query;
}

/** Cloud Monitoring: time series, through its REST API (there is no generated client package for it). */
export function monitoringTools(kit: ToolKit): AnyToolDefinition[] {
  const { budget } = kit;

  const list = defineTool({
    name: 'monitoring_list_time_series',
    title: 'List Cloud Monitoring time series',
    description:
      'Time series matching a Monitoring filter (e.g. metric.type="compute.googleapis.com/instance/cpu/utilization" AND resource.labels.zone="europe-west1-b") between two ISO times, optionally aligned (perSeriesAligner over alignmentPeriodSeconds) and reduced across series (crossSeriesReducer, groupByFields). Points newest first. Paginated by series.',
    input: z
      .object({
        project: projectField,
        filter: z.string().min(1).max(4096),
        startTime: isoDate,
        endTime: isoDate.optional().describe('Default: now'),
        alignmentPeriodSeconds: z
          .number()
          .int()
          .min(1)
          .max(7_776_000)
          .optional()
          .describe('Default 60 with an aligner'),
        perSeriesAligner: z.enum(ALIGNERS).optional(),
        crossSeriesReducer: z.enum(REDUCERS).optional().describe('Needs perSeriesAligner'),
        groupByFields: z.array(z.string().min(1).max(256)).max(10).optional().describe('e.g. resource.labels.zone'),
        maxResults: maxResultsField(1000, 50).describe('Time series per page (1–1000, default 50)'),
        nextToken: nextTokenField,
      })
      .refine((value) => value.crossSeriesReducer === undefined || value.perSeriesAligner !== undefined, {
        message: 'crossSeriesReducer needs perSeriesAligner',
        path: ['perSeriesAligner'],
      }),
    output: z.object({
      series: z.array(
        z.object({
          metricType: z.string(),
          metricLabels: z.record(z.string(), z.string()),
          resourceType: z.string().optional(),
          resourceLabels: z.record(z.string(), z.string()),
          metricKind: z.string().optional(),
          valueType: z.string().optional(),
          unit: z.string().optional(),
          timestamps: z.array(z.string()),
          values: z.array(z.union([z.number(), z.string(), z.boolean(), z.null()])),
        }),
      ),
      ...pageOutput,
    }),
    risk: 'read',
    credentials: [GCP_CREDENTIAL_SLOT],
    handler: async (input, context) => {
      const endTime = input.endTime ?? new Date().toISOString();
      if (Date.parse(input.startTime) > Date.parse(endTime)) {
        throw new InvalidInputError({ message: 'endTime is before startTime.', details: { field: 'endTime' } });
      }
      const call: GcpCall = await kit.call(context, input.project);
      const requester = call.auth as unknown as Requester;
      const base = `${call.rootUrl('monitoring')}v3/projects/${encodeURIComponent(call.project)}/timeSeries`;
      const page = await fetchPage(input.nextToken, budget, async (token) => {
        const query = timeSeriesQuery({ ...input, endTime, pageSize: input.maxResults, pageToken: token });
        const { data } = await gcpCall('monitoring.projects.timeSeries.list', () =>
          requester.request<TimeSeriesResponse>({
            url: `${base}?${query.toString()}`,
            method: 'GET',
            responseType: 'json',
            signal: call.signal,
            retryConfig: call.retryConfig,
          }),
        );
        const items = (data.timeSeries ?? []).map((series) => {
          const points = series.points ?? [];
          return compact({
            metricType: series.metric?.type ?? '',
            metricLabels: { ...(series.metric?.labels ?? {}) },
            resourceType: series.resource?.type,
            resourceLabels: { ...(series.resource?.labels ?? {}) },
            metricKind: series.metricKind,
            valueType: series.valueType,
            unit: series.unit === '' ? undefined : series.unit,
            timestamps: points.map((point) => point.interval?.endTime ?? ''),
            values: points.map((point) => valueOf(point.value)),
          });
        });
        return { items, next: nextOf(data.nextPageToken) };
      });
      return { series: page.items, ...compact({ nextToken: page.nextToken }), truncated: page.truncated };
    },
  });

  return [list] as AnyToolDefinition[];
}
