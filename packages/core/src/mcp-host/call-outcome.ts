import { AURORA_META } from '../internal/aurora-meta.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { AuroraError, type SerializedAuroraError } from '../errors/aurora-error.js';
import { isErrorCode } from '../errors/codes.js';
import {
  CancelledError,
  ConnectionLostError,
  InvalidInputError,
  TimeoutError,
  UnsupportedError,
  UpstreamError,
} from '../errors/errors.js';
import type { Redacting } from '../logging/logger.js';
import type { ToolCallOutcome } from './mcp-host.js';

/** A redactor that changes nothing (the host's default when none is given). */
export const identityRedactor: Redacting = { redact: (text) => text, redactDeep: (value) => value };

/** Where Aurora plugins put the serialized error of an error result (also `structuredContent.error` when they can). */
export const RESULT_ERROR_META_KEY = AURORA_META.error;

/** Longest plugin text copied into an error message. */
const MAX_ERROR_TEXT = 2_000;

type Block = Readonly<Record<string, unknown>>;

/** The content flattened to text for a model; structured content as JSON when there is no text. */
export function flattenContent(content: readonly Block[], structuredContent: unknown): string {
  // The common result, one text block, without building a list.
  const only = content.length === 1 ? content[0] : undefined;
  if (only !== undefined && only.type === 'text' && typeof only.text === 'string') return only.text;
  const parts: string[] = [];
  for (const block of content) {
    if (block.type === 'text' && typeof block.text === 'string') parts.push(block.text);
    else if (block.type === 'resource' && typeof block.resource === 'object' && block.resource !== null) {
      const resource = block.resource as Record<string, unknown>;
      parts.push(typeof resource.text === 'string' ? resource.text : `[resource ${String(resource.uri)}]`);
    } else if (block.type === 'resource_link') parts.push(`[resource ${String(block.uri)}]`);
    else parts.push(`[${String(block.type)} content]`);
  }
  if (parts.length === 0 && structuredContent !== undefined) return JSON.stringify(structuredContent);
  return parts.join('\n');
}

function serializedFromWire(value: unknown): SerializedAuroraError | undefined {
  if (typeof value !== 'object' || value === null || !isErrorCode((value as Record<string, unknown>).code)) {
    return undefined;
  }
  const name = (value as Record<string, unknown>).name;
  return { ...AuroraError.fromJSON(value).toJSON(), ...(typeof name === 'string' ? { name } : {}) };
}

export interface OutcomeSource {
  readonly plugin: string;
  readonly tool: string;
  readonly redactor: Redacting;
  readonly durationMs: number;
}

/**
 * True when `redactor` cannot change any text: the identity redactor, or a secret redactor
 * (anything with a numeric `size`) that has learned no value yet. Checked per call, so a
 * secret learned later is scrubbed from the next result on.
 */
export function redactsNothing(redactor: Redacting): boolean {
  return redactor === identityRedactor || ('size' in redactor && redactor.size === 0);
}

/** Turns an MCP `CallToolResult` into the host's outcome, redacted. */
export function toOutcome(result: Record<string, unknown>, source: OutcomeSource): ToolCallOutcome {
  const { redactor } = source;
  const scrub = !redactsNothing(redactor);
  const rawContent = Array.isArray(result.content) ? (result.content as Block[]) : [];
  const content = scrub ? redactor.redactDeep(rawContent) : rawContent;
  const rawStructured = result.structuredContent;
  const structured =
    typeof rawStructured === 'object' && rawStructured !== null
      ? scrub
        ? redactor.redactDeep(rawStructured as Record<string, unknown>)
        : (rawStructured as Record<string, unknown>)
      : undefined;
  const flat = flattenContent(content, structured);
  const text = scrub ? redactor.redact(flat) : flat;
  if (result.isError !== true) {
    return structured === undefined
      ? { isError: false, content, text, durationMs: source.durationMs }
      : { isError: false, content, structuredContent: structured, text, durationMs: source.durationMs };
  }
  const resultMeta = result._meta as Record<string, unknown> | undefined;
  const metaError: unknown = resultMeta?.[RESULT_ERROR_META_KEY];
  const error =
    serializedFromWire(metaError === undefined ? undefined : redactor.redactDeep(metaError)) ??
    serializedFromWire(structured?.error) ??
    new UpstreamError({
      message: `Tool "${source.tool}" of plugin "${source.plugin}" failed: ${text.slice(0, MAX_ERROR_TEXT) || '(no text)'}`,
      retryable: false,
      details: { plugin: source.plugin, tool: source.tool },
    }).toJSON();
  return {
    isError: true,
    content,
    ...(structured === undefined ? {} : { structuredContent: structured }),
    text,
    error,
    durationMs: source.durationMs,
  };
}

export interface FailureContext {
  readonly plugin: string;
  readonly tool: string;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  readonly redactor: Redacting;
}

/** Maps anything a call threw to a typed Aurora error a model can read (messages redacted). */
export function toCallError(error: unknown, context: FailureContext): AuroraError {
  const details = { plugin: context.plugin, tool: context.tool };
  if (context.signal?.aborted === true) {
    return new CancelledError({ message: `The call to "${context.tool}" was cancelled.`, cause: error, details });
  }
  if (AuroraError.isInstance(error)) return error;
  if (error instanceof McpError) {
    const text = context.redactor.redact(error.message).slice(0, MAX_ERROR_TEXT);
    switch (error.code as ErrorCode) {
      case ErrorCode.RequestTimeout:
        return new TimeoutError({
          message: `Tool "${context.tool}" of plugin "${context.plugin}" did not answer within ${context.timeoutMs} ms.`,
          cause: error,
          details: { ...details, timeoutMs: context.timeoutMs },
        });
      case ErrorCode.ConnectionClosed:
        return new ConnectionLostError({
          message: `The connection to plugin "${context.plugin}" was lost during the call.`,
          cause: error,
          details,
        });
      case ErrorCode.InvalidParams:
        return new InvalidInputError({ message: `Invalid call to "${context.tool}": ${text}`, cause: error, details });
      case ErrorCode.MethodNotFound:
        return new UnsupportedError({
          message: `Plugin "${context.plugin}" does not support this request: ${text}`,
          cause: error,
          details,
        });
      default:
        return new UpstreamError({
          message: `Plugin "${context.plugin}" answered the call to "${context.tool}" with an error: ${text}`,
          cause: error,
          details: { ...details, mcpCode: error.code },
        });
    }
  }
  return new ConnectionLostError({
    message: `The call to "${context.tool}" on plugin "${context.plugin}" failed in transport.`,
    cause: error,
    details,
  });
}
