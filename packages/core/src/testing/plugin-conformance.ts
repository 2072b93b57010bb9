import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { riskFromAnnotations } from '../confirmation/risk.js';
import type { ErrorCode } from '../errors/codes.js';
import { MAX_QUALIFIED_TOOL_NAME, qualifiedToolName, type PluginDefinition } from '../plugin-sdk/define-plugin.js';
import { TOOL_NAME_PATTERN } from '../plugin-sdk/define-tool.js';
import { createPluginServer, type PluginServerOptions } from '../plugin-sdk/plugin-server.js';
import { AURORA_META } from '../plugin-sdk/tool-context.js';
import type { ConformanceSkip } from './harness.js';

export type PluginTransportKind = 'in-process' | 'stdio' | 'http';

export interface PluginToolCall {
  readonly tool: string;
  readonly arguments: Readonly<Record<string, unknown>>;
}

/** How the suite reaches the plugin. A transport left out is reported as skipped, with the reason. */
export interface PluginConformanceHarness {
  readonly plugin: PluginDefinition;
  /** The in-process server for `options`. Default: `createPluginServer(plugin, options)`. */
  readonly createServer?: (options: PluginServerOptions) => McpServer;
  /** The plugin's bin; the suite appends `--read-only` for the read-only checks. */
  readonly stdio?: {
    readonly command: string;
    readonly args: readonly string[];
    readonly env?: Readonly<Record<string, string>>;
    readonly cwd?: string;
  };
  /** Starts the plugin over Streamable HTTP, in `elicit` mode. */
  readonly http?: {
    start(options: { readonly readOnly: boolean }): Promise<{ readonly url: URL | string; close(): Promise<void> }>;
  };
  /** Deterministic calls (read tools) whose results must be identical over every transport. */
  readonly samples: readonly PluginToolCall[];
  /** Arguments the tool rejects. Default: `{}` for the first tool with a required argument. */
  readonly invalidCall?: PluginToolCall;
  /** Valid arguments for a `write` or `destructive` tool, to check the standalone guard. */
  readonly guardedCall?: PluginToolCall;
  readonly skip?: readonly ConformanceSkip[];
}

interface Connection {
  readonly client: Client;
  close(): Promise<void>;
}

const MISSING: Record<Exclude<PluginTransportKind, 'in-process'>, string> = {
  stdio: 'the harness gives no stdio command',
  http: 'the harness gives no HTTP start function',
};

/** Connects a client that declares no elicitation support (as most MCP clients today). */
async function connect(
  harness: PluginConformanceHarness,
  kind: PluginTransportKind,
  readOnly: boolean,
): Promise<Connection> {
  const client = new Client({ name: 'aurora-plugin-conformance', version: '1.0.0' }, { capabilities: {} });
  if (kind === 'in-process') {
    const server = (harness.createServer ?? ((options) => createPluginServer(harness.plugin, options)))({ readOnly });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    await client.connect(clientSide);
    return {
      client,
      close: async () => {
        await client.close();
        await server.close();
      },
    };
  }
  if (kind === 'stdio') {
    const stdio = harness.stdio!;
    const transport = new StdioClientTransport({
      command: stdio.command,
      args: [...stdio.args, ...(readOnly ? ['--read-only'] : [])],
      ...(stdio.env === undefined ? {} : { env: { ...stdio.env } }),
      ...(stdio.cwd === undefined ? {} : { cwd: stdio.cwd }),
      stderr: 'pipe',
    });
    // Drain the child's log so it never blocks on a full pipe.
    transport.stderr?.on('data', () => undefined);
    await client.connect(transport);
    return { client, close: () => client.close() };
  }
  const started = await harness.http!.start({ readOnly });
  const url = typeof started.url === 'string' ? new URL(started.url) : started.url;
  const transport = new StreamableHTTPClientTransport(url);
  await client.connect(transport);
  return {
    client,
    close: async () => {
      await transport.terminateSession().catch(() => undefined);
      await client.close();
      await started.close();
    },
  };
}

function available(harness: PluginConformanceHarness, kind: PluginTransportKind): boolean {
  return kind === 'in-process' || harness[kind] !== undefined;
}

/** Asserts the shape every Aurora error result has, and returns its code. */
export function expectErrorResult(result: CallToolResult, code?: ErrorCode): string {
  expect(result.isError, 'expected an error result').toBe(true);
  const [first] = result.content;
  expect(first?.type).toBe('text');
  expect(first?.type === 'text' ? first.text.length : 0).toBeGreaterThan(0);
  const error = result._meta?.[AURORA_META.error] as { code?: unknown; message?: unknown } | undefined;
  expect(error, `result _meta lacks "${AURORA_META.error}"`).toBeDefined();
  expect(typeof error?.message).toBe('string');
  if (code !== undefined) expect(error?.code).toBe(code);
  const structured = result.structuredContent as { error?: { code?: unknown } } | undefined;
  if (structured?.error !== undefined) expect(structured.error.code).toBe(error?.code);
  return String(error?.code);
}

function invalidCallFor(harness: PluginConformanceHarness, tools: readonly Tool[]): PluginToolCall | undefined {
  if (harness.invalidCall !== undefined) return harness.invalidCall;
  const tool = tools.find((candidate) => (candidate.inputSchema.required ?? []).length > 0);
  return tool === undefined ? undefined : { tool: tool.name, arguments: {} };
}

function sortedTools(tools: readonly Tool[]): Tool[] {
  return [...tools].sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * The plugin conformance suite: tool names, JSON Schemas, risk annotations, typed error
 * results, identical listings and sample results over in-process, stdio and Streamable
 * HTTP, read-only mode, and the standalone guard for clients without elicitation.
 */
export function describePluginConformance(name: string, harness: PluginConformanceHarness): void {
  describe(`Plugin conformance: ${name}`, () => {
    const open: Connection[] = [];
    afterEach(async () => {
      for (const connection of open.splice(0).reverse()) await connection.close();
    });
    const session = async (kind: PluginTransportKind, readOnly = false): Promise<Client> => {
      const connection = await connect(harness, kind, readOnly);
      open.push(connection);
      return connection.client;
    };
    const test = (
      title: string,
      fn: (skip: (reason: string) => void) => Promise<void>,
      unless?: () => string | undefined,
    ): void => {
      it(title, async (context) => {
        const reason =
          harness.skip?.find((entry) => entry.tests.includes(title) || entry.tests.includes('*'))?.reason ?? unless?.();
        if (reason !== undefined) context.skip(reason);
        await fn((why) => context.skip(why));
      });
    };
    const kinds: readonly PluginTransportKind[] = ['in-process', 'stdio', 'http'];
    const { plugin } = harness;

    test('tool names are valid and fit 64 characters with the plugin prefix', async () => {
      const { tools } = await (await session('in-process')).listTools();
      expect(tools.map((tool) => tool.name).sort()).toEqual(plugin.tools.map((tool) => tool.name).sort());
      for (const tool of tools) {
        expect(tool.name).toMatch(TOOL_NAME_PATTERN);
        expect(qualifiedToolName(plugin.name, tool.name).length).toBeLessThanOrEqual(MAX_QUALIFIED_TOOL_NAME);
        expect(tool.description?.length ?? 0, `${tool.name} has no description`).toBeGreaterThan(0);
      }
    });

    test('input and output schemas are JSON Schema objects', async () => {
      const { tools } = await (await session('in-process')).listTools();
      for (const tool of tools) {
        expect(tool.inputSchema.type, tool.name).toBe('object');
        expect(typeof (tool.inputSchema.properties ?? {}), tool.name).toBe('object');
        const definition = plugin.tools.find((candidate) => candidate.name === tool.name);
        if (definition?.output === undefined) expect(tool.outputSchema, tool.name).toBeUndefined();
        else expect(tool.outputSchema?.type, tool.name).toBe('object');
      }
    });

    test('annotations are present and agree with the declared risk', async () => {
      const { tools } = await (await session('in-process')).listTools();
      for (const tool of tools) {
        const definition = plugin.tools.find((candidate) => candidate.name === tool.name);
        expect(typeof tool.annotations?.readOnlyHint, tool.name).toBe('boolean');
        expect(typeof tool.annotations?.destructiveHint, tool.name).toBe('boolean');
        expect(riskFromAnnotations(tool.annotations), tool.name).toBe(definition?.risk);
        expect(tool._meta?.[AURORA_META.risk], tool.name).toBe(definition?.risk);
        expect(tool._meta?.[AURORA_META.credentials], tool.name).toEqual(definition?.credentials);
      }
    });

    test('invalid arguments give a well-formed INVALID_INPUT error result', async (skip) => {
      const client = await session('in-process');
      const call = invalidCallFor(harness, (await client.listTools()).tools);
      if (call === undefined) {
        skip('no tool has a required argument and the harness gives no invalidCall');
        return;
      }
      expectErrorResult(
        (await client.callTool({ name: call.tool, arguments: { ...call.arguments } })) as CallToolResult,
        'INVALID_INPUT',
      );
    });

    test('an unknown tool gives a well-formed NOT_FOUND error result', async () => {
      const client = await session('in-process');
      const result = (await client.callTool({ name: 'no_such_tool_here', arguments: {} })) as CallToolResult;
      expectErrorResult(result, 'NOT_FOUND');
    });

    const others = (): string | undefined =>
      !available(harness, 'stdio') && !available(harness, 'http')
        ? 'the harness gives neither stdio nor HTTP'
        : undefined;

    test(
      'listTools and sample results are identical over every transport',
      async () => {
        expect(harness.samples.length, 'give at least one sample call').toBeGreaterThan(0);
        const outcomes: { kind: PluginTransportKind; tools: Tool[]; results: unknown[] }[] = [];
        for (const kind of kinds.filter((candidate) => available(harness, candidate))) {
          const client = await session(kind);
          const tools = sortedTools((await client.listTools()).tools);
          const results: unknown[] = [];
          for (const sample of harness.samples) {
            results.push(await client.callTool({ name: sample.tool, arguments: { ...sample.arguments } }));
          }
          outcomes.push({ kind, tools, results });
        }
        const [reference, ...rest] = outcomes;
        for (const outcome of rest) {
          expect(outcome.tools, `${outcome.kind} listTools`).toEqual(reference?.tools);
          expect(outcome.results, `${outcome.kind} sample results`).toEqual(reference?.results);
        }
      },
      others,
    );

    for (const kind of kinds) {
      const missing = (): string | undefined => (available(harness, kind) ? undefined : MISSING[kind as 'stdio']);

      test(
        `read-only mode hides and refuses non-read tools (${kind})`,
        async () => {
          const client = await session(kind, true);
          const { tools } = await client.listTools();
          const reads = plugin.tools.filter((tool) => tool.risk === 'read').map((tool) => tool.name);
          expect(tools.map((tool) => tool.name).sort()).toEqual([...reads].sort());
          for (const tool of plugin.tools.filter((candidate) => candidate.risk !== 'read')) {
            const result = (await client.callTool({ name: tool.name, arguments: {} })) as CallToolResult;
            expectErrorResult(result, 'FORBIDDEN');
          }
        },
        missing,
      );

      test(
        `a non-read tool is refused when the client cannot confirm it (${kind})`,
        async () => {
          const call = harness.guardedCall!;
          const risk = plugin.tools.find((tool) => tool.name === call.tool)?.risk;
          expect(risk === 'write' || risk === 'destructive', 'guardedCall must name a write or destructive tool').toBe(
            true,
          );
          const client = await session(kind);
          const result = (await client.callTool({
            name: call.tool,
            arguments: { ...call.arguments },
          })) as CallToolResult;
          expectErrorResult(result, 'CONFIRMATION_REQUIRED');
        },
        () => missing() ?? (harness.guardedCall === undefined ? 'the harness gives no guardedCall' : undefined),
      );
    }
  });
}
