import { performance } from 'node:perf_hooks';
import type { Implementation } from '@modelcontextprotocol/sdk/types.js';
import { AuroraError } from '../errors/aurora-error.js';
import { AURORA_META } from '../internal/aurora-meta.js';
import { InvalidInputError, NotFoundError, UniqueViolationError } from '../errors/errors.js';
import { createRedactingLogger, noopLogger, type Logger, type Redacting } from '../logging/logger.js';
import { identityRedactor } from './call-outcome.js';
import {
  CALL_TOOL_NAME,
  callToolTool,
  parseCallArguments,
  parseSearchArguments,
  SEARCH_TOOLS_NAME,
  searchResultText,
  searchTools,
  searchToolsTool,
} from './host-tools.js';
import type { HostTool, McpHost, PluginConfig, ToolCallContext, ToolCallOutcome } from './mcp-host.js';
import { PluginConnection, type ReconnectPolicy } from './plugin-connection.js';
import { validateTransport } from './plugin-transport.js';
import { assertPluginName, NAMESPACE_SEPARATOR } from './tool-naming.js';

export interface McpHostOptions {
  readonly logger?: Logger;
  /** Applied to every text that leaves a plugin: results, errors, progress messages, stderr. */
  readonly redactor?: Redacting;
  /** Per-call timeout when neither the call nor the plugin sets one (ms). Default 60 000. */
  readonly defaultTimeoutMs?: number;
  /** Reconnection after a plugin drops. Default 5 attempts, 200 ms base, 10 s cap (exponential, jittered). */
  readonly reconnect?: Partial<ReconnectPolicy>;
  /** How the host introduces itself in `initialize`. */
  readonly clientInfo?: Implementation;
  /** Above this many tools `exposedTools()` switches to search mode. Default 40. */
  readonly maxTools?: number;
}

const DEFAULT_TIMEOUT_MS = 60_000;
const DEFAULT_MAX_TOOLS = 40;
const DEFAULT_RECONNECT: ReconnectPolicy = { maxAttempts: 5, baseDelayMs: 200, maxDelayMs: 10_000 };

function positive(value: unknown, field: string): void {
  if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)) {
    throw new InvalidInputError({ message: `${field} must be a positive number.`, details: { field } });
  }
}

function validateConfig(config: PluginConfig): void {
  if (typeof config !== 'object' || config === null) {
    throw new InvalidInputError({ message: 'A plugin config must be an object.', details: { field: 'config' } });
  }
  assertPluginName(config.name);
  validateTransport(config.transport);
  positive(config.timeoutMs, 'timeoutMs');
  const credentials = config.credentials;
  if (credentials !== undefined && Object.values(credentials).some((reference) => typeof reference !== 'string')) {
    throw new InvalidInputError({
      message: 'credentials must map slot names to secret reference strings.',
      details: { field: 'credentials' },
    });
  }
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The call's arguments, or the typed error a non-object gets. */
function argumentsObject(args: unknown): Readonly<Record<string, unknown>> {
  if (!isRecord(args)) {
    throw new InvalidInputError({ message: 'Tool arguments must be an object.', details: { field: 'arguments' } });
  }
  return args;
}

/** Builds the MCP host: connect plugins, list and expose their tools, call them. */
export function createMcpHost(options: McpHostOptions = {}): McpHost {
  const redactor = options.redactor ?? identityRedactor;
  const logger =
    options.redactor === undefined
      ? (options.logger ?? noopLogger)
      : createRedactingLogger(options.logger ?? noopLogger, redactor);
  const defaultTimeoutMs = options.defaultTimeoutMs ?? DEFAULT_TIMEOUT_MS;
  positive(defaultTimeoutMs, 'defaultTimeoutMs');
  const reconnect: ReconnectPolicy = { ...DEFAULT_RECONNECT, ...options.reconnect };
  positive(reconnect.baseDelayMs, 'reconnect.baseDelayMs');
  positive(reconnect.maxDelayMs, 'reconnect.maxDelayMs');
  if (!Number.isInteger(reconnect.maxAttempts) || reconnect.maxAttempts < 0) {
    throw new InvalidInputError({
      message: 'reconnect.maxAttempts must be a non-negative integer.',
      details: { field: 'reconnect.maxAttempts' },
    });
  }
  const clientInfo = options.clientInfo ?? { name: 'aurora', version: '0.0.0' };
  const defaultMaxTools = options.maxTools ?? DEFAULT_MAX_TOOLS;
  const plugins = new Map<string, PluginConnection>();
  let closed = false;

  const plugin = (name: string): PluginConnection => {
    const found = plugins.get(name);
    if (found === undefined) {
      throw new NotFoundError({ message: `No plugin named "${name}" is connected.`, details: { plugin: name } });
    }
    return found;
  };

  const listTools = (): HostTool[] => [...plugins.values()].flatMap((connection) => connection.listTools());

  const findTool = (name: string): HostTool => {
    if (name === SEARCH_TOOLS_NAME) return searchToolsTool;
    if (name === CALL_TOOL_NAME) return callToolTool;
    const cut = name.indexOf(NAMESPACE_SEPARATOR);
    const connection = plugins.get(cut === -1 ? name : name.slice(0, cut));
    const tool = connection?.findTool(name);
    if (tool !== undefined && connection?.listsTool(tool) === true) return tool;
    // A known tool of a plugin that is (re)connecting: the retryable UNAVAILABLE, not NOT_FOUND.
    if (tool !== undefined) connection?.assertReady();
    throw new NotFoundError({ message: `No tool named "${name}" is available.`, details: { tool: name } });
  };

  const resolve: McpHost['resolve'] = (name, rawArgs) => {
    const args = argumentsObject(rawArgs);
    if (name !== CALL_TOOL_NAME) return { tool: findTool(name), arguments: { ...args } };
    const inner = parseCallArguments(args);
    if (inner.name === CALL_TOOL_NAME) {
      throw new InvalidInputError({
        message: `${CALL_TOOL_NAME} cannot call itself.`,
        details: { field: 'name' },
      });
    }
    return { tool: findTool(inner.name), arguments: inner.arguments };
  };

  const answerSearch = (args: Readonly<Record<string, unknown>>): ToolCallOutcome => {
    const started = performance.now();
    const { query, limit } = parseSearchArguments(args);
    const text = redactor.redact(searchResultText(searchTools(listTools(), query, limit)));
    return { isError: false, content: [{ type: 'text', text }], text, durationMs: performance.now() - started };
  };

  return {
    async connect(config) {
      if (closed) throw new InvalidInputError({ message: 'The MCP host is closed.', details: { field: 'host' } });
      validateConfig(config);
      if (plugins.has(config.name)) {
        throw new UniqueViolationError({
          message: `A plugin named "${config.name}" is already connected.`,
          details: { plugin: config.name, constraint: 'plugin name' },
        });
      }
      const connection = new PluginConnection({
        config,
        clientInfo,
        logger: logger.child({ plugin: config.name }),
        redactor,
        reconnect,
        requestTimeoutMs: config.timeoutMs ?? defaultTimeoutMs,
      });
      plugins.set(config.name, connection);
      try {
        await connection.start();
      } catch (error) {
        plugins.delete(config.name);
        await connection.close();
        throw error;
      }
      logger.info('mcp-host: plugin connected', { plugin: config.name, tools: connection.listTools().length });
      return connection.status();
    },

    async disconnect(name) {
      const connection = plugin(name);
      plugins.delete(name);
      await connection.close();
    },

    status: () => [...plugins.values()].map((connection) => connection.status()),

    listTools,

    exposedTools(exposeOptions = {}) {
      const maxTools = exposeOptions.maxTools ?? defaultMaxTools;
      const all = listTools();
      if (all.length <= maxTools) return all;
      const alwaysOn = all.filter(
        (tool) => plugins.get(tool.plugin)?.config.alwaysOn?.includes(tool.toolName) === true,
      );
      return [...alwaysOn, searchToolsTool, callToolTool];
    },

    resolve,

    // Not `async`: one promise layer less on the hot path; synchronous failures become rejections.
    callTool(name, args, context: ToolCallContext) {
      try {
        if (!isRecord(context) || typeof context.org !== 'string' || context.org === '') {
          throw new InvalidInputError({
            message: 'A tool call needs a context with an org.',
            details: { field: 'org' },
          });
        }
        let tool: HostTool;
        let toolArgs: Readonly<Record<string, unknown>>;
        if (name === CALL_TOOL_NAME || name === SEARCH_TOOLS_NAME) {
          ({ tool, arguments: toolArgs } = resolve(name, args));
          if (tool.name === SEARCH_TOOLS_NAME) return Promise.resolve(answerSearch(toolArgs));
        } else {
          // The common call, without `resolve`'s result object and argument copy: the SDK
          // client copies the request before it leaves, and nothing here keeps the arguments.
          toolArgs = argumentsObject(args);
          tool = findTool(name);
        }
        if (context.timeoutMs !== undefined) positive(context.timeoutMs, 'timeoutMs');
        const connection = plugin(tool.plugin);
        const timeoutMs = context.timeoutMs ?? connection.config.timeoutMs ?? defaultTimeoutMs;
        return connection.callTool(tool, toolArgs, context, timeoutMs);
      } catch (error) {
        return Promise.reject(AuroraError.from(error));
      }
    },

    async describe(name, args, context) {
      const { tool, arguments: toolArgs } = resolve(name, args);
      if (tool.meta?.[AURORA_META.summary] !== true) return undefined;
      try {
        return await plugin(tool.plugin).describeCall(tool, toolArgs, context, 5_000);
      } catch (error) {
        logger.warn('mcp-host: the plugin could not describe a call', {
          plugin: tool.plugin,
          tool: tool.name,
          code: AuroraError.from(error).code,
        });
        return undefined;
      }
    },

    async ping(name) {
      return plugin(name).ping();
    },

    async close() {
      closed = true;
      const all = [...plugins.values()];
      plugins.clear();
      await Promise.all(all.map((connection) => connection.close()));
    },
  };
}
