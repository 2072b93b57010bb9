/** Filters, search mode and `aurora__call_tool` through the host, against in-process MCP servers. */
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidInputError, NotFoundError } from '../src/errors/errors.js';
import { createMcpHost } from '../src/mcp-host/create-mcp-host.js';
import type { McpHost } from '../src/mcp-host/mcp-host.js';
import { createTestServer } from './support/mcp-test-server.js';

const server = () => createTestServer();
const context = { org: 'acme' };
let host: McpHost | undefined;
afterEach(async () => {
  await host?.close();
  host = undefined;
});

describe('tool filters through the host', () => {
  it('applies allow and deny globs on the plugin names, and readOnly', async () => {
    host = createMcpHost();
    await host.connect({
      name: 'a',
      transport: { kind: 'in-process', server },
      tools: { allow: ['*_item', 'slow'], deny: ['delete_*'] },
    });
    await host.connect({ name: 'b', transport: { kind: 'in-process', server }, tools: { readOnly: true } });
    const names = host.listTools().map((tool) => tool.name);
    expect(names.filter((name) => name.startsWith('a__')).sort()).toEqual(['a__get_item', 'a__slow', 'a__update_item']);
    expect(
      host
        .listTools()
        .filter((tool) => tool.plugin === 'b')
        .every((tool) => tool.risk === 'read'),
    ).toBe(true);
    expect(names).not.toContain('b__delete_item');
    await expect(host.callTool('a__delete_item', { id: '1' }, context)).rejects.toSatisfy(NotFoundError.isInstance);
  });
});

describe('search mode', () => {
  it('exposes all tools when few, else alwaysOn plus the two host tools', async () => {
    host = createMcpHost({ maxTools: 15 });
    await host.connect({ name: 'a', transport: { kind: 'in-process', server }, alwaysOn: ['get_item'] });
    expect(host.exposedTools().map((tool) => tool.name)).toEqual(host.listTools().map((tool) => tool.name));
    await host.connect({ name: 'b', transport: { kind: 'in-process', server }, alwaysOn: ['stats'] });
    const exposed = host.exposedTools();
    expect(exposed.map((tool) => tool.name)).toEqual([
      'a__get_item',
      'b__stats',
      'aurora__search_tools',
      'aurora__call_tool',
    ]);
    expect(exposed.find((tool) => tool.name === 'aurora__search_tools')?.risk).toBe('read');
    expect(host.exposedTools({ maxTools: 100 })).toHaveLength(host.listTools().length);
  });

  it('answers aurora__search_tools itself', async () => {
    host = createMcpHost({ maxTools: 1 });
    await host.connect({ name: 'inv', transport: { kind: 'in-process', server } });
    const outcome = await host.callTool('aurora__search_tools', { query: 'delete item', limit: 3 }, context);
    const found = JSON.parse(outcome.text) as { tools: { name: string; risk: string; inputSchema: unknown }[] };
    expect(found.tools[0]).toMatchObject({ name: 'inv__delete_item', risk: 'destructive' });
    expect(found.tools[0]?.inputSchema).toMatchObject({ type: 'object' });
    expect(found.tools.length).toBeLessThanOrEqual(3);
    await expect(host.callTool('aurora__search_tools', {}, context)).rejects.toSatisfy(InvalidInputError.isInstance);
  });

  it('resolves aurora__call_tool to the real tool (its risk) and calls it', async () => {
    host = createMcpHost({ maxTools: 1 });
    await host.connect({ name: 'inv', transport: { kind: 'in-process', server } });
    const resolved = host.resolve('aurora__call_tool', { name: 'inv__delete_item', arguments: { id: '5' } });
    expect(resolved.tool.name).toBe('inv__delete_item');
    expect(resolved.tool.risk).toBe('destructive');
    expect(resolved.arguments).toEqual({ id: '5' });
    expect(host.resolve('inv__get_item', { id: '1' }).tool.risk).toBe('read');
    const outcome = await host.callTool(
      'aurora__call_tool',
      { name: 'inv__delete_item', arguments: { id: '5' } },
      context,
    );
    expect(outcome.text).toBe('deleted 5');
    expect(() => host?.resolve('aurora__call_tool', { name: 'inv__missing' })).toThrow(NotFoundError);
    expect(() => host?.resolve('aurora__call_tool', { name: 'aurora__call_tool' })).toThrow(InvalidInputError);
  });
});
