/** `discoverGcp` against the fake GCP server: pages, node labels and ids, edges from dependent to dependency. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { discoverGcp, type DiscoveryPage } from '../src/index.js';
import { apiError, fixture, json, startFakeGcp, type FakeGcp, type FakeRequest } from './support/fake-gcp.js';
import { createTestKey, type TestKey } from './support/keys.js';

let gcp: FakeGcp;
let key: TestKey;
beforeAll(async () => {
  gcp = await startFakeGcp();
  key = createTestKey(gcp.tokenUrl);
  gcp.trust(key.publicKey);
});
afterAll(() => gcp.close());

const byToken = (pages: Record<string, string>) => (request: FakeRequest) =>
  json(pages[request.query.get('pageToken') ?? ''] ?? '{}');

beforeEach(() => {
  gcp.reset();
  gcp.on('GET /v3/projects/acme-prod', json(fixture('crm-project-get.json')));
  gcp.on('GET /compute/v1/projects/acme-prod/global/networks', json(fixture('compute-networks.json')));
  gcp.on(
    'GET /compute/v1/projects/acme-prod/aggregated/subnetworks',
    json(fixture('compute-subnetworks-aggregated.json')),
  );
  gcp.on(
    'GET /compute/v1/projects/acme-prod/aggregated/instances',
    byToken({
      '': fixture('compute-instances-aggregated-page1.json'),
      CkQI2KSR8ZK3hwM6OQoCGAMKAyC7Ag: fixture('compute-instances-aggregated-page2.json'),
    }),
  );
  gcp.on('GET /v1/projects/acme-prod/locations/-/clusters', json(fixture('gke-clusters-list.json')));
  gcp.on(
    'GET /v1/projects/acme-prod/instances',
    byToken({ '': fixture('sql-instances-page1.json'), 'sql-page-2': fixture('sql-instances-page2.json') }),
  );
  gcp.on(
    'GET /v2/projects/acme-prod/locations/-/services',
    byToken({ '': fixture('run-services.json'), 'run-page-2': '{"services":[]}' }),
  );
});

async function collect(pageSize = 5): Promise<DiscoveryPage[]> {
  const pages: DiscoveryPage[] = [];
  for await (const page of discoverGcp({ org: 'acme', rootUrl: gcp.url, secret: key.secret, pageSize })) {
    pages.push(page);
  }
  return pages;
}

const C = '//compute.googleapis.com/projects/acme-prod';

describe('discoverGcp', () => {
  it('streams one page per GCP page and follows every nextPageToken', async () => {
    const pages = await collect();
    // project, networks, subnetworks, 2 instance pages, 1 cluster, 2 Cloud SQL pages, 2 Cloud Run pages
    expect(pages).toHaveLength(10);
    const tokens = (route: string) => gcp.calls(route).map((request) => request.query.get('pageToken'));
    expect(tokens('GET /compute/v1/projects/acme-prod/aggregated/instances')).toEqual([
      null,
      'CkQI2KSR8ZK3hwM6OQoCGAMKAyC7Ag',
    ]);
    expect(tokens('GET /v1/projects/acme-prod/instances')).toEqual([null, 'sql-page-2']);
    expect(tokens('GET /v2/projects/acme-prod/locations/-/services')).toEqual([null, 'run-page-2']);
    expect(gcp.calls('GET /compute/v1/projects/acme-prod/aggregated/instances')[0]?.query.get('maxResults')).toBe('5');
    expect(gcp.calls('GET /v2/projects/acme-prod/locations/-/services')[0]?.query.get('pageSize')).toBe('5');
    for (const request of gcp.requests) expect(request.headers.authorization).toMatch(/^Bearer ya29\./);
    // One token for the whole walk.
    expect(gcp.tokenRequests).toHaveLength(1);
  });

  it('maps resources to full-resource-name nodes and dependency edges', async () => {
    const pages = await collect();
    const nodes = pages.flatMap((page) => page.nodes);
    const edges = pages.flatMap((page) => page.edges);
    for (const node of nodes) {
      expect(node.org).toBe('acme');
      expect(node.id).toMatch(/^\/\/[a-z]+\.googleapis\.com\/projects\//);
      expect(node.labels.every((label) => /^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(label))).toBe(true);
      expect(typeof node.properties.kind).toBe('string');
      expect(typeof node.properties.region).toBe('string');
    }
    for (const edge of edges) expect(edge.type).toMatch(/^[A-Z][A-Z0-9_]*$/);
    const byId = new Map(nodes.map((node) => [node.id, node]));
    const has = (from: string, type: string, to: string) =>
      edges.some((e) => e.from === from && e.type === type && e.to === to);
    const project = '//cloudresourcemanager.googleapis.com/projects/acme-prod';
    const network = `${C}/global/networks/prod-vpc`;
    const subnet = `${C}/regions/europe-west1/subnetworks/prod-eu`;
    const instance = `${C}/zones/europe-west1-b/instances/web-1`;
    expect(byId.get(project)).toMatchObject({
      labels: ['GcpProject'],
      properties: { name: 'ACME Production', status: 'ACTIVE', number: '123456789012', tags: ['env=prod'] },
    });
    expect(byId.get(instance)).toMatchObject({
      labels: ['GceInstance'],
      properties: {
        kind: 'gce-instance',
        region: 'europe-west1',
        zone: 'europe-west1-b',
        status: 'RUNNING',
        machineType: 'e2-medium',
        tags: ['env=prod', 'team=web'],
      },
    });
    expect(has(instance, 'IN_SUBNETWORK', subnet)).toBe(true);
    expect(has(subnet, 'IN_NETWORK', network)).toBe(true);
    expect(has(instance, 'IN_PROJECT', project)).toBe(true);
    const cluster = '//container.googleapis.com/projects/acme-prod/locations/europe-west1/clusters/prod-gke';
    const pool = `${cluster}/nodePools/spot-pool`;
    expect(byId.get(pool)).toMatchObject({ labels: ['GkeNodePool'], properties: { status: 'RECONCILING' } });
    expect(has(pool, 'PART_OF', cluster)).toBe(true);
    expect(
      has(
        `${cluster}/nodePools/default-pool`,
        'RUNS_AS',
        '//iam.googleapis.com/projects/acme-prod/serviceAccounts/gke-nodes@acme-prod.iam.gserviceaccount.com',
      ),
    ).toBe(true);
    expect(has(cluster, 'IN_SUBNETWORK', subnet)).toBe(true);
    const db = '//sqladmin.googleapis.com/projects/acme-prod/instances/orders-db';
    const replica = '//sqladmin.googleapis.com/projects/acme-prod/instances/orders-db-replica';
    expect(byId.get(db)).toMatchObject({
      labels: ['CloudSqlInstance'],
      properties: { engine: 'POSTGRES_16', status: 'RUNNABLE' },
    });
    expect(has(db, 'IN_NETWORK', network)).toBe(true);
    expect(has(replica, 'REPLICA_OF', db)).toBe(true);
    const service = '//run.googleapis.com/projects/acme-prod/locations/europe-west1/services/checkout';
    const account =
      '//iam.googleapis.com/projects/acme-prod/serviceAccounts/checkout-runtime@acme-prod.iam.gserviceaccount.com';
    expect(byId.get(service)).toMatchObject({
      labels: ['CloudRunService'],
      properties: { status: 'ready', region: 'europe-west1' },
    });
    expect(byId.get(account)).toMatchObject({ labels: ['ServiceAccount'], properties: { kind: 'service-account' } });
    expect(has(service, 'RUNS_AS', account)).toBe(true);
    expect(has(service, 'IN_PROJECT', project)).toBe(true);
    // An edge's dependency that discovery emits at all is emitted before (or with) the edge.
    const seen = new Set<string>();
    let checked = 0;
    for (const page of pages) {
      for (const node of page.nodes) seen.add(node.id);
      for (const edge of page.edges) {
        if (!byId.has(edge.to)) continue;
        expect(seen.has(edge.to), edge.to).toBe(true);
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThan(15);
  });

  it('fails with a typed error when a call is denied', async () => {
    gcp.on('GET /compute/v1/projects/acme-prod/global/networks', apiError('error-permission-denied.json', 403));
    await expect(collect()).rejects.toMatchObject({
      code: 'FORBIDDEN',
      details: { operation: 'compute.networks.list', permission: 'compute.instances.list' },
    });
  });

  it('a project that does not exist is NOT_FOUND before anything is emitted', async () => {
    const pages: DiscoveryPage[] = [];
    gcp.on('GET /v3/projects/acme-prod', apiError('error-not-found.json', 404));
    await expect(
      (async () => {
        for await (const page of discoverGcp({
          org: 'acme',
          rootUrl: gcp.url,
          secret: key.secret,
          projects: ['acme-prod'],
        }))
          pages.push(page);
      })(),
    ).rejects.toMatchObject({ code: 'NOT_FOUND', details: { operation: 'cloudresourcemanager.projects.get' } });
    expect(pages).toHaveLength(0);
  });
});
