import { defineTool, type AnyToolDefinition } from '@aurora-ops/core/plugin-sdk';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { z } from 'zod';
import { clientConfigFor, type AwsPluginOptions } from '../aws-options.js';
import { AWS_CREDENTIAL_SLOT } from '../credentials.js';
import { awsCall } from '../errors.js';
import { regionField } from '../pagination.js';

/** STS: who the call's credentials are. */
export function stsTools(options: AwsPluginOptions): AnyToolDefinition[] {
  const identity = defineTool({
    name: 'sts_get_caller_identity',
    title: 'Who am I on AWS',
    description: 'The AWS account, ARN and user id of the credentials this plugin uses (sts:GetCallerIdentity).',
    input: z.object({ region: regionField }),
    output: z.object({ account: z.string(), arn: z.string(), userId: z.string() }),
    risk: 'read',
    connectionTest: true,
    credentials: [AWS_CREDENTIAL_SLOT],
    handler: async (input, context) => {
      const sts = new STSClient(await clientConfigFor(options, context, input.region));
      const response = await awsCall('sts:GetCallerIdentity', () =>
        sts.send(new GetCallerIdentityCommand({}), { abortSignal: context.signal }),
      );
      return { account: response.Account ?? '', arn: response.Arn ?? '', userId: response.UserId ?? '' };
    },
  });
  return [identity] as AnyToolDefinition[];
}
