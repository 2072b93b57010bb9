/** Connects a real MCP SDK `Client` to a plugin in-process, over HTTP, or to the example bin over stdio. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Client, type ClientOptions } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { PluginDefinition } from '../../src/plugin-sdk/define-plugin.js';
import { createPluginServer, servePlugin, type PluginServerOptions } from '../../src/plugin-sdk/index.js';

export const exampleBin = fileURLToPath(new URL('./example-plugin-bin.ts', import.meta.url));
export const packageDirectory = fileURLToPath(new URL('../..', import.meta.url));

export interface Connected {
  readonly client: Client;
  /** What the server wrote on stderr (stdio only). */
  readonly stderr: () => string;
  close(): Promise<void>;
}

export type LocalTransport = 'in-process' | 'http';

export async function connectLocal(
  plugin: PluginDefinition,
  kind: LocalTransport,
  serverOptions: PluginServerOptions = {},
  clientOptions: ClientOptions = {},
  setup: (client: Client) => void = () => undefined,
): Promise<Connected> {
  const client = new Client({ name: 'aurora-test', version: '1.0.0' }, clientOptions);
  setup(client);
  if (kind === 'in-process') {
    const server = createPluginServer(plugin, serverOptions);
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    await client.connect(clientSide);
    return {
      client,
      stderr: () => '',
      close: async () => {
        await client.close();
        await server.close();
      },
    };
  }
  const handle = await servePlugin(plugin, { transport: 'http' }, serverOptions);
  const transport = new StreamableHTTPClientTransport(handle.url!);
  await client.connect(transport);
  return {
    client,
    stderr: () => '',
    close: async () => {
      await transport.terminateSession().catch(() => undefined);
      await client.close();
      await handle.close();
    },
  };
}

/** The example bin over stdio with `flags`. */
export async function connectBin(flags: readonly string[], clientOptions: ClientOptions = {}): Promise<Connected> {
  const client = new Client({ name: 'aurora-test', version: '1.0.0' }, clientOptions);
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: ['--import', 'tsx', exampleBin, ...flags],
    cwd: packageDirectory,
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  await client.connect(transport);
  return { client, stderr: () => stderr, close: () => client.close() };
}

/** Runs the example bin to completion (for flags that exit at once). */
export function runBin(flags: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', exampleBin, ...flags], {
      cwd: packageDirectory,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export async function callTool(
  client: Client,
  name: string,
  args: Record<string, unknown> = {},
  meta?: Record<string, unknown>,
): Promise<CallToolResult> {
  return (await client.callTool({
    name,
    arguments: args,
    ...(meta === undefined ? {} : { _meta: meta }),
  })) as CallToolResult;
}

export function errorOf(result: CallToolResult): { code: string; message: string; details: Record<string, unknown> } {
  return result._meta?.['aurora/error'] as { code: string; message: string; details: Record<string, unknown> };
}
