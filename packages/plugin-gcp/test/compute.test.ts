/**
 * Compute Engine tools through the real `@googleapis/compute` client, authorized by a real
 * service-account JWT flow (google-auth-library signs with a throwaway RSA key; the fake
 * token endpoint verifies it), against the local fake GCP server.
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

const plugin = (extra: Parameters<typeof createGcpPlugin>[0] = {}) => createGcpPlugin({ rootUrl: gcp.url, ...extra });
const BEARER = /^Bearer ya29\.fake-access-token-\d+$/;
const AGGREGATED = 'GET /compute/v1/projects/acme-prod/aggregated/instances';

describe('compute_list_instances', () => {
  it('lists all zones (aggregated), sends the filter, and pages through nextPageToken', async () => {
    gcp.on(
      AGGREGATED,
      json(fixture('compute-instances-aggregated-page1.json')),
      json(fixture('compute-instances-aggregated-page2.json')),
    );
    const shared = plugin();
    const first = await runTool(
      shared,
      'compute_list_instances',
      { status: ['RUNNING', 'TERMINATED'], labels: { env: 'prod' }, maxResults: 1 },
      { secret: key.secret },
    );
    expect(first).toMatchObject({
      instances: [
        {
          name: 'web-1',
          id: '4567890123456789012',
          zone: 'europe-west1-b',
          status: 'RUNNING',
          machineType: 'e2-medium',
          internalIps: ['10.132.0.2'],
          externalIps: ['34.76.12.34'],
          network: 'prod-vpc',
          subnetwork: 'prod-eu',
          created: '2024-03-18T07:15:42.418-07:00',
          labels: { env: 'prod', team: 'web' },
        },
      ],
      truncated: false,
    });
    expect(typeof first.nextToken).toBe('string');
    const second = await runTool(
      shared,
      'compute_list_instances',
      { maxResults: 1, nextToken: first.nextToken },
      { secret: key.secret },
    );
    expect(second).toEqual({
      instances: [expect.objectContaining({ name: 'batch-7', status: 'TERMINATED', zone: 'europe-west1-c' })],
      truncated: false,
    });
    const [one, two] = gcp.calls(AGGREGATED);
    expect(one?.headers.authorization).toMatch(BEARER);
    expect(Object.fromEntries(one!.query)).toEqual({
      maxResults: '1',
      returnPartialSuccess: 'true',
      filter: '(status = RUNNING OR status = TERMINATED) AND (labels.env = "prod")',
    });
    expect(two?.query.get('pageToken')).toBe('CkQI2KSR8ZK3hwM6OQoCGAMKAyC7Ag');
    // The JWT-bearer grant was signed with the key and verified by the token endpoint; the plugin
    // keeps the client (keyed by a hash of org and key), so the second call reuses the token.
    expect(gcp.tokenRequests).toHaveLength(1);
    expect(gcp.tokenRequests[0]).toMatchObject({
      grantType: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
      verified: true,
      header: { alg: 'RS256' },
      claims: {
        iss: key.clientEmail,
        scope: 'https://www.googleapis.com/auth/cloud-platform',
        aud: 'https://oauth2.googleapis.com/token',
      },
    });
  });

  it('lists one zone with instances.list', async () => {
    gcp.on(
      'GET /compute/v1/projects/acme-dev/zones/europe-west1-c/instances',
      json(fixture('compute-instances-zone.json')),
    );
    const result = await runTool(
      plugin(),
      'compute_list_instances',
      { project: 'acme-dev', zone: 'europe-west1-c', filter: 'name eq batch-.*' },
      { secret: key.secret },
    );
    expect(result).toMatchObject({ instances: [{ name: 'batch-7', internalIps: ['10.132.0.7'], externalIps: [] }] });
    const [request] = gcp.calls('GET /compute/v1/projects/acme-dev/zones/europe-west1-c/instances');
    expect(request?.query.get('filter')).toBe('(name eq batch-.*)');
    expect(request?.query.get('maxResults')).toBe('100');
  });

  it('truncates a page to the output budget and continues inside the same GCP page', async () => {
    const two = JSON.parse(fixture('compute-instances-aggregated-page1.json')) as {
      items: Record<string, { instances?: unknown[] }>;
      nextPageToken?: string;
    };
    const scope = two.items['zones/europe-west1-b']!;
    scope.instances = [...scope.instances!, { ...(scope.instances![0] as object), name: 'web-2' }];
    delete two.nextPageToken;
    gcp.on(AGGREGATED, json(JSON.stringify(two)));
    const budgeted = plugin({ outputBudget: 200 });
    const first = await runTool(budgeted, 'compute_list_instances', {}, { secret: key.secret });
    expect(first).toMatchObject({ instances: [{ name: 'web-1' }], truncated: true });
    const second = await runTool(
      budgeted,
      'compute_list_instances',
      { nextToken: first.nextToken },
      { secret: key.secret },
    );
    expect(second).toEqual({ instances: [expect.objectContaining({ name: 'web-2' })], truncated: false });
    // The same GCP page was read again (no page token), not a next page.
    expect(gcp.calls(AGGREGATED).map((request) => request.query.get('pageToken'))).toEqual([null, null]);
  });

  it('403 PERMISSION_DENIED is FORBIDDEN naming the missing permission, without the GCP message', async () => {
    gcp.on(AGGREGATED, apiError('error-permission-denied.json', 403));
    const error = await runTool(plugin(), 'compute_list_instances', {}, { secret: key.secret }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({
      code: 'FORBIDDEN',
      details: {
        operation: 'compute.instances.aggregatedList',
        httpStatus: 403,
        gcpStatus: 'PERMISSION_DENIED',
        reason: 'IAM_PERMISSION_DENIED',
        permission: 'compute.instances.list',
      },
    });
    expect((error as Error).message).toContain('lack the IAM permission compute.instances.list');
    expect((error as Error).message).not.toContain('secret-principal');
    expect(gcp.calls(AGGREGATED)).toHaveLength(1);
  });
});

describe('compute_get_instance', () => {
  const path = 'GET /compute/v1/projects/acme-prod/zones/europe-west1-b/instances/web-1';

  it('returns disks, service accounts and metadata keys, never metadata values', async () => {
    const instance = (
      JSON.parse(fixture('compute-instances-aggregated-page1.json')) as {
        items: Record<string, { instances: unknown[] }>;
      }
    ).items['zones/europe-west1-b']!.instances[0];
    gcp.on(path, json(JSON.stringify(instance)));
    const result = await runTool(
      plugin(),
      'compute_get_instance',
      { zone: 'europe-west1-b', instance: 'web-1' },
      { secret: key.secret },
    );
    expect(result).toMatchObject({
      name: 'web-1',
      cpuPlatform: 'Intel Broadwell',
      deletionProtection: false,
      networkTags: ['http-server', 'https-server'],
      serviceAccounts: ['web-runtime@acme-prod.iam.gserviceaccount.com'],
      disks: [{ deviceName: 'web-1', boot: true, source: 'web-1', sizeGb: '20', autoDelete: true }],
      provisioningModel: 'STANDARD',
      metadataKeys: ['startup-script'],
      lastStarted: '2024-10-02T01:04:11.201-07:00',
    });
    expect(JSON.stringify(result)).not.toContain('metadata-secret-value');
    expect(gcp.calls(path)[0]?.headers.authorization).toMatch(BEARER);
  });

  it('404 is NOT_FOUND without echoing the GCP message', async () => {
    gcp.on(
      'GET /compute/v1/projects/acme-prod/zones/europe-west1-b/instances/gone',
      apiError('error-not-found.json', 404),
    );
    const error = await runTool(
      plugin(),
      'compute_get_instance',
      { zone: 'europe-west1-b', instance: 'gone' },
      { secret: key.secret },
    ).catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      code: 'NOT_FOUND',
      details: { operation: 'compute.instances.get', httpStatus: 404, reason: 'notFound' },
    });
    expect((error as Error).message).not.toContain('secret-named-vm');
  });

  it('refuses a bad instance name before any request', async () => {
    await expect(
      runTool(
        plugin(),
        'compute_get_instance',
        { zone: 'europe-west1-b', instance: 'Bad_Name' },
        { secret: key.secret },
      ),
    ).rejects.toThrow();
    expect(gcp.requests).toHaveLength(0);
  });
});

describe('instance state changes', () => {
  it('compute_stop_instance POSTs …/stop and returns the zone operation', async () => {
    const path = 'POST /compute/v1/projects/acme-prod/zones/europe-west1-b/instances/web-1/stop';
    gcp.on(path, json(fixture('compute-operation-stop.json')));
    const result = await runTool(
      plugin(),
      'compute_stop_instance',
      { zone: 'europe-west1-b', instance: 'web-1' },
      { secret: key.secret },
    );
    expect(result).toEqual({
      operation: 'operation-1712345678901-6155a2b6c7d8e-9f0a1b2c-3d4e5f60',
      operationType: 'stop',
      status: 'RUNNING',
      progress: 0,
      instance: 'web-1',
      zone: 'europe-west1-b',
      project: 'acme-prod',
      started: '2024-10-05T03:14:07.121-07:00',
    });
    expect(gcp.calls(path)[0]?.headers.authorization).toMatch(BEARER);
  });

  it('start and reset POST to their verbs; delete sends DELETE', async () => {
    const base = '/compute/v1/projects/acme-prod/zones/europe-west1-c/instances/batch-7';
    gcp.on(`POST ${base}/start`, json(fixture('compute-operation-stop.json').replace('"stop"', '"start"')));
    gcp.on(`POST ${base}/reset`, json(fixture('compute-operation-stop.json').replace('"stop"', '"reset"')));
    gcp.on(`DELETE ${base}`, json(fixture('compute-operation-delete.json')));
    const args = { zone: 'europe-west1-c', instance: 'batch-7' };
    const options = { secret: key.secret };
    expect(await runTool(plugin(), 'compute_start_instance', args, options)).toMatchObject({ operationType: 'start' });
    expect(await runTool(plugin(), 'compute_reset_instance', args, options)).toMatchObject({ operationType: 'reset' });
    expect(await runTool(plugin(), 'compute_delete_instance', args, options)).toMatchObject({
      operationType: 'delete',
      status: 'PENDING',
      instance: 'batch-7',
      zone: 'europe-west1-c',
    });
    expect(gcp.requests.map((request) => `${request.method} ${request.path}`)).toEqual([
      `POST ${base}/start`,
      `POST ${base}/reset`,
      `DELETE ${base}`,
    ]);
  });

  it('an operation that finished with QUOTA_EXCEEDED is a non-retryable GcpQuotaExceededError', async () => {
    gcp.on(
      'POST /compute/v1/projects/acme-prod/zones/europe-west1-c/instances/batch-7/start',
      json(fixture('compute-operation-quota.json')),
    );
    const error = await runTool(
      plugin(),
      'compute_start_instance',
      { zone: 'europe-west1-c', instance: 'batch-7' },
      { secret: key.secret },
    ).catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      name: 'GcpQuotaExceededError',
      code: 'UPSTREAM_ERROR',
      retryable: false,
      details: { codes: ['QUOTA_EXCEEDED'] },
    });
  });

  it('compute_get_operation reports a failed operation with its error codes', async () => {
    gcp.on(
      'GET /compute/v1/projects/acme-prod/zones/europe-west1-c/operations/operation-1712345670000-6155a2b6c0000-aaaaaaaa-bbbbbbbb',
      json(fixture('compute-operation-quota.json')),
    );
    const result = await runTool(
      plugin(),
      'compute_get_operation',
      { zone: 'europe-west1-c', operation: 'operation-1712345670000-6155a2b6c0000-aaaaaaaa-bbbbbbbb' },
      { secret: key.secret },
    );
    expect(result).toMatchObject({ status: 'DONE', progress: 100, instance: 'batch-7', errors: ['QUOTA_EXCEEDED'] });
  });

  it('approval summaries name the instance, zone, project and effect', () => {
    const tools = plugin().tools;
    const summary = (name: string, input: Record<string, unknown>) =>
      (tools.find((tool) => tool.name === name)!.summary as (input: unknown) => string)(input);
    expect(
      summary('compute_delete_instance', { project: 'acme-prod', zone: 'europe-west1-b', instance: 'web-1' }),
    ).toBe(
      'Delete Compute Engine instance web-1 in zone europe-west1-b of project acme-prod: deletes the VM irreversibly, with every disk marked auto-delete.',
    );
    expect(summary('compute_stop_instance', { zone: 'europe-west1-b', instance: 'web-1' })).toMatch(
      /^Stop Compute Engine instance web-1 in zone europe-west1-b of the default project: shuts the VM down/,
    );
    expect(tools.find((tool) => tool.name === 'compute_delete_instance')?.risk).toBe('destructive');
    for (const name of ['compute_start_instance', 'compute_stop_instance', 'compute_reset_instance']) {
      expect(tools.find((tool) => tool.name === name)?.risk).toBe('write');
    }
  });
});
