/**
 * The MCP server the host's tests connect to, built directly with the SDK's `McpServer`
 * (not the plugin SDK). The same factory is served in-process, over stdio
 * (`mcp-test-server-bin.ts`) and over Streamable HTTP (`mcp-http-server.ts`).
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ElicitResultSchema } from '@modelcontextprotocol/sdk/types.js';
import * as z from 'zod';

/** What the server observed; shared by every session a factory creates. */
export interface TestServerState {
  /** Calls of `slow` that saw their abort signal (MCP `notifications/cancelled`). */
  cancellations: number;
  /** `_meta` of the last call of `echo_meta`. */
  lastMeta?: Record<string, unknown>;
}

export function createTestServerState(): TestServerState {
  return { cancellations: 0 };
}

const sleep = (ms: number, signal?: AbortSignal): Promise<boolean> =>
  new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });

export function createTestServer(state: TestServerState = createTestServerState()): McpServer {
  const server = new McpServer({ name: 'aurora-test-server', version: '1.2.3' });

  server.registerTool(
    'get_item',
    {
      title: 'Get item',
      description: 'Reads an inventory item by id.',
      inputSchema: { id: z.string() },
      outputSchema: { id: z.string(), name: z.string() },
      annotations: { readOnlyHint: true },
    },
    ({ id }) => ({
      content: [{ type: 'text', text: `item ${id}` }],
      structuredContent: { id, name: `Item ${id}` },
    }),
  );

  server.registerTool(
    'update_item',
    {
      description: 'Renames an inventory item.',
      inputSchema: { id: z.string(), name: z.string() },
      annotations: { readOnlyHint: false, destructiveHint: false },
    },
    ({ id, name }) => ({ content: [{ type: 'text', text: `renamed ${id} to ${name}` }] }),
  );

  server.registerTool(
    'delete_item',
    {
      description: 'Deletes an inventory item for good.',
      inputSchema: { id: z.string() },
      annotations: { readOnlyHint: false, destructiveHint: true },
    },
    ({ id }) => ({ content: [{ type: 'text', text: `deleted ${id}` }] }),
  );

  server.registerTool('unannotated', { description: 'Does something unspecified.' }, () => ({
    content: [{ type: 'text', text: 'done' }],
  }));

  server.registerTool(
    'slow',
    {
      description: 'Waits for ms milliseconds, or until cancelled.',
      inputSchema: { ms: z.number() },
      annotations: { readOnlyHint: true },
    },
    async ({ ms }, extra) => {
      const aborted = await sleep(ms, extra.signal);
      if (aborted) state.cancellations++;
      return { content: [{ type: 'text', text: aborted ? 'cancelled' : `waited ${ms}` }] };
    },
  );

  server.registerTool(
    'progress',
    {
      description: 'Reports progress steps, pausing between them.',
      inputSchema: { steps: z.number(), pauseMs: z.number().optional() },
      annotations: { readOnlyHint: true },
    },
    async ({ steps, pauseMs }, extra) => {
      const token = extra._meta?.progressToken;
      for (let step = 1; step <= steps; step++) {
        await sleep(pauseMs ?? 5);
        if (token !== undefined) {
          await extra.sendNotification({
            method: 'notifications/progress',
            params: { progressToken: token, progress: step, total: steps, message: `step ${step}` },
          });
        }
      }
      return { content: [{ type: 'text', text: `${steps} steps` }] };
    },
  );

  server.registerTool(
    'fail',
    {
      description: 'Fails: mode aurora (structured Aurora error), text (isError text) or throw.',
      inputSchema: { mode: z.enum(['aurora', 'text', 'throw']), secret: z.string().optional() },
      annotations: { readOnlyHint: true },
    },
    ({ mode, secret }) => {
      const suffix = secret === undefined ? '' : ` (token ${secret})`;
      if (mode === 'throw') throw new Error(`exploded${suffix}`);
      if (mode === 'text') return { isError: true, content: [{ type: 'text', text: `bad things${suffix}` }] };
      const error = {
        name: 'ForbiddenError',
        code: 'FORBIDDEN',
        message: `Access denied${suffix}`,
        retryable: false,
        details: { resource: 'bucket' },
        docs: 'https://example.invalid',
      };
      return {
        isError: true,
        content: [{ type: 'text', text: `FORBIDDEN: Access denied${suffix}` }],
        structuredContent: { error },
      };
    },
  );

  server.registerTool(
    'ask',
    {
      description: 'Asks the user for a colour through elicitation and returns the answer.',
      inputSchema: { echoCallId: z.boolean().optional(), delayMs: z.number().optional() },
      annotations: { readOnlyHint: true },
    },
    async ({ echoCallId, delayMs }, extra) => {
      if (delayMs !== undefined) await sleep(delayMs);
      const callId = extra._meta?.['aurora/toolCallId'];
      const result = await extra.sendRequest(
        {
          method: 'elicitation/create',
          params: {
            message: 'Which colour?',
            requestedSchema: { type: 'object', properties: { colour: { type: 'string' } }, required: ['colour'] },
            ...(echoCallId === true && callId !== undefined ? { _meta: { 'aurora/toolCallId': callId } } : {}),
          },
        },
        ElicitResultSchema,
      );
      const colour = result.action === 'accept' ? String(result.content?.colour) : '-';
      return { content: [{ type: 'text', text: `${result.action}:${colour}` }] };
    },
  );

  server.registerTool(
    'echo_meta',
    { description: 'Returns the request _meta it received.', annotations: { readOnlyHint: true } },
    (extra) => {
      state.lastMeta = { ...extra._meta };
      return { content: [{ type: 'text', text: JSON.stringify(extra._meta ?? {}) }] };
    },
  );

  server.registerTool(
    'stats',
    { description: 'Returns what the server observed (cancellations, pid).', annotations: { readOnlyHint: true } },
    () => ({
      content: [{ type: 'text', text: JSON.stringify({ cancellations: state.cancellations, pid: process.pid }) }],
    }),
  );

  server.registerTool(
    'add_tool',
    {
      description: 'Registers a new tool at run time (the server then sends tools/list_changed).',
      inputSchema: { name: z.string() },
      annotations: { readOnlyHint: false, destructiveHint: false },
    },
    ({ name }) => {
      server.registerTool(
        name,
        { description: `Added at run time: ${name}`, annotations: { readOnlyHint: true } },
        () => ({
          content: [{ type: 'text', text: name }],
        }),
      );
      return { content: [{ type: 'text', text: `added ${name}` }] };
    },
  );

  return server;
}
