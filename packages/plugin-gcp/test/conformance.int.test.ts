/**
 * The plugin conformance suite against the GCP plugin over in-process, stdio (the test bin
 * run by `node --import tsx`, with Application Default Credentials from a throwaway key file)
 * and Streamable HTTP. Every transport's plugin talks to the same fake GCP server, so sample
 * results must be identical.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPluginServer, servePlugin } from '@aurora-ops/core/plugin-sdk';
import { describePluginConformance } from '@aurora-ops/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authClientForKey, createGcpPlugin, serviceAccountKeyFromSecret } from '../src/index.js';
import { apiError, fixture, json, startFakeGcp, type FakeGcp } from './support/fake-gcp.js';
import { createTestKey, type TestKey } from './support/keys.js';

let gcp: FakeGcp | undefined;
let key: TestKey | undefined;
let rootUrl = 'http://127.0.0.1:9';
const directory = mkdtempSync(join(tmpdir(), 'plugin-gcp-conformance-'));
const keyFile = join(directory, 'key.json');
beforeAll(async () => {
  gcp = await startFakeGcp();
  rootUrl = gcp.url;
  key = createTestKey(gcp.tokenUrl);
  gcp.trust(key.publicKey);
  writeFileSync(keyFile, JSON.stringify(key.secret), { mode: 0o600 });
  gcp.on('GET /v3/projects:search', json(fixture('crm-projects-search.json')));
  gcp.on(
    'GET /compute/v1/projects/acme-prod/aggregated/instances',
    json(fixture('compute-instances-aggregated-page2.json')),
  );
  gcp.on('GET /v1/projects/acme-prod/locations/-/clusters', json(fixture('gke-clusters-list.json')));
  gcp.on(
    'GET /compute/v1/projects/acme-prod/zones/europe-west1-b/instances/missing',
    apiError('error-not-found.json', 404),
  );
});
afterAll(async () => {
  await gcp?.close();
  rmSync(directory, { recursive: true, force: true });
});

/** The root URL is known only once the fake server runs, so the plugin is built lazily. */
const plugin = () =>
  createGcpPlugin({
    rootUrl,
    project: 'acme-prod',
    baseAuth: authClientForKey(serviceAccountKeyFromSecret(key!.secret)),
  });
const base = createGcpPlugin();

describePluginConformance('plugin-gcp', {
  plugin: base,
  createServer: (options) => createPluginServer(plugin(), options),
  stdio: {
    command: process.execPath,
    args: ['--import', 'tsx', fileURLToPath(new URL('./support/bin.ts', import.meta.url))],
    cwd: fileURLToPath(new URL('../../..', import.meta.url)),
    // Read when the suite connects, after beforeAll started the fake server.
    get env() {
      return {
        AURORA_TEST_GCP_ROOT_URL: rootUrl,
        AURORA_TEST_GCP_TOKEN_URL: `${rootUrl}/token`,
        GOOGLE_APPLICATION_CREDENTIALS: keyFile,
        CLOUDSDK_CONFIG: join(directory, 'no-gcloud-config'),
        METADATA_SERVER_DETECTION: 'none',
      };
    },
  },
  http: {
    async start({ readOnly }) {
      const handle = await servePlugin(plugin(), { transport: 'http' }, { readOnly });
      return { url: handle.url!, close: () => handle.close() };
    },
  },
  samples: [
    { tool: 'projects_list', arguments: {} },
    { tool: 'compute_list_instances', arguments: { status: ['TERMINATED'] } },
    { tool: 'gke_list_clusters', arguments: {} },
    { tool: 'compute_get_instance', arguments: { zone: 'europe-west1-b', instance: 'missing' } },
    { tool: 'compute_get_instance', arguments: { zone: 'europe-west1-b', instance: 'Not_A_Name' } },
  ],
  guardedCall: { tool: 'compute_delete_instance', arguments: { zone: 'europe-west1-b', instance: 'web-1' } },
});

describe('plugin-gcp conformance: what the fake GCP server saw', () => {
  it('sample calls of all three transports reached it, each with a bearer token from the JWT flow', () => {
    const calls = gcp!.calls('GET /compute/v1/projects/acme-prod/aggregated/instances');
    expect(calls.length).toBeGreaterThanOrEqual(3);
    for (const request of calls) expect(request.headers.authorization).toMatch(/^Bearer ya29\.fake-access-token-\d+$/);
    expect(gcp!.tokenRequests.every((request) => request.verified)).toBe(true);
    // In-process and HTTP share a key client; stdio (ADC from the key file) signs its own grant.
    expect(gcp!.tokenRequests.length).toBeGreaterThanOrEqual(2);
  });
});
