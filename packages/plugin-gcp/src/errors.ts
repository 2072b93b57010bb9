import {
  AuroraError,
  ConfigurationError,
  ConnectionLostError,
  ForbiddenError,
  InvalidInputError,
  NotFoundError,
  TimeoutError,
  UpstreamError,
  type AuroraErrorOptions,
  type ErrorDetails,
} from '@aurora-ops/core';

const QUOTA_MARKER = 'aurora.error.GcpQuotaExceededError';

/**
 * A GCP quota was reached (`quotaExceeded`, `QUOTA_EXCEEDED`, `dailyLimitExceeded`).
 * Not retryable: the quota has to be raised or resources freed first.
 */
export class GcpQuotaExceededError extends AuroraError {
  override readonly name: string = 'GcpQuotaExceededError';
  constructor(options: AuroraErrorOptions = {}) {
    super('UPSTREAM_ERROR', { ...options, retryable: false });
    Object.defineProperty(this, Symbol.for(QUOTA_MARKER), { value: true, enumerable: false });
  }
  static override isInstance(error: unknown): error is GcpQuotaExceededError {
    return AuroraError.hasMarker(error, QUOTA_MARKER);
  }
}

/** The parts of a GaxiosError (any copy of gaxios) the mapping reads. */
interface GaxiosErrorShape {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly status?: unknown;
  readonly message?: unknown;
  readonly config?: { readonly retryConfig?: { readonly currentRetryAttempt?: unknown } };
  readonly response?: { readonly status?: unknown; readonly data?: unknown };
}

/** What a Google API error body says (AIP-193), or an OAuth token error. */
export interface GcpErrorInfo {
  /** The HTTP status. */
  readonly httpStatus?: number;
  /** The canonical status (`PERMISSION_DENIED`, `NOT_FOUND`, `RESOURCE_EXHAUSTED`, …). */
  readonly gcpStatus?: string;
  /** The machine reason: ErrorInfo's, else the first legacy `errors[].reason`. */
  readonly reason?: string;
  /** The IAM permission a denial names, when it names one. */
  readonly permission?: string;
  /** The API a `SERVICE_DISABLED` error names. */
  readonly service?: string;
  /** An OAuth token endpoint error (`invalid_grant`, …). */
  readonly oauthError?: string;
  /** gaxios' error code: a network error (`ECONNREFUSED`) or `AbortError`, `TimeoutError`. */
  readonly code?: string;
  /** Requests sent, including retries. */
  readonly attempts?: number;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** Reads status, reason, permission and retries out of whatever a Google client threw. */
export function gcpErrorInfo(error: unknown): GcpErrorInfo {
  const shape = (record(error) ?? {}) as GaxiosErrorShape;
  const status = typeof shape.status === 'number' ? shape.status : shape.response?.status;
  const body = record(shape.response?.data);
  const apiError = record(body?.error);
  const details = Array.isArray(apiError?.details) ? apiError.details.map(record) : [];
  const errorInfo = details.find((entry) => text(entry?.['@type'])?.endsWith('google.rpc.ErrorInfo'));
  const metadata = record(errorInfo?.metadata);
  const legacy = Array.isArray(apiError?.errors) ? record(apiError.errors[0]) : undefined;
  const retries = shape.config?.retryConfig?.currentRetryAttempt;
  const code = text(shape.code) ?? text(shape.name === 'AbortError' ? 'AbortError' : undefined);
  const info: { -readonly [K in keyof GcpErrorInfo]: GcpErrorInfo[K] } = {};
  if (typeof status === 'number') info.httpStatus = status;
  const gcpStatus = text(apiError?.status);
  if (gcpStatus !== undefined) info.gcpStatus = gcpStatus;
  const reason = text(errorInfo?.reason) ?? text(legacy?.reason);
  if (reason !== undefined) info.reason = reason;
  const permission = text(metadata?.permission);
  if (permission !== undefined) info.permission = permission;
  const service = text(metadata?.service);
  if (service !== undefined) info.service = service;
  const oauthError = text(body?.error);
  if (oauthError !== undefined) info.oauthError = oauthError;
  if (code !== undefined) info.code = code;
  if (typeof retries === 'number') info.attempts = retries + 1;
  return info;
}

const RATE = /^(rateLimitExceeded|userRateLimitExceeded|RATE_LIMIT_EXCEEDED|TOO_MANY_REQUESTS)$/;
const QUOTA = /^(quotaExceeded|QUOTA_EXCEEDED|dailyLimitExceeded|limitExceeded|RESOURCE_QUOTA_EXCEEDED)$/;
const NETWORK =
  /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EPIPE|UND_ERR_SOCKET|UND_ERR_CONNECT_TIMEOUT)$/;

/**
 * Turns whatever a Google client threw into a typed `AuroraError`. The GCP message is never
 * copied (it quotes resource names, policies or request data); status, reason, the denied
 * permission, the HTTP status and attempts go into `details` with `operation`, and the
 * message says in words what happened and what to do.
 */
export function mapGcpError(error: unknown, operation: string): AuroraError {
  if (AuroraError.isInstance(error)) return error;
  const info = gcpErrorInfo(error);
  const details: ErrorDetails = { operation, ...info };
  const base = { cause: error, details };
  const message = error instanceof Error ? error.message : '';
  const label = [info.gcpStatus, info.reason].filter((part) => part !== undefined).join(', ');
  const why = label === '' ? (info.httpStatus === undefined ? '' : ` (HTTP ${info.httpStatus})`) : ` (${label})`;
  if (info.code === 'AbortError') {
    return new AuroraError('CANCELLED', { ...base, message: `GCP ${operation} was cancelled.` });
  }
  if (info.code === 'TimeoutError') return new TimeoutError({ ...base, message: `GCP ${operation} timed out.` });
  if (/Could not load the default credentials|Unable to detect a Project Id/i.test(message)) {
    return new ConfigurationError({
      ...base,
      message: `No GCP credentials were found for ${operation}: configure the "gcp" credential slot with a service-account key, or set GOOGLE_APPLICATION_CREDENTIALS (or run gcloud auth application-default login) for Application Default Credentials.`,
    });
  }
  if (info.oauthError !== undefined) {
    return new AuroraError('UNAUTHENTICATED', {
      ...base,
      message: `Google's token endpoint refused the service-account key for ${operation} (${info.oauthError}): the key is deleted or disabled, the service account is gone, or the clock is off.`,
    });
  }
  if (info.httpStatus === undefined && info.code !== undefined && NETWORK.test(info.code)) {
    return new ConnectionLostError({
      ...base,
      message: `GCP ${operation}: the endpoint could not be reached (${info.code}).`,
    });
  }
  if (info.reason !== undefined && QUOTA.test(info.reason)) {
    return new GcpQuotaExceededError({
      ...base,
      message: `GCP refused ${operation}${why}: a project quota is reached; raise it or free resources.`,
    });
  }
  if (info.httpStatus === 429 || (info.reason !== undefined && RATE.test(info.reason))) {
    return new AuroraError('RATE_LIMITED', {
      ...base,
      message: `GCP is rate-limiting ${operation}${why} and retries with backoff did not get through; try again later.`,
    });
  }
  if (info.httpStatus === 401) {
    return new AuroraError('UNAUTHENTICATED', {
      ...base,
      message: `GCP did not accept the credentials for ${operation}${why}: they are invalid or expired.`,
    });
  }
  if (info.httpStatus === 403) {
    if (info.reason === 'SERVICE_DISABLED' || info.reason === 'accessNotConfigured') {
      return new ForbiddenError({
        ...base,
        message: `GCP ${operation}: the ${info.service ?? 'needed'} API is not enabled in the project; enable it (gcloud services enable ${info.service ?? '<api>'}).`,
      });
    }
    if (info.reason === 'BILLING_DISABLED') {
      return new ForbiddenError({ ...base, message: `GCP ${operation}: billing is disabled for the project.` });
    }
    return new ForbiddenError({
      ...base,
      message: `GCP denied ${operation}${why}: ${info.permission === undefined ? 'the credentials lack the IAM permission' : `the credentials lack the IAM permission ${info.permission}`}, or the project or resource does not exist.`,
    });
  }
  if (info.httpStatus === 404) {
    return new NotFoundError({ ...base, message: `GCP ${operation}: the named resource does not exist${why}.` });
  }
  if (info.httpStatus === 409) {
    return new AuroraError('CONFLICT', {
      ...base,
      message: `GCP ${operation} conflicts with the resource's current state${why}; read it again and retry.`,
    });
  }
  if (info.httpStatus === 400 || info.httpStatus === 412 || info.httpStatus === 422) {
    return new InvalidInputError({ ...base, message: `GCP rejected the arguments of ${operation}${why}.` });
  }
  if (info.httpStatus === undefined && /Missing required parameters/.test(message)) {
    return new InvalidInputError({ ...base, message: `GCP ${operation}: a required parameter is missing.` });
  }
  return new UpstreamError({
    ...base,
    retryable: info.httpStatus === undefined || info.httpStatus >= 500,
    message: `GCP ${operation} failed${why}${info.attempts !== undefined && info.attempts > 1 ? ` after ${info.attempts} attempts` : ''}.`,
  });
}

/** Runs one GCP call and maps its failure. */
export async function gcpCall<T>(operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw mapGcpError(error, operation);
  }
}
