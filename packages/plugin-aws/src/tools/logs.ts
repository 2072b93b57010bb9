import { InvalidInputError, TimeoutError, UpstreamError } from '@aurora-ops/core';
import { defineTool, type AnyToolDefinition, type ToolContext } from '@aurora-ops/core/plugin-sdk';
import {
  CloudWatchLogsClient,
  FilterLogEventsCommand,
  GetQueryResultsCommand,
  StartQueryCommand,
  StopQueryCommand,
  type GetQueryResultsCommandOutput,
} from '@aws-sdk/client-cloudwatch-logs';
import { z } from 'zod';
import { clientConfigFor, DEFAULT_OUTPUT_BUDGET, type AwsPluginOptions } from '../aws-options.js';
import { AWS_CREDENTIAL_SLOT } from '../credentials.js';
import { awsCall } from '../errors.js';
import {
  compact,
  cutToBudget,
  decodeCursor,
  encodeCursor,
  fetchPage,
  maxResultsField,
  nextTokenField,
  pageOutput,
  regionField,
} from '../pagination.js';

const LOG_GROUP = z.string().regex(/^[.\-_/#A-Za-z0-9]{1,512}$/, 'a log group name');
const isoDate = z.iso.datetime({ offset: true });
/** Longer messages are cut; the model rarely needs more of one log line. */
const MAX_MESSAGE = 4_000;

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

type Row = Record<string, string>;

function rowsOf(response: GetQueryResultsCommandOutput): Row[] {
  return (response.results ?? []).map((fields) =>
    Object.fromEntries(
      fields
        .filter((field) => field.field !== undefined && field.field !== '@ptr')
        .map((field) => [field.field!, field.value ?? '']),
    ),
  );
}

/** CloudWatch Logs: filtered events and Logs Insights queries. */
export function logsTools(options: AwsPluginOptions): AnyToolDefinition[] {
  const budget = options.outputBudget ?? DEFAULT_OUTPUT_BUDGET;
  const pollMs = options.pollIntervalMs ?? 1_000;
  const client = async (context: ToolContext, region: string | undefined) =>
    new CloudWatchLogsClient(await clientConfigFor(options, context, region));

  const filter = defineTool({
    name: 'logs_filter_events',
    title: 'Filter CloudWatch Logs events',
    description:
      'Log events of one log group matching a filter pattern (CloudWatch Logs syntax, e.g. "ERROR" or "{ $.status = 500 }") between two ISO times, oldest first. Paginated.',
    input: z.object({
      region: regionField,
      logGroupName: LOG_GROUP,
      filterPattern: z.string().max(1024).optional(),
      logStreamNames: z.array(z.string().min(1).max(512)).min(1).max(100).optional(),
      startTime: isoDate.optional(),
      endTime: isoDate.optional(),
      maxResults: maxResultsField(10_000, 100),
      nextToken: nextTokenField,
    }),
    output: z.object({
      events: z.array(
        z.object({
          timestamp: z.string(),
          logStreamName: z.string().optional(),
          message: z.string(),
          messageTruncated: z.boolean().optional(),
        }),
      ),
      ...pageOutput,
    }),
    risk: 'read',
    credentials: [AWS_CREDENTIAL_SLOT],
    handler: async (input, context) => {
      const logs = await client(context, input.region);
      const page = await fetchPage(input.nextToken, budget, async (token) => {
        const response = await awsCall('logs:FilterLogEvents', () =>
          logs.send(
            new FilterLogEventsCommand({
              logGroupName: input.logGroupName,
              limit: input.maxResults,
              ...(input.filterPattern === undefined ? {} : { filterPattern: input.filterPattern }),
              ...(input.logStreamNames === undefined ? {} : { logStreamNames: input.logStreamNames }),
              ...(input.startTime === undefined ? {} : { startTime: Date.parse(input.startTime) }),
              ...(input.endTime === undefined ? {} : { endTime: Date.parse(input.endTime) }),
              ...(token === undefined ? {} : { nextToken: token }),
            }),
            { abortSignal: context.signal },
          ),
        );
        const items = (response.events ?? []).map((event) => {
          const message = event.message ?? '';
          return compact({
            timestamp: new Date(event.timestamp ?? 0).toISOString(),
            logStreamName: event.logStreamName,
            message: message.length > MAX_MESSAGE ? message.slice(0, MAX_MESSAGE) : message,
            messageTruncated: message.length > MAX_MESSAGE ? true : undefined,
          });
        });
        return { items, next: response.nextToken };
      });
      return { events: page.items, ...compact({ nextToken: page.nextToken }), truncated: page.truncated };
    },
  });

  const insights = defineTool({
    name: 'logs_insights_query',
    title: 'Run a CloudWatch Logs Insights query',
    description:
      'Runs a Logs Insights query (e.g. "fields @timestamp, @message | filter @message like /ERROR/ | limit 50") over log groups between two ISO times, polls until it completes (progress notifications) or the deadline, and returns the rows. Pass nextToken alone to read more rows of a finished query.',
    input: z.object({
      region: regionField,
      logGroupNames: z.array(LOG_GROUP).min(1).max(50).optional(),
      queryString: z.string().min(1).max(10_000).optional(),
      startTime: isoDate.optional(),
      endTime: isoDate.optional(),
      limit: z.number().int().min(1).max(10_000).default(1_000),
      timeoutSeconds: z.number().int().min(1).max(280).default(60).describe('Deadline for the query to complete'),
      nextToken: nextTokenField,
    }),
    output: z.object({
      queryId: z.string(),
      status: z.string(),
      rows: z.array(z.record(z.string(), z.string())),
      recordsMatched: z.number().optional(),
      recordsScanned: z.number().optional(),
      bytesScanned: z.number().optional(),
      ...pageOutput,
    }),
    risk: 'read',
    credentials: [AWS_CREDENTIAL_SLOT],
    handler: async (input, context) => {
      const logs = await client(context, input.region);
      const signal = context.signal;
      const results = (queryId: string) =>
        awsCall('logs:GetQueryResults', () =>
          logs.send(new GetQueryResultsCommand({ queryId }), { abortSignal: signal }),
        );
      let queryId: string;
      let skip = 0;
      let response: GetQueryResultsCommandOutput;
      if (input.nextToken !== undefined) {
        const cursor = decodeCursor(input.nextToken);
        if (cursor.token === undefined) {
          throw new InvalidInputError({ message: 'nextToken does not name a query.', details: { field: 'nextToken' } });
        }
        queryId = cursor.token;
        skip = cursor.skip;
        response = await results(queryId);
      } else {
        const { logGroupNames, queryString, startTime, endTime } = input;
        if (
          logGroupNames === undefined ||
          queryString === undefined ||
          startTime === undefined ||
          endTime === undefined
        ) {
          throw new InvalidInputError({
            message: 'A new query needs logGroupNames, queryString, startTime and endTime (or pass nextToken alone).',
            details: { field: 'queryString' },
          });
        }
        const started = await awsCall('logs:StartQuery', () =>
          logs.send(
            new StartQueryCommand({
              logGroupNames,
              queryString,
              startTime: Math.floor(Date.parse(startTime) / 1000),
              endTime: Math.ceil(Date.parse(endTime) / 1000),
              limit: input.limit,
            }),
            { abortSignal: signal },
          ),
        );
        queryId = started.queryId ?? '';
        const deadline = Date.now() + input.timeoutSeconds * 1000;
        const stop = () =>
          logs.send(new StopQueryCommand({ queryId })).then(
            () => undefined,
            () => undefined,
          );
        let polls = 0;
        try {
          for (;;) {
            response = await results(queryId);
            polls += 1;
            const status = response.status ?? 'Unknown';
            if (status !== 'Scheduled' && status !== 'Running') break;
            await context.progress(
              polls,
              undefined,
              `Logs Insights query ${status.toLowerCase()}: ${response.statistics?.recordsMatched ?? 0} records matched`,
            );
            const remaining = deadline - Date.now();
            if (remaining <= 0) {
              await stop();
              throw new TimeoutError({
                message: `The Logs Insights query did not complete within ${input.timeoutSeconds} s and was stopped; narrow the time range or the log groups.`,
                details: { operation: 'logs:GetQueryResults', queryId, timeoutSeconds: input.timeoutSeconds },
              });
            }
            await sleep(Math.min(pollMs, remaining), signal);
          }
        } catch (error) {
          if (signal.aborted) await stop();
          throw error;
        }
      }
      const status = response.status ?? 'Unknown';
      if (status !== 'Complete') {
        throw new UpstreamError({
          retryable: false,
          message: `The Logs Insights query ended with status ${status}.`,
          details: { operation: 'logs:GetQueryResults', queryId, status },
        });
      }
      const cut = cutToBudget(rowsOf(response), skip, budget);
      return {
        queryId,
        status,
        rows: cut.items,
        ...compact({
          recordsMatched: response.statistics?.recordsMatched,
          recordsScanned: response.statistics?.recordsScanned,
          bytesScanned: response.statistics?.bytesScanned,
          nextToken: cut.rest > 0 ? encodeCursor({ token: queryId, skip: skip + cut.items.length }) : undefined,
        }),
        truncated: cut.rest > 0,
      };
    },
  });

  return [filter, insights] as AnyToolDefinition[];
}
