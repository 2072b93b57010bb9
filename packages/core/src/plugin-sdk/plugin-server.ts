import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import {
  CallToolRequestSchema,
  ElicitResultSchema,
  ListToolsRequestSchema,
  type CallToolRequest,
  type CallToolResult,
  type ElicitRequestFormParams,
  type ServerNotification,
  type ServerRequest,
} from '@modelcontextprotocol/sdk/types.js';
import { annotationsForRisk } from '../confirmation/risk.js';
import { AuroraError } from '../errors/aurora-error.js';
import { ConfigurationError, ForbiddenError, NotFoundError, TimeoutError } from '../errors/errors.js';
import { createRedactingLogger, noopLogger, type Logger } from '../logging/logger.js';
import { createSecretRedactor, type SecretRedactor } from '../secrets/redactor.js';
import type { SecretResolver } from '../secrets/resolver.js';
import { assertOrgId } from '../secrets/secret-reference.js';
import type { ObjectStore } from '../storage/objects/object-store.js';
import { createCallContext } from './call-context.js';
import type { PluginDefinition } from './define-plugin.js';
import type { AnyToolDefinition } from './define-tool.js';
import { CONFIRMATION_MODES, guardCall, supportsFormElicitation, type ConfirmationMode } from './standalone-guard.js';
import { AURORA_META, parseAuroraMeta } from './tool-context.js';
import { errorResult, invalidArgumentsError, successResult, toAuroraError } from './tool-result.js';

export interface PluginServerOptions {
  /** Resolves the secret references the host passes in `_meta`. Without one, such calls fail. */
  readonly resolver?: SecretResolver;
  /** Offered to tools as `context.objects`. */
  readonly objects?: ObjectStore;
  /** Wrapped so that no resolved secret reaches it. Default: discard. */
  readonly logger?: Logger;
  /** Scrubs results, errors and logs. Default: the resolver's redactor, or a new one. */
  readonly redactor?: SecretRedactor;
  /** Serve only `read` tools: the others are neither listed nor callable. */
  readonly readOnly?: boolean;
  /** Who confirms non-read calls. Default `elicit`. */
  readonly confirmations?: ConfirmationMode;
  /** The org a call runs for when `_meta` names none (standalone use). Default `local`. */
  readonly defaultOrg?: string;
  /** Per-call wall-time limit unless the tool sets its own. Default 300 000 ms. */
  readonly timeoutMs?: number;
  /** How long to wait for a user's answer to a confirmation. Default 600 000 ms. */
  readonly confirmationTimeoutMs?: number;
}

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** The tool's one-line description for approvals when it gives no `summary`. */
export function defaultSummary(tool: AnyToolDefinition, input: unknown): string {
  const args = JSON.stringify(input) ?? '{}';
  return `${tool.title ?? tool.name} with ${args.length > 300 ? `${args.slice(0, 300)}…` : args}`;
}

/** The MCP registration of one tool: schemas, annotations from its risk, and Aurora's tool `_meta`. */
export function toolRegistration(tool: AnyToolDefinition) {
  return {
    ...(tool.title === undefined ? {} : { title: tool.title }),
    description: tool.description,
    inputSchema: tool.input,
    ...(tool.output === undefined ? {} : { outputSchema: tool.output }),
    annotations: {
      ...(tool.title === undefined ? {} : { title: tool.title }),
      ...annotationsForRisk(tool.risk),
      openWorldHint: true,
    },
    _meta: {
      [AURORA_META.risk]: tool.risk,
      [AURORA_META.credentials]: [...tool.credentials],
      ...(tool.summary === undefined ? {} : { [AURORA_META.summary]: true }),
      ...(tool.connectionTest === true ? { [AURORA_META.connectionTest]: true } : {}),
    },
  };
}

function checkOptions(options: PluginServerOptions): void {
  const mode = options.confirmations ?? 'elicit';
  if (!CONFIRMATION_MODES.includes(mode)) {
    throw new ConfigurationError({
      message: `confirmations must be one of ${CONFIRMATION_MODES.join(', ')}.`,
      details: { setting: 'confirmations' },
    });
  }
  for (const key of ['timeoutMs', 'confirmationTimeoutMs'] as const) {
    const value = options[key];
    if (value !== undefined && !(Number.isFinite(value) && value > 0)) {
      throw new ConfigurationError({ message: `${key} must be a positive number.`, details: { setting: key } });
    }
  }
  if (options.defaultOrg !== undefined) assertOrgId(options.defaultOrg);
}

/** Runs `work` until it settles or `signal` aborts, whichever is first. */
async function untilAborted<T>(work: () => Promise<T> | T, signal: AbortSignal): Promise<T> {
  const running = Promise.resolve().then(work);
  running.catch(() => undefined);
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason as Error);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([running, aborted]);
  } finally {
    if (onAbort !== undefined) signal.removeEventListener('abort', onAbort);
  }
}

/**
 * Builds the plugin's MCP server: every tool registered with its JSON Schemas, risk
 * annotations and `_meta`, and one `tools/call` handler that parses the Aurora `_meta`,
 * validates arguments, applies the standalone guard, runs the handler with its context,
 * validates the output, maps every failure to a typed error result, and scrubs secrets
 * from whatever goes back. Connect it to any transport; `servePlugin` does that for you.
 */
export function createPluginServer(plugin: PluginDefinition, options: PluginServerOptions = {}): McpServer {
  if (plugin?.kind !== 'aurora.plugin') {
    throw new ConfigurationError({ message: 'createPluginServer needs a plugin from definePlugin().' });
  }
  checkOptions(options);
  const mode = options.confirmations ?? 'elicit';
  const redactor = options.redactor ?? options.resolver?.redactor ?? createSecretRedactor();
  const logger = createRedactingLogger((options.logger ?? noopLogger).child({ plugin: plugin.name }), redactor);
  const listed = plugin.tools.filter((tool) => options.readOnly !== true || tool.risk === 'read');
  const byName = new Map(listed.map((tool) => [tool.name, tool]));

  const server = new McpServer(
    { name: `aurora-plugin-${plugin.name}`, version: plugin.version, ...(plugin.title ? { title: plugin.title } : {}) },
    { capabilities: { tools: {} }, ...(plugin.description === undefined ? {} : { instructions: plugin.description }) },
  );
  for (const tool of listed) {
    // The SDK lists the tool (JSON Schema from zod); calls go through `callTool` below.
    server.registerTool(tool.name, toolRegistration(tool), () => {
      throw new AuroraError('INTERNAL', { message: 'Unreachable: tools/call is handled by the plugin SDK.' });
    });
  }
  if (listed.length === 0) server.server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: [] }));

  const run = async (tool: AnyToolDefinition, request: CallToolRequest, extra: Extra): Promise<CallToolResult> => {
    const meta = parseAuroraMeta(request.params._meta);
    const parsed = await tool.input.safeParseAsync(request.params.arguments ?? {});
    if (!parsed.success) throw invalidArgumentsError(tool.name, parsed.error);
    const input: unknown = parsed.data;
    const summary = redactor.redact(
      tool.summary === undefined ? defaultSummary(tool, input) : tool.summary(input as never),
    );
    // The host asks what a call would do, for its approver: answer without running anything.
    if (request.params._meta?.[AURORA_META.summary] === true) {
      return { content: [{ type: 'text', text: summary }], _meta: { [AURORA_META.summary]: summary } };
    }
    const capabilities = server.server.getClientCapabilities();
    // Echo the host's tool-call id so a host with several calls in flight routes the question to this one.
    const elicit = (params: ElicitRequestFormParams) =>
      extra.sendRequest(
        {
          method: 'elicitation/create',
          params:
            meta.toolCallId === undefined
              ? params
              : { ...params, _meta: { ...params._meta, [AURORA_META.toolCallId]: meta.toolCallId } },
        },
        ElicitResultSchema,
        {
          signal: extra.signal,
          timeout: options.confirmationTimeoutMs ?? 600_000,
        },
      );
    await guardCall({
      mode,
      tool: tool.name,
      risk: tool.risk,
      summary,
      clientCapabilities: capabilities,
      elicit: async (params) => {
        try {
          return await elicit(params);
        } catch (error) {
          throw new AuroraError('CONFIRMATION_REQUIRED', {
            message: `Tool "${tool.name}" was not run: the confirmation request failed or timed out.`,
            cause: error,
            details: { tool: tool.name, risk: tool.risk },
          });
        }
      },
    });

    const timeoutMs = tool.timeoutMs ?? options.timeoutMs ?? 300_000;
    const controller = new AbortController();
    const onCancel = () =>
      controller.abort(new AuroraError('CANCELLED', { message: `The client cancelled the call to "${tool.name}".` }));
    if (extra.signal.aborted) onCancel();
    else extra.signal.addEventListener('abort', onCancel, { once: true });
    const timer = setTimeout(
      () =>
        controller.abort(
          new TimeoutError({
            message: `Tool "${tool.name}" did not finish within ${timeoutMs} ms.`,
            details: { tool: tool.name, timeoutMs },
          }),
        ),
      timeoutMs,
    );
    try {
      const context = createCallContext({
        plugin,
        tool,
        meta,
        defaultOrg: options.defaultOrg ?? 'local',
        signal: controller.signal,
        logger,
        redactor,
        resolver: options.resolver,
        objects: options.objects,
        progressToken: request.params._meta?.progressToken,
        sendProgress: (params) => extra.sendNotification({ method: 'notifications/progress', params }),
        elicit: supportsFormElicitation(capabilities) ? elicit : undefined,
      });
      const value = await untilAborted(() => tool.handler(input as never, context), controller.signal);
      return successResult(tool, value, logger);
    } finally {
      clearTimeout(timer);
      extra.signal.removeEventListener('abort', onCancel);
    }
  };

  // Replaces the SDK's handler, which reports bad arguments and unknown tools as untyped text.
  server.server.setRequestHandler(CallToolRequestSchema, async (request, extra): Promise<CallToolResult> => {
    const name = request.params.name;
    const tool = byName.get(name);
    try {
      if (tool === undefined) {
        if (plugin.tools.some((candidate) => candidate.name === name)) {
          throw new ForbiddenError({
            message: `Tool "${name}" is not available: this plugin server runs read-only.`,
            details: { tool: name },
          });
        }
        throw new NotFoundError({
          message: `Plugin "${plugin.name}" has no tool "${name}".`,
          details: { tool: name },
        });
      }
      return redactor.redactDeep(await run(tool, request, extra));
    } catch (thrown) {
      return redactor.redactDeep(errorResult(toAuroraError(thrown, name, logger), tool?.output !== undefined));
    }
  });
  return server;
}
