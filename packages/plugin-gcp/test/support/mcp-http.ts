/** The MCP Streamable HTTP test client from `@aurora-ops/core/testing`, named for this package. */
import { connectMcpHttp, mcpErrorOf, type McpHttpClient } from '@aurora-ops/core/testing';

export type { McpHttpClient, McpToolResult } from '@aurora-ops/core/testing';
export const connectHttp = (url: URL): Promise<McpHttpClient> => connectMcpHttp(url, { clientName: 'plugin-gcp-test' });
export const errorOf = mcpErrorOf;
