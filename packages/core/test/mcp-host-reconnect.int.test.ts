/**
 * Supervision: a stdio child killed with SIGKILL and an HTTP server restarted both fail the
 * in-flight call at once (retryable UNAVAILABLE), then the host reconnects and the next call
 * works; children are stopped on disconnect; stderr is kept redacted; the child gets a
 * minimal environment.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionLostError, InvalidInputError, UniqueViolationError } from '../src/errors/errors.js';
import { createMcpHost } from '../src/mcp-host/create-mcp-host.js';
import type { McpHost } from '../src/mcp-host/mcp-host.js';
import { createSecretRedactor } from '../src/secrets/redactor.js';
import { startHttpMcpServer, type HttpMcpServer } from './support/mcp-http-server.js';
import { createTestServer } from './support/mcp-test-server.js';
import { stdioTestTransport } from './support/mcp-transports.js';

const context = { org: 'acme' };
const fast = { maxAttempts: 30, baseDelayMs: 20, maxDelayMs: 300 };

async function until(check: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

let host: McpHost | undefined;
let http: HttpMcpServer | undefined;
afterEach(async () => {
  await host?.close();
  await http?.close();
  host = undefined;
  http = undefined;
});

describe('stdio plugin supervision', () => {
  it('fails the in-flight call on kill -9, reconnects, and the next call works', async () => {
    host = createMcpHost({ reconnect: fast });
    const first = await host.connect({ name: 'inv', transport: stdioTestTransport() });
    const pid = first.pid;
    expect(pid).toBeGreaterThan(0);
    const pending = host.callTool('inv__slow', { ms: 30_000 }, context).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 200));
    process.kill(pid ?? 0, 'SIGKILL');
    const error = await pending;
    expect(ConnectionLostError.isInstance(error)).toBe(true);
    expect((error as ConnectionLostError).code).toBe('UNAVAILABLE');
    expect((error as Error).message).toMatch(/reconnecting/);
    expect((error as ConnectionLostError).retryable).toBe(true);
    // A new call while the plugin reconnects gets the same retryable error, not NOT_FOUND.
    if (host.status()[0]?.state !== 'ready') {
      const during = await host.callTool('inv__get_item', { id: '1' }, context).catch((caught: unknown) => caught);
      if (host.status()[0]?.state !== 'ready') {
        expect((during as ConnectionLostError).code).toBe('UNAVAILABLE');
        expect((during as ConnectionLostError).retryable).toBe(true);
      }
    }
    await until(() => host?.status()[0]?.state === 'ready');
    const status = host.status()[0];
    expect(status?.reconnects).toBe(1);
    expect(status?.pid).not.toBe(pid);
    expect(status?.toolCount).toBeGreaterThan(5);
    const outcome = await host.callTool('inv__get_item', { id: '9' }, context);
    expect(outcome.text).toBe('item 9');
  });

  it('stops the child on disconnect and on close (no orphan)', async () => {
    host = createMcpHost();
    const a = await host.connect({ name: 'a', transport: stdioTestTransport() });
    const b = await host.connect({ name: 'b', transport: stdioTestTransport() });
    expect(alive(a.pid ?? 0)).toBe(true);
    await host.disconnect('a');
    expect(alive(a.pid ?? 0)).toBe(false);
    expect(host.status().map((s) => s.name)).toEqual(['b']);
    await host.close();
    expect(alive(b.pid ?? 0)).toBe(false);
  });

  it('keeps a redacted stderr tail and passes only a minimal environment', async () => {
    const secret = 'ghp_SuperSecretToken42';
    const redactor = createSecretRedactor();
    redactor.learn(secret);
    process.env.AURORA_TEST_PARENT_SECRET = 'parent-value';
    try {
      host = createMcpHost({ redactor });
      await host.connect({ name: 'inv', transport: stdioTestTransport({ AURORA_TEST_STDERR_SECRET: secret }) });
      await until(() => (host?.status()[0]?.stderrTail ?? []).some((line) => line.startsWith('leaking')));
      const tail = host.status()[0]?.stderrTail ?? [];
      expect(tail).toContain('leaking [REDACTED]');
      expect(JSON.stringify(host.status())).not.toContain(secret);
      expect(tail.join('\n')).not.toContain('parent secret was inherited');
    } finally {
      delete process.env.AURORA_TEST_PARENT_SECRET;
    }
  });

  it('rejects a command that cannot start with a typed error and keeps no plugin', async () => {
    host = createMcpHost();
    const error = await host
      .connect({ name: 'bad', transport: { kind: 'stdio', command: '/nonexistent/aurora-plugin' } })
      .catch((e: unknown) => e);
    expect(ConnectionLostError.isInstance(error)).toBe(true);
    expect(host.status()).toEqual([]);
  });
});

describe('HTTP plugin supervision', () => {
  it('reconnects after the server restarts on the same port', async () => {
    http = await startHttpMcpServer(() => createTestServer());
    const { port, url } = http;
    host = createMcpHost({ reconnect: fast });
    await host.connect({ name: 'web', transport: { kind: 'http', url } });
    const pending = host.callTool('web__slow', { ms: 30_000 }, context).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await http.close();
    const error = await pending;
    expect(ConnectionLostError.isInstance(error)).toBe(true);
    expect((error as ConnectionLostError).retryable).toBe(true);
    http = await startHttpMcpServer(() => createTestServer(), port);
    await until(() => host?.status()[0]?.state === 'ready' && (host.status()[0]?.reconnects ?? 0) >= 1);
    const outcome = await host.callTool('web__get_item', { id: '3' }, context);
    expect(outcome.text).toBe('item 3');
  });

  it('goes failed with lastError after maxAttempts', async () => {
    http = await startHttpMcpServer(() => createTestServer());
    host = createMcpHost({ reconnect: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 20 } });
    await host.connect({ name: 'web', transport: { kind: 'http', url: http.url } });
    await http.close();
    http = undefined;
    await until(() => host?.status()[0]?.state === 'failed');
    const status = host.status()[0];
    expect(status?.lastError?.code).toBe('UNAVAILABLE');
    expect(status?.reconnects).toBe(0);
    expect(host.listTools()).toEqual([]);
    const error = await host.callTool('web__get_item', { id: '1' }, context).catch((e: unknown) => e);
    expect(ConnectionLostError.isInstance(error) || (error as { code?: string }).code === 'NOT_FOUND').toBe(true);
  });

  it('sends the configured headers', async () => {
    http = await startHttpMcpServer(() => createTestServer());
    host = createMcpHost();
    await host.connect({ name: 'web', transport: { kind: 'http', url: http.url, headers: { 'x-tenant': 'acme' } } });
    expect(http.seenHeaders[0]?.['x-tenant']).toBe('acme');
  });
});

describe('connect validation', () => {
  it('rejects bad names, bad transports and duplicates with typed errors', async () => {
    host = createMcpHost();
    const server = () => createTestServer();
    for (const name of ['Bad', 'aurora', 'a_b', '', 'x'.repeat(16)]) {
      await expect(host.connect({ name, transport: { kind: 'in-process', server } })).rejects.toSatisfy(
        InvalidInputError.isInstance,
      );
    }
    await expect(host.connect({ name: 'h', transport: { kind: 'http', url: 'ftp://example' } })).rejects.toSatisfy(
      InvalidInputError.isInstance,
    );
    await host.connect({ name: 'one', transport: { kind: 'in-process', server } });
    await expect(host.connect({ name: 'one', transport: { kind: 'in-process', server } })).rejects.toSatisfy(
      UniqueViolationError.isInstance,
    );
  });
});
