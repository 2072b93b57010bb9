import { AuroraError, type AuroraErrorOptions } from './aurora-error.js';

/* One class per error callers branch on. Each carries a `Symbol.for` marker so that
   `X.isInstance(e)` works across bundles; `errors.test.ts` fails on an unbranded one. */

function mark(error: AuroraError, name: string): void {
  Object.defineProperty(error, Symbol.for(`aurora.error.${name}`), { value: true, enumerable: false });
}

function marked(error: unknown, name: string): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as Record<symbol, unknown>)[Symbol.for(`aurora.error.${name}`)] === true
  );
}

/** A request, argument or setting failed validation. */
export class InvalidInputError extends AuroraError {
  override readonly name: string = 'InvalidInputError';
  constructor(options: AuroraErrorOptions = {}) {
    super('INVALID_INPUT', options);
    mark(this, 'InvalidInputError');
  }
  static override isInstance(error: unknown): error is InvalidInputError {
    return marked(error, 'InvalidInputError');
  }
}

/** A secret reference is malformed or names an unknown scheme. The reference text is never echoed. */
export class InvalidSecretReferenceError extends AuroraError {
  override readonly name: string = 'InvalidSecretReferenceError';
  constructor(options: AuroraErrorOptions = {}) {
    super('INVALID_SECRET_REFERENCE', options);
    mark(this, 'InvalidSecretReferenceError');
  }
  static override isInstance(error: unknown): error is InvalidSecretReferenceError {
    return marked(error, 'InvalidSecretReferenceError');
  }
}

/** The caller, or the credentials used against a backend, lack permission. */
export class ForbiddenError extends AuroraError {
  override readonly name: string = 'ForbiddenError';
  constructor(options: AuroraErrorOptions = {}) {
    super('FORBIDDEN', options);
    mark(this, 'ForbiddenError');
  }
  static override isInstance(error: unknown): error is ForbiddenError {
    return marked(error, 'ForbiddenError');
  }
}

/** The named row, object, secret or collection does not exist. */
export class NotFoundError extends AuroraError {
  override readonly name: string = 'NotFoundError';
  constructor(options: AuroraErrorOptions = {}) {
    super('NOT_FOUND', options);
    mark(this, 'NotFoundError');
  }
  static override isInstance(error: unknown): error is NotFoundError {
    return marked(error, 'NotFoundError');
  }
}

/** A write violated a unique constraint; `details.constraint` names it when known. */
export class UniqueViolationError extends AuroraError {
  override readonly name: string = 'UniqueViolationError';
  constructor(options: AuroraErrorOptions = {}) {
    super('CONFLICT', options);
    mark(this, 'UniqueViolationError');
  }
  static override isInstance(error: unknown): error is UniqueViolationError {
    return marked(error, 'UniqueViolationError');
  }
}

/** A payload exceeds the configured maximum; `details.limit` gives it in bytes. */
export class PayloadTooLargeError extends AuroraError {
  override readonly name: string = 'PayloadTooLargeError';
  constructor(options: AuroraErrorOptions = {}) {
    super('PAYLOAD_TOO_LARGE', options);
    mark(this, 'PayloadTooLargeError');
  }
  static override isInstance(error: unknown): error is PayloadTooLargeError {
    return marked(error, 'PayloadTooLargeError');
  }
}

/** Stored data failed an integrity check: tampered, truncated, or read with the wrong key. */
export class DataCorruptedError extends AuroraError {
  override readonly name: string = 'DataCorruptedError';
  constructor(options: AuroraErrorOptions = {}) {
    super('DATA_CORRUPTED', options);
    mark(this, 'DataCorruptedError');
  }
  static override isInstance(error: unknown): error is DataCorruptedError {
    return marked(error, 'DataCorruptedError');
  }
}

/** A setting is missing or invalid; `details.setting` names it. */
export class ConfigurationError extends AuroraError {
  override readonly name: string = 'ConfigurationError';
  constructor(options: AuroraErrorOptions = {}) {
    super('CONFIGURATION_ERROR', options);
    mark(this, 'ConfigurationError');
  }
  static override isInstance(error: unknown): error is ConfigurationError {
    return marked(error, 'ConfigurationError');
  }
}

/** A migration failed and its transaction was rolled back; `details.version` names it. */
export class MigrationError extends AuroraError {
  override readonly name: string = 'MigrationError';
  constructor(options: AuroraErrorOptions = {}) {
    super('MIGRATION_FAILED', options);
    mark(this, 'MigrationError');
  }
  static override isInstance(error: unknown): error is MigrationError {
    return marked(error, 'MigrationError');
  }
}

/** The adapter or specification version does not support this operation. */
export class UnsupportedError extends AuroraError {
  override readonly name: string = 'UnsupportedError';
  constructor(options: AuroraErrorOptions = {}) {
    super('UNSUPPORTED', options);
    mark(this, 'UnsupportedError');
  }
  static override isInstance(error: unknown): error is UnsupportedError {
    return marked(error, 'UnsupportedError');
  }
}

/** A backing service answered with an error; `details.status` carries its status when known. */
export class UpstreamError extends AuroraError {
  override readonly name: string = 'UpstreamError';
  constructor(options: AuroraErrorOptions = {}) {
    super('UPSTREAM_ERROR', options);
    mark(this, 'UpstreamError');
  }
  static override isInstance(error: unknown): error is UpstreamError {
    return marked(error, 'UpstreamError');
  }
}

/** A backing service is unreachable or the connection dropped; safe to retry. */
export class ConnectionLostError extends AuroraError {
  override readonly name: string = 'ConnectionLostError';
  constructor(options: AuroraErrorOptions = {}) {
    super('UNAVAILABLE', options);
    mark(this, 'ConnectionLostError');
  }
  static override isInstance(error: unknown): error is ConnectionLostError {
    return marked(error, 'ConnectionLostError');
  }
}

/** The operation did not finish within its deadline. */
export class TimeoutError extends AuroraError {
  override readonly name: string = 'TimeoutError';
  constructor(options: AuroraErrorOptions = {}) {
    super('TIMEOUT', options);
    mark(this, 'TimeoutError');
  }
  static override isInstance(error: unknown): error is TimeoutError {
    return marked(error, 'TimeoutError');
  }
}

/** The caller cancelled the operation (an abort signal fired); not retried by default. */
export class CancelledError extends AuroraError {
  override readonly name: string = 'CancelledError';
  constructor(options: AuroraErrorOptions = {}) {
    super('CANCELLED', options);
    mark(this, 'CancelledError');
  }
  static override isInstance(error: unknown): error is CancelledError {
    return marked(error, 'CancelledError');
  }
}
