export { AuroraError } from './aurora-error.js';
export type {
  AuroraErrorOptions,
  ErrorDetails,
  ErrorStreamEvent,
  McpErrorResult,
  SerializedAuroraError,
} from './aurora-error.js';
export { ERROR_CODES, docsUrlFor, errorCodes, httpStatusFor, isErrorCode } from './codes.js';
export type { ErrorCode } from './codes.js';
export {
  CancelledError,
  ConfigurationError,
  ConnectionLostError,
  DataCorruptedError,
  ForbiddenError,
  InvalidInputError,
  InvalidSecretReferenceError,
  MigrationError,
  NotFoundError,
  PayloadTooLargeError,
  TimeoutError,
  UniqueViolationError,
  UnsupportedError,
  UpstreamError,
} from './errors.js';
