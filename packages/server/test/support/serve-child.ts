/**
 * The server in a child process, for the crash test: the scripted model and an in-process
 * plugin that appends each destructive call to a file (so calls survive the process). Prints
 * one JSON line `{url, firstLogin}` on stdout when it listens.
 */
import { appendFileSync } from 'node:fs';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { loadConfig } from '../../src/config/config.js';
import { startServer } from '../../src/server.js';
import { scriptedModel } from './server-harness.js';

const callsFile = process.env.AURORA_TEST_CALLS_FILE ?? '';

const plugin = () => {
  const server = new McpServer({ name: 'ops', version: '1.0.0' });
  server.registerTool(
    'delete_instance',
    { description: 'Deletes an instance.', inputSchema: { id: z.string() }, annotations: { destructiveHint: true } },
    (args) => {
      appendFileSync(callsFile, `${args.id}\n`);
      return { content: [{ type: 'text', text: `deleted ${args.id}` }] };
    },
  );
  return server;
};

const server = await startServer(loadConfig(process.env), {
  model: scriptedModel(),
  vectors: false,
  log: () => undefined,
  extraPlugins: [{ name: 'ops', transport: { kind: 'in-process', server: plugin } }],
});
process.stdout.write(`${JSON.stringify({ url: server.url, firstLogin: server.runtime.firstLogin })}\n`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void server.close().then(() => process.exit(0));
  });
}
