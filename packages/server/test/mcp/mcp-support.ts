/**
 * MCP clients for the tests: the real SDK `Client` over Streamable HTTP to `${harness.url}/mcp`
 * (or over stdio to the `aurora mcp` bridge), optionally answering elicitation requests.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ElicitRequestSchema, type CallToolResult, type ElicitRequest } from '@modelcontextprotocol/sdk/types.js';
import type { Harness, Session } from '../support/server-harness.js';

export type Elicitation = 'accept' | 'decline' | 'none';

export interface McpTestClient {
  readonly client: Client;
  /** Elicitation requests the server sent, in order. */
  readonly asked: ElicitRequest['params'][];
  call(name: string, args?: Record<string, unknown>): Promise<CallToolResult & { structuredContent?: any }>;
  close(): Promise<void>;
}

/** An API key of the session's user (role defaults to the user's). */
export async function apiKey(harness: Harness, session: Session, name: string): Promise<string> {
  const created = await harness.api('/api/v1/api-keys', { token: session.token, body: { name } });
  if (created.status !== 201) throw new Error(`api key: ${created.status} ${JSON.stringify(created.body)}`);
  return created.body.key as string;
}

/** Connects an SDK client; `elicitation` says whether it declares the capability and what it answers. */
export async function connectMcp(transport: Transport, elicitation: Elicitation = 'accept'): Promise<McpTestClient> {
  const asked: ElicitRequest['params'][] = [];
  const client = new Client(
    { name: 'aurora-test-client', version: '1.0.0' },
    { capabilities: elicitation === 'none' ? {} : { elicitation: { form: {} } } },
  );
  if (elicitation !== 'none') {
    client.setRequestHandler(ElicitRequestSchema, (request) => {
      asked.push(request.params);
      return elicitation === 'accept' ? { action: 'accept', content: { confirm: true } } : { action: 'decline' };
    });
  }
  await client.connect(transport);
  return {
    client,
    asked,
    call: async (name, args = {}) =>
      (await client.callTool({ name, arguments: args })) as CallToolResult & { structuredContent?: any },
    close: () => client.close(),
  };
}

/** A Streamable HTTP transport to the harness's `/mcp` with `Authorization: Bearer <credential>` (none when undefined). */
export function httpTransport(harness: Harness, credential: string | undefined): StreamableHTTPClientTransport {
  return new StreamableHTTPClientTransport(new URL('/mcp', harness.url), {
    requestInit: credential === undefined ? {} : { headers: { authorization: `Bearer ${credential}` } },
  });
}

/** The Aurora error code of a tool error result. */
export function errorCode(result: CallToolResult): string | undefined {
  return result.isError
    ? ((result._meta?.['aurora/error'] as { code?: string } | undefined)?.code ?? 'UNKNOWN')
    : undefined;
}
