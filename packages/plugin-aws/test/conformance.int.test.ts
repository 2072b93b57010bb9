/**
 * The plugin conformance suite against the AWS plugin over in-process, stdio (the test bin
 * run by `node --import tsx`) and Streamable HTTP. Every transport's plugin talks to the
 * same fake AWS server, so sample results must be identical.
 */
import { fileURLToPath } from 'node:url';
import { createPluginServer, servePlugin } from '@aurora-ops/core/plugin-sdk';
import { describePluginConformance } from '@aurora-ops/core/testing';
import { afterAll, beforeAll } from 'vitest';
import { createAwsPlugin } from '../src/index.js';
import { fixture, restJson, restJsonError, startFakeAws, TEST_KEYS, xml, type FakeAws } from './support/fake-aws.js';

let aws: FakeAws | undefined;
let endpoint = 'http://127.0.0.1:9';
beforeAll(async () => {
  aws = await startFakeAws();
  endpoint = aws.url;
  aws.on('sts:GetCallerIdentity', xml(fixture('sts-get-caller-identity.xml')));
  aws.on('ec2:DescribeInstances', xml(fixture('ec2-describe-instances-page2.xml')));
  aws.on('eks:ListClusters', restJson(fixture('eks-list-clusters-page1.json')));
  aws.on('eks:DescribeCluster', restJsonError('ResourceNotFoundException', 404));
});
afterAll(() => aws?.close());

/** The endpoint is known only once the fake server runs, so the plugin is built lazily. */
const plugin = () => createAwsPlugin({ endpoint, region: 'eu-west-1', baseCredentials: TEST_KEYS });
const base = createAwsPlugin();

describePluginConformance('plugin-aws', {
  plugin: base,
  createServer: (options) => createPluginServer(plugin(), options),
  stdio: {
    command: process.execPath,
    args: ['--import', 'tsx', fileURLToPath(new URL('./support/bin.ts', import.meta.url))],
    cwd: fileURLToPath(new URL('../../..', import.meta.url)),
    // Read when the suite connects, after beforeAll started the fake server.
    get env() {
      return {
        AURORA_TEST_AWS_ENDPOINT: endpoint,
        AWS_ACCESS_KEY_ID: TEST_KEYS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: TEST_KEYS.secretAccessKey,
        AWS_REGION: 'eu-west-1',
        AWS_EC2_METADATA_DISABLED: 'true',
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
    { tool: 'sts_get_caller_identity', arguments: {} },
    { tool: 'ec2_list_instances', arguments: { states: ['stopped'] } },
    { tool: 'eks_list_clusters', arguments: { maxResults: 2 } },
    { tool: 'eks_describe_cluster', arguments: { name: 'missing' } },
    { tool: 'ec2_describe_instance', arguments: { instanceId: 'not-an-id' } },
  ],
  guardedCall: { tool: 'ec2_terminate_instances', arguments: { instanceIds: ['i-1234567890abcdef0'] } },
});
