import { InvalidInputError } from '@aurora-ops/core';
import { defineTool, type AnyToolDefinition } from '@aurora-ops/core/plugin-sdk';
import { MonitorClient } from '@azure/arm-monitor';
import { LogsQueryClient, LogsQueryResultStatus, type LogsTable } from '@azure/monitor-query-logs';
import { z } from 'zod';
import type { ToolEnvironment } from '../azure-options.js';
import { AZURE_CREDENTIAL_SLOT } from '../credentials.js';
import { azureCall } from '../errors.js';
import { compact, cutToBudget, decodeCursor, encodeCursor, iso, nextTokenField, pageOutput } from '../pagination.js';

const RESOURCE_ID = z
  .string()
  .max(1024)
  .regex(
    /^\/subscriptions\/[0-9a-fA-F-]{36}\/resourceGroups\/[^/]+\/providers\/[^/]+\/[^/]+\/[^/?#]+(\/[^/?#]+\/[^/?#]+)*$/,
    'an ARM resource id: /subscriptions/<id>/resourceGroups/<group>/providers/<namespace>/<type>/<name>',
  );
const DURATION = /^P(?!$)(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$/;
const TIMESPAN = z
  .string()
  .max(100)
  .refine(
    (value) => DURATION.test(value) || /^[^/]+\/[^/]+$/.test(value),
    'an ISO 8601 duration ending now (PT1H, P1D) or an interval "start/end" of ISO times',
  );

/** `PT1H` → ms; undefined when not a duration. */
function durationMs(value: string): number | undefined {
  const match = DURATION.exec(value);
  if (match === null) return undefined;
  const number = (part: string | undefined) => Number(part?.slice(0, -1) ?? 0);
  return ((number(match[1]) * 24 + number(match[3])) * 60 + number(match[4])) * 60_000 + number(match[5]) * 1000;
}

/** A timespan as start and end dates (a duration ends now). */
function interval(timespan: string): { startTime: Date; endTime: Date } {
  const ms = durationMs(timespan);
  if (ms !== undefined) {
    const endTime = new Date();
    return { startTime: new Date(endTime.getTime() - ms), endTime };
  }
  const [start, end] = timespan.split('/');
  const startTime = new Date(start ?? '');
  const endTime = new Date(end ?? '');
  if (Number.isNaN(startTime.getTime()) || Number.isNaN(endTime.getTime()) || startTime >= endTime) {
    throw new InvalidInputError({
      message: 'timespan is not a valid "start/end" interval of ISO times (start before end).',
      details: { field: 'timespan' },
    });
  }
  return { startTime, endTime };
}

const AGGREGATIONS = ['Average', 'Minimum', 'Maximum', 'Total', 'Count'] as const;
const INTERVALS = ['PT1M', 'PT5M', 'PT15M', 'PT30M', 'PT1H', 'PT6H', 'PT12H', 'P1D', 'FULL'] as const;

const point = z.object({
  timeStamp: z.string(),
  average: z.number().optional(),
  minimum: z.number().optional(),
  maximum: z.number().optional(),
  total: z.number().optional(),
  count: z.number().optional(),
});
type Point = z.infer<typeof point>;

interface FlatPoint {
  readonly metric: number;
  readonly series: number;
  readonly point: Point;
}

/** Azure Monitor metrics and Log Analytics queries. */
export function monitorTools(environment: ToolEnvironment): AnyToolDefinition[] {
  const metrics = defineTool({
    name: 'monitor_get_metrics',
    title: 'Get Azure Monitor metrics',
    description:
      'Platform metrics of one resource (e.g. "Percentage CPU" of a VM, "cpu_percent" of a SQL database, "Http5xx" of a web app) over a timespan at an interval, with the chosen aggregations, split by dimension with filter. Points beyond maxDatapoints or the output budget continue with nextToken.',
    input: z.object({
      resourceId: RESOURCE_ID,
      metricNames: z.array(z.string().min(1).max(256)).min(1).max(20),
      timespan: TIMESPAN.default('PT1H'),
      interval: z.enum(INTERVALS).default('PT5M').describe('Grain of the points'),
      aggregations: z.array(z.enum(AGGREGATIONS)).min(1).max(5).default(['Average']),
      metricNamespace: z.string().min(1).max(256).optional().describe('e.g. Microsoft.Compute/virtualMachines'),
      filter: z.string().min(1).max(1024).optional().describe('Dimension filter, e.g. "LUN eq \'*\'" to split by LUN'),
      top: z.number().int().min(1).max(100).optional().describe('Series per metric when splitting by dimension'),
      maxDatapoints: z.number().int().min(1).max(50_000).default(1_000).describe('Points per result (default 1 000)'),
      nextToken: nextTokenField,
    }),
    output: z.object({
      timespan: z.string(),
      interval: z.string().optional(),
      namespace: z.string().optional(),
      resourceRegion: z.string().optional(),
      metrics: z.array(
        z.object({
          name: z.string(),
          unit: z.string().optional(),
          errorCode: z.string().optional(),
          timeseries: z.array(z.object({ dimensions: z.record(z.string(), z.string()), points: z.array(point) })),
        }),
      ),
      ...pageOutput,
    }),
    risk: 'read',
    credentials: [AZURE_CREDENTIAL_SLOT],
    handler: async (input, context) => {
      const cursor = decodeCursor(input.nextToken, environment.origin);
      const call = await environment.call(context, input.resourceId.split('/')[2]);
      const { startTime, endTime } = interval(input.timespan);
      const timespan = `${startTime.toISOString()}/${endTime.toISOString()}`;
      const monitor = new MonitorClient(call.credential, call.subscriptionId ?? '', call.classic);
      const response = await azureCall('metrics.list', () =>
        monitor.metrics.list(input.resourceId.slice(1), {
          timespan,
          interval: input.interval,
          metricnames: input.metricNames.join(','),
          aggregation: input.aggregations.join(','),
          ...(input.metricNamespace === undefined ? {} : { metricnamespace: input.metricNamespace }),
          ...(input.filter === undefined ? {} : { filter: input.filter }),
          ...(input.top === undefined ? {} : { top: input.top }),
          abortSignal: context.signal,
        }),
      );
      const flat: FlatPoint[] = [];
      const shapes = response.value.map((metric, metricIndex) => {
        const series = (metric.timeseries ?? []).map((element, seriesIndex) => {
          for (const data of element.data ?? []) {
            flat.push({
              metric: metricIndex,
              series: seriesIndex,
              point: compact({
                timeStamp: iso(data.timeStamp) ?? '',
                average: data.average,
                minimum: data.minimum,
                maximum: data.maximum,
                total: data.total,
                count: data.count,
              }),
            });
          }
          return {
            dimensions: Object.fromEntries(
              (element.metadatavalues ?? []).map((entry) => [entry.name?.value ?? '', entry.value ?? '']),
            ),
            points: [] as Point[],
          };
        });
        return compact({
          name: metric.name.value ?? metric.name.localizedValue ?? '',
          unit: metric.unit,
          errorCode: metric.errorCode === 'Success' ? undefined : metric.errorCode,
          timeseries: series,
        });
      });
      const cut = cutToBudget(flat, cursor.skip, environment.budget, input.maxDatapoints);
      for (const item of cut.items) shapes[item.metric]?.timeseries[item.series]?.points.push(item.point);
      return {
        timespan: response.timespan,
        ...compact({
          interval: response.interval,
          namespace: response.namespace,
          resourceRegion: response.resourceregion,
          nextToken: cut.rest > 0 ? encodeCursor({ link: undefined, skip: cursor.skip + cut.items.length }) : undefined,
        }),
        metrics: shapes,
        truncated: cut.rest > 0,
      };
    },
  });

  const logs = defineTool({
    name: 'log_analytics_query',
    title: 'Run a Log Analytics (KQL) query',
    description:
      'Runs a KQL query (e.g. "AzureActivity | where ActivityStatusValue == \'Failure\' | take 50") on a Log Analytics workspace over a timespan and returns the tables. Rows beyond maxRows or the output budget: pass the same arguments with nextToken (the query runs again, so use an absolute "start/end" timespan and a sort for stable pages), or narrow the query with summarize/take.',
    input: z.object({
      workspaceId: z
        .string()
        .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'a workspace (customer) id GUID'),
      query: z.string().min(1).max(20_000),
      timespan: TIMESPAN.default('PT1H'),
      serverTimeoutSeconds: z.number().int().min(1).max(600).default(60),
      maxRows: z.number().int().min(1).max(30_000).default(500).describe('Rows per result over all tables'),
      nextToken: nextTokenField,
    }),
    output: z.object({
      status: z.enum(['Success', 'PartialFailure']),
      tables: z.array(
        z.object({
          name: z.string(),
          columns: z.array(z.object({ name: z.string(), type: z.string().optional() })),
          rows: z.array(z.array(z.unknown())),
        }),
      ),
      totalRows: z.number(),
      partialError: z.object({ code: z.string(), message: z.string() }).optional(),
      ...pageOutput,
    }),
    risk: 'read',
    credentials: [AZURE_CREDENTIAL_SLOT],
    handler: async (input, context) => {
      const cursor = decodeCursor(input.nextToken, environment.origin);
      const call = await environment.call(context, undefined);
      const client = new LogsQueryClient(call.credential, call.logs);
      const timespan = DURATION.test(input.timespan) ? { duration: input.timespan } : interval(input.timespan);
      const result = await azureCall('logs.queryWorkspace', () =>
        client.queryWorkspace(input.workspaceId, input.query, timespan, {
          serverTimeoutInSeconds: input.serverTimeoutSeconds,
          abortSignal: context.signal,
        }),
      );
      const success = result.status === LogsQueryResultStatus.Success;
      const tables: LogsTable[] = success ? result.tables : result.partialTables;
      const flat = tables.flatMap((table, index) => table.rows.map((row) => ({ table: index, row: row.map(plain) })));
      const cut = cutToBudget(flat, cursor.skip, environment.budget, input.maxRows);
      const shaped = tables.map((table) => ({
        name: table.name,
        columns: table.columnDescriptors.map((column) => compact({ name: column.name ?? '', type: column.type })),
        rows: [] as unknown[][],
      }));
      for (const item of cut.items) shaped[item.table]?.rows.push(item.row);
      return {
        status: success ? ('Success' as const) : ('PartialFailure' as const),
        tables: shaped,
        totalRows: flat.length,
        ...compact({
          partialError:
            result.status === LogsQueryResultStatus.Success
              ? undefined
              : { code: result.partialError.code, message: result.partialError.message.slice(0, 1_000) },
          nextToken: cut.rest > 0 ? encodeCursor({ link: undefined, skip: cursor.skip + cut.items.length }) : undefined,
        }),
        truncated: cut.rest > 0,
      };
    },
  });

  return [metrics, logs] as AnyToolDefinition[];
}

/** A cell as JSON: datetime columns arrive as `Date`. */
function plain(value: unknown): unknown {
  return value instanceof Date ? value.toISOString() : value;
}
