/**
 * The AWS plugin served over Streamable HTTP (servePlugin) to a client without
 * elicitation: the standalone guard, read-only mode, and credentials that arrive as a
 * secret reference resolved through core's local secret store, against the fake AWS server.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createLocalSecretStore,
  createLogger,
  createSecretResolver,
  type LogRecord,
  type SecretResolver,
  type SecretStore,
} from '@aurora-ops/core';
import { servePlugin, type PluginServerOptions } from '@aurora-ops/core/plugin-sdk';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAwsPlugin } from '../src/index.js';
import { ec2Error, fixture, startFakeAws, TEST_KEYS, xml, type FakeAws } from './support/fake-aws.js';
import { connectHttp, errorOf, type McpHttpClient } from './support/mcp-http.js';

const CANARY = 'wJalrXUtnFEMI/K7MDENG/org-secret-canary-91c2';

let aws: FakeAws;
const open: { close(): Promise<void> }[] = [];
beforeAll(async () => {
  aws = await startFakeAws();
});
afterAll(() => aws.close());
beforeEach(() => aws.reset());
afterEach(async () => {
  for (const item of open.splice(0).reverse()) await item.close();
});

async function serve(options: PluginServerOptions): Promise<McpHttpClient> {
  const plugin = createAwsPlugin({ endpoint: aws.url, region: 'eu-west-1', baseCredentials: TEST_KEYS });
  const handle = await servePlugin(plugin, { transport: 'http' }, options);
  open.push(handle);
  const client = await connectHttp(handle.url!);
  open.push(client);
  return client;
}

describe('standalone guard', () => {
  it('refuses a destructive tool with CONFIRMATION_REQUIRED for a client without elicitation, and never calls AWS', async () => {
    const client = await serve({});
    const result = await client.callTool('ec2_terminate_instances', { instanceIds: ['i-1234567890abcdef0'] });
    expect(result.isError).toBe(true);
    expect(errorOf(result).code).toBe('CONFIRMATION_REQUIRED');
    expect(aws.requests).toHaveLength(0);
  });

  it('runs it when the server was started with confirmations "allow" (--allow-writes)', async () => {
    aws.on('ec2:TerminateInstances', xml(fixture('ec2-terminate-instances.xml')));
    const client = await serve({ confirmations: 'allow' });
    const result = await client.callTool('ec2_terminate_instances', { instanceIds: ['i-1234567890abcdef0'] });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toEqual({
      instances: [{ instanceId: 'i-1234567890abcdef0', previousState: 'running', currentState: 'shutting-down' }],
    });
  });

  it('declares sts_get_caller_identity as its connection test (what POST /connectors/aws/test calls)', async () => {
    const client = await serve({ readOnly: true });
    const tools = (await client.listTools()) as { name: string; _meta?: Record<string, unknown> }[];
    expect(
      tools.filter((listed) => listed._meta?.['aurora/connectionTest'] === true).map((listed) => listed.name),
    ).toEqual(['sts_get_caller_identity']);
  });

  it('read-only mode lists only read tools', async () => {
    const client = await serve({ readOnly: true });
    const names = (await client.listTools()).map((tool) => tool.name);
    expect(names).toContain('ec2_list_instances');
    expect(names).not.toContain('ec2_stop_instances');
    expect(names).not.toContain('ec2_terminate_instances');
    expect(names).toHaveLength(19);
  });
});

describe('credentials from a secret reference', () => {
  let directory: string;
  let store: SecretStore;
  let resolver: SecretResolver;
  const logs: LogRecord[] = [];
  const meta = (secret: string) => ({
    'aurora/org': 'acme',
    'aurora/credentials': { aws: `local:orgs/{org}/${secret}` },
  });

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'plugin-aws-secrets-'));
    store = createLocalSecretStore({ directory, key: randomBytes(32) });
    await store.put('orgs/acme/aws', {
      access_key_id: 'AKIAORGKEY0000000001',
      secret_access_key: CANARY,
      region: 'eu-central-1',
    });
    await store.put('orgs/acme/role', {
      role_arn: 'arn:aws:iam::210987654321:role/aurora-readonly',
      external_id: 'ext-1234',
    });
    await store.put('orgs/acme/partial', { access_key_id: 'AKIAORGKEY0000000001' });
    resolver = createSecretResolver({ stores: { local: store } });
  });
  afterAll(async () => {
    await store.close?.();
    await rm(directory, { recursive: true, force: true });
  });
  beforeEach(() => {
    logs.length = 0;
  });
  const server = () => serve({ resolver, confirmations: 'host', logger: createLogger((record) => logs.push(record)) });

  it('signs with the org key pair and its region; the secret key is in no result, error or log', async () => {
    aws.on('sts:GetCallerIdentity', xml(fixture('sts-get-caller-identity.xml')));
    aws.on('ec2:DescribeInstances', ec2Error('AuthFailure', 401));
    const client = await server();
    const ok = await client.callTool('sts_get_caller_identity', {}, meta('aws'));
    expect(ok.structuredContent).toMatchObject({ account: '123456789012' });
    const [request] = aws.calls('sts:GetCallerIdentity');
    expect(request?.headers.authorization).toMatch(
      /Credential=AKIAORGKEY0000000001\/\d{8}\/eu-central-1\/sts\/aws4_request/,
    );
    const failed = await client.callTool('ec2_list_instances', {}, meta('aws'));
    expect(errorOf(failed)).toMatchObject({ code: 'FORBIDDEN', details: { awsCode: 'AuthFailure' } });
    const crash = await client.callTool('ec2_stop_instances', { instanceIds: ['i-1234567890abcdef0'] }, meta('aws'));
    expect(crash.isError).toBe(true);
    const everything = JSON.stringify([ok, failed, crash, logs, aws.requests.map((r) => [r.headers, r.body])]);
    expect(everything).not.toContain(CANARY);
    expect(everything).not.toContain('K7MDENG/org-secret');
  });

  it('assumes the role from the secret with the deployment credentials, then signs with the temporary keys', async () => {
    aws.on('sts:AssumeRole', xml(fixture('sts-assume-role.xml')));
    aws.on('ec2:DescribeInstances', xml(fixture('ec2-describe-instances-empty.xml')));
    const client = await server();
    const result = await client.callTool('ec2_list_instances', { region: 'ap-southeast-2' }, meta('role'));
    expect(result.structuredContent).toEqual({ instances: [], truncated: false });
    const [assume] = aws.calls('sts:AssumeRole');
    expect(Object.fromEntries(assume!.params)).toMatchObject({
      Action: 'AssumeRole',
      RoleArn: 'arn:aws:iam::210987654321:role/aurora-readonly',
      ExternalId: 'ext-1234',
      RoleSessionName: 'aurora-plugin-aws',
    });
    expect(assume?.headers.authorization).toContain(`Credential=${TEST_KEYS.accessKeyId}/`);
    const [describe] = aws.calls('ec2:DescribeInstances');
    expect(describe?.headers.authorization).toMatch(
      /Credential=ASIAIOSFODNN7EXAMPLE\/\d{8}\/ap-southeast-2\/ec2\/aws4_request/,
    );
    expect(describe?.headers['x-amz-security-token']).toMatch(/^AQoDYXdzEPT/);
    expect(JSON.stringify(result)).not.toContain('EXAMPLEKEY-assumed');
    // The assumed-role session is kept in memory for the next call of the same org.
    await client.callTool('ec2_list_instances', { region: 'ap-southeast-2' }, meta('role'));
    expect(aws.calls('sts:AssumeRole')).toHaveLength(1);
    expect(aws.calls('ec2:DescribeInstances')).toHaveLength(2);
  });

  it('a secret without the key pair or a role is CONFIGURATION_ERROR naming the missing field', async () => {
    const client = await server();
    const result = await client.callTool('sts_get_caller_identity', {}, meta('partial'));
    expect(errorOf(result)).toMatchObject({
      code: 'CONFIGURATION_ERROR',
      details: { slot: 'aws', fields: ['secret_access_key'] },
    });
    expect(errorOf(result).message).toContain('secret_access_key');
    expect(aws.requests).toHaveLength(0);
  });
});
