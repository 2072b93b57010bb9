import { definePlugin, type PluginDefinition } from '@aurora-ops/core/plugin-sdk';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import type { AwsPluginOptions } from './aws-options.js';
import { AWS_CREDENTIAL_SLOT, awsCredentialSlot, createRoleCache } from './credentials.js';
import { cloudwatchTools } from './tools/cloudwatch.js';
import { costTools } from './tools/cost.js';
import { ec2Tools } from './tools/ec2.js';
import { eksTools } from './tools/eks.js';
import { lambdaTools } from './tools/lambda.js';
import { logsTools } from './tools/logs.js';
import { rdsTools } from './tools/rds.js';
import { s3Tools } from './tools/s3.js';
import { stsTools } from './tools/sts.js';
import { VERSION } from './version.js';

/**
 * The AWS plugin: read tools for STS, EC2, EKS, RDS, Lambda, S3, CloudWatch, Logs and Cost
 * Explorer, and guarded write tools for EC2 instances. Every tool reads the `aws`
 * credential slot; without one (standalone) the SDK's default credential chain is used.
 */
export function createAwsPlugin(settings: AwsPluginOptions = {}): PluginDefinition {
  const options: AwsPluginOptions = {
    ...settings,
    // One default chain per plugin: it caches what it found (and refreshes expiring keys).
    baseCredentials: settings.baseCredentials ?? fromNodeProviderChain(),
    roleCache: settings.roleCache ?? createRoleCache(),
  };
  return definePlugin({
    name: 'aws',
    version: VERSION,
    title: 'Amazon Web Services',
    description:
      'Amazon Web Services: EC2, EKS, RDS, Lambda, S3, CloudWatch metrics, alarms and logs, Cost Explorer. List tools are paginated: pass nextToken back for more.',
    credentials: { [AWS_CREDENTIAL_SLOT]: awsCredentialSlot },
    tools: [
      ...stsTools(options),
      ...ec2Tools(options),
      ...eksTools(options),
      ...rdsTools(options),
      ...lambdaTools(options),
      ...s3Tools(options),
      ...cloudwatchTools(options),
      ...logsTools(options),
      ...costTools(options),
    ],
  });
}
