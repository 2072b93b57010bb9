/** Standalone (no credential reference): the SDK's default chain, and a clear error when it finds nothing. */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAwsPlugin } from '../src/index.js';
import { runTool } from './support/call-tool.js';
import { fixture, startFakeAws, TEST_KEYS, xml, type FakeAws } from './support/fake-aws.js';

const KEYS = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
  'AWS_REGION',
  'AWS_CONFIG_FILE',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_EC2_METADATA_DISABLED',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
] as const;
const saved = Object.fromEntries(KEYS.map((key) => [key, process.env[key]]));

let aws: FakeAws;
beforeAll(async () => {
  aws = await startFakeAws();
  aws.on('sts:GetCallerIdentity', xml(fixture('sts-get-caller-identity.xml')));
});
afterAll(() => aws.close());
afterEach(() => {
  for (const key of KEYS) {
    if (saved[key] === undefined) delete process.env[key];
    else process.env[key] = saved[key];
  }
});

function isolate(env: Partial<Record<(typeof KEYS)[number], string>>): void {
  for (const key of KEYS) delete process.env[key];
  Object.assign(process.env, {
    AWS_CONFIG_FILE: '/nonexistent/aws-config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
    AWS_EC2_METADATA_DISABLED: 'true',
    ...env,
  });
}

describe('standalone credentials', () => {
  it('uses the default chain (environment) and region', async () => {
    isolate({
      AWS_ACCESS_KEY_ID: TEST_KEYS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: TEST_KEYS.secretAccessKey,
      AWS_REGION: 'sa-east-1',
    });
    const result = await runTool(createAwsPlugin({ endpoint: aws.url }), 'sts_get_caller_identity', {});
    expect(result.account).toBe('123456789012');
    const request = aws.calls('sts:GetCallerIdentity').at(-1);
    expect(request?.headers.authorization).toMatch(/Credential=AKIAIOSFODNN7EXAMPLE\/\d{8}\/sa-east-1\/sts\//);
  });

  it('without any credentials: CONFIGURATION_ERROR saying what to configure', async () => {
    isolate({ AWS_REGION: 'eu-west-1' });
    const before = aws.requests.length;
    const error = await runTool(createAwsPlugin({ endpoint: aws.url }), 'sts_get_caller_identity', {}).catch(
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({ code: 'CONFIGURATION_ERROR', details: { operation: 'sts:GetCallerIdentity' } });
    expect((error as Error).message).toMatch(/No AWS credentials.*"aws" credential slot.*AWS_PROFILE/);
    expect(aws.requests.length).toBe(before);
  });

  it('without a region: CONFIGURATION_ERROR saying where to set one', async () => {
    isolate({ AWS_ACCESS_KEY_ID: TEST_KEYS.accessKeyId, AWS_SECRET_ACCESS_KEY: TEST_KEYS.secretAccessKey });
    const error = await runTool(createAwsPlugin({ endpoint: aws.url }), 'ec2_list_instances', {}).catch(
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({ code: 'CONFIGURATION_ERROR' });
    expect((error as Error).message).toMatch(/No AWS region.*AWS_REGION/);
  });
});
