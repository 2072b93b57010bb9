/**
 * A bare MCP SDK `Client` connected to the test server over a given transport, with no host
 * in between: the baseline `bench/agent/tool-calls.ts` compares the host with. It lives here
 * because the SDK is a dependency of core, not of the workspace root.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { PluginTransport } from '../../src/mcp-host/mcp-host.js';
import { createTestServer } from './mcp-test-server.js';

export interface BareClient {
  readonly client: Client;
  callTool(name: string, args: Record<string, unknown>): Promise<unknown>;
  close(): Promise<void>;
}

async function transportFor(config: PluginTransport): Promise<Transport> {
  switch (config.kind) {
    case 'in-process': {
      const [client, server] = InMemoryTransport.createLinkedPair();
      await createTestServer().connect(server);
      return client;
    }
    case 'stdio':
      return new StdioClientTransport({
        command: config.command,
        args: [...(config.args ?? [])],
        stderr: 'pipe',
        ...(config.cwd === undefined ? {} : { cwd: config.cwd }),
      });
    case 'http':
      return new StreamableHTTPClientTransport(new URL(config.url));
  }
}

/** Connects a bare client the way the host would (same transport config); in-process gets its own test server. */
export async function connectBareClient(config: PluginTransport): Promise<BareClient> {
  const client = new Client({ name: 'bench-bare', version: '0.0.0' });
  await client.connect(await transportFor(config));
  await client.listTools();
  return {
    client,
    callTool: (name, args) => client.callTool({ name, arguments: args }),
    close: () => client.close(),
  };
}
