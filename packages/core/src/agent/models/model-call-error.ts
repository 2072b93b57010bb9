import { AuroraError, type ErrorDetails } from '../../errors/aurora-error.js';
import type { ErrorCode } from '../../errors/codes.js';
import type { SecretRedactor } from '../../secrets/redactor.js';

const MARKER = 'aurora.error.ModelCallError';

export interface ModelCallErrorOptions {
  readonly code: ErrorCode;
  readonly message: string;
  readonly provider?: string;
  readonly statusCode?: number;
  readonly retryable?: boolean;
  readonly cause?: unknown;
  readonly details?: ErrorDetails;
}

/**
 * A chat model provider call failed. `code` says how (`UNAUTHENTICATED`, `RATE_LIMITED`,
 * `UPSTREAM_ERROR`, …); `statusCode` is the provider's HTTP status when there was one.
 * The provider's own message is never copied into `message`: it may quote the request.
 */
export class ModelCallError extends AuroraError {
  override readonly name: string = 'ModelCallError';
  readonly provider: string | undefined;
  readonly statusCode: number | undefined;

  constructor(options: ModelCallErrorOptions) {
    super(options.code, {
      message: options.message,
      ...(options.retryable === undefined ? {} : { retryable: options.retryable }),
      ...(options.cause === undefined ? {} : { cause: options.cause }),
      details: options.details ?? {},
    });
    this.provider = options.provider;
    this.statusCode = options.statusCode;
    Object.defineProperty(this, Symbol.for(MARKER), { value: true, enumerable: false });
  }

  static override isInstance(error: unknown): error is ModelCallError {
    return AuroraError.hasMarker(error, MARKER);
  }
}

export interface MapModelErrorOptions {
  /** Names the provider in messages and details (`openai`, `anthropic`, …). */
  readonly provider?: string;
  /** The model spec, for details. */
  readonly model?: string;
  /**
   * Scrubs the provider's message (kept in `details.providerMessage`) and the original error
   * (kept as `cause`). Without one, neither is kept: a provider may echo what it was sent.
   */
  readonly redactor?: SecretRedactor;
}

function field(error: unknown, key: string): unknown {
  return typeof error === 'object' && error !== null ? (error as Record<string, unknown>)[key] : undefined;
}

function statusOf(error: unknown): number | undefined {
  const status = field(error, 'status') ?? field(error, 'statusCode');
  return typeof status === 'number' && Number.isInteger(status) ? status : undefined;
}

/** `Retry-After` (seconds or an HTTP date) or `retry-after-ms`, in milliseconds. */
function retryAfterMs(error: unknown): number | undefined {
  const hinted = field(error, 'retryAfterMs');
  if (typeof hinted === 'number' && Number.isFinite(hinted) && hinted >= 0) return Math.round(hinted);
  const headers = field(error, 'headers');
  const get = (name: string): string | undefined => {
    const getter = field(headers, 'get');
    const value =
      typeof getter === 'function' ? (getter as (n: string) => unknown).call(headers, name) : field(headers, name);
    return typeof value === 'string' ? value : undefined;
  };
  const ms = Number(get('retry-after-ms'));
  if (Number.isFinite(ms) && ms >= 0 && get('retry-after-ms') !== undefined) return Math.round(ms);
  const text = get('retry-after');
  if (text === undefined) return undefined;
  const seconds = Number(text);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

const byStatus: ReadonlyArray<readonly [(status: number) => boolean, ErrorCode, string]> = [
  [(s) => s === 401, 'UNAUTHENTICATED', 'rejected the API key (401)'],
  [(s) => s === 403, 'FORBIDDEN', 'refused the request for this key (403)'],
  [(s) => s === 404, 'NOT_FOUND', 'does not know this model or endpoint (404)'],
  [(s) => s === 408, 'TIMEOUT', 'timed out (408)'],
  [(s) => s === 413, 'PAYLOAD_TOO_LARGE', 'refused the request as too large (413)'],
  [(s) => s === 429, 'RATE_LIMITED', 'is rate limiting this key (429)'],
  [(s) => s >= 500, 'UPSTREAM_ERROR', 'failed'],
  [(s) => s >= 400, 'INVALID_INPUT', 'rejected the request'],
];

/**
 * Turns whatever a LangChain chat model threw into a `ModelCallError` (or passes an
 * `AuroraError` through): 401 → `UNAUTHENTICATED`, 429 → `RATE_LIMITED` (retryable, with
 * `details.retryAfterMs`), 5xx → `UPSTREAM_ERROR` (retryable), connection failures →
 * `UNAVAILABLE`, timeouts → `TIMEOUT`, aborts → `CANCELLED`.
 */
export function mapModelError(error: unknown, options: MapModelErrorOptions = {}): AuroraError {
  if (AuroraError.isInstance(error)) return error;
  const { redactor } = options;
  const who = options.provider === undefined ? 'The model provider' : `Model provider "${options.provider}"`;
  const status = statusOf(error);
  const name = field(error, 'name');
  // SDK errors keep `name: 'Error'`; their class names say what happened.
  const kind = typeof error === 'object' && error !== null ? error.constructor.name : '';
  const foreign = field(error, 'message');
  const base: Record<string, string | number> = {};
  if (options.provider !== undefined) base.provider = options.provider;
  if (options.model !== undefined) base.model = options.model;
  if (redactor !== undefined && typeof foreign === 'string')
    base.providerMessage = redactor.redact(foreign).slice(0, 500);
  const common = {
    ...(options.provider === undefined ? {} : { provider: options.provider }),
    ...(redactor === undefined ? {} : { cause: redactor.redactDeep(error) }),
  };

  if (status !== undefined) {
    const [, code, what] = byStatus.find(([matches]) => matches(status)) ?? [() => true, 'UPSTREAM_ERROR', 'failed'];
    const wait = status === 429 ? retryAfterMs(error) : undefined;
    const contextOverflow = name === 'ContextOverflowError';
    return new ModelCallError({
      ...common,
      code,
      statusCode: status,
      message: `${who} ${contextOverflow ? 'refused the input as longer than the context window' : what}${status >= 500 ? ` (${status})` : ''}.`,
      details: {
        ...base,
        status,
        ...(wait === undefined ? {} : { retryAfterMs: wait }),
        ...(contextOverflow ? { reason: 'context overflow' } : {}),
      },
    });
  }
  if (name === 'AbortError' || kind === 'APIUserAbortError') {
    return new ModelCallError({
      ...common,
      code: 'CANCELLED',
      message: `The call to ${who} was cancelled.`,
      details: base,
    });
  }
  if (name === 'TimeoutError' || kind === 'APIConnectionTimeoutError') {
    return new ModelCallError({ ...common, code: 'TIMEOUT', message: `${who} did not answer in time.`, details: base });
  }
  if (kind === 'APIConnectionError' || /^E[A-Z]+$/.test(String(field(error, 'code')))) {
    return new ModelCallError({
      ...common,
      code: 'UNAVAILABLE',
      message: `${who} could not be reached.`,
      details: base,
    });
  }
  return new ModelCallError({
    ...common,
    code: 'INTERNAL',
    retryable: false,
    message: `The call to ${who} failed unexpectedly.`,
    details: base,
  });
}
