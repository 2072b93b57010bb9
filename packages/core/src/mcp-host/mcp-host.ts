import type { SerializedAuroraError } from '../errors/aurora-error.js';
import type { Risk } from '../confirmation/risk.js';

/**
 * The MCP host's contract (types only). The host connects MCP servers ("plugins") in-process,
 * as stdio child processes or over Streamable HTTP, namespaces their tools
 * (`<plugin>__<tool>`, ≤ 64 characters) and calls them for the agent. Any MCP server is a
 * valid plugin; Aurora's own plugins add `_meta` (org, credentials) the host fills per call.
 */

/** A JSON Schema object as MCP carries it (`type: 'object'`). */
export type JsonSchemaObject = Readonly<Record<string, unknown>> & { readonly type: 'object' };

export interface ToolAnnotationsLike {
  readonly title?: string;
  readonly readOnlyHint?: boolean;
  readonly destructiveHint?: boolean;
  readonly idempotentHint?: boolean;
  readonly openWorldHint?: boolean;
}

export type PluginTransport =
  /** Linked in-memory transport: the server object lives in this process. */
  | {
      readonly kind: 'in-process';
      /** An MCP SDK `McpServer` or low-level `Server` (anything with `connect(transport)`), or a factory. */
      readonly server: unknown;
    }
  | {
      readonly kind: 'stdio';
      readonly command: string;
      readonly args?: readonly string[];
      /** Added to a minimal inherited environment (PATH, HOME, …), never the whole parent environment. */
      readonly env?: Readonly<Record<string, string>>;
      readonly cwd?: string;
    }
  | { readonly kind: 'http'; readonly url: string; readonly headers?: Readonly<Record<string, string>> };

export interface ToolFilter {
  /** Globs on the plugin's own tool names; default all. */
  readonly allow?: readonly string[];
  readonly deny?: readonly string[];
  /** Only tools whose risk is `read`. */
  readonly readOnly?: boolean;
}

export interface PluginConfig {
  /** Namespace prefix, `[a-z][a-z0-9-]{0,14}`. */
  readonly name: string;
  readonly transport: PluginTransport;
  readonly tools?: ToolFilter;
  /** Credential slot → secret reference (may contain `{org}`), sent in `_meta` as `aurora/credentials`. */
  readonly credentials?: Readonly<Record<string, string>>;
  /** Default per-call timeout for this plugin's tools (ms). */
  readonly timeoutMs?: number;
  /** Tools (own names) always exposed when the host runs in search mode. */
  readonly alwaysOn?: readonly string[];
}

export type PluginState = 'connecting' | 'ready' | 'reconnecting' | 'failed' | 'closed';

export interface PluginStatus {
  readonly name: string;
  readonly state: PluginState;
  readonly transport: PluginTransport['kind'];
  readonly toolCount: number;
  /** The server's `serverInfo` from initialize. */
  readonly server?: { readonly name: string; readonly version: string };
  readonly reconnects: number;
  readonly lastError?: SerializedAuroraError;
  /** Last lines a stdio plugin wrote to stderr (redacted). */
  readonly stderrTail?: readonly string[];
  /** The stdio child's process id while it runs. */
  readonly pid?: number;
}

export interface HostTool {
  /** `<plugin>__<tool>`, sanitised to `[A-Za-z0-9_-]`, ≤ 64 characters, unique in the host. */
  readonly name: string;
  readonly plugin: string;
  /** The plugin's own name for the tool. */
  readonly toolName: string;
  readonly title?: string;
  readonly description: string;
  readonly inputSchema: JsonSchemaObject;
  readonly outputSchema?: JsonSchemaObject;
  readonly annotations: ToolAnnotationsLike;
  /** From the annotations (no annotations: `destructive`); org policy may change it later. */
  readonly risk: Risk;
  /** The tool's `_meta`, as listed. */
  readonly meta?: Readonly<Record<string, unknown>>;
}

export interface ToolProgress {
  readonly progress: number;
  readonly total?: number;
  readonly message?: string;
}

/** A plugin's `elicitation/create` request during a call, surfaced to the user as a confirmation. */
export interface ElicitationRequest {
  readonly plugin: string;
  readonly tool: string;
  readonly message: string;
  readonly requestedSchema: Readonly<Record<string, unknown>>;
}

export interface ElicitationResponse {
  readonly action: 'accept' | 'decline' | 'cancel';
  readonly content?: Readonly<Record<string, string | number | boolean | readonly string[]>>;
}

export interface ToolCallContext {
  readonly org: string;
  readonly user?: string;
  readonly session?: string;
  readonly runId?: string;
  readonly toolCallId?: string;
  readonly signal?: AbortSignal;
  /** Overrides the plugin's timeout. */
  readonly timeoutMs?: number;
  readonly onProgress?: (progress: ToolProgress) => void;
  /** Without it, a plugin's elicitation is declined. */
  readonly onElicitation?: (request: ElicitationRequest) => Promise<ElicitationResponse>;
}

export interface ToolCallOutcome {
  readonly isError: boolean;
  /** MCP content blocks as returned. */
  readonly content: readonly Readonly<Record<string, unknown>>[];
  readonly structuredContent?: Readonly<Record<string, unknown>>;
  /** The content flattened to text for a model (structured content as JSON when there is no text). */
  readonly text: string;
  /** When `isError`: the plugin's Aurora error (from `structuredContent.error`) or one the host made. */
  readonly error?: SerializedAuroraError;
  readonly durationMs: number;
}

export interface McpHost {
  /** Connects and lists tools. A name already connected is a `ConflictError`-like typed error. */
  connect(config: PluginConfig): Promise<PluginStatus>;
  disconnect(name: string): Promise<void>;
  status(): PluginStatus[];
  /** Every tool of every ready plugin, after filters. */
  listTools(): HostTool[];
  /**
   * The tools to give a model. Below `maxTools` (default 40): all of them. Above: each plugin's
   * `alwaysOn` tools plus `aurora__search_tools` and `aurora__call_tool`.
   */
  exposedTools(options?: { readonly maxTools?: number }): HostTool[];
  /** `aurora__call_tool` unwrapped to the tool it names; any other name as is. Unknown → `NotFoundError`. */
  resolve(
    name: string,
    args: Readonly<Record<string, unknown>>,
  ): { tool: HostTool; arguments: Record<string, unknown> };
  /**
   * Calls a tool. A plugin's error result is returned (`isError`); host-side failures throw
   * typed errors: unknown tool `NotFoundError`, timeout `TimeoutError`, cancelled
   * `CANCELLED`, plugin gone `UNAVAILABLE` (retryable).
   */
  callTool(name: string, args: Readonly<Record<string, unknown>>, context: ToolCallContext): Promise<ToolCallOutcome>;
  /**
   * What a call would do, in the plugin's words, for an approver: asks a plugin whose tool lists
   * `_meta["aurora/summary"]: true` (nothing runs). `undefined` when the tool cannot say, or the
   * plugin does not answer within a few seconds.
   */
  describe(
    name: string,
    args: Readonly<Record<string, unknown>>,
    context: ToolCallContext,
  ): Promise<string | undefined>;
  /** MCP ping round trip in ms. */
  ping(name: string): Promise<number>;
  close(): Promise<void>;
}
