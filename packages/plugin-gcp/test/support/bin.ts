/**
 * The plugin's bin for tests: `node --import tsx packages/plugin-gcp/test/support/bin.ts [flags]`.
 * `AURORA_TEST_GCP_ROOT_URL` points every Google client at the fake GCP server, and
 * `AURORA_TEST_GCP_TOKEN_URL` its token endpoint; credentials come from Application Default
 * Credentials (the test sets GOOGLE_APPLICATION_CREDENTIALS to a throwaway key file).
 */
import { runPluginCli } from '@aurora-ops/core/plugin-sdk';
import { createGcpPlugin } from '../../src/index.js';

const rootUrl = process.env.AURORA_TEST_GCP_ROOT_URL;
const tokenUrl = process.env.AURORA_TEST_GCP_TOKEN_URL;
await runPluginCli(
  createGcpPlugin({
    ...(rootUrl === undefined ? {} : { rootUrl }),
    ...(tokenUrl === undefined ? {} : { tokenUrl }),
  }),
);
