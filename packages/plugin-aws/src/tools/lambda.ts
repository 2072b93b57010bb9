import { defineTool, type AnyToolDefinition, type ToolContext } from '@aurora-ops/core/plugin-sdk';
import {
  GetFunctionConfigurationCommand,
  LambdaClient,
  ListFunctionsCommand,
  type FunctionConfiguration,
} from '@aws-sdk/client-lambda';
import { z } from 'zod';
import { clientConfigFor, DEFAULT_OUTPUT_BUDGET, type AwsPluginOptions } from '../aws-options.js';
import { AWS_CREDENTIAL_SLOT } from '../credentials.js';
import { awsCall } from '../errors.js';
import { compact, fetchPage, maxResultsField, nextTokenField, pageOutput, regionField } from '../pagination.js';

const functionSummary = z.object({
  name: z.string(),
  arn: z.string(),
  runtime: z.string().optional(),
  handler: z.string().optional(),
  role: z.string().optional(),
  memoryMb: z.number().optional(),
  timeoutSeconds: z.number().optional(),
  lastModified: z.string().optional(),
  state: z.string().optional(),
  packageType: z.string().optional(),
  architectures: z.array(z.string()),
});

function summarize(fn: FunctionConfiguration) {
  return compact({
    name: fn.FunctionName ?? '',
    arn: fn.FunctionArn ?? '',
    runtime: fn.Runtime,
    handler: fn.Handler,
    role: fn.Role,
    memoryMb: fn.MemorySize,
    timeoutSeconds: fn.Timeout,
    lastModified: fn.LastModified,
    state: fn.State,
    packageType: fn.PackageType,
    architectures: fn.Architectures ?? [],
  });
}

/** Lambda: functions and their configuration. Environment variable values are never returned. */
export function lambdaTools(options: AwsPluginOptions): AnyToolDefinition[] {
  const budget = options.outputBudget ?? DEFAULT_OUTPUT_BUDGET;
  const client = async (context: ToolContext, region: string | undefined) =>
    new LambdaClient(await clientConfigFor(options, context, region));

  const list = defineTool({
    name: 'lambda_list_functions',
    title: 'List Lambda functions',
    description: 'Lambda functions of one region: runtime, handler, role, memory, timeout, state. Paginated.',
    input: z.object({ region: regionField, maxResults: maxResultsField(50, 50), nextToken: nextTokenField }),
    output: z.object({ functions: z.array(functionSummary), ...pageOutput }),
    risk: 'read',
    credentials: [AWS_CREDENTIAL_SLOT],
    handler: async (input, context) => {
      const lambda = await client(context, input.region);
      const page = await fetchPage(input.nextToken, budget, async (token) => {
        const response = await awsCall('lambda:ListFunctions', () =>
          lambda.send(
            new ListFunctionsCommand({ MaxItems: input.maxResults, ...(token === undefined ? {} : { Marker: token }) }),
            {
              abortSignal: context.signal,
            },
          ),
        );
        return { items: (response.Functions ?? []).map(summarize), next: response.NextMarker };
      });
      return { functions: page.items, ...compact({ nextToken: page.nextToken }), truncated: page.truncated };
    },
  });

  const configuration = defineTool({
    name: 'lambda_get_function_configuration',
    title: 'Get a Lambda function configuration',
    description:
      'The configuration of one Lambda function (or version/alias): runtime, role, memory, timeout, VPC, layers, state and the NAMES of its environment variables (values are never returned).',
    input: z.object({
      region: regionField,
      functionName: z.string().min(1).max(170).describe('Name, ARN or partial ARN'),
      qualifier: z.string().min(1).max(128).optional().describe('Version or alias'),
    }),
    output: functionSummary.extend({
      description: z.string().optional(),
      version: z.string().optional(),
      codeSizeBytes: z.number().optional(),
      stateReason: z.string().optional(),
      lastUpdateStatus: z.string().optional(),
      vpcId: z.string().optional(),
      subnetIds: z.array(z.string()),
      securityGroupIds: z.array(z.string()),
      layers: z.array(z.string()),
      environmentVariableNames: z.array(z.string()),
    }),
    risk: 'read',
    credentials: [AWS_CREDENTIAL_SLOT],
    handler: async (input, context) => {
      const lambda = await client(context, input.region);
      const fn = await awsCall('lambda:GetFunctionConfiguration', () =>
        lambda.send(
          new GetFunctionConfigurationCommand({
            FunctionName: input.functionName,
            ...(input.qualifier === undefined ? {} : { Qualifier: input.qualifier }),
          }),
          { abortSignal: context.signal },
        ),
      );
      return {
        ...summarize(fn),
        ...compact({
          description: fn.Description,
          version: fn.Version,
          codeSizeBytes: fn.CodeSize,
          stateReason: fn.StateReason,
          lastUpdateStatus: fn.LastUpdateStatus,
          vpcId: fn.VpcConfig?.VpcId === '' ? undefined : fn.VpcConfig?.VpcId,
        }),
        subnetIds: fn.VpcConfig?.SubnetIds ?? [],
        securityGroupIds: fn.VpcConfig?.SecurityGroupIds ?? [],
        layers: (fn.Layers ?? []).map((layer) => layer.Arn ?? ''),
        environmentVariableNames: Object.keys(fn.Environment?.Variables ?? {}).sort(),
      };
    },
  });

  return [list, configuration] as AnyToolDefinition[];
}
