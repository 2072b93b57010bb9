/**
 * `aurora mcp` as a child process (the real CLI through tsx): an MCP server on stdio that
 * forwards to a running server's `/mcp`. The server runs in-process (harness); the real SDK
 * client talks to the child over stdio.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/server-harness.js';
import { apiKey, connectMcp, errorCode, type McpTestClient } from './mcp-support.js';

const root = resolve(import.meta.dirname, '../../../..');
const bin = resolve(import.meta.dirname, '../../src/bin.ts');

let harness: Harness;
let operatorKey = '';
const open: McpTestClient[] = [];

beforeAll(async () => {
  harness = await startHarness();
  operatorKey = await apiKey(harness, harness.users.operator, 'bridge');
}, 120_000);
afterAll(async () => {
  for (const client of open) await client.close().catch(() => undefined);
  await harness?.close();
});

/** Runs `aurora mcp` with stdin closed; resolves with its exit code, stdout and stderr. */
function runBridge(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', bin, 'mcp'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((done) => child.once('exit', (code) => done({ code, stdout, stderr })));
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const { port } = server.address() as { port: number };
  await new Promise<void>((closed) => server.close(() => closed()));
  return port;
}

describe('aurora mcp (stdio bridge)', () => {
  it('forwards tools/list and tool calls, elicitation included, to the server as the key holder', async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: ['--import', 'tsx', bin, 'mcp'],
      cwd: root,
      env: { AURORA_URL: harness.url, AURORA_API_KEY: operatorKey },
      stderr: 'pipe',
    });
    const client = await connectMcp(transport, 'accept');
    open.push(client);
    const { tools } = await client.client.listTools();
    expect(tools.map((tool) => tool.name)).toContain('start_investigation');
    expect(tools.find((tool) => tool.name === 'respond_to_confirmation')?.annotations?.destructiveHint).toBe(true);

    const started = await client.call('start_investigation', { text: 'hello through the bridge', waitSeconds: 30 });
    expect(started.isError, JSON.stringify(started.content)).toBeFalsy();
    expect(client.asked[0]?.message).toContain('hello through the bridge');
    expect(started.structuredContent).toMatchObject({
      status: 'completed',
      message: expect.stringContaining('Hello operator'),
    });
    const run = await harness.api(`/api/v1/runs/${started.structuredContent.runId}`, {
      token: harness.users.operator.token,
    });
    expect(run.body.status).toBe('completed');

    // Errors keep their types across the bridge.
    expect(errorCode(await client.call('read_session', { sessionId: 'no-such-session' }))).toBe('NOT_FOUND');
  });

  it('without AURORA_API_KEY: one line on stderr, exit code 2, nothing on stdout', async () => {
    const result = await runBridge({ AURORA_URL: harness.url });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^aurora: configuration error: AURORA_API_KEY is not set/);
  });

  it('a server that does not answer: one line on stderr naming it, exit code 1', async () => {
    const port = await closedPort();
    const result = await runBridge({ AURORA_URL: `http://127.0.0.1:${port}`, AURORA_API_KEY: operatorKey });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain(`cannot reach the Aurora server at http://127.0.0.1:${port} (ECONNREFUSED)`);
  });

  it('a key the server refuses: one line on stderr, exit code 1', async () => {
    const result = await runBridge({ AURORA_URL: harness.url, AURORA_API_KEY: 'aurk_revoked-or-invented' });
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(
      /UNAUTHENTICATED: the Aurora server at .* refused AURORA_API_KEY: The session or API key is invalid/,
    );
  });
});
