import { performance } from 'node:perf_hooks';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  CallToolResultSchema,
  ElicitRequestSchema,
  ToolListChangedNotificationSchema,
  type Implementation,
} from '@modelcontextprotocol/sdk/types.js';
import { AuroraError, type SerializedAuroraError } from '../errors/aurora-error.js';
import { AURORA_META } from '../internal/aurora-meta.js';
import { buildCallMeta } from './call-meta.js';
import { ConnectionLostError } from '../errors/errors.js';
import type { Logger, Redacting } from '../logging/logger.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { answerElicitation, type InFlightCall } from './elicitation.js';
import { toCallError } from './call-outcome.js';
import type {
  HostTool,
  PluginConfig,
  PluginState,
  PluginStatus,
  ToolCallContext,
  ToolCallOutcome,
} from './mcp-host.js';
import { openTransport, type OpenedTransport } from './plugin-transport.js';
import { listAllTools, toHostTools } from './plugin-tools.js';
import { StderrTail } from './stderr-tail.js';
import { runToolCall, type ProgressParams, type ToolCallOwner } from './tool-call.js';

export interface ReconnectPolicy {
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export interface PluginConnectionOptions {
  readonly config: PluginConfig;
  readonly clientInfo: Implementation;
  readonly logger: Logger;
  readonly redactor: Redacting;
  readonly reconnect: ReconnectPolicy;
  /** Timeout for initialize, tools/list and ping (ms). */
  readonly requestTimeoutMs: number;
}

interface Session {
  readonly client: Client;
  readonly opened: OpenedTransport;
  /** The stdio child's pid, kept after it exits so `endSession` can make sure it is gone. */
  pid?: number;
}

/** Exponential backoff with jitter: a delay in [½, 1] × min(max, base × 2^(attempt−1)). */
export function backoffDelay(attempt: number, policy: ReconnectPolicy, random = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling * (0.5 + random() * 0.5));
}

/** Errors a Streamable HTTP transport reports when the server or its session went away. */
function isHttpDrop(error: unknown): boolean {
  if (error instanceof StreamableHTTPError) return error.code === 404 || error.code === undefined;
  const message = error instanceof Error ? error.message : '';
  return /SSE stream disconnected|Failed to reconnect|Maximum reconnection attempts|fetch failed|ECONNREFUSED/.test(
    message,
  );
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** One connected plugin: its MCP client, its tools, its in-flight calls, and reconnection. */
export class PluginConnection implements ToolCallOwner {
  private state: PluginState = 'connecting';
  private session: Session | undefined;
  private tools: HostTool[] = [];
  private toolsByName = new Map<string, HostTool>();
  private server: { name: string; version: string } | undefined;
  private reconnects = 0;
  private lastError: SerializedAuroraError | undefined;
  private readonly stderr: StderrTail;
  private readonly inFlight = new Map<number, InFlightCall>();
  private callCounter = 0;
  /** Why the last session ended (given to the calls it cut off). */
  private lossError: ConnectionLostError | undefined;
  private readonly progress = new Map<string | number, (params: ProgressParams) => void>();
  private closing = false;
  private wake: (() => void) | undefined;

  constructor(private readonly options: PluginConnectionOptions) {
    this.stderr = new StderrTail(options.redactor);
  }

  get name(): string {
    return this.options.config.name;
  }

  get config(): PluginConfig {
    return this.options.config;
  }

  /** First connection; throws a typed error when the plugin cannot be reached. */
  async start(): Promise<void> {
    try {
      await this.open();
      this.state = 'ready';
    } catch (error) {
      this.state = 'failed';
      throw this.connectError(error);
    }
  }

  status(): PluginStatus {
    const kind = this.options.config.transport.kind;
    const pid = this.session?.opened.pid();
    return {
      name: this.name,
      state: this.state,
      transport: kind,
      toolCount: this.tools.length,
      ...(this.server === undefined ? {} : { server: { ...this.server } }),
      reconnects: this.reconnects,
      ...(this.lastError === undefined ? {} : { lastError: this.lastError }),
      ...(kind === 'stdio' ? { stderrTail: this.stderr.snapshot() } : {}),
      ...(pid === undefined ? {} : { pid }),
    };
  }

  listTools(): readonly HostTool[] {
    return this.state === 'ready' ? this.tools : [];
  }

  findTool(name: string): HostTool | undefined {
    return this.toolsByName.get(name);
  }

  /** True when `listTools()` holds `tool` now (without scanning the list). */
  listsTool(tool: HostTool): boolean {
    return this.state === 'ready' && this.toolsByName.get(tool.name) === tool;
  }

  /** Throws the typed error a call would get now (retryable while connecting or reconnecting). */
  assertReady(): void {
    this.readyClient();
  }

  /**
   * Calls a tool on the ready session. Not `async`: the in-process round trip is a few tens
   * of µs, so promise layers and per-call closures show (bench/agent `tools`); the call's one
   * `.then` reports back through `callSettled` / `callFailed`.
   */
  callTool(
    tool: HostTool,
    args: Readonly<Record<string, unknown>>,
    context: ToolCallContext,
    timeoutMs: number,
  ): Promise<ToolCallOutcome> {
    const client = this.readyClient();
    const id = ++this.callCounter;
    this.inFlight.set(id, { tool, context });
    try {
      return runToolCall({
        client,
        plugin: this.name,
        tool,
        args,
        context,
        timeoutMs,
        credentials: this.options.config.credentials,
        redactor: this.options.redactor,
        listenProgress: this.listenProgress,
        progressToken: context.onProgress === undefined ? '' : `aurora-${this.name}-${id}`,
        id,
        owner: this,
      });
    } catch (error) {
      this.inFlight.delete(id);
      return Promise.reject(AuroraError.from(error));
    }
  }

  /** Asks the plugin to describe a call (`_meta["aurora/summary"]: true`); nothing runs. */
  async describeCall(
    tool: HostTool,
    args: Readonly<Record<string, unknown>>,
    context: ToolCallContext,
    timeoutMs: number,
  ) {
    const client = this.readyClient();
    const result = await client.request(
      {
        method: 'tools/call',
        params: {
          name: tool.toolName,
          arguments: { ...args },
          _meta: { ...buildCallMeta(context, this.options.config.credentials), [AURORA_META.summary]: true },
        },
      },
      CallToolResultSchema,
      { timeout: timeoutMs, ...(context.signal ? { signal: context.signal } : {}) },
    );
    const summary = result.isError === true ? undefined : result._meta?.[AURORA_META.summary];
    return typeof summary === 'string' && summary.length > 0 ? this.options.redactor.redact(summary) : undefined;
  }

  /** Registers a progress listener under its token (one function for every call). */
  private readonly listenProgress = (token: string, listener: (params: ProgressParams) => void): (() => void) => {
    this.progress.set(token, listener);
    return () => this.progress.delete(token);
  };

  /** @internal A call has settled: it is no longer in flight. */
  callSettled(id: number): void {
    this.inFlight.delete(id);
  }

  /** @internal Closing the client on a drop rejects every pending request; say why it was closed. */
  callFailed(error: AuroraError, client: Client): AuroraError {
    if (ConnectionLostError.isInstance(error) && this.lossError !== undefined && this.session?.client !== client) {
      return this.lossError;
    }
    return error;
  }

  async ping(): Promise<number> {
    const client = this.readyClient();
    const started = performance.now();
    try {
      await client.ping({ timeout: this.options.requestTimeoutMs });
    } catch (error) {
      throw toCallError(error, {
        plugin: this.name,
        tool: 'ping',
        timeoutMs: this.options.requestTimeoutMs,
        redactor: this.options.redactor,
      });
    }
    return performance.now() - started;
  }

  /** Stops the plugin: closes the client (failing in-flight calls), ends a stdio child and waits for it. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.state = 'closed';
    this.wake?.();
    this.lossError = new ConnectionLostError({
      message: `Plugin "${this.name}" was disconnected.`,
      retryable: false,
      details: { plugin: this.name },
    });
    const session = this.session;
    this.session = undefined;
    if (session !== undefined) {
      await session.opened.terminate?.().catch(() => undefined);
      await this.endSession(session);
    }
    this.tools = [];
    this.toolsByName = new Map();
  }

  private readyClient(): Client {
    if (this.state === 'ready' && this.session !== undefined) return this.session.client;
    throw new ConnectionLostError({
      message:
        this.state === 'reconnecting'
          ? `Plugin "${this.name}" is reconnecting; retry shortly.`
          : `Plugin "${this.name}" is ${this.state}.`,
      retryable: this.state === 'reconnecting' || this.state === 'connecting',
      details: { plugin: this.name, state: this.state },
    });
  }

  private async open(): Promise<void> {
    const { config, clientInfo, requestTimeoutMs } = this.options;
    const opened = await openTransport(config.transport);
    if (opened.stderr !== undefined) this.stderr.follow(opened.stderr);
    const client = new Client(clientInfo, { capabilities: { elicitation: { form: {} } } });
    const session: Session = { client, opened };
    client.setRequestHandler(ElicitRequestSchema, (request) =>
      answerElicitation(
        { plugin: this.name, inFlight: this.inFlight, redactor: this.options.redactor, logger: this.options.logger },
        request,
      ),
    );
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => this.refreshTools(session));
    client.onclose = () => this.lose(session, undefined);
    client.onerror = (error) => {
      if (config.transport.kind === 'http' && isHttpDrop(error)) this.lose(session, error);
    };
    try {
      await client.connect(opened.transport, { timeout: requestTimeoutMs });
      this.takeProgress(opened.transport);
      session.pid = opened.pid();
      const listed = await listAllTools(client, requestTimeoutMs);
      this.setTools(toHostTools(config, listed));
    } catch (error) {
      await this.endSession(session);
      throw error;
    }
    const info = client.getServerVersion();
    this.server = info === undefined ? undefined : { name: info.name, version: info.version };
    session.pid = opened.pid();
    this.session = session;
  }

  /** Delivers progress for the host's own tokens synchronously, ahead of the SDK (see `runToolCall`). */
  private takeProgress(transport: Transport): void {
    const inner = transport.onmessage;
    transport.onmessage = (message, extra) => {
      if ('method' in message && message.method === 'notifications/progress' && !('id' in message)) {
        const params = message.params as ProgressParams | undefined;
        const listener = params === undefined ? undefined : this.progress.get(params.progressToken);
        if (listener !== undefined && params !== undefined) {
          listener(params);
          return;
        }
      }
      inner?.(message, extra);
    };
  }

  private setTools(tools: HostTool[]): void {
    this.tools = tools;
    this.toolsByName = new Map(tools.map((tool) => [tool.name, tool]));
  }

  private async refreshTools(session: Session): Promise<void> {
    if (session !== this.session) return;
    try {
      const listed = await listAllTools(session.client, this.options.requestTimeoutMs);
      if (session === this.session) this.setTools(toHostTools(this.options.config, listed));
      this.options.logger.debug('mcp-host: tool list refreshed', { plugin: this.name, tools: this.tools.length });
    } catch (error) {
      this.options.logger.warn('mcp-host: tool list refresh failed', {
        plugin: this.name,
        code: AuroraError.from(error).code,
      });
    }
  }

  /** The connection dropped: close the client (failing in-flight calls at once), then reconnect with backoff. */
  private lose(session: Session, cause: unknown): void {
    if (this.closing || session !== this.session) return;
    this.session = undefined;
    this.state = 'reconnecting';
    const error = new ConnectionLostError({
      message: `The connection to plugin "${this.name}" was lost; the host is reconnecting.`,
      cause,
      details: { plugin: this.name },
    });
    this.lastError = error.toJSON();
    this.options.logger.warn('mcp-host: plugin connection lost', { plugin: this.name });
    this.lossError = error;
    void this.endSession(session).then(() => this.reconnectLoop());
  }

  private async reconnectLoop(): Promise<void> {
    const policy = this.options.reconnect;
    for (let attempt = 1; attempt <= policy.maxAttempts; attempt++) {
      await this.sleep(backoffDelay(attempt, policy));
      if (this.closing) return;
      try {
        await this.open();
        if (this.closing) {
          const session = this.session;
          this.session = undefined;
          if (session !== undefined) await this.endSession(session);
          return;
        }
        this.reconnects++;
        this.state = 'ready';
        this.options.logger.info('mcp-host: plugin reconnected', { plugin: this.name, attempt });
        return;
      } catch (error) {
        this.lastError = this.connectError(error).toJSON();
        this.options.logger.warn('mcp-host: reconnect attempt failed', { plugin: this.name, attempt });
      }
    }
    if (!this.closing) {
      this.state = 'failed';
      this.options.logger.error('mcp-host: plugin failed', { plugin: this.name, attempts: policy.maxAttempts });
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  /**
   * Closes a session's client and transport. For stdio the SDK ends stdin, then sends SIGTERM
   * and SIGKILL if the child lingers; this waits until the pid is gone so none is orphaned.
   */
  private async endSession(session: Session): Promise<void> {
    const pid = session.opened.pid() ?? session.pid;
    await session.client.close().catch(() => undefined);
    if (pid === undefined) return;
    for (let waited = 0; alive(pid) && waited < 5_000; waited += 25) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    if (alive(pid))
      this.options.logger.warn('mcp-host: plugin process still running after close', { plugin: this.name, pid });
  }

  private connectError(error: unknown): AuroraError {
    if (AuroraError.isInstance(error)) return error;
    return new ConnectionLostError({
      message: `Could not connect to plugin "${this.name}" (${this.options.config.transport.kind}).`,
      cause: error,
      details: { plugin: this.name, transport: this.options.config.transport.kind },
    });
  }
}
