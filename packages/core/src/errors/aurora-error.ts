import { docsUrlFor, errorCodes, httpStatusFor, isErrorCode, type ErrorCode } from './codes.js';

/** JSON-safe values only: details must never carry a secret or a backend object. */
export type ErrorDetails = Readonly<Record<string, string | number | boolean | null | readonly string[]>>;

export interface AuroraErrorOptions {
  readonly message?: string;
  readonly cause?: unknown;
  readonly retryable?: boolean;
  readonly details?: ErrorDetails;
}

/** The JSON form of an error, as sent over HTTP, the stream and MCP. */
export interface SerializedAuroraError {
  readonly name: string;
  readonly code: ErrorCode;
  readonly message: string;
  readonly retryable: boolean;
  readonly details: ErrorDetails;
  readonly docs: string;
}

/** The `error` event a run emits on the stream (see the event schema). */
export interface ErrorStreamEvent {
  readonly type: 'error';
  readonly error: SerializedAuroraError;
}

/** An MCP `CallToolResult` reporting this error to a model or client. */
export interface McpErrorResult {
  readonly isError: true;
  readonly content: { readonly type: 'text'; readonly text: string }[];
  readonly structuredContent: { readonly error: SerializedAuroraError };
  [key: string]: unknown;
}

const BRAND = 'aurora.error';
const brand = Symbol.for(BRAND);

/**
 * The one error base class. `code` is from a closed set; backend and operation belong
 * in `details`. Identity crosses bundles and processes through `Symbol.for` markers, so
 * use `AuroraError.isInstance(e)` (or a subclass's) rather than `instanceof`.
 */
export class AuroraError extends Error {
  private readonly [brand] = true;
  override readonly name: string = 'AuroraError';
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly details: ErrorDetails;

  constructor(code: ErrorCode, options: AuroraErrorOptions = {}) {
    super(
      options.message ?? errorCodes[code].summary,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.code = code;
    this.retryable = options.retryable ?? errorCodes[code].retryable;
    this.details = options.details ?? {};
  }

  get status(): number {
    return httpStatusFor(this.code);
  }

  get docs(): string {
    return docsUrlFor(this.code);
  }

  /** True for any Aurora error, from any copy of this package. */
  static isInstance(error: unknown): error is AuroraError {
    return hasMarker(error, BRAND);
  }

  /** Whether `error` carries the marker `aurora.error.<name>` (for subclasses). */
  protected static hasMarker(error: unknown, marker: string): boolean {
    return hasMarker(error, marker);
  }

  toJSON(): SerializedAuroraError {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      retryable: this.retryable,
      details: this.details,
      docs: this.docs,
    };
  }

  toStreamEvent(): ErrorStreamEvent {
    return { type: 'error', error: this.toJSON() };
  }

  toMcpResult(): McpErrorResult {
    const json = this.toJSON();
    return {
      isError: true,
      content: [{ type: 'text', text: `${json.code}: ${json.message} (${json.docs})` }],
      structuredContent: { error: json },
    };
  }

  /**
   * Wraps anything thrown into an AuroraError without copying its message (a foreign
   * message may quote a secret or a connection string); the original stays as `cause`.
   */
  static from(error: unknown, code: ErrorCode = 'INTERNAL', message?: string): AuroraError {
    if (AuroraError.isInstance(error)) return error;
    return new AuroraError(code, { cause: error, ...(message === undefined ? {} : { message }) });
  }

  /** Rebuilds an error received over a wire (HTTP body, MCP result, job payload). */
  static fromJSON(json: unknown): AuroraError {
    if (typeof json === 'object' && json !== null) {
      const record = json as Record<string, unknown>;
      if (isErrorCode(record.code)) {
        return new AuroraError(record.code, {
          ...(typeof record.message === 'string' ? { message: record.message } : {}),
          ...(typeof record.retryable === 'boolean' ? { retryable: record.retryable } : {}),
          details: sanitizeDetails(record.details),
        });
      }
    }
    return new AuroraError('INTERNAL', { message: 'Received a malformed error.' });
  }
}

function hasMarker(error: unknown, marker: string): boolean {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[Symbol.for(marker)] === true;
}

function sanitizeDetails(value: unknown): ErrorDetails {
  if (typeof value !== 'object' || value === null) return {};
  const out: Record<string, string | number | boolean | null | readonly string[]> = {};
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    if (item === null || typeof item === 'string' || typeof item === 'number' || typeof item === 'boolean')
      out[key] = item;
    else if (Array.isArray(item) && item.every((entry): entry is string => typeof entry === 'string')) out[key] = item;
  }
  return out;
}
