import { defineTool, type AnyToolDefinition, type ToolContext } from '@aurora-ops/core/plugin-sdk';
import { CloudWatchClient, DescribeAlarmsCommand, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { z } from 'zod';
import { clientConfigFor, DEFAULT_OUTPUT_BUDGET, type AwsPluginOptions } from '../aws-options.js';
import { AWS_CREDENTIAL_SLOT } from '../credentials.js';
import { awsCall } from '../errors.js';
import { compact, fetchPage, iso, maxResultsField, nextTokenField, pageOutput, regionField } from '../pagination.js';

const query = z
  .object({
    id: z.string().regex(/^[a-z][A-Za-z0-9_]{0,254}$/, 'starts with a lower-case letter; letters, digits, _'),
    namespace: z.string().min(1).max(255).optional().describe('e.g. AWS/EC2 (with metricName)'),
    metricName: z.string().min(1).max(255).optional(),
    dimensions: z.record(z.string().min(1).max(255), z.string().min(1).max(1024)).optional(),
    stat: z.string().min(1).max(64).default('Average').describe('Average, Sum, Maximum, Minimum, SampleCount, p99, …'),
    period: z.number().int().min(1).max(86_400).default(300).describe('Seconds'),
    expression: z
      .string()
      .min(1)
      .max(2048)
      .optional()
      .describe('A metric math or Metrics Insights expression instead of a metric'),
    label: z.string().max(255).optional(),
  })
  .refine(
    (value) => value.expression !== undefined || (value.namespace !== undefined && value.metricName !== undefined),
    {
      message: 'give namespace and metricName, or an expression',
    },
  );

const isoDate = z.iso.datetime({ offset: true });

/** CloudWatch: metric data and alarms. */
export function cloudwatchTools(options: AwsPluginOptions): AnyToolDefinition[] {
  const budget = options.outputBudget ?? DEFAULT_OUTPUT_BUDGET;
  const client = async (context: ToolContext, region: string | undefined) =>
    new CloudWatchClient(await clientConfigFor(options, context, region));

  const metricData = defineTool({
    name: 'cloudwatch_get_metric_data',
    title: 'Get CloudWatch metric data',
    description:
      'Time series for up to 20 metrics or expressions between two ISO times (GetMetricData). Each result has timestamps and values, newest first. Paginated.',
    input: z.object({
      region: regionField,
      queries: z.array(query).min(1).max(20),
      startTime: isoDate,
      endTime: isoDate,
      maxDatapoints: z
        .number()
        .int()
        .min(1)
        .max(100_800)
        .default(500)
        .describe('Data points per page over all queries (default 500; nextToken fetches the rest)'),
      nextToken: nextTokenField,
    }),
    output: z.object({
      results: z.array(
        z.object({
          id: z.string(),
          label: z.string().optional(),
          status: z.string().optional(),
          timestamps: z.array(z.string()),
          values: z.array(z.number()),
        }),
      ),
      ...pageOutput,
    }),
    risk: 'read',
    credentials: [AWS_CREDENTIAL_SLOT],
    handler: async (input, context) => {
      const cloudwatch = await client(context, input.region);
      const queries = input.queries.map((entry) => ({
        Id: entry.id,
        ...(entry.label === undefined ? {} : { Label: entry.label }),
        ...(entry.expression === undefined
          ? {
              MetricStat: {
                Metric: {
                  Namespace: entry.namespace,
                  MetricName: entry.metricName,
                  Dimensions: Object.entries(entry.dimensions ?? {}).map(([Name, Value]) => ({ Name, Value })),
                },
                Period: entry.period,
                Stat: entry.stat,
              },
            }
          : { Expression: entry.expression, Period: entry.period }),
      }));
      const page = await fetchPage(input.nextToken, budget, async (token) => {
        const response = await awsCall('cloudwatch:GetMetricData', () =>
          cloudwatch.send(
            new GetMetricDataCommand({
              MetricDataQueries: queries,
              StartTime: new Date(input.startTime),
              EndTime: new Date(input.endTime),
              MaxDatapoints: input.maxDatapoints,
              ScanBy: 'TimestampDescending',
              ...(token === undefined ? {} : { NextToken: token }),
            }),
            { abortSignal: context.signal },
          ),
        );
        const items = (response.MetricDataResults ?? []).map((result) =>
          compact({
            id: result.Id ?? '',
            label: result.Label,
            status: result.StatusCode,
            timestamps: (result.Timestamps ?? []).map((date) => date.toISOString()),
            values: result.Values ?? [],
          }),
        );
        return { items, next: response.NextToken };
      });
      return { results: page.items, ...compact({ nextToken: page.nextToken }), truncated: page.truncated };
    },
  });

  const alarms = defineTool({
    name: 'cloudwatch_list_alarms',
    title: 'List CloudWatch alarms',
    description:
      'Metric alarms of one region with state, reason, metric and threshold; filter by state or name prefix. Paginated.',
    input: z.object({
      region: regionField,
      state: z.enum(['OK', 'ALARM', 'INSUFFICIENT_DATA']).optional(),
      namePrefix: z.string().min(1).max(255).optional(),
      maxResults: maxResultsField(100, 50),
      nextToken: nextTokenField,
    }),
    output: z.object({
      alarms: z.array(
        z.object({
          name: z.string(),
          arn: z.string().optional(),
          state: z.string().optional(),
          stateReason: z.string().optional(),
          stateUpdatedAt: z.string().optional(),
          namespace: z.string().optional(),
          metricName: z.string().optional(),
          dimensions: z.record(z.string(), z.string()),
          statistic: z.string().optional(),
          comparison: z.string().optional(),
          threshold: z.number().optional(),
          periodSeconds: z.number().optional(),
          evaluationPeriods: z.number().optional(),
          actionsEnabled: z.boolean().optional(),
        }),
      ),
      ...pageOutput,
    }),
    risk: 'read',
    credentials: [AWS_CREDENTIAL_SLOT],
    handler: async (input, context) => {
      const cloudwatch = await client(context, input.region);
      const page = await fetchPage(input.nextToken, budget, async (token) => {
        const response = await awsCall('cloudwatch:DescribeAlarms', () =>
          cloudwatch.send(
            new DescribeAlarmsCommand({
              AlarmTypes: ['MetricAlarm'],
              MaxRecords: input.maxResults,
              ...(input.state === undefined ? {} : { StateValue: input.state }),
              ...(input.namePrefix === undefined ? {} : { AlarmNamePrefix: input.namePrefix }),
              ...(token === undefined ? {} : { NextToken: token }),
            }),
            { abortSignal: context.signal },
          ),
        );
        const items = (response.MetricAlarms ?? []).map((alarm) =>
          compact({
            name: alarm.AlarmName ?? '',
            arn: alarm.AlarmArn,
            state: alarm.StateValue,
            stateReason: alarm.StateReason,
            stateUpdatedAt: iso(alarm.StateUpdatedTimestamp),
            namespace: alarm.Namespace,
            metricName: alarm.MetricName,
            dimensions: Object.fromEntries((alarm.Dimensions ?? []).map((d) => [d.Name ?? '', d.Value ?? ''])),
            statistic: alarm.Statistic ?? alarm.ExtendedStatistic,
            comparison: alarm.ComparisonOperator,
            threshold: alarm.Threshold,
            periodSeconds: alarm.Period,
            evaluationPeriods: alarm.EvaluationPeriods,
            actionsEnabled: alarm.ActionsEnabled,
          }),
        );
        return { items, next: response.NextToken };
      });
      return { alarms: page.items, ...compact({ nextToken: page.nextToken }), truncated: page.truncated };
    },
  });

  return [metricData, alarms] as AnyToolDefinition[];
}
