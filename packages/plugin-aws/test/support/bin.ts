/**
 * The plugin's bin for tests: `node --import tsx packages/plugin-aws/test/support/bin.ts [flags]`.
 * `AURORA_TEST_AWS_ENDPOINT` points every AWS client at the fake AWS server; credentials
 * come from the SDK's default chain (the test sets AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY).
 */
import { runPluginCli } from '@aurora-ops/core/plugin-sdk';
import { createAwsPlugin } from '../../src/index.js';

const endpoint = process.env.AURORA_TEST_AWS_ENDPOINT;
await runPluginCli(createAwsPlugin(endpoint === undefined ? {} : { endpoint }));
