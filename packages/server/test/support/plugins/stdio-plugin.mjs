/**
 * A tiny stdio MCP plugin for the supervisor's tests, run with plain `node` (no build step).
 * Tools: `echo` (text back), `whoami` (this process's pid), `slow` (waits `ms`).
 *
 * Behaviour, from the environment:
 * - AURORA_TEST_NAME: the server name in `initialize` (default "stdio-plugin").
 * - AURORA_TEST_START_LOG: a file to which "<name> <pid>" is appended once the plugin serves.
 * - AURORA_TEST_PROVIDES: a file written once the plugin serves (what a dependent waits for).
 * - AURORA_TEST_REQUIRES: a file that must exist at start, else the plugin exits 1 (a dependent
 *   started before its dependency fails, as a real one would).
 * - AURORA_TEST_FAIL_IF: a file whose presence makes the plugin exit 1 at start.
 *
 * SIGUSR1 puts it in "hang" mode: it stops reading stdin (so pings go unanswered), ignores
 * SIGTERM and stays alive, like a process stuck in a loop; only SIGKILL ends it.
 */
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import * as z from 'zod';

const env = process.env;
const name = env.AURORA_TEST_NAME ?? 'stdio-plugin';

if (env.AURORA_TEST_FAIL_IF !== undefined && existsSync(env.AURORA_TEST_FAIL_IF)) {
  process.stderr.write(`${name}: refusing to start (${env.AURORA_TEST_FAIL_IF} exists)\n`);
  process.exit(1);
}
if (env.AURORA_TEST_REQUIRES !== undefined && !existsSync(env.AURORA_TEST_REQUIRES)) {
  process.stderr.write(`${name}: dependency not ready (${env.AURORA_TEST_REQUIRES} is missing)\n`);
  process.exit(1);
}

const server = new McpServer({ name, version: '1.0.0' });

server.registerTool(
  'echo',
  { description: 'Returns its text.', inputSchema: { text: z.string() }, annotations: { readOnlyHint: true } },
  ({ text }) => ({ content: [{ type: 'text', text }] }),
);

server.registerTool(
  'whoami',
  { description: 'Returns the pid of the process serving the call.', annotations: { readOnlyHint: true } },
  () => ({ content: [{ type: 'text', text: String(process.pid) }] }),
);

server.registerTool(
  'slow',
  {
    description: 'Answers after `ms` milliseconds.',
    inputSchema: { ms: z.number().int().nonnegative() },
    annotations: { readOnlyHint: true },
  },
  async ({ ms }) => {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return { content: [{ type: 'text', text: `slept ${ms}` }] };
  },
);

process.on('SIGUSR1', () => {
  process.stderr.write(`${name}: hanging\n`);
  process.stdin.pause();
  process.stdin.removeAllListeners('data');
  process.stdin.removeAllListeners('end');
  process.on('SIGTERM', () => undefined);
  setInterval(() => undefined, 1_000);
});

await server.connect(new StdioServerTransport());
if (env.AURORA_TEST_PROVIDES !== undefined) writeFileSync(env.AURORA_TEST_PROVIDES, `${process.pid}\n`);
if (env.AURORA_TEST_START_LOG !== undefined) appendFileSync(env.AURORA_TEST_START_LOG, `${name} ${process.pid}\n`);
process.stderr.write(`${name}: serving pid=${process.pid}\n`);
