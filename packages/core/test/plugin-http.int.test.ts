/**
 * servePlugin over Streamable HTTP on node:http: stateful sessions (one McpServer each, so
 * elicitation reaches the right client), the guards around the endpoint (path, method,
 * loopback Host, body size, session count), and the example bin started with --http.
 */
import { spawn } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { servePlugin, type HttpServeTarget, type PluginServerHandle } from '../src/plugin-sdk/index.js';
import { createExamplePlugin } from './support/example-plugin.js';
import { callTool, errorOf, exampleBin, packageDirectory } from './support/example-plugin-clients.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serve(target: Omit<HttpServeTarget, 'transport'> = {}) {
  const example = createExamplePlugin();
  const handle = await servePlugin(example.plugin, { transport: 'http', ...target });
  cleanups.push(() => handle.close());
  return { ...example, handle, url: handle.url! };
}

async function client(url: URL, elicitation: boolean): Promise<Client> {
  const connected = new Client(
    { name: 'http-test', version: '1.0.0' },
    { capabilities: elicitation ? { elicitation: {} } : {} },
  );
  if (elicitation)
    connected.setRequestHandler(ElicitRequestSchema, () => ({ action: 'accept', content: { confirm: true } }));
  const transport = new StreamableHTTPClientTransport(url);
  await connected.connect(transport);
  cleanups.push(async () => {
    await transport.terminateSession().catch(() => undefined);
    await connected.close();
  });
  return connected;
}

/** A raw HTTP exchange, so that Host and body size can be whatever the test needs. */
function raw(
  url: URL,
  options: { method?: string; path?: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path: options.path ?? url.pathname,
        method: options.method ?? 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...options.headers,
        },
      },
      (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
      },
    );
    outgoing.on('error', reject);
    outgoing.end(options.body);
  });
}

const initialize = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
});

describe('servePlugin over Streamable HTTP', () => {
  it('binds 127.0.0.1 and /mcp by default', async () => {
    const { url } = await serve();
    expect(url.hostname).toBe('127.0.0.1');
    expect(url.pathname).toBe('/mcp');
    expect(Number(url.port)).toBeGreaterThan(0);
  });

  it('keeps sessions apart: elicitation goes to the session whose call needs it', async () => {
    const { url, state } = await serve();
    const confirming = await client(url, true);
    const plain = await client(url, false);
    const [accepted, refused] = await Promise.all([
      callTool(confirming, 'scale_service', { service: 'api', replicas: 2 }),
      callTool(plain, 'scale_service', { service: 'web', replicas: 9 }),
    ]);
    expect(accepted.structuredContent).toEqual({ service: 'api', replicas: 2 });
    expect(errorOf(refused).code).toBe('CONFIRMATION_REQUIRED');
    expect(state.scaled).toEqual([{ service: 'api', replicas: 2 }]);
  });

  it('answers 404 for other paths, 405 for other methods, 400 without a session, 404 for an unknown one', async () => {
    const { url } = await serve();
    expect((await raw(url, { path: '/other', body: initialize })).status).toBe(404);
    const put = await raw(url, { method: 'PUT', body: initialize });
    expect(put.status).toBe(405);
    expect(put.headers.allow).toBe('GET, POST, DELETE');
    expect((await raw(url, { method: 'GET' })).status).toBe(400);
    const notInitialize = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
    expect((await raw(url, { body: notInitialize })).status).toBe(400);
    const unknown = await raw(url, { body: notInitialize, headers: { 'mcp-session-id': 'no-such-session' } });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toContain('Session not found');
  });

  it('refuses a Host that is not loopback (DNS rebinding) with 403', async () => {
    const { url } = await serve();
    const rebound = await raw(url, { body: initialize, headers: { host: `evil.example:${url.port}` } });
    expect(rebound.status).toBe(403);
    expect((await raw(url, { body: initialize, headers: { host: `localhost:${url.port}` } })).status).toBe(200);
  });

  it('refuses a body over maxBodyBytes with 413', async () => {
    const { url } = await serve({ maxBodyBytes: 1024 });
    const big = JSON.stringify({ ...JSON.parse(initialize), padding: 'x'.repeat(4096) });
    expect((await raw(url, { body: big })).status).toBe(413);
    expect((await raw(url, { body: initialize })).status).toBe(200);
  });

  it('refuses sessions over maxSessions with 503 until one closes', async () => {
    const { url } = await serve({ maxSessions: 1 });
    await client(url, false);
    expect((await raw(url, { body: initialize })).status).toBe(503);
  });

  it('close() stops the listener', async () => {
    const example = createExamplePlugin();
    const handle: PluginServerHandle = await servePlugin(example.plugin, { transport: 'http' });
    await client(handle.url!, false);
    await handle.close();
    await expect(raw(handle.url!, { body: initialize })).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe('the example bin with --http', () => {
  it('prints its URL on stderr, serves MCP there, and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', exampleBin, '--http', '--port', '0', '--read-only'], {
      cwd: packageDirectory,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    const url = await new Promise<URL>((resolve, reject) => {
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString('utf8');
        const found = /listening on (http:\/\/\S+?)"/.exec(stderr);
        if (found?.[1] !== undefined) resolve(new URL(found[1]));
      });
      child.on('close', () => reject(new Error(`the bin exited before listening: ${stderr}`)));
    });
    try {
      expect(url.hostname).toBe('127.0.0.1');
      const connected = await client(url, false);
      const names = (await connected.listTools()).tools.map((tool) => tool.name);
      expect(names).toContain('echo_text');
      expect(names).not.toContain('delete_bucket');
      expect((await callTool(connected, 'echo_text', { text: 'over http' })).structuredContent).toEqual({
        text: 'over http',
        length: 9,
      });
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(stdout).toBe('');
  });
});
