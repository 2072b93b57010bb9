import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import type { ServerConfig } from './config/config.js';
import { createApp } from './http/app.js';
import { attachWebSocket } from './http/websocket.js';
import { createRuntime, type Runtime, type RuntimeOptions } from './runtime.js';

export interface AuroraServer {
  readonly runtime: Runtime;
  readonly app: ReturnType<typeof createApp>;
  /** `http://host:port` once listening. */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Assembles the runtime (stores, plugins, agent) and serves the HTTP API and the chat
 * WebSocket on `config.host:config.port`. `close()` drains in-flight runs, stops plugins and
 * closes the stores.
 */
export async function startServer(config: ServerConfig, options: RuntimeOptions = {}): Promise<AuroraServer> {
  const runtime = await createRuntime(config, options);
  try {
    const app = createApp(runtime);
    const server = await new Promise<Server>((resolve, reject) => {
      const created = serve({ fetch: app.fetch, hostname: config.host, port: config.port }, () =>
        resolve(created as Server),
      );
      (created as Server).once('error', reject);
    });
    const ws = attachWebSocket(server, runtime);
    const address = server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return {
      runtime,
      app,
      url: `http://${host}:${address.port}`,
      async close() {
        await ws.close();
        await app.mcp.close();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections?.();
        });
        await runtime.close();
      },
    };
  } catch (error) {
    await runtime.close();
    throw error;
  }
}
