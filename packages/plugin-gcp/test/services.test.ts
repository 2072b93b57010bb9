/**
 * Resource Manager, GKE, Cloud SQL, Cloud Run, Cloud Logging and Cloud Monitoring tools
 * through the real Google clients (generated `@googleapis/*` clients; Monitoring through the
 * auth client's `request()`), authorized by the real JWT flow, against the fake GCP server.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createGcpPlugin } from '../src/index.js';
import { runTool } from './support/call-tool.js';
import { apiError, fixture, json, startFakeGcp, type FakeGcp } from './support/fake-gcp.js';
import { createTestKey, type TestKey } from './support/keys.js';

let gcp: FakeGcp;
let key: TestKey;
beforeAll(async () => {
  gcp = await startFakeGcp();
  key = createTestKey(gcp.tokenUrl);
  gcp.trust(key.publicKey);
});
afterAll(() => gcp.close());
beforeEach(() => gcp.reset());

const plugin = (extra: Parameters<typeof createGcpPlugin>[0] = {}) =>
  createGcpPlugin({ rootUrl: gcp.url, maxRetryDelayMs: 50, ...extra });
const BEARER = /^Bearer ya29\.fake-access-token-\d+$/;
const call = (name: string, args: Record<string, unknown>, extra: Parameters<typeof createGcpPlugin>[0] = {}) =>
  runTool(plugin(extra), name, args, { secret: key.secret });

describe('Resource Manager', () => {
  it('projects_list searches with the query and pages', async () => {
    gcp.on('GET /v3/projects:search', json(fixture('crm-projects-search.json')));
    const result = await call('projects_list', { query: 'labels.env:prod', maxResults: 2 });
    expect(result).toMatchObject({
      projects: [
        {
          projectId: 'acme-prod',
          number: '123456789012',
          name: 'ACME Production',
          state: 'ACTIVE',
          parent: 'folders/987654321098',
          labels: { env: 'prod' },
        },
        { projectId: 'acme-staging', labels: {} },
      ],
      truncated: false,
    });
    const [request] = gcp.calls('GET /v3/projects:search');
    expect(Object.fromEntries(request!.query)).toEqual({ query: 'labels.env:prod', pageSize: '2' });
    expect(request?.headers.authorization).toMatch(BEARER);
    await call('projects_list', { maxResults: 2, nextToken: result.nextToken });
    expect(gcp.calls('GET /v3/projects:search')[1]?.query.get('pageToken')).toBe('crm-page-2');
  });
});

describe('GKE', () => {
  it('gke_list_clusters asks for all locations and returns clusters and unreachable locations', async () => {
    gcp.on('GET /v1/projects/acme-prod/locations/-/clusters', json(fixture('gke-clusters-list.json')));
    const result = await call('gke_list_clusters', {});
    expect(result).toEqual({
      clusters: [
        {
          name: 'prod-gke',
          location: 'europe-west1',
          status: 'RUNNING',
          masterVersion: '1.30.5-gke.1014001',
          nodeVersion: '1.30.5-gke.1014001',
          nodeCount: 4,
          autopilot: false,
          releaseChannel: 'REGULAR',
          network: 'prod-vpc',
          subnetwork: 'prod-eu',
          nodePools: ['default-pool', 'spot-pool'],
          created: '2024-02-01T09:12:33+00:00',
          labels: { env: 'prod' },
        },
      ],
      unreachableLocations: ['us-east4-a'],
      truncated: false,
    });
    expect(gcp.calls('GET /v1/projects/acme-prod/locations/-/clusters')[0]?.headers.authorization).toMatch(BEARER);
  });

  it('gke_get_cluster returns endpoint, ranges and conditions', async () => {
    gcp.on(
      'GET /v1/projects/acme-prod/locations/europe-west1/clusters/prod-gke',
      json(fixture('gke-cluster-get.json')),
    );
    const result = await call('gke_get_cluster', { location: 'europe-west1', cluster: 'prod-gke' });
    expect(result).toMatchObject({
      name: 'prod-gke',
      endpoint: '34.77.1.2',
      podCidr: '10.4.0.0/14',
      servicesCidr: '10.8.0.0/20',
      privateNodes: true,
      workloadPool: 'acme-prod.svc.id.goog',
      conditions: ['RESOURCE_EXHAUSTED: Insufficient regional quota to satisfy request'],
    });
  });

  it('gke_list_node_pools and gke_get_node_pool summarize autoscaling, spot and service account', async () => {
    const cluster = '/v1/projects/acme-prod/locations/europe-west1/clusters/prod-gke';
    gcp.on(`GET ${cluster}/nodePools`, json(fixture('gke-node-pools.json')));
    const pools = await call('gke_list_node_pools', { location: 'europe-west1', cluster: 'prod-gke' });
    expect(pools).toEqual({
      cluster: 'prod-gke',
      nodePools: [
        {
          name: 'default-pool',
          status: 'RUNNING',
          version: '1.30.5-gke.1014001',
          machineType: 'e2-standard-4',
          diskSizeGb: 100,
          initialNodeCount: 3,
          autoscaling: { enabled: true, min: 1, max: 6 },
          spot: false,
          serviceAccount: 'gke-nodes@acme-prod.iam.gserviceaccount.com',
          locations: ['europe-west1-b', 'europe-west1-c'],
          instanceGroups: ['gke-prod-gke-default-pool-1a2b3c4d-grp'],
        },
        expect.objectContaining({
          name: 'spot-pool',
          status: 'RECONCILING',
          statusMessage: 'Upgrading node pool',
          spot: true,
          autoscaling: { enabled: true, min: 0, max: 10 },
        }),
      ],
      truncated: false,
    });
    const pool = JSON.stringify((JSON.parse(fixture('gke-node-pools.json')) as { nodePools: unknown[] }).nodePools[1]);
    gcp.on(`GET ${cluster}/nodePools/spot-pool`, json(pool));
    const one = await call('gke_get_node_pool', {
      location: 'europe-west1',
      cluster: 'prod-gke',
      nodePool: 'spot-pool',
    });
    expect(one).toMatchObject({ cluster: 'prod-gke', name: 'spot-pool', machineType: 'n2-standard-8' });
  });
});

describe('Cloud SQL', () => {
  it('sql_list_instances pages through nextPageToken', async () => {
    gcp.on(
      'GET /v1/projects/acme-prod/instances',
      json(fixture('sql-instances-page1.json')),
      json(fixture('sql-instances-page2.json')),
    );
    const shared = plugin();
    const first = await runTool(shared, 'sql_list_instances', { maxResults: 1 }, { secret: key.secret });
    expect(first).toMatchObject({
      instances: [
        {
          name: 'orders-db',
          databaseVersion: 'POSTGRES_16',
          state: 'RUNNABLE',
          region: 'europe-west1',
          zone: 'europe-west1-b',
          tier: 'db-custom-2-7680',
          edition: 'ENTERPRISE',
          availabilityType: 'REGIONAL',
          connectionName: 'acme-prod:europe-west1:orders-db',
          ipAddresses: [{ type: 'PRIVATE', address: '10.20.0.3' }],
          privateNetwork: 'projects/acme-prod/global/networks/prod-vpc',
          labels: { env: 'prod', team: 'orders' },
        },
      ],
      truncated: false,
    });
    const second = await runTool(
      shared,
      'sql_list_instances',
      { maxResults: 1, nextToken: first.nextToken },
      { secret: key.secret },
    );
    expect(second).toEqual({
      instances: [expect.objectContaining({ name: 'orders-db-replica', primary: 'acme-prod:orders-db' })],
      truncated: false,
    });
    const [one, two] = gcp.calls('GET /v1/projects/acme-prod/instances');
    expect(one?.query.get('maxResults')).toBe('1');
    expect(one?.query.has('pageToken')).toBe(false);
    expect(two?.query.get('pageToken')).toBe('sql-page-2');
  });

  it('sql_get_instance returns storage, backups and replicas', async () => {
    gcp.on('GET /v1/projects/acme-prod/instances/orders-db', json(fixture('sql-instance-get.json')));
    expect(await call('sql_get_instance', { instance: 'orders-db' })).toMatchObject({
      name: 'orders-db',
      diskSizeGb: '100',
      diskType: 'PD_SSD',
      backupsEnabled: true,
      pointInTimeRecovery: true,
      publicIp: false,
      requireSsl: true,
      deletionProtection: true,
      replicas: ['orders-db-replica'],
      suspensionReasons: [],
    });
  });

  it('a disabled API is FORBIDDEN saying which API to enable', async () => {
    gcp.on('GET /v1/projects/acme-prod/instances', apiError('error-service-disabled.json', 403));
    const error = await call('sql_list_instances', {}).catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      code: 'FORBIDDEN',
      details: { reason: 'SERVICE_DISABLED', service: 'sqladmin.googleapis.com' },
    });
    expect((error as Error).message).toContain('gcloud services enable sqladmin.googleapis.com');
  });
});

describe('Cloud Run (v2)', () => {
  it('run_list_services lists all regions with the traffic split', async () => {
    gcp.on('GET /v2/projects/acme-prod/locations/-/services', json(fixture('run-services.json')));
    const result = await call('run_list_services', { maxResults: 10 });
    expect(result).toMatchObject({
      services: [
        {
          name: 'checkout',
          location: 'europe-west1',
          uri: 'https://checkout-abcdefghij-ew.a.run.app',
          ready: 'Ready: CONDITION_SUCCEEDED',
          latestReadyRevision: 'checkout-00017-xyz',
          image: 'europe-west1-docker.pkg.dev/acme-prod/apps/checkout@sha256:5f2c',
          serviceAccount: 'checkout-runtime@acme-prod.iam.gserviceaccount.com',
          ingress: 'INGRESS_TRAFFIC_ALL',
          traffic: [{ revision: 'checkout-00017-xyz', percent: 100 }],
          labels: { env: 'prod' },
        },
      ],
      unreachable: [],
      truncated: false,
    });
    expect(typeof result.nextToken).toBe('string');
    expect(gcp.calls('GET /v2/projects/acme-prod/locations/-/services')[0]?.query.get('pageSize')).toBe('10');
  });

  it('run_get_service returns environment variable names, never values', async () => {
    gcp.on(
      'GET /v2/projects/acme-prod/locations/europe-west1/services/checkout',
      json(fixture('run-service-get.json')),
    );
    const result = await call('run_get_service', { region: 'europe-west1', service: 'checkout' });
    expect(result).toMatchObject({
      envNames: ['DATABASE_URL', 'STRIPE_KEY'],
      minInstances: 1,
      maxInstances: 20,
      vpcNetwork: 'prod-vpc',
      conditions: ['RoutesReady: CONDITION_SUCCEEDED', 'ConfigurationsReady: CONDITION_SUCCEEDED'],
    });
    expect(JSON.stringify(result)).not.toContain('run-env-secret-value');
  });

  it('run_list_revisions and run_get_revision report readiness and resources', async () => {
    const service = '/v2/projects/acme-prod/locations/europe-west1/services/checkout';
    gcp.on(`GET ${service}/revisions`, json(fixture('run-revisions.json')));
    const list = await call('run_list_revisions', { region: 'europe-west1', service: 'checkout' });
    expect(list).toMatchObject({
      service: 'checkout',
      revisions: [
        {
          name: 'checkout-00017-xyz',
          ready: 'Ready: CONDITION_SUCCEEDED',
          cpu: '1000m',
          memory: '512Mi',
          concurrency: 80,
        },
        { name: 'checkout-00016-abc', ready: 'Ready: CONDITION_FAILED (HealthCheckContainerError)' },
      ],
    });
    gcp.on(`GET ${service}/revisions/checkout-00017-xyz`, json(fixture('run-revision-get.json')));
    const one = await call('run_get_revision', {
      region: 'europe-west1',
      service: 'checkout',
      revision: 'checkout-00017-xyz',
    });
    expect(one).toMatchObject({ minInstances: 1, maxInstances: 20, timeout: '300s' });
    expect(one.logUri).toMatch(/^https:\/\/console\.cloud\.google\.com\/logs/);
  });
});

describe('Cloud Logging', () => {
  it('logging_list_entries POSTs entries:list with the filter and time range, and pages', async () => {
    gcp.on(
      'POST /v2/entries:list',
      json(fixture('logging-entries-page1.json')),
      json(fixture('logging-entries-page2.json')),
    );
    const shared = plugin();
    const args = {
      filter: 'severity>=ERROR AND resource.type="cloud_run_revision"',
      startTime: '2024-10-05T10:00:00Z',
      endTime: '2024-10-05T11:00:00+01:00',
      maxResults: 2,
    };
    const first = await runTool(shared, 'logging_list_entries', args, { secret: key.secret });
    expect(first).toMatchObject({
      entries: [
        {
          timestamp: '2024-10-05T10:15:02.123456Z',
          severity: 'ERROR',
          logName: 'run.googleapis.com%2Frequests',
          resource: { type: 'cloud_run_revision', labels: { service_name: 'checkout' } },
          http: 'POST https://checkout-abcdefghij-ew.a.run.app/api/pay 503 30.001s',
          trace: 'projects/acme-prod/traces/4bf92f3577b34da6a3ce929d0e0e4736',
          labels: { instanceId: '00f46b9285' },
        },
        {
          severity: 'ERROR',
          payload: '{"message":"upstream connect error: connection refused","component":"db-pool","attempt":3}',
        },
      ],
      truncated: false,
    });
    const second = await runTool(
      shared,
      'logging_list_entries',
      { ...args, nextToken: first.nextToken },
      { secret: key.secret },
    );
    expect(second).toMatchObject({
      entries: [{ payload: 'Instance web-1 was stopped by a maintenance event', severity: 'NOTICE' }],
      truncated: false,
    });
    expect(second.nextToken).toBeUndefined();
    const [one, two] = gcp.calls('POST /v2/entries:list');
    expect(one?.headers.authorization).toMatch(BEARER);
    expect(one?.json).toEqual({
      resourceNames: ['projects/acme-prod'],
      orderBy: 'timestamp desc',
      pageSize: 2,
      filter:
        '(severity>=ERROR AND resource.type="cloud_run_revision") AND timestamp >= "2024-10-05T10:00:00.000Z" AND timestamp <= "2024-10-05T10:00:00.000Z"',
    });
    expect(two?.json?.pageToken).toBe('EAA4suKu3qnLwbtrSg9QpBaXl3cXQz');
  });

  it('retries a 429 with Retry-After (entries:list is POST), then succeeds', async () => {
    gcp.on(
      'POST /v2/entries:list',
      apiError('error-rate-limited.json', 429, { 'retry-after': '0' }),
      apiError('error-rate-limited.json', 429, { 'retry-after': '0' }),
      json(fixture('logging-entries-page2.json')),
    );
    const result = await call('logging_list_entries', {});
    expect(result).toMatchObject({ entries: [{ severity: 'NOTICE' }] });
    expect(gcp.calls('POST /v2/entries:list')).toHaveLength(3);
  });

  it('waits at least what Retry-After asks before the next attempt', async () => {
    const stamps: number[] = [];
    gcp.on(
      'POST /v2/entries:list',
      () => {
        stamps.push(Date.now());
        return apiError('error-rate-limited.json', 429, { 'retry-after': '1' });
      },
      () => {
        stamps.push(Date.now());
        return json(fixture('logging-entries-page2.json'));
      },
    );
    await call('logging_list_entries', {}, { maxRetryDelayMs: 5_000 });
    expect(stamps).toHaveLength(2);
    expect(stamps[1]! - stamps[0]!).toBeGreaterThanOrEqual(900);
  });

  it('a 429 that outlasts the retries is RATE_LIMITED with the attempts', async () => {
    gcp.on('POST /v2/entries:list', apiError('error-rate-limited.json', 429, { 'retry-after': '0' }));
    const error = await call('logging_list_entries', {}, { maxAttempts: 3 }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      code: 'RATE_LIMITED',
      retryable: true,
      details: {
        operation: 'logging.entries.list',
        httpStatus: 429,
        gcpStatus: 'RESOURCE_EXHAUSTED',
        reason: 'RATE_LIMIT_EXCEEDED',
        attempts: 3,
      },
    });
    expect(gcp.calls('POST /v2/entries:list')).toHaveLength(3);
  });

  it('refuses an end before the start without calling GCP', async () => {
    await expect(
      call('logging_list_entries', { startTime: '2024-10-05T11:00:00Z', endTime: '2024-10-05T10:00:00Z' }),
    ).rejects.toMatchObject({ code: 'INVALID_INPUT', details: { field: 'endTime' } });
    expect(gcp.requests).toHaveLength(0);
  });
});

describe('Cloud Monitoring (REST through the auth client)', () => {
  const path = 'GET /v3/projects/acme-prod/timeSeries';

  it('monitoring_list_time_series sends filter, interval and aggregation, and returns the points', async () => {
    gcp.on(path, json(fixture('monitoring-time-series.json')));
    const result = await call('monitoring_list_time_series', {
      filter: 'metric.type="compute.googleapis.com/instance/cpu/utilization"',
      startTime: '2024-10-05T10:00:00Z',
      endTime: '2024-10-05T10:05:00Z',
      perSeriesAligner: 'ALIGN_MEAN',
      alignmentPeriodSeconds: 300,
      crossSeriesReducer: 'REDUCE_MAX',
      groupByFields: ['resource.labels.zone', 'metric.labels.instance_name'],
      maxResults: 2,
    });
    expect(result).toEqual({
      series: [
        {
          metricType: 'compute.googleapis.com/instance/cpu/utilization',
          metricLabels: { instance_name: 'web-1' },
          resourceType: 'gce_instance',
          resourceLabels: { instance_id: '4567890123456789012', zone: 'europe-west1-b', project_id: 'acme-prod' },
          metricKind: 'GAUGE',
          valueType: 'DOUBLE',
          unit: '10^2.%',
          timestamps: ['2024-10-05T10:05:00Z', '2024-10-05T10:00:00Z'],
          values: [0.9712, 0.4231],
        },
        expect.objectContaining({ metricType: 'run.googleapis.com/request_count', valueType: 'INT64', values: [42] }),
      ],
      nextToken: expect.any(String) as unknown,
      truncated: false,
    });
    const [request] = gcp.calls(path);
    expect(request?.headers.authorization).toMatch(BEARER);
    expect([...request!.query]).toEqual([
      ['filter', 'metric.type="compute.googleapis.com/instance/cpu/utilization"'],
      ['interval.startTime', '2024-10-05T10:00:00.000Z'],
      ['interval.endTime', '2024-10-05T10:05:00.000Z'],
      ['view', 'FULL'],
      ['pageSize', '2'],
      ['aggregation.alignmentPeriod', '300s'],
      ['aggregation.perSeriesAligner', 'ALIGN_MEAN'],
      ['aggregation.crossSeriesReducer', 'REDUCE_MAX'],
      ['aggregation.groupByFields', 'resource.labels.zone'],
      ['aggregation.groupByFields', 'metric.labels.instance_name'],
    ]);
    await call('monitoring_list_time_series', {
      filter: 'metric.type="x"',
      startTime: '2024-10-05T10:00:00Z',
      nextToken: result.nextToken,
    });
    expect(gcp.calls(path)[1]?.query.get('pageToken')).toBe('monitoring-page-2');
  });

  it('endpoints.monitoring overrides rootUrl for Cloud Monitoring only', async () => {
    gcp.on(path, json(fixture('monitoring-time-series.json')));
    const result = await call(
      'monitoring_list_time_series',
      { filter: 'metric.type="x"', startTime: '2024-10-05T10:00:00Z' },
      { rootUrl: 'http://127.0.0.1:9/unused', endpoints: { monitoring: gcp.url } },
    );
    expect((result.series as unknown[]).length).toBe(2);
    expect(gcp.calls(path)).toHaveLength(1);
  });

  it('retries a 503 (GET) with backoff, then succeeds', async () => {
    gcp.on(path, apiError('error-unavailable.json', 503), json(fixture('monitoring-time-series.json')));
    const result = await call('monitoring_list_time_series', {
      filter: 'metric.type="x"',
      startTime: '2024-10-05T10:00:00Z',
    });
    expect((result.series as unknown[]).length).toBe(2);
    expect(gcp.calls(path)).toHaveLength(2);
  });

  it('a 503 that outlasts the retries is a retryable UPSTREAM_ERROR', async () => {
    gcp.on(path, apiError('error-unavailable.json', 503));
    await expect(
      call(
        'monitoring_list_time_series',
        { filter: 'metric.type="x"', startTime: '2024-10-05T10:00:00Z' },
        { maxAttempts: 2 },
      ),
    ).rejects.toMatchObject({
      code: 'UPSTREAM_ERROR',
      retryable: true,
      details: { httpStatus: 503, gcpStatus: 'UNAVAILABLE', attempts: 2 },
    });
    expect(gcp.calls(path)).toHaveLength(2);
  });

  it('400 INVALID_ARGUMENT is INVALID_INPUT without the GCP message; a reducer without an aligner never leaves', async () => {
    gcp.on(path, apiError('error-invalid-argument.json', 400));
    const error = await call('monitoring_list_time_series', {
      filter: 'metric.type="x"',
      startTime: '2024-10-05T10:00:00Z',
    }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'INVALID_INPUT', details: { gcpStatus: 'INVALID_ARGUMENT', httpStatus: 400 } });
    expect((error as Error).message).not.toContain('secret-metric');
    expect(gcp.calls(path)).toHaveLength(1);
    await expect(
      call('monitoring_list_time_series', {
        filter: 'metric.type="x"',
        startTime: '2024-10-05T10:00:00Z',
        crossSeriesReducer: 'REDUCE_SUM',
      }),
    ).rejects.toThrow();
    expect(gcp.calls(path)).toHaveLength(1);
  });
});
