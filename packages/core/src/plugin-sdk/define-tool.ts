import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';
import type { Risk } from '../confirmation/risk.js';
import { RISKS } from '../confirmation/risk.js';
import { ConfigurationError } from '../errors/errors.js';
import type { ToolContext } from './tool-context.js';

/** A tool's own name: the host prefixes `<plugin>__`, and the whole must stay within 64 characters. */
export const TOOL_NAME_PATTERN = /^[a-z][a-z0-9_]{0,47}$/;

/** Input schemas are zod objects: MCP tool arguments are always a JSON object. */
export type ToolInputSchema = z.ZodObject;

/** Output schemas are zod objects too: they become the tool's `outputSchema` and `structuredContent`. */
export type ToolOutputSchema = z.ZodObject;

/** What a tool without an output schema may return: text, or MCP content blocks. */
export type ToolContentResult = string | { readonly content: CallToolResult['content'] };

/** What a handler returns: the output object when the tool declares `output`, text or content otherwise. */
export type ToolHandlerResult<Output extends ToolOutputSchema | undefined> = Output extends ToolOutputSchema
  ? z.input<Output>
  : ToolContentResult;

export interface ToolSpec<Input extends ToolInputSchema, Output extends ToolOutputSchema | undefined> {
  /** `[a-z][a-z0-9_]{0,47}`; unique within the plugin. */
  readonly name: string;
  readonly title?: string;
  /** What the model reads to decide when and how to call the tool. */
  readonly description: string;
  readonly input: Input;
  /** When present, results carry `structuredContent` validated against it. */
  readonly output?: Output;
  /** `read` runs freely; `write` and `destructive` need a confirmation. */
  readonly risk: Risk;
  /** Credential slots (declared by the plugin) this tool reads through `context.credential`. */
  readonly credentials?: readonly string[];
  /** One line for the approval prompt. Default: the title and the arguments. */
  readonly summary?: (input: z.output<Input>) => string;
  /** Wall-time limit for one call; `context.signal` aborts when it passes. Default: the server's. */
  readonly timeoutMs?: number;
  /**
   * Called with no arguments, the tool checks the plugin's credentials and connection (who am
   * I, list what I can see): the server's connector test calls it. A `read` tool whose input
   * accepts `{}`; at most one per plugin.
   */
  readonly connectionTest?: boolean;
  readonly handler: (
    input: z.output<Input>,
    context: ToolContext,
  ) => Promise<ToolHandlerResult<Output>> | ToolHandlerResult<Output>;
}

/** A checked tool, as `definePlugin` takes it. */
export interface ToolDefinition<
  Input extends ToolInputSchema = ToolInputSchema,
  Output extends ToolOutputSchema | undefined = ToolOutputSchema | undefined,
> extends ToolSpec<Input, Output> {
  readonly kind: 'aurora.tool';
  readonly credentials: readonly string[];
}

/**
 * A tool of any schema, as a plugin lists them and a server runs them. Every
 * `ToolDefinition` is one; the handler's input is `never` here because only the tool's
 * own schema knows its type.
 */
export interface AnyToolDefinition {
  readonly kind: 'aurora.tool';
  readonly name: string;
  readonly title?: string;
  readonly description: string;
  readonly input: ToolInputSchema;
  readonly output?: ToolOutputSchema;
  readonly risk: Risk;
  readonly credentials: readonly string[];
  readonly summary?: (input: never) => string;
  readonly timeoutMs?: number;
  readonly connectionTest?: boolean;
  readonly handler: (input: never, context: ToolContext) => unknown;
}

function invalid(tool: string, message: string, setting: string): ConfigurationError {
  return new ConfigurationError({ message: `Tool "${tool}": ${message}`, details: { tool, setting } });
}

/**
 * Declares one tool. Checks what can be checked before a server exists (name, risk,
 * schema kinds, timeout) and throws `ConfigurationError` naming the problem.
 */
export function defineTool<Input extends ToolInputSchema, Output extends ToolOutputSchema | undefined = undefined>(
  spec: ToolSpec<Input, Output>,
): ToolDefinition<NoInfer<Input>, NoInfer<Output>> {
  const name = typeof spec.name === 'string' ? spec.name : String(spec.name);
  if (!TOOL_NAME_PATTERN.test(name)) {
    throw invalid(name, 'the name must match [a-z][a-z0-9_]{0,47} (the host adds "<plugin>__").', 'name');
  }
  if (typeof spec.description !== 'string' || spec.description.trim() === '') {
    throw invalid(name, 'a description is required; it is what the model reads.', 'description');
  }
  if (!RISKS.includes(spec.risk)) {
    throw invalid(name, `risk must be one of ${RISKS.join(', ')}.`, 'risk');
  }
  if (!isObjectSchema(spec.input)) throw invalid(name, 'input must be a zod object schema (z.object).', 'input');
  if (spec.output !== undefined && !isObjectSchema(spec.output)) {
    throw invalid(name, 'output must be a zod object schema (z.object).', 'output');
  }
  if (typeof spec.handler !== 'function') throw invalid(name, 'handler must be a function.', 'handler');
  if (spec.timeoutMs !== undefined && !(Number.isFinite(spec.timeoutMs) && spec.timeoutMs > 0)) {
    throw invalid(name, 'timeoutMs must be a positive number.', 'timeoutMs');
  }
  if (spec.connectionTest !== undefined && typeof spec.connectionTest !== 'boolean') {
    throw invalid(name, 'connectionTest must be true or false.', 'connectionTest');
  }
  if (spec.connectionTest && spec.risk !== 'read') {
    throw invalid(
      name,
      'a connection test must be a read tool: the connector test runs it without approval.',
      'connectionTest',
    );
  }
  if (spec.connectionTest && !spec.input.safeParse({}).success) {
    throw invalid(name, 'a connection test is called with no arguments: its input must accept {}.', 'connectionTest');
  }
  const credentials = [...(spec.credentials ?? [])];
  if (new Set(credentials).size !== credentials.length) {
    throw invalid(name, 'a credential slot is listed twice.', 'credentials');
  }
  return Object.freeze({ ...spec, name, credentials, kind: 'aurora.tool' as const });
}

function isObjectSchema(schema: unknown): boolean {
  const zod = (schema as { _zod?: { def?: { type?: unknown } } } | undefined)?._zod;
  return zod?.def?.type === 'object';
}
