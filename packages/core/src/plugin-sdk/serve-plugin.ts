import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { ConfigurationError } from '../errors/errors.js';
import { noopLogger } from '../logging/logger.js';
import type { PluginDefinition } from './define-plugin.js';
import { createPluginServer, type PluginServerOptions } from './plugin-server.js';

export interface StdioServeTarget {
  readonly transport: 'stdio';
}

export interface HttpServeTarget {
  readonly transport: 'http';
  /** Default `127.0.0.1`. Any other address exposes the plugin to the network: put auth in front. */
  readonly host?: string;
  /** Default 0 (any free port); read the bound `url`. */
  readonly port?: number;
  /** Default `/mcp`. */
  readonly path?: string;
  /** Largest POST body accepted, in bytes (413 above). Default 1 MiB. */
  readonly maxBodyBytes?: number;
  /** Open sessions at most (503 above). Default 100. */
  readonly maxSessions?: number;
}

export type ServeTarget = StdioServeTarget | HttpServeTarget;

export interface PluginServerHandle {
  /** For HTTP: where the MCP endpoint listens. */
  readonly url?: URL;
  /** Stops serving: every session, then the listener. */
  close(): Promise<void>;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

function sendJson(
  response: ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  if (response.headersSent) {
    response.end();
    return;
  }
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message }, id: null }));
}

function hostnameOf(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  try {
    return new URL(`http://${header}`).hostname;
  } catch {
    return undefined;
  }
}

async function serveStdio(plugin: PluginDefinition, options: PluginServerOptions): Promise<PluginServerHandle> {
  const server = createPluginServer(plugin, options);
  await server.connect(new StdioServerTransport());
  return { close: () => server.close() };
}

async function serveHttp(
  plugin: PluginDefinition,
  target: HttpServeTarget,
  options: PluginServerOptions,
): Promise<PluginServerHandle> {
  const host = target.host ?? '127.0.0.1';
  const path = target.path ?? '/mcp';
  const maxBodyBytes = target.maxBodyBytes ?? 1024 * 1024;
  const maxSessions = target.maxSessions ?? 100;
  if (!path.startsWith('/')) {
    throw new ConfigurationError({ message: 'The HTTP path must start with "/".', details: { setting: 'path' } });
  }
  const logger = options.logger ?? noopLogger;
  const loopbackOnly = LOOPBACK_HOSTS.has(host);
  const sessions = new Map<string, { transport: StreamableHTTPServerTransport; server: McpServer }>();

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://placeholder');
    if (url.pathname !== path) return sendJson(response, 404, `Not found: the MCP endpoint is ${path}.`);
    if (request.method !== 'POST' && request.method !== 'GET' && request.method !== 'DELETE') {
      return sendJson(response, 405, 'Method not allowed.', { allow: 'GET, POST, DELETE' });
    }
    // A server on loopback answers loopback names only: a DNS-rebound page cannot reach it.
    if (loopbackOnly && !LOOPBACK_HOSTS.has(hostnameOf(request.headers.host) ?? '')) {
      return sendJson(response, 403, 'Forbidden: this server only answers requests addressed to a loopback host.');
    }
    const sessionId = request.headers['mcp-session-id'];
    if (typeof sessionId === 'string') {
      const session = sessions.get(sessionId);
      if (session === undefined) return sendJson(response, 404, 'Session not found.');
      return session.transport.handleRequest(request, response);
    }
    if (request.method !== 'POST') return sendJson(response, 400, 'Bad request: no mcp-session-id header.');
    if (sessions.size >= maxSessions) return sendJson(response, 503, 'Too many open sessions.');
    // One McpServer per session, so that server-to-client requests (elicitation) reach the right client.
    const server = createPluginServer(plugin, options);
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: randomUUID,
      maxRequestBodySize: maxBodyBytes,
      onsessioninitialized: (id) => {
        sessions.set(id, { transport, server });
      },
      onsessionclosed: (id) => {
        sessions.delete(id);
      },
    });
    transport.onclose = () => {
      if (transport.sessionId !== undefined) sessions.delete(transport.sessionId);
    };
    await server.connect(transport);
    try {
      await transport.handleRequest(request, response);
    } finally {
      // Not an initialize request (the transport answered 400 or 413): no session to keep.
      if (transport.sessionId === undefined || !sessions.has(transport.sessionId)) await server.close();
    }
  };

  const listener = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      logger.error('plugin HTTP request failed', { error: error instanceof Error ? error.message : String(error) });
      sendJson(response, 500, 'Internal error.');
    });
  });
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.listen(target.port ?? 0, host, () => {
      listener.off('error', reject);
      resolve();
    });
  });
  const address = listener.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: new URL(`http://${urlHost}:${address.port}${path}`),
    async close() {
      const open = [...sessions.values()];
      sessions.clear();
      await Promise.allSettled(open.map(({ server }) => server.close()));
      listener.closeAllConnections();
      await new Promise<void>((resolve) => listener.close(() => resolve()));
    },
  };
}

/**
 * Serves a plugin: over stdio (one client, the parent process; logs must go to stderr), or
 * over Streamable HTTP on `node:http` with stateful sessions, bound to 127.0.0.1 unless told
 * otherwise.
 */
export function servePlugin(
  plugin: PluginDefinition,
  target: ServeTarget,
  options: PluginServerOptions = {},
): Promise<PluginServerHandle> {
  if (target.transport === 'stdio') return serveStdio(plugin, options);
  if (target.transport === 'http') return serveHttp(plugin, target, options);
  return Promise.reject(
    new ConfigurationError({
      message: 'The transport must be "stdio" or "http".',
      details: { setting: 'transport' },
    }),
  );
}
