/**
 * Third-party MCP servers installed from npm, over stdio: the reference memory server
 * (`@modelcontextprotocol/server-memory`) and the protocol showcase
 * (`@modelcontextprotocol/server-everything`) for progress, elicitation and list_changed.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMcpHost } from '../src/mcp-host/create-mcp-host.js';
import type { ElicitationRequest, McpHost, ToolProgress } from '../src/mcp-host/mcp-host.js';

const moduleDir = (name: string): string =>
  fileURLToPath(new URL(`../node_modules/@modelcontextprotocol/${name}/dist/index.js`, import.meta.url));
const context = { org: 'acme', toolCallId: 't-1' };

async function until(check: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('@modelcontextprotocol/server-memory over stdio', () => {
  let host: McpHost;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'aurora-memory-'));
    host = createMcpHost();
    await host.connect({
      name: 'memory',
      transport: {
        kind: 'stdio',
        command: process.execPath,
        args: [moduleDir('server-memory')],
        env: { MEMORY_FILE_PATH: join(dir, 'memory.jsonl') },
      },
    });
  });

  afterAll(async () => {
    await host.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists its tools, namespaced', () => {
    const names = host.listTools().map((tool) => tool.name);
    expect(names).toEqual(
      expect.arrayContaining(['memory__create_entities', 'memory__read_graph', 'memory__open_nodes']),
    );
    expect(host.status()[0]?.server?.name).toMatch(/memory/);
  });

  it('creates an entity and reads it back (and it lands in the memory file)', async () => {
    const created = await host.callTool(
      'memory__create_entities',
      { entities: [{ name: 'incident-42', entityType: 'incident', observations: ['disk full on db-1'] }] },
      context,
    );
    expect(created.isError).toBe(false);
    const read = await host.callTool('memory__open_nodes', { names: ['incident-42'] }, context);
    expect(read.isError).toBe(false);
    expect(read.text).toContain('disk full on db-1');
    expect(readFileSync(join(dir, 'memory.jsonl'), 'utf8')).toContain('incident-42');
  });
});

describe('@modelcontextprotocol/server-everything over stdio', () => {
  let host: McpHost;

  beforeAll(async () => {
    host = createMcpHost();
    await host.connect({
      name: 'every',
      transport: { kind: 'stdio', command: process.execPath, args: [moduleDir('server-everything'), 'stdio'] },
    });
  });

  afterAll(async () => {
    await host.close();
  });

  it('picks up the tools it registers after initialize (tools/list_changed)', async () => {
    await until(() => host.listTools().some((tool) => tool.name === 'every__trigger-elicitation-request'));
    expect(host.listTools().find((tool) => tool.name === 'every__echo')?.risk).toBeDefined();
  });

  it('gets only a minimal environment', async () => {
    const outcome = await host.callTool('every__get-env', {}, context);
    const env = JSON.parse(outcome.text) as Record<string, string>;
    const allowed = new Set(['HOME', 'LOGNAME', 'PATH', 'SHELL', 'TERM', 'USER']);
    const extra = Object.keys(env).filter((key) => !allowed.has(key));
    // Node itself may add nothing else; anything here leaked from the parent.
    expect(extra).toEqual([]);
  });

  it('forwards progress from a long-running operation', async () => {
    const seen: ToolProgress[] = [];
    const outcome = await host.callTool(
      'every__trigger-long-running-operation',
      { duration: 0.4, steps: 4 },
      { ...context, onProgress: (progress) => seen.push(progress) },
    );
    expect(outcome.text).toContain('Long running operation completed');
    expect(seen.map((progress) => progress.progress)).toEqual([1, 2, 3, 4]);
    expect(seen[0]?.total).toBe(4);
  });

  it('routes its elicitation to the call and returns the answer', async () => {
    await until(() => host.listTools().some((tool) => tool.name === 'every__trigger-elicitation-request'));
    const requests: ElicitationRequest[] = [];
    const outcome = await host.callTool(
      'every__trigger-elicitation-request',
      {},
      {
        ...context,
        onElicitation: (request) => {
          requests.push(request);
          return Promise.resolve({ action: 'accept', content: { name: 'Ada Lovelace' } });
        },
      },
    );
    expect(requests[0]).toMatchObject({ plugin: 'every', tool: 'trigger-elicitation-request' });
    expect(outcome.text).toContain('Ada Lovelace');
  });
});
