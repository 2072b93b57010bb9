/**
 * EKS, RDS, Lambda, S3, CloudWatch, CloudWatch Logs and Cost Explorer tools through the
 * real AWS SDK v3 clients (REST-JSON, query, REST-XML, JSON 1.0 and 1.1 protocols) against
 * the local fake AWS server.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAwsPlugin } from '../src/index.js';
import { runTool } from './support/call-tool.js';
import {
  fixture,
  json,
  jsonError,
  queryError,
  restJson,
  restJsonError,
  startFakeAws,
  TEST_KEYS,
  xml,
  type FakeAws,
} from './support/fake-aws.js';

let aws: FakeAws;
beforeAll(async () => {
  aws = await startFakeAws();
});
afterAll(() => aws.close());
beforeEach(() => aws.reset());

const plugin = (extra: { pollIntervalMs?: number } = {}) =>
  createAwsPlugin({ endpoint: aws.url, region: 'us-west-2', baseCredentials: TEST_KEYS, ...extra });
const SIGNED = /^AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE\/\d{8}\/[a-z0-9-]+\/[a-z0-9]+\/aws4_request, /;

describe('EKS (REST-JSON)', () => {
  it('eks_list_clusters pages through nextToken', async () => {
    aws.on(
      'eks:ListClusters',
      restJson(fixture('eks-list-clusters-page1.json')),
      restJson(fixture('eks-list-clusters-page2.json')),
    );
    const first = await runTool(plugin(), 'eks_list_clusters', { maxResults: 2 });
    expect(first).toMatchObject({ clusters: ['devel', 'prod'], truncated: false });
    const second = await runTool(plugin(), 'eks_list_clusters', { maxResults: 2, nextToken: first.nextToken });
    expect(second).toEqual({ clusters: ['staging'], truncated: false });
    const [one, two] = aws.calls('eks:ListClusters');
    expect(one).toMatchObject({ method: 'GET', path: '/clusters' });
    expect(one?.query.get('maxResults')).toBe('2');
    expect(one?.headers.authorization).toMatch(SIGNED);
    expect(two?.query.get('nextToken')).toBe('eyJleGFtcGxlIjoiZWtzIn0');
  });

  it('eks_describe_cluster returns status, version and networking', async () => {
    aws.on('eks:DescribeCluster', restJson(fixture('eks-describe-cluster.json')));
    const result = await runTool(plugin(), 'eks_describe_cluster', { name: 'prod' });
    expect(result).toEqual({
      name: 'prod',
      arn: 'arn:aws:eks:us-west-2:123456789012:cluster/prod',
      status: 'ACTIVE',
      version: '1.31',
      platformVersion: 'eks.10',
      endpoint: 'https://A0DCCD80A04F01705DD065655C30CC3D.yl4.us-west-2.eks.amazonaws.com',
      roleArn: 'arn:aws:iam::123456789012:role/eks-service-role',
      vpcId: 'vpc-950809ec',
      publicAccess: true,
      createdAt: '2023-11-14T22:13:20.123Z',
      subnetIds: ['subnet-6782e71e', 'subnet-e7e761ac'],
      securityGroupIds: ['sg-6979fe18'],
      tags: { team: 'platform' },
    });
    expect(aws.calls('eks:DescribeCluster')[0]?.path).toBe('/clusters/prod');
  });

  it('eks_describe_cluster maps ResourceNotFoundException to NOT_FOUND with the request id', async () => {
    aws.on('eks:DescribeCluster', restJsonError('ResourceNotFoundException', 404));
    const error = await runTool(plugin(), 'eks_describe_cluster', { name: 'nope' }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      code: 'NOT_FOUND',
      details: {
        awsCode: 'ResourceNotFoundException',
        requestId: 'req-ResourceNotFoundException-0001',
        httpStatus: 404,
      },
    });
    expect((error as Error).message).not.toContain('secret-cluster');
  });

  it('eks_list_nodegroups lists the node groups of a cluster', async () => {
    aws.on('eks:ListNodegroups', restJson(fixture('eks-list-nodegroups.json')));
    const result = await runTool(plugin(), 'eks_list_nodegroups', { clusterName: 'prod' });
    expect(result).toEqual({ clusterName: 'prod', nodegroups: ['ng-default', 'ng-gpu'], truncated: false });
    expect(aws.calls('eks:ListNodegroups')[0]?.path).toBe('/clusters/prod/node-groups');
  });
});

describe('RDS (query protocol)', () => {
  it('rds_list_instances sends MaxRecords and returns the Marker as nextToken', async () => {
    aws.on('rds:DescribeDBInstances', xml(fixture('rds-describe-db-instances.xml')));
    const result = await runTool(plugin(), 'rds_list_instances', { maxResults: 20 });
    expect(result.instances).toEqual([
      {
        identifier: 'orders-db',
        arn: 'arn:aws:rds:us-west-2:123456789012:db:orders-db',
        engine: 'postgres',
        engineVersion: '16.3',
        instanceClass: 'db.m5.large',
        status: 'available',
        endpoint: 'orders-db.abcdefghijkl.us-west-2.rds.amazonaws.com',
        port: 5432,
        multiAz: true,
        subnetGroup: 'orders-subnets',
        vpcId: 'vpc-11112222',
        storageGb: 100,
        tags: { team: 'orders' },
      },
    ]);
    expect(typeof result.nextToken).toBe('string');
    const [request] = aws.calls('rds:DescribeDBInstances');
    expect(Object.fromEntries(request!.params)).toEqual({
      Action: 'DescribeDBInstances',
      Version: '2014-10-31',
      MaxRecords: '20',
    });
    await runTool(plugin(), 'rds_list_instances', { maxResults: 20, nextToken: result.nextToken });
    expect(aws.calls('rds:DescribeDBInstances')[1]?.params.get('Marker')).toBe('rds-marker-2');
  });

  it('rds_list_clusters returns members and endpoints', async () => {
    aws.on('rds:DescribeDBClusters', xml(fixture('rds-describe-db-clusters.xml')));
    const result = await runTool(plugin(), 'rds_list_clusters', {});
    expect(result).toMatchObject({
      clusters: [
        {
          identifier: 'billing-aurora',
          engine: 'aurora-postgresql',
          readerEndpoint: 'billing-aurora.cluster-ro-abcdefghijkl.us-west-2.rds.amazonaws.com',
          members: [
            { identifier: 'billing-aurora-1', writer: true },
            { identifier: 'billing-aurora-2', writer: false },
          ],
          tags: {},
        },
      ],
      truncated: false,
    });
  });

  it('rds_list_snapshots filters by instance and type', async () => {
    aws.on('rds:DescribeDBSnapshots', xml(fixture('rds-describe-db-snapshots.xml')));
    const result = await runTool(plugin(), 'rds_list_snapshots', {
      dbInstanceIdentifier: 'orders-db',
      snapshotType: 'automated',
    });
    expect(result).toMatchObject({
      snapshots: [
        { identifier: 'rds:orders-db-2024-10-12-06-10', createdAt: '2024-10-12T06:10:24.000Z', encrypted: true },
      ],
    });
    const params = aws.calls('rds:DescribeDBSnapshots')[0]!.params;
    expect(params.get('DBInstanceIdentifier')).toBe('orders-db');
    expect(params.get('SnapshotType')).toBe('automated');
  });

  it('maps AccessDenied to FORBIDDEN without the AWS message', async () => {
    aws.on('rds:DescribeDBInstances', queryError('AccessDenied', 403));
    await expect(runTool(plugin(), 'rds_list_instances', {})).rejects.toMatchObject({
      code: 'FORBIDDEN',
      details: { operation: 'rds:DescribeDBInstances', awsCode: 'AccessDenied', httpStatus: 403 },
      message: expect.not.stringContaining('secret-name') as unknown,
    });
  });
});

describe('Lambda (REST-JSON)', () => {
  it('lambda_list_functions sends MaxItems and pages with Marker', async () => {
    aws.on('lambda:ListFunctions', restJson(fixture('lambda-list-functions.json')));
    const result = await runTool(plugin(), 'lambda_list_functions', { maxResults: 10 });
    expect(result.functions).toEqual([
      {
        name: 'my-function',
        arn: 'arn:aws:lambda:us-west-2:123456789012:function:my-function',
        runtime: 'nodejs20.x',
        handler: 'index.handler',
        role: 'arn:aws:iam::123456789012:role/lambda-role',
        memoryMb: 128,
        timeoutSeconds: 3,
        lastModified: '2025-01-28T19:21:37.117+0000',
        packageType: 'Zip',
        architectures: ['x86_64'],
      },
    ]);
    await runTool(plugin(), 'lambda_list_functions', { maxResults: 10, nextToken: result.nextToken });
    const [one, two] = aws.calls('lambda:ListFunctions');
    expect(one?.query.get('MaxItems')).toBe('10');
    expect(two?.query.get('Marker')).toBe('bWFya2VyLTI');
  });

  it('lambda_get_function_configuration returns environment variable names, never values', async () => {
    aws.on('lambda:GetFunctionConfiguration', restJson(fixture('lambda-get-function-configuration.json')));
    const result = await runTool(plugin(), 'lambda_get_function_configuration', {
      functionName: 'my-function',
      qualifier: 'live',
    });
    expect(result).toMatchObject({
      name: 'my-function',
      description: 'Resizes images',
      vpcId: 'vpc-0b8f1e2d3c4b5a697',
      subnetIds: ['subnet-071f712345678e7c8'],
      layers: ['arn:aws:lambda:us-west-2:123456789012:layer:sharp:3'],
      environmentVariableNames: ['BUCKET', 'DB_PASSWORD'],
      architectures: ['arm64'],
    });
    expect(JSON.stringify(result)).not.toContain('hunter2-lambda-secret');
    const [request] = aws.calls('lambda:GetFunctionConfiguration');
    expect(request?.path).toBe('/2015-03-31/functions/my-function/configuration');
    expect(request?.query.get('Qualifier')).toBe('live');
  });
});

describe('S3 (REST-XML)', () => {
  it('s3_list_buckets returns buckets and the continuation token', async () => {
    aws.on('s3:ListBuckets', xml(fixture('s3-list-buckets.xml')));
    const result = await runTool(plugin(), 's3_list_buckets', { prefix: 'amzn', maxResults: 2 });
    expect(result).toMatchObject({
      buckets: [
        { name: 'amzn-s3-demo-bucket', createdAt: '2019-12-11T23:32:47.000Z', region: 'us-west-2' },
        { name: 'amzn-s3-demo-logs', createdAt: '2020-01-02T10:00:00.000Z', region: 'eu-west-1' },
      ],
      truncated: false,
    });
    await runTool(plugin(), 's3_list_buckets', { maxResults: 2, nextToken: result.nextToken });
    const [one, two] = aws.calls('s3:ListBuckets');
    expect(one).toMatchObject({ method: 'GET', path: '/' });
    expect(one?.query.get('max-buckets')).toBe('2');
    expect(one?.query.get('prefix')).toBe('amzn');
    expect(two?.query.get('continuation-token')).toBe('bucket-page-2');
  });

  it('s3_list_objects lists keys and common prefixes with the next continuation token', async () => {
    aws.on('s3:ListObjectsV2', xml(fixture('s3-list-objects-v2.xml')));
    const result = await runTool(plugin(), 's3_list_objects', {
      bucket: 'amzn-s3-demo-bucket',
      prefix: 'logs/',
      delimiter: '/',
      maxResults: 2,
    });
    expect(result).toMatchObject({
      bucket: 'amzn-s3-demo-bucket',
      objects: [
        { key: 'logs/app.log', size: 434234, lastModified: '2024-10-12T17:50:30.000Z', storageClass: 'STANDARD' },
        { key: 'logs/web.log', size: 857, storageClass: 'STANDARD_IA' },
      ],
      prefixes: ['logs/2024/'],
      truncated: false,
    });
    const [request] = aws.calls('s3:ListObjectsV2');
    expect(request?.path).toBe('/amzn-s3-demo-bucket/');
    expect(Object.fromEntries(request!.query)).toMatchObject({
      'list-type': '2',
      prefix: 'logs/',
      delimiter: '/',
      'max-keys': '2',
    });
    await runTool(plugin(), 's3_list_objects', { bucket: 'amzn-s3-demo-bucket', nextToken: result.nextToken });
    expect(aws.calls('s3:ListObjectsV2')[1]?.query.get('continuation-token')).toBe(
      '1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=',
    );
  });
});

describe('CloudWatch (JSON 1.0)', () => {
  it('cloudwatch_get_metric_data sends the metric queries and returns the series', async () => {
    aws.on(
      'monitoring:GetMetricData',
      json(fixture('cloudwatch-get-metric-data.json'), 200, { 'content-type': 'application/x-amz-json-1.0' }),
    );
    const result = await runTool(plugin(), 'cloudwatch_get_metric_data', {
      queries: [
        {
          id: 'cpu',
          namespace: 'AWS/EC2',
          metricName: 'CPUUtilization',
          dimensions: { InstanceId: 'i-1234567890abcdef0' },
          stat: 'Average',
          period: 300,
        },
      ],
      startTime: '2024-11-10T15:00:00Z',
      endTime: '2024-11-10T16:00:00Z',
    });
    expect(result).toEqual({
      results: [
        {
          id: 'cpu',
          label: 'CPUUtilization',
          status: 'Complete',
          timestamps: ['2024-11-10T16:00:00.000Z', '2024-11-10T15:55:00.000Z'],
          values: [12.5, 9.25],
        },
      ],
      truncated: false,
    });
    const [request] = aws.calls('monitoring:GetMetricData');
    expect(request?.headers['x-amz-target']).toBe('GraniteServiceVersion20100801.GetMetricData');
    expect(request?.json).toMatchObject({
      MetricDataQueries: [
        {
          Id: 'cpu',
          MetricStat: {
            Metric: {
              Namespace: 'AWS/EC2',
              MetricName: 'CPUUtilization',
              Dimensions: [{ Name: 'InstanceId', Value: 'i-1234567890abcdef0' }],
            },
            Period: 300,
            Stat: 'Average',
          },
        },
      ],
      StartTime: 1731250800,
      EndTime: 1731254400,
      ScanBy: 'TimestampDescending',
      MaxDatapoints: 500,
    });
  });

  it('cloudwatch_list_alarms filters by state and returns the next token', async () => {
    aws.on(
      'monitoring:DescribeAlarms',
      json(fixture('cloudwatch-describe-alarms.json'), 200, { 'content-type': 'application/x-amz-json-1.0' }),
    );
    const result = await runTool(plugin(), 'cloudwatch_list_alarms', { state: 'ALARM' });
    expect(result.alarms).toEqual([
      {
        name: 'web-cpu-high',
        arn: 'arn:aws:cloudwatch:us-west-2:123456789012:alarm:web-cpu-high',
        state: 'ALARM',
        stateReason: 'Threshold Crossed: 1 datapoint [91.2] was greater than the threshold (80.0).',
        stateUpdatedAt: '2024-11-10T16:00:00.000Z',
        namespace: 'AWS/EC2',
        metricName: 'CPUUtilization',
        dimensions: { InstanceId: 'i-1234567890abcdef0' },
        statistic: 'Average',
        comparison: 'GreaterThanThreshold',
        threshold: 80,
        periodSeconds: 300,
        evaluationPeriods: 1,
        actionsEnabled: true,
      },
    ]);
    expect(aws.calls('monitoring:DescribeAlarms')[0]?.json).toMatchObject({
      StateValue: 'ALARM',
      AlarmTypes: ['MetricAlarm'],
      MaxRecords: 50,
    });
    await runTool(plugin(), 'cloudwatch_list_alarms', { nextToken: result.nextToken });
    expect(aws.calls('monitoring:DescribeAlarms')[1]?.json).toMatchObject({ NextToken: 'alarms-page-2' });
  });
});

describe('CloudWatch Logs (JSON 1.1)', () => {
  it('logs_filter_events pages through nextToken', async () => {
    aws.on(
      'logs:FilterLogEvents',
      json(fixture('logs-filter-log-events-page1.json')),
      json(fixture('logs-filter-log-events-page2.json')),
    );
    const input = {
      logGroupName: '/aws/lambda/web',
      filterPattern: 'ERROR',
      startTime: '2024-11-10T15:00:00Z',
      endTime: '2024-11-10T17:00:00Z',
    };
    const first = await runTool(plugin(), 'logs_filter_events', input);
    expect(first).toMatchObject({
      events: [{ timestamp: '2024-11-10T16:00:00.000Z', logStreamName: 'web/1', message: 'ERROR upstream timeout' }],
      truncated: false,
    });
    const second = await runTool(plugin(), 'logs_filter_events', { ...input, nextToken: first.nextToken });
    expect(second).toEqual({
      events: [{ timestamp: '2024-11-10T16:01:00.000Z', logStreamName: 'web/2', message: 'ERROR connection reset' }],
      truncated: false,
    });
    const [one, two] = aws.calls('logs:FilterLogEvents');
    expect(one?.headers['x-amz-target']).toBe('Logs_20140328.FilterLogEvents');
    expect(one?.json).toEqual({
      logGroupName: '/aws/lambda/web',
      filterPattern: 'ERROR',
      startTime: 1731250800000,
      endTime: 1731258000000,
      limit: 100,
    });
    expect(two?.json).toMatchObject({ nextToken: 'logs-page-2' });
  });

  it('retries ThrottlingException twice, then succeeds (3 requests)', async () => {
    aws.on(
      'logs:FilterLogEvents',
      jsonError('ThrottlingException'),
      jsonError('ThrottlingException'),
      json(fixture('logs-filter-log-events-page2.json')),
    );
    const result = await runTool(plugin(), 'logs_filter_events', { logGroupName: '/aws/lambda/web' });
    expect(result.events).toHaveLength(1);
    expect(aws.calls('logs:FilterLogEvents')).toHaveLength(3);
  });

  it('throttling that outlasts the retries is RATE_LIMITED', async () => {
    aws.on('logs:FilterLogEvents', jsonError('ThrottlingException'));
    const error = await runTool(plugin(), 'logs_filter_events', { logGroupName: '/aws/lambda/web' }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({
      code: 'RATE_LIMITED',
      retryable: true,
      details: { awsCode: 'ThrottlingException', attempts: 3 },
    });
    expect((error as Error).message).not.toContain('secret-thing');
    expect(aws.calls('logs:FilterLogEvents')).toHaveLength(3);
  });

  it('maps LimitExceededException to a readable quota error', async () => {
    aws.on('logs:StartQuery', jsonError('LimitExceededException'));
    const error = await runTool(plugin(), 'logs_insights_query', {
      logGroupNames: ['/aws/lambda/web'],
      queryString: 'fields @message',
      startTime: '2024-11-10T15:00:00Z',
      endTime: '2024-11-10T17:00:00Z',
    }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      name: 'AwsQuotaExceededError',
      code: 'UPSTREAM_ERROR',
      retryable: false,
      details: { awsCode: 'LimitExceededException' },
    });
    expect((error as Error).message).toMatch(/quota or service limit/);
  });

  it('logs_insights_query starts the query, polls with progress until Complete, and returns rows', async () => {
    aws.on('logs:StartQuery', json(fixture('logs-start-query.json')));
    aws.on(
      'logs:GetQueryResults',
      json(fixture('logs-get-query-results-running.json')),
      json(fixture('logs-get-query-results-running.json')),
      json(fixture('logs-get-query-results-complete.json')),
    );
    const progress: string[] = [];
    const result = await runTool(
      plugin({ pollIntervalMs: 5 }),
      'logs_insights_query',
      {
        logGroupNames: ['/aws/lambda/web'],
        queryString: 'fields @timestamp, @message | filter @message like /ERROR/',
        startTime: '2024-11-10T15:00:00Z',
        endTime: '2024-11-10T17:00:00Z',
        limit: 50,
      },
      { progress: (_value, _total, message) => progress.push(message ?? '') },
    );
    expect(result).toEqual({
      queryId: '12ab3456-12ab-123a-789e-1234567890ab',
      status: 'Complete',
      rows: [
        { '@timestamp': '2024-11-10 16:00:00.000', '@message': 'ERROR upstream timeout' },
        { '@timestamp': '2024-11-10 16:01:00.000', '@message': 'ERROR connection reset' },
      ],
      recordsMatched: 2,
      recordsScanned: 1000,
      bytesScanned: 65536,
      truncated: false,
    });
    expect(progress).toEqual([
      'Logs Insights query running: 5 records matched',
      'Logs Insights query running: 5 records matched',
    ]);
    expect(aws.calls('logs:StartQuery')[0]?.json).toEqual({
      logGroupNames: ['/aws/lambda/web'],
      queryString: 'fields @timestamp, @message | filter @message like /ERROR/',
      startTime: 1731250800,
      endTime: 1731258000,
      limit: 50,
    });
    expect(aws.calls('logs:GetQueryResults').map((request) => request.json)).toEqual(
      Array.from({ length: 3 }, () => ({ queryId: '12ab3456-12ab-123a-789e-1234567890ab' })),
    );
  });

  it('logs_insights_query stops the query at its deadline with TIMEOUT', async () => {
    aws.on('logs:StartQuery', json(fixture('logs-start-query.json')));
    aws.on('logs:GetQueryResults', json(fixture('logs-get-query-results-running.json')));
    aws.on('logs:StopQuery', json('{"success":true}'));
    const error = await runTool(plugin({ pollIntervalMs: 400 }), 'logs_insights_query', {
      logGroupNames: ['/aws/lambda/web'],
      queryString: 'fields @message',
      startTime: '2024-11-10T15:00:00Z',
      endTime: '2024-11-10T17:00:00Z',
      timeoutSeconds: 1,
    }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'TIMEOUT', details: { queryId: '12ab3456-12ab-123a-789e-1234567890ab' } });
    expect(aws.calls('logs:StopQuery')[0]?.json).toEqual({ queryId: '12ab3456-12ab-123a-789e-1234567890ab' });
  });

  it('logs_insights_query stops the query when the call is cancelled', async () => {
    aws.on('logs:StartQuery', json(fixture('logs-start-query.json')));
    aws.on('logs:GetQueryResults', json(fixture('logs-get-query-results-running.json')));
    aws.on('logs:StopQuery', json('{"success":true}'));
    const controller = new AbortController();
    const call = runTool(
      plugin({ pollIntervalMs: 60_000 }),
      'logs_insights_query',
      {
        logGroupNames: ['/aws/lambda/web'],
        queryString: 'fields @message',
        startTime: '2024-11-10T15:00:00Z',
        endTime: '2024-11-10T17:00:00Z',
      },
      { signal: controller.signal, progress: () => controller.abort(new Error('cancelled by the client')) },
    );
    await expect(call).rejects.toThrow('cancelled by the client');
    expect(aws.calls('logs:StopQuery')).toHaveLength(1);
  });

  it('logs_insights_query returns more rows of a finished query from nextToken alone', async () => {
    aws.on('logs:StartQuery', json(fixture('logs-start-query.json')));
    aws.on('logs:GetQueryResults', json(fixture('logs-get-query-results-complete.json')));
    const small = createAwsPlugin({
      endpoint: aws.url,
      region: 'us-west-2',
      baseCredentials: TEST_KEYS,
      outputBudget: 60,
    });
    const first = await runTool(small, 'logs_insights_query', {
      logGroupNames: ['/aws/lambda/web'],
      queryString: 'fields @message',
      startTime: '2024-11-10T15:00:00Z',
      endTime: '2024-11-10T17:00:00Z',
    });
    expect(first).toMatchObject({ rows: [{ '@message': 'ERROR upstream timeout' }], truncated: true });
    const second = await runTool(small, 'logs_insights_query', { nextToken: first.nextToken });
    expect(second).toMatchObject({ rows: [{ '@message': 'ERROR connection reset' }], truncated: false });
    expect(aws.calls('logs:StartQuery')).toHaveLength(1);
  });
});

describe('Cost Explorer (JSON 1.1)', () => {
  it('ce_cost_by_service asks for daily cost grouped by SERVICE in us-east-1', async () => {
    aws.on('ce:GetCostAndUsage', json(fixture('ce-get-cost-and-usage.json')));
    const result = await runTool(plugin(), 'ce_cost_by_service', { start: '2024-11-01', end: '2024-11-03' });
    expect(result).toEqual({
      metric: 'UnblendedCost',
      days: [
        {
          date: '2024-11-01',
          estimated: false,
          total: 12.75,
          unit: 'USD',
          services: [
            { service: 'Amazon Elastic Compute Cloud - Compute', amount: 12.5 },
            { service: 'AWS Lambda', amount: 0.25 },
          ],
        },
        {
          date: '2024-11-02',
          estimated: true,
          total: 11.75,
          unit: 'USD',
          services: [{ service: 'Amazon Elastic Compute Cloud - Compute', amount: 11.75 }],
        },
      ],
      truncated: false,
    });
    const [request] = aws.calls('ce:GetCostAndUsage');
    expect(request?.region).toBe('us-east-1');
    expect(request?.headers['x-amz-target']).toBe('AWSInsightsIndexService.GetCostAndUsage');
    expect(request?.json).toEqual({
      TimePeriod: { Start: '2024-11-01', End: '2024-11-03' },
      Granularity: 'DAILY',
      Metrics: ['UnblendedCost'],
      GroupBy: [{ Type: 'DIMENSION', Key: 'SERVICE' }],
    });
  });

  it('refuses an end before the start without calling AWS', async () => {
    await expect(
      runTool(plugin(), 'ce_cost_by_service', { start: '2024-11-03', end: '2024-11-01' }),
    ).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      details: { field: 'end' },
    });
    expect(aws.requests).toHaveLength(0);
  });
});
