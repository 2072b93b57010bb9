/**
 * The plugin conformance suite against the example plugin over all three transports:
 * in-process (InMemoryTransport), stdio (the example bin run by `node --import tsx`) and
 * Streamable HTTP (servePlugin on 127.0.0.1).
 */
import { fileURLToPath } from 'node:url';
import { servePlugin } from '../src/plugin-sdk/index.js';
import { describePluginConformance } from '../src/testing/plugin-conformance.js';
import { createExamplePlugin } from './support/example-plugin.js';

const { plugin } = createExamplePlugin();

describePluginConformance('example plugin', {
  plugin,
  stdio: {
    command: process.execPath,
    args: ['--import', 'tsx', fileURLToPath(new URL('./support/example-plugin-bin.ts', import.meta.url))],
    cwd: fileURLToPath(new URL('..', import.meta.url)),
  },
  http: {
    async start({ readOnly }) {
      const handle = await servePlugin(plugin, { transport: 'http' }, { readOnly });
      return { url: handle.url!, close: () => handle.close() };
    },
  },
  samples: [
    { tool: 'echo_text', arguments: { text: 'hello', upper: true } },
    { tool: 'count_slowly', arguments: { steps: 3, delayMs: 0 } },
    { tool: 'cloud_whoami', arguments: {} },
    { tool: 'fail_with_error', arguments: { kind: 'aurora' } },
    { tool: 'fail_with_error', arguments: { kind: 'crash' } },
    { tool: 'broken_output', arguments: {} },
    { tool: 'echo_text', arguments: { text: 42 } },
  ],
  guardedCall: { tool: 'delete_bucket', arguments: { bucket: 'logs-archive' } },
});
