/**
 * The MCP host against the same real MCP server over the three transports: in-process
 * (InMemoryTransport), a stdio child process and Streamable HTTP on 127.0.0.1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CancelledError, InvalidInputError, NotFoundError, TimeoutError } from '../src/errors/errors.js';
import { createMcpHost } from '../src/mcp-host/create-mcp-host.js';
import type { ElicitationRequest, McpHost, PluginTransport, ToolProgress } from '../src/mcp-host/mcp-host.js';
import { createSecretRedactor } from '../src/secrets/redactor.js';
import { openFixture, type TransportFixture } from './support/mcp-transports.js';

const SECRET = 'sk-live-0123456789abcdef';
const kinds: PluginTransport['kind'][] = ['in-process', 'stdio', 'http'];
const context = { org: 'acme', user: 'ada', session: 's-1', runId: 'r-1', toolCallId: 'call-1' };

/** Polls `check` until it returns true (bounded; no timing assertion). */
async function until(check: () => Promise<boolean> | boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const listings = new Map<string, unknown>();
const results = new Map<string, unknown>();

describe.each(kinds)('MCP host over %s', (kind) => {
  let fixture: TransportFixture;
  let host: McpHost;
  const redactor = createSecretRedactor();
  redactor.learn(SECRET);

  beforeAll(async () => {
    fixture = await openFixture(kind);
    host = createMcpHost({ redactor, defaultTimeoutMs: 20_000 });
    await host.connect({
      name: 'inv',
      transport: fixture.transport,
      credentials: { aws: 'vault://orgs/{org}/aws' },
    });
  });

  afterAll(async () => {
    await host.close();
    await fixture.close();
  });

  it('lists namespaced tools with risk from annotations', () => {
    const tools = host.listTools();
    const byName = Object.fromEntries(tools.map((tool) => [tool.name, tool]));
    expect(byName.inv__get_item?.risk).toBe('read');
    expect(byName.inv__update_item?.risk).toBe('write');
    expect(byName.inv__delete_item?.risk).toBe('destructive');
    expect(byName.inv__unannotated?.risk).toBe('destructive');
    expect(byName.inv__get_item).toMatchObject({ plugin: 'inv', toolName: 'get_item', title: 'Get item' });
    expect(byName.inv__get_item?.inputSchema.type).toBe('object');
    expect(byName.inv__get_item?.outputSchema?.type).toBe('object');
    listings.set(
      kind,
      tools.map((tool) => ({ ...tool })),
    );
    expect(host.status()[0]).toMatchObject({ name: 'inv', state: 'ready', transport: kind, reconnects: 0 });
    expect(host.status()[0]?.server).toEqual({ name: 'aurora-test-server', version: '1.2.3' });
  });

  it('calls a tool and returns text and structured content', async () => {
    const outcome = await host.callTool('inv__get_item', { id: '7' }, context);
    expect(outcome).toMatchObject({
      isError: false,
      text: 'item 7',
      structuredContent: { id: '7', name: 'Item 7' },
    });
    expect(outcome.error).toBeUndefined();
    results.set(kind, { ...outcome, durationMs: 0 });
  });

  it('sends the _meta contract with credentials filled for the org', async () => {
    const outcome = await host.callTool('inv__echo_meta', {}, context);
    const meta = JSON.parse(outcome.text) as Record<string, unknown>;
    expect(meta).toMatchObject({
      'aurora/org': 'acme',
      'aurora/user': 'ada',
      'aurora/session': 's-1',
      'aurora/runId': 'r-1',
      'aurora/toolCallId': 'call-1',
      'aurora/credentials': { aws: 'vault://orgs/acme/aws' },
    });
    expect(meta.progressToken).toBeUndefined();
  });

  it('forwards progress and sends a progress token only when asked', async () => {
    const seen: ToolProgress[] = [];
    const outcome = await host.callTool(
      'inv__progress',
      { steps: 3 },
      { ...context, onProgress: (progress) => seen.push(progress) },
    );
    expect(outcome.text).toBe('3 steps');
    expect(seen).toEqual([
      { progress: 1, total: 3, message: 'step 1' },
      { progress: 2, total: 3, message: 'step 2' },
      { progress: 3, total: 3, message: 'step 3' },
    ]);
  });

  it('resets the timeout on progress', async () => {
    // 6 steps of 150 ms = 900 ms in total, more than the 400 ms timeout, but progress keeps it alive.
    const outcome = await host.callTool(
      'inv__progress',
      { steps: 6, pauseMs: 150 },
      { ...context, timeoutMs: 400, onProgress: () => undefined },
    );
    expect(outcome.text).toBe('6 steps');
  });

  it('times out with a TimeoutError and the server sees the cancellation', async () => {
    const before = await stats(host);
    const error = await host
      .callTool('inv__slow', { ms: 30_000 }, { ...context, timeoutMs: 200 })
      .catch((e: unknown) => e);
    expect(TimeoutError.isInstance(error)).toBe(true);
    expect((error as TimeoutError).retryable).toBe(true);
    await until(async () => (await stats(host)).cancellations === before.cancellations + 1);
  });

  it('cancels on abort with a CANCELLED error and the server sees the cancellation', async () => {
    const before = await stats(host);
    const controller = new AbortController();
    const pending = host.callTool('inv__slow', { ms: 30_000 }, { ...context, signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    const error = await pending.catch((e: unknown) => e);
    expect(CancelledError.isInstance(error)).toBe(true);
    expect((error as CancelledError).code).toBe('CANCELLED');
    await until(async () => (await stats(host)).cancellations === before.cancellations + 1);
  });

  it('routes an elicitation to the calling context and returns the answer', async () => {
    const requests: ElicitationRequest[] = [];
    const outcome = await host.callTool(
      'inv__ask',
      {},
      {
        ...context,
        onElicitation: (request) => {
          requests.push(request);
          return Promise.resolve({ action: 'accept', content: { colour: 'teal' } });
        },
      },
    );
    expect(outcome.text).toBe('accept:teal');
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ plugin: 'inv', tool: 'ask', message: 'Which colour?' });
    expect(requests[0]?.requestedSchema).toMatchObject({ type: 'object' });
  });

  it('declines an elicitation when the call has no handler', async () => {
    const outcome = await host.callTool('inv__ask', {}, context);
    expect(outcome.text).toBe('decline:-');
  });

  it('routes elicitations of concurrent calls by the echoed toolCallId', async () => {
    const answer = (colour: string) => () => Promise.resolve({ action: 'accept' as const, content: { colour } });
    const [a, b] = await Promise.all([
      host.callTool(
        'inv__ask',
        { echoCallId: true, delayMs: 50 },
        { ...context, toolCallId: 'a', onElicitation: answer('red') },
      ),
      host.callTool(
        'inv__ask',
        { echoCallId: true, delayMs: 10 },
        { ...context, toolCallId: 'b', onElicitation: answer('blue') },
      ),
    ]);
    expect(a.text).toBe('accept:red');
    expect(b.text).toBe('accept:blue');
  });

  it('surfaces a structured Aurora error from the plugin, redacted', async () => {
    const outcome = await host.callTool('inv__fail', { mode: 'aurora', secret: SECRET }, context);
    expect(outcome.isError).toBe(true);
    expect(outcome.error).toMatchObject({ name: 'ForbiddenError', code: 'FORBIDDEN', details: { resource: 'bucket' } });
    expect(JSON.stringify(outcome)).not.toContain(SECRET);
    expect(outcome.text).toContain('[REDACTED]');
  });

  it('turns isError text and a thrown handler into UPSTREAM_ERROR, redacted', async () => {
    for (const mode of ['text', 'throw']) {
      const outcome = await host.callTool('inv__fail', { mode, secret: SECRET }, context);
      expect(outcome.isError).toBe(true);
      expect(outcome.error?.code).toBe('UPSTREAM_ERROR');
      expect(outcome.error?.details).toEqual({ plugin: 'inv', tool: 'fail' });
      expect(outcome.error?.message).toContain(mode === 'text' ? 'bad things' : 'exploded');
      expect(JSON.stringify(outcome)).not.toContain(SECRET);
    }
  });

  it('returns invalid arguments as an error result the model can read', async () => {
    const outcome = await host.callTool('inv__get_item', { id: 42 }, context);
    expect(outcome.isError).toBe(true);
    expect(outcome.error?.code).toBe('UPSTREAM_ERROR');
    expect(outcome.text).toMatch(/id/);
  });

  it('throws NotFoundError for an unknown tool and InvalidInputError for bad input', async () => {
    await expect(host.callTool('inv__nope', {}, context)).rejects.toSatisfy(NotFoundError.isInstance);
    await expect(host.callTool('other__get_item', {}, context)).rejects.toSatisfy(NotFoundError.isInstance);
    await expect(host.callTool('inv__get_item', { id: '1' }, { org: '' })).rejects.toSatisfy(
      InvalidInputError.isInstance,
    );
  });

  it('refreshes the tool list on tools/list_changed', async () => {
    await host.callTool('inv__add_tool', { name: `added_${kind.replace('-', '_')}` }, context);
    const name = `inv__added_${kind.replace('-', '_')}`;
    await until(() => host.listTools().some((tool) => tool.name === name));
    const outcome = await host.callTool(name, {}, context);
    expect(outcome.text).toBe(`added_${kind.replace('-', '_')}`);
  });

  it('pings', async () => {
    const ms = await host.ping('inv');
    expect(ms).toBeGreaterThan(0);
    await expect(host.ping('nope')).rejects.toSatisfy(NotFoundError.isInstance);
  });
});

async function stats(host: McpHost): Promise<{ cancellations: number; pid: number }> {
  const outcome = await host.callTool('inv__stats', {}, context);
  return JSON.parse(outcome.text) as { cancellations: number; pid: number };
}

describe('the three transports', () => {
  it('list the same tools and return the same results', () => {
    expect(listings.size).toBe(3);
    expect(listings.get('stdio')).toEqual(listings.get('in-process'));
    expect(listings.get('http')).toEqual(listings.get('in-process'));
    expect(results.get('stdio')).toEqual(results.get('in-process'));
    expect(results.get('http')).toEqual(results.get('in-process'));
  });
});
