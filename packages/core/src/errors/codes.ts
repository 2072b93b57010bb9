/**
 * The closed set of Aurora error codes, and the one table that says what each code
 * means on every wire: HTTP status, the stream `error` event, and whether a caller
 * may retry by default. Adding a code is a minor release; renaming one is major.
 */
export const errorCodes = {
  INVALID_INPUT: { status: 400, retryable: false, summary: 'The request or argument failed validation.' },
  INVALID_SECRET_REFERENCE: {
    status: 400,
    retryable: false,
    summary: 'A secret reference is malformed or uses an unknown scheme.',
  },
  UNAUTHENTICATED: { status: 401, retryable: false, summary: 'No valid credentials were presented.' },
  FORBIDDEN: { status: 403, retryable: false, summary: 'The caller or the credentials lack permission.' },
  NOT_FOUND: {
    status: 404,
    retryable: false,
    summary: 'The named thing does not exist (or is not visible to this org).',
  },
  CONFLICT: {
    status: 409,
    retryable: false,
    summary: 'The write conflicts with existing state (for example a unique key).',
  },
  EXPIRED: { status: 410, retryable: false, summary: 'The token, approval or request has expired.' },
  PAYLOAD_TOO_LARGE: { status: 413, retryable: false, summary: 'The payload exceeds the configured maximum size.' },
  RATE_LIMITED: { status: 429, retryable: true, summary: 'Too many requests; retry after the indicated delay.' },
  BUDGET_EXCEEDED: {
    status: 429,
    retryable: false,
    summary: 'A run budget (steps, tokens, time or cost) was exhausted.',
  },
  CANCELLED: { status: 499, retryable: false, summary: 'The operation was cancelled by the caller.' },
  CONFIRMATION_REQUIRED: {
    status: 403,
    retryable: false,
    summary: 'The action needs an operator approval that was not given.',
  },
  CONFIRMATION_REJECTED: {
    status: 403,
    retryable: false,
    summary: 'The approval was refused, or did not match the pending call.',
  },
  DATA_CORRUPTED: {
    status: 500,
    retryable: false,
    summary: 'Stored data failed an integrity check (tampered, truncated or wrong key).',
  },
  CONFIGURATION_ERROR: { status: 500, retryable: false, summary: 'A setting is missing or invalid.' },
  MIGRATION_FAILED: { status: 500, retryable: false, summary: 'A schema migration failed and was rolled back.' },
  INTERNAL: { status: 500, retryable: false, summary: 'An unexpected error inside Aurora.' },
  UNSUPPORTED: { status: 501, retryable: false, summary: 'The adapter or version does not support this operation.' },
  UPSTREAM_ERROR: { status: 502, retryable: true, summary: 'A backing service or provider answered with an error.' },
  UNAVAILABLE: {
    status: 503,
    retryable: true,
    summary: 'A backing service is unreachable or the connection was lost.',
  },
  TIMEOUT: { status: 504, retryable: true, summary: 'The operation did not finish in time.' },
} as const satisfies Record<string, { status: number; retryable: boolean; summary: string }>;

export type ErrorCode = keyof typeof errorCodes;

export const ERROR_CODES = Object.keys(errorCodes) as ErrorCode[];

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(errorCodes, value);
}

/** HTTP status for a code. */
export function httpStatusFor(code: ErrorCode): number {
  return errorCodes[code].status;
}

/** Where each code is documented; appended to messages so users can look it up. */
export const ERROR_DOCS_BASE = 'https://github.com/aurora-ops/aurora/blob/main/docs/errors.md';

export function docsUrlFor(code: ErrorCode): string {
  return `${ERROR_DOCS_BASE}#${code.toLowerCase()}`;
}
