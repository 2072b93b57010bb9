import { randomUUID } from 'node:crypto';
import { createPluginServer } from '@aurora-ops/core/plugin-sdk';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { Principal } from '../auth/auth-store.js';
import { authenticate, type AppEnv } from '../http/auth-middleware.js';
import type { Runtime } from '../runtime.js';
import { createAuroraMcpPlugin, restError, type McpCaller } from './mcp-tools.js';

export interface MountMcpOptions {
  /** Default `/mcp`. */
  readonly path?: string;
  /**
   * Who confirms `start_investigation` and `respond_to_confirmation`. Default `elicit`: the
   * client's user, through MCP elicitation; a client that cannot ask gets CONFIRMATION_REQUIRED.
   * `allow` runs them unasked (the server's own checks, such as the operator role, still apply).
   */
  readonly confirmations?: 'elicit' | 'allow';
  /** A session unused for this long is closed when the next one opens. Default 30 minutes. */
  readonly idleMs?: number;
  /** Open sessions at most (503 above). Default 1 000. */
  readonly maxSessions?: number;
  /** Open sessions per user; the least recently used is closed above. Default 16. */
  readonly maxSessionsPerUser?: number;
}

export interface McpMount {
  readonly path: string;
  /** Open MCP sessions. */
  sessions(): number;
  /** Closes every session. */
  close(): Promise<void>;
}

interface McpSession {
  readonly owner: string;
  readonly server: McpServer;
  readonly transport: WebStandardStreamableHTTPServerTransport;
  /** What the session's tools act as: refreshed by every request of the session. */
  readonly current: { caller: McpCaller };
  lastSeen: number;
}

const ownerOf = (principal: Principal) => `${principal.org}\u0000${principal.userId}`;

/** A JSON-RPC error response, as the MCP transport itself answers. */
const rpcError = (c: Context, status: 400 | 404 | 503, message: string) =>
  c.json({ jsonrpc: '2.0', error: { code: -32000, message }, id: null }, status);

/**
 * Serves Aurora's tools over MCP Streamable HTTP at `path` (default `/mcp`) of the server's
 * app. Every request authenticates like the REST API (`Authorization: Bearer` with an API key
 * or a session token); a session belongs to the user who opened it, and each tool acts as
 * the principal of the request that called it.
 */
export function mountMcp(app: OpenAPIHono<AppEnv>, runtime: Runtime, options: MountMcpOptions = {}): McpMount {
  const path = options.path ?? '/mcp';
  const idleMs = options.idleMs ?? 30 * 60_000;
  const maxSessions = options.maxSessions ?? 1000;
  const perUser = options.maxSessionsPerUser ?? 16;
  const sessions = new Map<string, McpSession>();

  const drop = async (id: string): Promise<void> => {
    const session = sessions.get(id);
    sessions.delete(id);
    await session?.server.close().catch(() => undefined);
  };
  const sweep = (owner: string) => {
    const now = Date.now();
    for (const [id, session] of sessions) if (now - session.lastSeen > idleMs) void drop(id);
    const mine = [...sessions]
      .filter(([, session]) => session.owner === owner)
      .sort(([, a], [, b]) => a.lastSeen - b.lastSeen);
    for (const [id] of mine.slice(0, Math.max(0, mine.length - perUser + 1))) void drop(id);
  };

  const callerOf = (c: Context<AppEnv>): McpCaller => {
    const authorization = c.req.header('authorization') ?? '';
    return {
      principal: c.get('principal'),
      async rest(route) {
        // The node-server bindings travel along, so the REST route sees the caller's address.
        const response = await app.request(route, { headers: { authorization } }, c.env);
        const body: unknown = await response.json().catch(() => undefined);
        if (!response.ok) throw restError(response.status, body);
        return body;
      },
    };
  };

  app.use(path, authenticate(runtime));
  app.all(path, async (c) => {
    const caller = callerOf(c);
    const owner = ownerOf(caller.principal);
    const sessionId = c.req.header('mcp-session-id');
    if (sessionId !== undefined) {
      const session = sessions.get(sessionId);
      // Another user's session id is as unknown as a stale one.
      if (session?.owner !== owner) return rpcError(c, 404, 'Session not found: initialize a new MCP session.');
      session.current.caller = caller;
      session.lastSeen = Date.now();
      return session.transport.handleRequest(c.req.raw);
    }
    if (c.req.method !== 'POST')
      return rpcError(c, 400, 'Bad request: send initialize in a POST to open an MCP session first.');
    sweep(owner);
    if (sessions.size >= maxSessions) return rpcError(c, 503, 'Too many open MCP sessions; retry later.');

    const current = { caller };
    const server = createPluginServer(createAuroraMcpPlugin({ runtime, caller: () => current.caller }), {
      logger: runtime.logger,
      redactor: runtime.stores.redactor,
      confirmations: options.confirmations ?? 'elicit',
    });
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: randomUUID,
      maxRequestBodySize: runtime.config.maxBodyBytes,
      onsessioninitialized: (id) => {
        sessions.set(id, { owner, server, transport, current, lastSeen: Date.now() });
      },
      onsessionclosed: (id) => {
        sessions.delete(id);
      },
    });
    transport.onclose = () => {
      if (transport.sessionId !== undefined) sessions.delete(transport.sessionId);
    };
    await server.connect(transport);
    const response = await transport.handleRequest(c.req.raw);
    // Not an initialize request (the transport answered 400): no session to keep.
    if (transport.sessionId === undefined || !sessions.has(transport.sessionId)) await server.close();
    return response;
  });

  return {
    path,
    sessions: () => sessions.size,
    async close() {
      await Promise.all([...sessions.keys()].map((id) => drop(id)));
    },
  };
}
