import { AURORA_META } from '../internal/aurora-meta.js';
import { parseJson } from '../internal/json.js';

/**
 * A minimal MCP client over Streamable HTTP (JSON-RPC over fetch, JSON or SSE answers) that
 * declares no capabilities, so a plugin sees a client without elicitation. Plugins test their
 * HTTP serving with it without depending on `@modelcontextprotocol/sdk` themselves.
 */
export interface McpToolResult {
  readonly isError?: boolean;
  readonly content: { type: string; text?: string }[];
  readonly structuredContent?: Record<string, unknown>;
  readonly _meta?: Record<string, unknown>;
}

export interface McpHttpClient {
  listTools(): Promise<{ name: string; annotations?: Record<string, unknown> }[]>;
  callTool(name: string, args: Record<string, unknown>, meta?: Record<string, unknown>): Promise<McpToolResult>;
  close(): Promise<void>;
}

interface JsonRpcAnswer {
  readonly id?: number;
  readonly result?: unknown;
  readonly error?: { code: number; message: string };
}

function parseAnswer(text: string, contentType: string, id: number): JsonRpcAnswer {
  const messages: JsonRpcAnswer[] = contentType.includes('text/event-stream')
    ? text
        .split('\n')
        .filter((line) => line.startsWith('data:'))
        .map((line) => parseJson(line.slice(5), 'An MCP answer') as JsonRpcAnswer)
    : [parseJson(text, 'An MCP answer') as JsonRpcAnswer];
  const answer = messages.find((message) => message.id === id);
  if (answer === undefined) throw new Error(`no JSON-RPC answer for id ${id}: ${text.slice(0, 200)}`);
  return answer;
}

/** Initializes a session with the MCP server at `url`. */
export async function connectMcpHttp(url: URL, options: { clientName?: string } = {}): Promise<McpHttpClient> {
  let session: string | undefined;
  let nextId = 1;
  const post = async (body: Record<string, unknown>): Promise<Response> =>
    fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2025-06-18',
        ...(session === undefined ? {} : { 'mcp-session-id': session }),
      },
      body: JSON.stringify({ jsonrpc: '2.0', ...body }),
    });
  const request = async (method: string, params: Record<string, unknown>): Promise<unknown> => {
    const id = nextId++;
    const response = await post({ id, method, params });
    session ??= response.headers.get('mcp-session-id') ?? undefined;
    const answer = parseAnswer(await response.text(), response.headers.get('content-type') ?? '', id);
    if (answer.error !== undefined) throw new Error(`MCP ${method}: ${answer.error.message}`);
    return answer.result;
  };
  await request('initialize', {
    protocolVersion: '2025-06-18',
    capabilities: {},
    clientInfo: { name: options.clientName ?? 'aurora-test', version: '1.0.0' },
  });
  await (await post({ method: 'notifications/initialized' })).text();
  return {
    listTools: async () => ((await request('tools/list', {})) as { tools: { name: string }[] }).tools,
    callTool: async (name, args, meta) =>
      (await request('tools/call', {
        name,
        arguments: args,
        ...(meta === undefined ? {} : { _meta: meta }),
      })) as McpToolResult,
    close: async () => {
      if (session !== undefined) {
        await fetch(url, { method: 'DELETE', headers: { 'mcp-session-id': session } }).catch(() => undefined);
      }
    },
  };
}

/** The serialized Aurora error of an error result. */
export function mcpErrorOf(result: McpToolResult): { code: string; message: string; details: Record<string, unknown> } {
  return result._meta?.[AURORA_META.error] as { code: string; message: string; details: Record<string, unknown> };
}
