/** EC2 and STS tools through the real AWS SDK v3 clients against the local fake AWS server. */
import { AuroraError } from '@aurora-ops/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAwsPlugin } from '../src/index.js';
import { runTool } from './support/call-tool.js';
import { ec2Error, fixture, queryError, startFakeAws, TEST_KEYS, xml, type FakeAws } from './support/fake-aws.js';

let aws: FakeAws;
beforeAll(async () => {
  aws = await startFakeAws();
});
afterAll(() => aws.close());
beforeEach(() => aws.reset());

const plugin = () => createAwsPlugin({ endpoint: aws.url, region: 'eu-west-1', baseCredentials: TEST_KEYS });

describe('sts_get_caller_identity', () => {
  it('signs a query-protocol GetCallerIdentity and returns the identity', async () => {
    aws.on('sts:GetCallerIdentity', xml(fixture('sts-get-caller-identity.xml')));
    const result = await runTool(plugin(), 'sts_get_caller_identity', {});
    expect(result).toEqual({
      account: '123456789012',
      arn: 'arn:aws:iam::123456789012:user/Alice',
      userId: 'AIDACKCEVSQ6C2EXAMPLE',
    });
    const [request] = aws.calls('sts:GetCallerIdentity');
    expect(request?.method).toBe('POST');
    expect(request?.params.get('Version')).toBe('2011-06-15');
    expect(request?.region).toBe('eu-west-1');
    expect(request?.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE\/\d{8}\/eu-west-1\/sts\/aws4_request, SignedHeaders=.+, Signature=[0-9a-f]{64}$/,
    );
  });
});

describe('throttling on the query protocol', () => {
  it('retries a 400 Throttling twice with backoff, then succeeds (3 requests)', async () => {
    aws.on(
      'sts:GetCallerIdentity',
      queryError('Throttling'),
      queryError('Throttling'),
      xml(fixture('sts-get-caller-identity.xml')),
    );
    const result = await runTool(plugin(), 'sts_get_caller_identity', {});
    expect(result.account).toBe('123456789012');
    expect(aws.calls('sts:GetCallerIdentity')).toHaveLength(3);
  });
});

describe('ec2_list_instances', () => {
  it('sends state and tag filters and pages through NextToken', async () => {
    aws.on(
      'ec2:DescribeInstances',
      xml(fixture('ec2-describe-instances-page1.xml')),
      xml(fixture('ec2-describe-instances-page2.xml')),
    );
    const first = await runTool(plugin(), 'ec2_list_instances', {
      region: 'us-west-2',
      states: ['running', 'stopped'],
      tags: { env: 'prod' },
      maxResults: 5,
    });
    expect(first).toMatchObject({
      instances: [
        {
          instanceId: 'i-1234567890abcdef0',
          state: 'running',
          type: 't2.micro',
          name: 'web-1',
          availabilityZone: 'eu-west-1c',
          privateIp: '192.168.1.88',
          publicIp: '54.194.252.215',
          vpcId: 'vpc-11112222',
          subnetId: 'subnet-56f5f633',
          launchTime: '2018-05-08T16:46:19.000Z',
          tags: { Name: 'web-1', env: 'prod' },
        },
      ],
      truncated: false,
    });
    expect(typeof first.nextToken).toBe('string');
    const second = await runTool(plugin(), 'ec2_list_instances', {
      region: 'us-west-2',
      nextToken: first.nextToken,
      maxResults: 5,
    });
    expect(second).toEqual({
      instances: [
        expect.objectContaining({ instanceId: 'i-0598c7d356eba48d7', state: 'stopped', tags: { env: 'prod' } }),
      ],
      truncated: false,
    });
    const [one, two] = aws.calls('ec2:DescribeInstances');
    expect(one?.region).toBe('us-west-2');
    expect(Object.fromEntries(one!.params)).toMatchObject({
      Action: 'DescribeInstances',
      Version: '2016-11-15',
      MaxResults: '5',
      'Filter.1.Name': 'instance-state-name',
      'Filter.1.Value.1': 'running',
      'Filter.1.Value.2': 'stopped',
      'Filter.2.Name': 'tag:env',
      'Filter.2.Value.1': 'prod',
    });
    expect(one?.params.has('NextToken')).toBe(false);
    expect(two?.params.get('NextToken')).toBe('page-2-token');
  });

  it('truncates a page to the output budget and continues inside the same AWS page', async () => {
    aws.on('ec2:DescribeInstances', (request) =>
      xml(
        fixture(
          request.params.get('NextToken') === 'page-2-token'
            ? 'ec2-describe-instances-page2.xml'
            : 'ec2-describe-instances-page1.xml',
        ).replace(
          '</reservationSet>',
          '<item><reservationId>r-2</reservationId><instancesSet><item><instanceId>i-0000000000000000b</instanceId><instanceState><code>16</code><name>running</name></instanceState></item></instancesSet></item></reservationSet>',
        ),
      ),
    );
    const small = createAwsPlugin({
      endpoint: aws.url,
      region: 'eu-west-1',
      baseCredentials: TEST_KEYS,
      outputBudget: 100,
    });
    const first = await runTool(small, 'ec2_list_instances', {});
    expect(first.instances).toHaveLength(1);
    expect(first.truncated).toBe(true);
    const second = await runTool(small, 'ec2_list_instances', { nextToken: first.nextToken });
    expect(second).toMatchObject({ instances: [{ instanceId: 'i-0000000000000000b' }], truncated: false });
    // The rest of page 1 came from re-reading page 1; then on to AWS page 2.
    expect(aws.calls('ec2:DescribeInstances').map((request) => request.params.get('NextToken'))).toEqual([null, null]);
    const third = await runTool(small, 'ec2_list_instances', { nextToken: second.nextToken });
    expect(third.instances).toMatchObject([{ instanceId: 'i-0598c7d356eba48d7' }]);
  });

  it('refuses a nextToken it did not issue with INVALID_INPUT', async () => {
    await expect(runTool(plugin(), 'ec2_list_instances', { nextToken: 'garbage token' })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      details: { field: 'nextToken' },
    });
    expect(aws.requests).toHaveLength(0);
  });

  it('maps UnauthorizedOperation to FORBIDDEN without quoting the AWS message', async () => {
    aws.on('ec2:DescribeInstances', ec2Error('UnauthorizedOperation', 403));
    const error = await runTool(plugin(), 'ec2_list_instances', {}).catch((caught: unknown) => caught);
    expect(AuroraError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({
      code: 'FORBIDDEN',
      details: { operation: 'ec2:DescribeInstances', awsCode: 'UnauthorizedOperation', httpStatus: 403 },
    });
    expect(JSON.stringify(error)).not.toContain('secret-data-123');
    expect((error as Error).message).not.toContain('secret-data-123');
  });

  it('retries RequestLimitExceeded with backoff, then succeeds (3 requests)', async () => {
    aws.on(
      'ec2:DescribeInstances',
      ec2Error('RequestLimitExceeded', 503),
      ec2Error('RequestLimitExceeded', 503),
      xml(fixture('ec2-describe-instances-page2.xml')),
    );
    const result = await runTool(plugin(), 'ec2_list_instances', {});
    expect(result.instances).toHaveLength(1);
    expect(aws.calls('ec2:DescribeInstances')).toHaveLength(3);
  });
});

describe('ec2_describe_instance', () => {
  it('returns the details of one instance', async () => {
    aws.on('ec2:DescribeInstances', xml(fixture('ec2-describe-instances-page1.xml')));
    const result = await runTool(plugin(), 'ec2_describe_instance', { instanceId: 'i-1234567890abcdef0' });
    expect(result).toMatchObject({
      instanceId: 'i-1234567890abcdef0',
      imageId: 'ami-bff32ccc',
      keyName: 'my_keypair',
      architecture: 'x86_64',
      platform: 'Linux/UNIX',
      iamInstanceProfile: 'arn:aws:iam::123456789012:instance-profile/web',
      securityGroups: [{ groupId: 'sg-e4076980', groupName: 'SecurityGroup1' }],
    });
    expect(aws.calls('ec2:DescribeInstances')[0]?.params.get('InstanceId.1')).toBe('i-1234567890abcdef0');
  });

  it('maps InvalidInstanceID.NotFound to NOT_FOUND', async () => {
    aws.on('ec2:DescribeInstances', ec2Error('InvalidInstanceID.NotFound'));
    await expect(
      runTool(plugin(), 'ec2_describe_instance', { instanceId: 'i-1234567890abcdef0' }),
    ).rejects.toMatchObject({
      code: 'NOT_FOUND',
      details: { awsCode: 'InvalidInstanceID.NotFound' },
    });
  });
});

describe('EC2 instance state changes', () => {
  it.each([
    [
      'ec2_start_instances',
      'StartInstances',
      'ec2-start-instances.xml',
      { previousState: 'stopped', currentState: 'pending' },
    ],
    [
      'ec2_stop_instances',
      'StopInstances',
      'ec2-stop-instances.xml',
      { previousState: 'running', currentState: 'stopping' },
    ],
    [
      'ec2_reboot_instances',
      'RebootInstances',
      'ec2-reboot-instances.xml',
      { previousState: 'unchanged', currentState: 'reboot-requested' },
    ],
    [
      'ec2_terminate_instances',
      'TerminateInstances',
      'ec2-terminate-instances.xml',
      { previousState: 'running', currentState: 'shutting-down' },
    ],
  ])('%s sends %s for the ids', async (tool, action, file, states) => {
    aws.on(`ec2:${action}`, xml(fixture(file)));
    const result = await runTool(plugin(), tool, { instanceIds: ['i-1234567890abcdef0'] });
    expect(result).toEqual({ instances: [{ instanceId: 'i-1234567890abcdef0', ...states }] });
    expect(aws.calls(`ec2:${action}`)[0]?.params.get('InstanceId.1')).toBe('i-1234567890abcdef0');
  });

  it('names the exact instances, region and effect in the approval summary', () => {
    const terminate = plugin().tools.find((tool) => tool.name === 'ec2_terminate_instances')!;
    expect(terminate.risk).toBe('destructive');
    const summary = terminate.summary as (input: unknown) => string;
    expect(
      summary(
        terminate.input.parse({ instanceIds: ['i-1234567890abcdef0', 'i-0598c7d356eba48d7'], region: 'eu-west-1' }),
      ),
    ).toBe('Terminate EC2 instances i-1234567890abcdef0, i-0598c7d356eba48d7 in eu-west-1');
    const stop = plugin().tools.find((tool) => tool.name === 'ec2_stop_instances')!;
    expect(stop.risk).toBe('write');
  });
});

describe('ec2_list_security_groups', () => {
  it('lists groups with readable rules', async () => {
    aws.on('ec2:DescribeSecurityGroups', xml(fixture('ec2-describe-security-groups.xml')));
    const result = await runTool(plugin(), 'ec2_list_security_groups', { vpcId: 'vpc-11112222' });
    expect(result).toEqual({
      securityGroups: [
        {
          groupId: 'sg-1a2b3c4d',
          groupName: 'WebServers',
          description: 'Web Servers',
          vpcId: 'vpc-11112222',
          inbound: ['tcp 443 0.0.0.0/0', 'tcp 22 sg-9a8d7f5c'],
          outbound: ['all 0.0.0.0/0'],
          tags: { team: 'web' },
        },
      ],
      truncated: false,
    });
    expect(Object.fromEntries(aws.calls('ec2:DescribeSecurityGroups')[0]!.params)).toMatchObject({
      'Filter.1.Name': 'vpc-id',
      'Filter.1.Value.1': 'vpc-11112222',
    });
  });
});
