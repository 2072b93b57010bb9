import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';
import { AuroraError } from '../errors/aurora-error.js';
import { InvalidInputError } from '../errors/errors.js';
import type { Logger } from '../logging/logger.js';
import type { AnyToolDefinition, ToolContentResult } from './define-tool.js';
import { AURORA_META } from './tool-context.js';

const MAX_LISTED_ISSUES = 10;

/** `a.b[0].c` for a zod issue path; `(arguments)` for the root. */
function pathText(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(arguments)';
  return path
    .map((segment, index) =>
      typeof segment === 'number' ? `[${segment}]` : `${index === 0 ? '' : '.'}${String(segment)}`,
    )
    .join('');
}

/**
 * An `InvalidInputError` naming each bad field and what was expected. Built from the
 * issue codes and zod's messages, which describe the expectation, not the received value;
 * the value itself (perhaps a pasted secret) is never quoted.
 */
export function invalidArgumentsError(tool: string, error: z.ZodError): InvalidInputError {
  const issues = error.issues.slice(0, MAX_LISTED_ISSUES).map((issue) => `${pathText(issue.path)}: ${issue.message}`);
  const fields = [...new Set(error.issues.map((issue) => pathText(issue.path)))];
  const more = error.issues.length > MAX_LISTED_ISSUES ? ` (and ${error.issues.length - MAX_LISTED_ISSUES} more)` : '';
  return new InvalidInputError({
    message: `Invalid arguments for tool "${tool}": ${issues.join('; ')}${more}.`,
    details: { tool, fields, issues },
  });
}

/**
 * The MCP result for an error. The serialized error always rides in `_meta['aurora/error']`.
 * `structuredContent` (as `AuroraError.toMcpResult()` gives it) is dropped for tools with
 * an output schema: MCP clients validate any `structuredContent` against that schema, even
 * on an error result, and would reject the call instead of showing the error.
 */
export function errorResult(error: AuroraError, hasOutputSchema: boolean): CallToolResult {
  const result = error.toMcpResult();
  return {
    isError: true,
    content: result.content,
    ...(hasOutputSchema ? {} : { structuredContent: result.structuredContent }),
    _meta: { [AURORA_META.error]: result.structuredContent.error },
  };
}

/**
 * Any thrown value as a typed error: an `AuroraError` as is, anything else as `INTERNAL`
 * with a safe message; the original (message and stack) goes to the logger only.
 */
export function toAuroraError(thrown: unknown, tool: string, logger: Logger): AuroraError {
  if (AuroraError.isInstance(thrown)) return thrown;
  logger.error('tool handler failed', {
    tool,
    error:
      thrown instanceof Error ? { name: thrown.name, message: thrown.message, stack: thrown.stack } : String(thrown),
  });
  return new AuroraError('INTERNAL', {
    message: `Tool "${tool}" failed unexpectedly; the details are in the plugin's log.`,
    cause: thrown,
    details: { tool },
  });
}

function isContentResult(value: unknown): value is { content: CallToolResult['content'] } {
  return typeof value === 'object' && value !== null && Array.isArray((value as { content?: unknown }).content);
}

/**
 * The MCP result for a handler's return value. With an output schema, the value is parsed
 * by it and sent as `structuredContent` plus its JSON text; a value that fails the schema
 * is the tool's bug, an `INTERNAL` error. Without one: text, or content blocks as given.
 */
export function successResult(tool: AnyToolDefinition, value: unknown, logger: Logger): CallToolResult {
  const output = tool.output;
  if (output !== undefined) {
    const parsed = output.safeParse(value);
    if (!parsed.success) {
      const fields = [...new Set(parsed.error.issues.map((issue) => pathText(issue.path)))];
      logger.error('tool output does not match its output schema', { tool: tool.name, fields });
      throw new AuroraError('INTERNAL', {
        message: `Tool "${tool.name}" returned a value that does not match its output schema (fields: ${fields.join(', ')}).`,
        details: { tool: tool.name, fields },
      });
    }
    const structured = parsed.data;
    return { content: [{ type: 'text', text: JSON.stringify(structured) }], structuredContent: structured };
  }
  const result = value as ToolContentResult | undefined;
  if (typeof result === 'string') return { content: [{ type: 'text', text: result }] };
  if (isContentResult(result)) return { content: result.content };
  if (result === undefined) return { content: [] };
  throw new AuroraError('INTERNAL', {
    message: `Tool "${tool.name}" returned neither text nor content blocks, and it has no output schema.`,
    details: { tool: tool.name },
  });
}
