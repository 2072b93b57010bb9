import { InvalidInputError } from '@aurora-ops/core';
import { defineTool, type AnyToolDefinition } from '@aurora-ops/core/plugin-sdk';
import { CostExplorerClient, GetCostAndUsageCommand } from '@aws-sdk/client-cost-explorer';
import { z } from 'zod';
import { clientConfigFor, DEFAULT_OUTPUT_BUDGET, type AwsPluginOptions } from '../aws-options.js';
import { AWS_CREDENTIAL_SLOT } from '../credentials.js';
import { awsCall } from '../errors.js';
import { compact, fetchPage, nextTokenField, pageOutput } from '../pagination.js';

const DAY = z.iso.date();

/** Cost Explorer: cost by service and day (the API lives in us-east-1). */
export function costTools(options: AwsPluginOptions): AnyToolDefinition[] {
  const budget = options.outputBudget ?? DEFAULT_OUTPUT_BUDGET;

  const byService = defineTool({
    name: 'ce_cost_by_service',
    title: 'AWS cost by service and day',
    description:
      'Daily AWS cost per service from Cost Explorer between two dates (start inclusive, end exclusive, YYYY-MM-DD). Each Cost Explorer request is billed by AWS. Paginated.',
    input: z.object({
      start: DAY,
      end: DAY,
      metric: z
        .enum(['UnblendedCost', 'BlendedCost', 'AmortizedCost', 'NetUnblendedCost', 'NetAmortizedCost'])
        .default('UnblendedCost'),
      nextToken: nextTokenField,
    }),
    output: z.object({
      metric: z.string(),
      days: z.array(
        z.object({
          date: z.string(),
          estimated: z.boolean(),
          total: z.number(),
          unit: z.string().optional(),
          services: z.array(z.object({ service: z.string(), amount: z.number() })),
        }),
      ),
      ...pageOutput,
    }),
    risk: 'read',
    credentials: [AWS_CREDENTIAL_SLOT],
    handler: async (input, context) => {
      if (input.end <= input.start) {
        throw new InvalidInputError({
          message: 'end must be after start (end is exclusive).',
          details: { field: 'end' },
        });
      }
      const ce = new CostExplorerClient(await clientConfigFor(options, context, 'us-east-1'));
      const page = await fetchPage(input.nextToken, budget, async (token) => {
        const response = await awsCall('ce:GetCostAndUsage', () =>
          ce.send(
            new GetCostAndUsageCommand({
              TimePeriod: { Start: input.start, End: input.end },
              Granularity: 'DAILY',
              Metrics: [input.metric],
              GroupBy: [{ Type: 'DIMENSION', Key: 'SERVICE' }],
              ...(token === undefined ? {} : { NextPageToken: token }),
            }),
            { abortSignal: context.signal },
          ),
        );
        const items = (response.ResultsByTime ?? []).map((day) => {
          const services = (day.Groups ?? [])
            .map((group) => ({
              service: group.Keys?.[0] ?? 'unknown',
              amount: Number(group.Metrics?.[input.metric]?.Amount ?? 0),
              unit: group.Metrics?.[input.metric]?.Unit,
            }))
            .sort((a, b) => b.amount - a.amount);
          const total = services.reduce((sum, entry) => sum + entry.amount, 0);
          return compact({
            date: day.TimePeriod?.Start ?? '',
            estimated: day.Estimated === true,
            total: Math.round(total * 1e6) / 1e6,
            unit: services[0]?.unit ?? day.Total?.[input.metric]?.Unit,
            services: services.map(({ service, amount }) => ({ service, amount })),
          });
        });
        return { items, next: response.NextPageToken };
      });
      return {
        metric: input.metric,
        days: page.items,
        ...compact({ nextToken: page.nextToken }),
        truncated: page.truncated,
      };
    },
  });

  return [byService] as AnyToolDefinition[];
}
