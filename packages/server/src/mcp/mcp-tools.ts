import { AuroraError, type RunEvent } from '@aurora-ops/core';
import { definePlugin, defineTool, type PluginDefinition } from '@aurora-ops/core/plugin-sdk';
import { z } from 'zod';
import type { Principal } from '../auth/auth-store.js';
import type { Runtime } from '../runtime.js';
import { VERSION } from '../version.js';
import { waitForRunFinished } from './run-wait.js';

/** Who is calling the MCP endpoint, resolved from the current request's bearer credential. */
export interface McpCaller {
  readonly principal: Principal;
  /** Calls a GET route of this server's REST API as the caller (same handler, same auth and limits). */
  rest(path: string): Promise<unknown>;
}

export interface AuroraMcpToolsOptions {
  readonly runtime: Runtime;
  /** The caller of the request being served: read at call time, so a role change or revoked key applies at once. */
  readonly caller: () => McpCaller;
}

/** Sent to clients as the server's `instructions`. */
const INSTRUCTIONS =
  'Aurora, an agent for cloud operations and incident root-cause analysis. start_investigation sends a message ' +
  'to the agent (a new or existing session) and starts a run; follow it with get_run. A run that wants to ' +
  'change something pauses for a human: list_pending_confirmations shows the exact call, and ' +
  'respond_to_confirmation approves or rejects it (operators only; your client asks you first).';

const MAX_WAIT_SECONDS = 120;
const id = z.string().min(1).max(200);

const confirmationSchema = z.object({
  id: z.string(),
  runId: z.string(),
  sessionId: z.string(),
  tool: z.string(),
  risk: z.string(),
  summary: z.string(),
  arguments: z.record(z.string(), z.unknown()),
  state: z.string(),
  expiresAt: z.string(),
});

type ConfirmationView = z.infer<typeof confirmationSchema>;

async function pendingConfirmations(
  runtime: Runtime,
  principal: Principal,
  runId?: string,
): Promise<ConfirmationView[]> {
  const pending = await runtime.confirmations.listPending(principal.org, runId);
  return pending.map((item) => ({
    id: item.id,
    runId: item.runId,
    sessionId: item.sessionId,
    tool: item.tool,
    risk: item.risk,
    summary: item.summary,
    arguments: { ...item.arguments },
    state: item.state,
    expiresAt: item.expiresAt.toISOString(),
  }));
}

const sessionsSchema = z.object({
  sessions: z.array(
    z.object({ id: z.string(), createdAt: z.string(), lastRunAt: z.string().nullable(), runs: z.number() }),
  ),
});

const historySchema = z.object({
  sessionId: z.string(),
  messages: z.array(
    z.object({
      role: z.enum(['user', 'assistant', 'tool', 'system']),
      text: z.string(),
      toolCalls: z.array(z.object({ id: z.string(), name: z.string(), arguments: z.unknown() })).optional(),
      toolCallId: z.string().optional(),
    }),
  ),
});

const runSchema = z.object({
  runId: z.string(),
  sessionId: z.string(),
  status: z.string().describe('running, paused, completed, cancelled, failed, budget-exceeded or loop-detected'),
  events: z.array(z.record(z.string(), z.unknown())),
  lastSeq: z.number().describe('Pass as afterSeq to read on from here.'),
  more: z.boolean().describe('True when more stored events follow lastSeq.'),
});

const investigationSchema = z.object({
  runId: z.string(),
  sessionId: z.string(),
  status: z
    .string()
    .describe('running (still going when the wait ended), paused (waiting for approval), or how it finished'),
  message: z.string().optional().describe("The agent's final message, when it finished within the wait."),
  summary: z.string().optional().describe('What was found, for budget-exceeded, loop-detected and failed runs.'),
  pendingConfirmations: z.array(confirmationSchema).optional(),
});

const pluginsSchema = z.object({
  plugins: z.array(
    z.object({
      name: z.string(),
      state: z.string(),
      transport: z.string(),
      enabled: z.boolean(),
      toolCount: z.number(),
      crashes: z.number(),
      restarts: z.number(),
      dependsOn: z.array(z.string()),
      lastError: z.object({ code: z.string(), message: z.string() }).optional(),
    }),
  ),
});

/**
 * Aurora's own tools as a plugin definition, each a thin call to the services the REST API
 * uses (run manager, confirmation service, agent history, plugin supervisor) acting as the
 * caller: their org scoping and role checks apply unchanged.
 */
export function createAuroraMcpPlugin(options: AuroraMcpToolsOptions): PluginDefinition {
  const { runtime, caller } = options;
  const principal = () => caller().principal;

  const listSessions = defineTool({
    name: 'list_sessions',
    title: 'List chat sessions',
    description:
      "Your org's chat sessions with Aurora, newest first (at most 200): id, creation time, last run and run count.",
    input: z.object({}),
    output: sessionsSchema,
    risk: 'read',
    // The REST route owns this query; calling it keeps one implementation.
    handler: async () => sessionsSchema.parse(await caller().rest('/api/v1/sessions')),
  });

  const readSession = defineTool({
    name: 'read_session',
    title: 'Read a chat session',
    description:
      "A session's messages: the user's questions, the agent's answers and the tool calls it made with their results.",
    input: z.object({ sessionId: id }),
    output: historySchema,
    risk: 'read',
    handler: async ({ sessionId }) => {
      const messages = await runtime.agent.history(principal().org, sessionId);
      return {
        sessionId,
        messages: messages.map(({ toolCalls, ...message }) => ({
          ...message,
          ...(toolCalls ? { toolCalls: toolCalls.map((call) => ({ ...call })) } : {}),
        })),
      };
    },
  });

  const getRun = defineTool({
    name: 'get_run',
    title: 'Get a run',
    description:
      "A run's status and its events after a sequence number (tool calls, confirmations, the final message). " +
      'waitSeconds > 0 first waits for the run to finish or pause after afterSeq.',
    input: z.object({
      runId: id,
      afterSeq: z.number().int().nonnegative().default(0),
      limit: z.number().int().min(1).max(1000).default(200),
      includeTokens: z.boolean().default(false).describe('Include token.streamed events (the answer, token by token).'),
      waitSeconds: z.number().int().min(0).max(MAX_WAIT_SECONDS).default(0),
    }),
    output: runSchema,
    risk: 'read',
    timeoutMs: (MAX_WAIT_SECONDS + 30) * 1000,
    handler: async (input, context) => {
      const who = principal();
      await runtime.runs.runOf(who, input.runId);
      await waitForRunFinished(
        runtime.runs,
        who,
        input.runId,
        input.afterSeq,
        input.waitSeconds * 1000,
        context.signal,
      );
      const run = await runtime.runs.runOf(who, input.runId);
      const stored = await runtime.runs.events(who, input.runId, input.afterSeq);
      const events = stored
        .filter((event) => input.includeTokens || event.type !== 'token.streamed')
        .slice(0, input.limit);
      const last: RunEvent | undefined = events.length === input.limit ? events.at(-1) : stored.at(-1);
      return {
        ...run,
        events: events.map((event) => ({ ...event })),
        lastSeq: last?.seq ?? input.afterSeq,
        more: last !== undefined && stored.some((event) => event.seq > last.seq),
      };
    },
  });

  const startInvestigation = defineTool({
    name: 'start_investigation',
    title: 'Start an investigation',
    description:
      'Send a message to the Aurora agent (a new session, or sessionId to continue one) and start a run as you. ' +
      'With waitSeconds > 0, waits for the final message, or for `paused` with the confirmations it waits for. ' +
      'The agent itself never changes anything without an operator approving the exact call.',
    input: z.object({
      text: z.string().min(1).max(100_000).describe('What to investigate, as you would say it in the chat.'),
      sessionId: id.optional(),
      waitSeconds: z.number().int().min(0).max(MAX_WAIT_SECONDS).default(0),
    }),
    output: investigationSchema,
    risk: 'write',
    timeoutMs: (MAX_WAIT_SECONDS + 30) * 1000,
    summary: (input) =>
      `Start an Aurora run${input.sessionId ? ` in session ${input.sessionId}` : ''}: ${input.text.slice(0, 200)}`,
    handler: async (input, context) => {
      const who = principal();
      const started = await runtime.runs.send(who, {
        text: input.text,
        ...(input.sessionId ? { sessionId: input.sessionId } : {}),
      });
      const outcome = await waitForRunFinished(
        runtime.runs,
        who,
        started.runId,
        0,
        input.waitSeconds * 1000,
        context.signal,
      );
      if (!outcome) return { ...started, status: 'running' };
      const { finished } = outcome;
      return {
        ...started,
        status: finished.status,
        ...(outcome.message === undefined ? {} : { message: outcome.message }),
        ...(finished.summary === undefined ? {} : { summary: finished.summary }),
        ...(finished.status === 'paused'
          ? { pendingConfirmations: await pendingConfirmations(runtime, who, started.runId) }
          : {}),
      };
    },
  });

  const listPending = defineTool({
    name: 'list_pending_confirmations',
    title: 'List pending confirmations',
    description:
      'Calls waiting for an approval in your org (or in one run): the tool, the exact arguments, a summary, the risk and the expiry.',
    input: z.object({ runId: id.optional() }),
    output: z.object({ confirmations: z.array(confirmationSchema) }),
    risk: 'read',
    handler: async ({ runId }) => ({ confirmations: await pendingConfirmations(runtime, principal(), runId) }),
  });

  const respond = defineTool({
    name: 'respond_to_confirmation',
    title: 'Approve or reject a pending call',
    description:
      'Approve (the exact call runs) or reject (the agent is told it was not run) a pending confirmation. Only an ' +
      "operator or admin of the run's org may decide. The run resumes once nothing in it is pending; follow it with get_run.",
    input: z.object({
      confirmationId: id,
      decision: z.enum(['approve', 'reject']),
      reason: z.string().max(2000).optional(),
    }),
    output: z.object({ runId: z.string(), resumed: z.boolean() }),
    risk: 'destructive',
    summary: (input) =>
      `${input.decision} confirmation ${input.confirmationId}${input.reason ? ` (${input.reason.slice(0, 200)})` : ''}`,
    handler: async (input) => runtime.runs.respond(principal(), input),
  });

  const listPlugins = defineTool({
    name: 'list_plugins',
    title: 'List plugins',
    description:
      "The server's plugins (MCP servers the agent uses) and their health: state, tool count, crashes, restarts, last error.",
    input: z.object({}),
    output: pluginsSchema,
    risk: 'read',
    handler: () => {
      principal();
      return {
        plugins: runtime.plugins.status().map((plugin) => ({
          name: plugin.name,
          state: plugin.state,
          transport: plugin.transport,
          enabled: plugin.enabled,
          toolCount: plugin.toolCount,
          crashes: plugin.crashes,
          restarts: plugin.restarts,
          dependsOn: [...plugin.dependsOn],
          ...(plugin.lastError
            ? { lastError: { code: plugin.lastError.code, message: plugin.lastError.message } }
            : {}),
        })),
      };
    },
  });

  return definePlugin({
    name: 'aurora',
    version: VERSION,
    title: 'Aurora',
    description: INSTRUCTIONS,
    tools: [listSessions, readSession, getRun, startInvestigation, listPending, respond, listPlugins],
  });
}

/** An error body of the REST API (`{ error: { code, … } }`) as the typed error it was. */
export function restError(status: number, body: unknown): AuroraError {
  const error = typeof body === 'object' && body !== null ? (body as { error?: unknown }).error : undefined;
  if (error !== undefined) return AuroraError.fromJSON(error);
  return new AuroraError('INTERNAL', { message: `The REST API answered ${status} without an error body.` });
}
