import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CallToolResultSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createExamplePlugin } from '../../test/support/example-plugin.js';
import { riskFromAnnotations } from '../confirmation/risk.js';
import { ConfigurationError } from '../errors/errors.js';
import { createLogger, type LogRecord } from '../logging/logger.js';
import { createFilesystemObjectStore } from '../storage/objects/filesystem-object-store.js';
import { definePlugin } from './define-plugin.js';
import { defineTool } from './define-tool.js';
import { createPluginServer, toolRegistration, type PluginServerOptions } from './plugin-server.js';
import { AURORA_META } from './tool-context.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function connect(options: PluginServerOptions = {}, plugin = createExamplePlugin().plugin): Promise<Client> {
  const server = createPluginServer(plugin, options);
  const client = new Client({ name: 'unit', version: '1.0.0' });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  await client.connect(clientSide);
  closers.push(async () => {
    await client.close();
    await server.close();
  });
  return client;
}

const call = async (client: Client, name: string, args: Record<string, unknown> = {}) =>
  (await client.callTool({ name, arguments: args })) as CallToolResult;

const auroraError = (result: CallToolResult) =>
  result._meta?.[AURORA_META.error] as { code: string; message: string; details: Record<string, unknown> };

describe('tool listing', () => {
  it('gives JSON Schemas from zod, annotations from risk and Aurora _meta', async () => {
    const client = await connect();
    const { tools } = await client.listTools();
    const echo = tools.find((tool) => tool.name === 'echo_text')!;
    expect(echo.title).toBe('Echo text');
    expect(echo.inputSchema).toMatchObject({
      type: 'object',
      properties: { text: { type: 'string', minLength: 1, maxLength: 200 }, upper: { type: 'boolean' } },
      required: ['text'],
    });
    expect(echo.outputSchema).toMatchObject({ type: 'object', required: ['text', 'length'] });
    expect(echo.annotations).toEqual({
      title: 'Echo text',
      readOnlyHint: true,
      destructiveHint: false,
      openWorldHint: true,
    });
    expect(echo._meta).toEqual({ 'aurora/risk': 'read', 'aurora/credentials': [] });

    const scale = tools.find((tool) => tool.name === 'scale_service')!;
    expect(scale.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: false });
    const remove = tools.find((tool) => tool.name === 'delete_bucket')!;
    expect(remove.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: true });
    expect(remove.outputSchema).toBeUndefined();
    const whoami = tools.find((tool) => tool.name === 'cloud_whoami');
    expect(whoami?._meta?.['aurora/credentials']).toEqual(['cloud']);
    expect(whoami?._meta?.['aurora/connectionTest']).toBe(true);
    expect(tools.filter((tool) => tool._meta?.['aurora/connectionTest'] !== undefined)).toHaveLength(1);
    for (const tool of tools) expect(riskFromAnnotations(tool.annotations)).toBe(tool._meta?.['aurora/risk']);
  });

  it('registration carries no title keys when the tool has none', () => {
    const tool = createExamplePlugin().plugin.tools.find((candidate) => candidate.name === 'count_slowly')!;
    const registration = toolRegistration(tool);
    expect('title' in registration).toBe(false);
    expect(registration.annotations).toEqual({ readOnlyHint: true, destructiveHint: false, openWorldHint: true });
  });

  it('read-only mode lists read tools only and refuses the others with FORBIDDEN', async () => {
    const client = await connect({ readOnly: true });
    const names = (await client.listTools()).tools.map((tool) => tool.name).sort();
    expect(names).toEqual(['broken_output', 'cloud_whoami', 'count_slowly', 'echo_text', 'fail_with_error']);
    const result = await call(client, 'delete_bucket', { bucket: 'abc' });
    expect(auroraError(result).code).toBe('FORBIDDEN');
  });
});

describe('results and error mapping', () => {
  it('returns structuredContent and its JSON text for a tool with an output schema', async () => {
    const client = await connect();
    await client.listTools();
    const result = await call(client, 'echo_text', { text: 'abc', upper: true });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toEqual({ text: 'ABC', length: 3 });
    expect(result.content).toEqual([{ type: 'text', text: '{"text":"ABC","length":3}' }]);
  });

  it('maps bad arguments to INVALID_INPUT naming the fields, without echoing values', async () => {
    const client = await connect();
    // After listTools the SDK client validates structuredContent against output schemas:
    // an error result must still get through.
    await client.listTools();
    const secretish = 'sk_live_51HxyzSECRETvalue0001';
    const result = await call(client, 'echo_text', { text: 7, upper: secretish });
    const error = auroraError(result);
    expect(result.isError).toBe(true);
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.details.fields).toEqual(['text', 'upper']);
    expect(error.message).toMatch(/^Invalid arguments for tool "echo_text": text: .*; upper: /);
    expect(JSON.stringify(result)).not.toContain(secretish);
    // A tool with an output schema carries the error in _meta only.
    expect(result.structuredContent).toBeUndefined();
  });

  it('returns an AuroraError as its toMcpResult() plus _meta', async () => {
    const client = await connect();
    const result = await call(client, 'fail_with_error', { kind: 'aurora' });
    expect(result.isError).toBe(true);
    expect(auroraError(result)).toMatchObject({ code: 'NOT_FOUND', details: { widget: 'w-42' } });
    expect(result.structuredContent).toEqual({ error: auroraError(result) });
    expect(result.content[0]).toMatchObject({ type: 'text', text: expect.stringMatching(/^NOT_FOUND: No widget/) });
  });

  it('maps anything else to INTERNAL with a safe message; the stack goes to the logger', async () => {
    const records: LogRecord[] = [];
    const client = await connect({ logger: createLogger((record) => records.push(record)) });
    const result = await call(client, 'fail_with_error', { kind: 'crash' });
    expect(auroraError(result).code).toBe('INTERNAL');
    expect(JSON.stringify(result)).not.toContain('hunter2');
    const logged = records.find((record) => record.message === 'tool handler failed');
    expect(logged?.fields).toMatchObject({ plugin: 'example', tool: 'fail_with_error' });
    expect(JSON.stringify(logged?.fields)).toContain('example-plugin.ts');
  });

  it('maps an output that fails its schema to INTERNAL naming the field', async () => {
    const client = await connect();
    const result = await call(client, 'broken_output');
    expect(auroraError(result)).toMatchObject({ code: 'INTERNAL', details: { fields: ['count'] } });
    expect(auroraError(result).message).toContain('returned a value that does not match its output schema');
  });

  it('maps an unknown tool to NOT_FOUND', async () => {
    const client = await connect();
    const result = await call(client, 'nope');
    expect(auroraError(result)).toMatchObject({ code: 'NOT_FOUND', details: { tool: 'nope' } });
  });

  it('maps a malformed aurora/* _meta to INVALID_INPUT', async () => {
    const client = await connect();
    const result = (await client.callTool({
      name: 'echo_text',
      arguments: { text: 'x' },
      _meta: { [AURORA_META.org]: 'Not An Org' },
    })) as CallToolResult;
    expect(auroraError(result).code).toBe('INVALID_INPUT');
  });

  it('ends a call that outlives its time limit with TIMEOUT and aborts its signal', async () => {
    const { plugin, state } = createExamplePlugin();
    const client = await connect({ timeoutMs: 30 }, plugin);
    const result = await call(client, 'count_slowly', { steps: 1, delayMs: 30_000 });
    expect(auroraError(result).code).toBe('TIMEOUT');
    expect(state.aborted).toEqual(['TIMEOUT']);
  });

  it('rejects a handler result that is neither text nor content when there is no output schema', async () => {
    const plugin = definePlugin({
      name: 'odd',
      version: '1.0.0',
      tools: [
        defineTool({ name: 'odd', description: 'Odd.', input: z.object({}), risk: 'read', handler: () => 42 as never }),
      ],
    });
    const result = await call(await connect({}, plugin), 'odd');
    expect(auroraError(result).code).toBe('INTERNAL');
  });
});

describe('context', () => {
  it('offers the ObjectStore the server was given, and no elicit to a client without elicitation', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'aurora-plugin-objects-'));
    closers.push(() => rm(directory, { recursive: true, force: true }));
    const objects = createFilesystemObjectStore({ directory });
    closers.push(() => objects.close());
    const plugin = definePlugin({
      name: 'big',
      version: '1.0.0',
      tools: [
        defineTool({
          name: 'dump',
          description: 'Keeps a large output in the object store.',
          input: z.object({ size: z.number().int() }),
          output: z.object({ key: z.string(), canElicit: z.boolean(), org: z.string() }),
          risk: 'read',
          handler: async ({ size }, context) => {
            await context.objects!.put('outputs/dump.txt', 'x'.repeat(size));
            return { key: 'outputs/dump.txt', canElicit: context.elicit !== undefined, org: context.org };
          },
        }),
      ],
    });
    const result = await call(await connect({ objects, defaultOrg: 'solo' }, plugin), 'dump', { size: 5000 });
    expect(result.structuredContent).toEqual({ key: 'outputs/dump.txt', canElicit: false, org: 'solo' });
    expect((await objects.head('outputs/dump.txt')).size).toBe(5000);
  });
});

describe('confirmation modes', () => {
  it('elicit mode refuses a write tool for a client without elicitation, and does not run it', async () => {
    const { plugin, state } = createExamplePlugin();
    const client = await connect({}, plugin);
    const result = await call(client, 'scale_service', { service: 'api', replicas: 3 });
    expect(auroraError(result).code).toBe('CONFIRMATION_REQUIRED');
    expect(auroraError(result).message).toContain('--allow-writes');
    expect(state.scaled).toEqual([]);
  });

  it.each(['allow', 'host'] as const)('%s mode runs write and destructive tools', async (confirmations) => {
    const { plugin, state } = createExamplePlugin();
    const client = await connect({ confirmations }, plugin);
    expect((await call(client, 'scale_service', { service: 'api', replicas: 3 })).structuredContent).toEqual({
      service: 'api',
      replicas: 3,
    });
    expect((await call(client, 'delete_bucket', { bucket: 'old-logs' })).content).toEqual([
      { type: 'text', text: 'Deleted bucket old-logs.' },
    ]);
    expect(state).toMatchObject({ scaled: [{ service: 'api', replicas: 3 }], deleted: ['old-logs'] });
  });

  it('rejects bad options with ConfigurationError', () => {
    const { plugin } = createExamplePlugin();
    expect(() => createPluginServer(plugin, { confirmations: 'maybe' as never })).toThrow(ConfigurationError);
    expect(() => createPluginServer(plugin, { timeoutMs: -1 })).toThrow(ConfigurationError);
    expect(() => createPluginServer({} as never)).toThrow(ConfigurationError);
  });
});

describe('describing a call for an approver', () => {
  const scale = (calls: string[]) =>
    definePlugin({
      name: 'fleet',
      version: '1.0.0',
      tools: [
        defineTool({
          name: 'scale_group',
          description: 'Scales a group.',
          input: z.object({ group: z.string().min(1), size: z.number().int().min(0) }),
          output: z.object({ done: z.boolean() }),
          risk: 'write',
          summary: (input) => `Scale group ${input.group} to ${input.size} instances`,
          handler: (input) => {
            calls.push(input.group);
            return { done: true };
          },
        }),
      ],
    });

  it('lists that it can describe a call, and describes one without running it', async () => {
    const calls: string[] = [];
    const client = await connect({ confirmations: 'host' }, scale(calls));
    const { tools } = await client.listTools();
    expect(tools[0]?._meta?.[AURORA_META.summary]).toBe(true);
    const described = await client.request(
      {
        method: 'tools/call',
        params: { name: 'scale_group', arguments: { group: 'web', size: 3 }, _meta: { [AURORA_META.summary]: true } },
      },
      CallToolResultSchema,
    );
    expect(described._meta?.[AURORA_META.summary]).toBe('Scale group web to 3 instances');
    expect(calls).toEqual([]);
    const invalid = await client.request(
      {
        method: 'tools/call',
        params: { name: 'scale_group', arguments: { group: '' }, _meta: { [AURORA_META.summary]: true } },
      },
      CallToolResultSchema,
    );
    expect(invalid.isError).toBe(true);
    expect(calls).toEqual([]);
  });
});
