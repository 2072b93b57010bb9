/** The test server as plugin configs over the three transports the host supports. */
import { fileURLToPath } from 'node:url';
import type { PluginTransport } from '../../src/mcp-host/mcp-host.js';
import { startHttpMcpServer, type HttpMcpServer } from './mcp-http-server.js';
import { createTestServer, createTestServerState, type TestServerState } from './mcp-test-server.js';

export const TEST_SERVER_BIN = fileURLToPath(new URL('./mcp-test-server-bin.ts', import.meta.url));
export const CORE_DIR = fileURLToPath(new URL('../../', import.meta.url));

/** A stdio transport running the test server under tsx. */
export function stdioTestTransport(env?: Record<string, string>): PluginTransport {
  return {
    kind: 'stdio',
    command: process.execPath,
    args: ['--import', 'tsx', TEST_SERVER_BIN],
    cwd: CORE_DIR,
    ...(env === undefined ? {} : { env }),
  };
}

export interface TransportFixture {
  readonly kind: PluginTransport['kind'];
  readonly transport: PluginTransport;
  /** Server-side state when the server runs in this process (in-process, http). */
  readonly state?: TestServerState;
  close(): Promise<void>;
}

export async function openFixture(kind: PluginTransport['kind']): Promise<TransportFixture> {
  if (kind === 'in-process') {
    const state = createTestServerState();
    return { kind, transport: { kind, server: () => createTestServer(state) }, state, close: () => Promise.resolve() };
  }
  if (kind === 'stdio') return { kind, transport: stdioTestTransport(), close: () => Promise.resolve() };
  const state = createTestServerState();
  const http: HttpMcpServer = await startHttpMcpServer(() => createTestServer(state));
  return {
    kind,
    transport: { kind, url: http.url, headers: { 'x-aurora-test': 'yes' } },
    state,
    close: () => http.close(),
  };
}
