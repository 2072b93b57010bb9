/**
 * Standalone (no credential reference): Application Default Credentials, here a key file
 * named by GOOGLE_APPLICATION_CREDENTIALS, and a clear error when ADC finds nothing.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createGcpPlugin } from '../src/index.js';
import { runTool } from './support/call-tool.js';
import { fixture, json, startFakeGcp, type FakeGcp } from './support/fake-gcp.js';
import { createTestKey, type TestKey } from './support/keys.js';

const KEYS = [
  'GOOGLE_APPLICATION_CREDENTIALS',
  'GOOGLE_CLOUD_PROJECT',
  'GCLOUD_PROJECT',
  'CLOUDSDK_CONFIG',
  'METADATA_SERVER_DETECTION',
] as const;
const saved = Object.fromEntries(KEYS.map((name) => [name, process.env[name]]));

let gcp: FakeGcp;
let key: TestKey;
let directory: string;
let keyFile: string;
beforeAll(async () => {
  gcp = await startFakeGcp();
  // ADC uses Google's token URL; the plugin's tokenUrl sends the grant to the fake server.
  key = createTestKey('https://oauth2.googleapis.com/token', 'acme-adc');
  gcp.trust(key.publicKey);
  directory = await mkdtemp(join(tmpdir(), 'plugin-gcp-adc-'));
  keyFile = join(directory, 'key.json');
  await writeFile(keyFile, JSON.stringify(key.secret), { mode: 0o600 });
});
afterAll(async () => {
  await gcp.close();
  await rm(directory, { recursive: true, force: true });
});
afterEach(() => {
  gcp.reset();
  for (const name of KEYS) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
});

function isolate(env: Partial<Record<(typeof KEYS)[number], string>>): void {
  for (const name of KEYS) delete process.env[name];
  Object.assign(process.env, {
    CLOUDSDK_CONFIG: join(directory, 'no-gcloud-config'),
    METADATA_SERVER_DETECTION: 'none',
    ...env,
  });
}

describe('standalone credentials (Application Default Credentials)', () => {
  it('uses the key file named by GOOGLE_APPLICATION_CREDENTIALS, and its project', async () => {
    isolate({ GOOGLE_APPLICATION_CREDENTIALS: keyFile });
    gcp.on(
      'GET /compute/v1/projects/acme-adc/aggregated/instances',
      json(fixture('compute-instances-aggregated-page2.json')),
    );
    const plugin = createGcpPlugin({ rootUrl: gcp.url, tokenUrl: gcp.tokenUrl });
    const result = await runTool(plugin, 'compute_list_instances', {});
    expect(result).toMatchObject({ instances: [{ name: 'batch-7' }] });
    const [request] = gcp.calls('GET /compute/v1/projects/acme-adc/aggregated/instances');
    expect(request?.headers.authorization).toMatch(/^Bearer ya29\.fake-access-token-\d+$/);
    expect(gcp.tokenRequests).toMatchObject([{ verified: true, claims: { iss: key.clientEmail } }]);
  });

  it('the plugin project and the call project override the key file project', async () => {
    isolate({ GOOGLE_APPLICATION_CREDENTIALS: keyFile });
    gcp.on('GET /v1/projects/acme-other/instances', json('{"kind":"sql#instancesList"}'));
    gcp.on('GET /v1/projects/acme-third/instances', json('{"kind":"sql#instancesList"}'));
    const plugin = createGcpPlugin({ rootUrl: gcp.url, tokenUrl: gcp.tokenUrl, project: 'acme-other' });
    expect(await runTool(plugin, 'sql_list_instances', {})).toEqual({ instances: [], truncated: false });
    expect(await runTool(plugin, 'sql_list_instances', { project: 'acme-third' })).toEqual({
      instances: [],
      truncated: false,
    });
    expect(gcp.requests.map((request) => request.path)).toEqual([
      '/v1/projects/acme-other/instances',
      '/v1/projects/acme-third/instances',
    ]);
  });

  it('without any credentials: CONFIGURATION_ERROR saying what to configure, and no request', async () => {
    isolate({});
    const error = await runTool(
      createGcpPlugin({ rootUrl: gcp.url, tokenUrl: gcp.tokenUrl }),
      'compute_list_instances',
      {
        project: 'acme-prod',
      },
    ).catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      code: 'CONFIGURATION_ERROR',
      details: { operation: 'compute.instances.aggregatedList' },
    });
    expect((error as Error).message).toMatch(
      /No GCP credentials.*"gcp" credential slot.*GOOGLE_APPLICATION_CREDENTIALS/,
    );
    expect(gcp.requests).toHaveLength(0);
  });

  it('projects_list needs no project; without credentials it is the same CONFIGURATION_ERROR', async () => {
    isolate({});
    const error = await runTool(createGcpPlugin({ rootUrl: gcp.url }), 'projects_list', {}).catch(
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({
      code: 'CONFIGURATION_ERROR',
      details: { operation: 'cloudresourcemanager.projects.search' },
    });
    expect((error as Error).message).toMatch(/GOOGLE_APPLICATION_CREDENTIALS/);
    expect(gcp.requests).toHaveLength(0);
  });

  it('credentials without a project anywhere: CONFIGURATION_ERROR saying where to set one', async () => {
    const { project_id: _project, ...withoutProject } = key.secret;
    const file = join(directory, 'key-without-project.json');
    await writeFile(file, JSON.stringify(withoutProject), { mode: 0o600 });
    isolate({ GOOGLE_APPLICATION_CREDENTIALS: file });
    // google-auth-library also asks gcloud (installed here) for a project: it has none in CLOUDSDK_CONFIG.
    const error = await runTool(createGcpPlugin({ rootUrl: gcp.url }), 'sql_list_instances', {}).catch(
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({ code: 'CONFIGURATION_ERROR', details: { setting: 'project' } });
    expect((error as Error).message).toMatch(/No GCP project.*GOOGLE_CLOUD_PROJECT/);
    expect(gcp.requests).toHaveLength(0);
  });
});
