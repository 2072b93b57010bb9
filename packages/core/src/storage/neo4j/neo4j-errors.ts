import type { AuroraError } from '../../errors/aurora-error.js';
import {
  ConfigurationError,
  ConnectionLostError,
  ForbiddenError,
  TimeoutError,
  UniqueViolationError,
  UpstreamError,
} from '../../errors/errors.js';

interface DriverError {
  readonly code?: unknown;
  readonly message?: unknown;
  readonly retryable?: unknown;
}

const isAurora = (error: unknown): error is AuroraError =>
  typeof error === 'object' &&
  error !== null &&
  (error as Record<symbol, unknown>)[Symbol.for('aurora.error')] === true;

/** Server and driver codes look like `Neo.ClientError.Security.Unauthorized` or `ServiceUnavailable`. */
function codeOf(error: DriverError): string {
  return typeof error.code === 'string' && /^[A-Za-z0-9_.]{1,200}$/.test(error.code) ? error.code : 'N/A';
}

/**
 * Maps a neo4j-driver error to a typed Aurora error. The server's message is never copied
 * (it can quote a parameter value); its code goes in `details.neo4jCode`. Errors that are
 * already Aurora errors pass through.
 */
export function toGraphError(error: unknown, operation: string, address: string): Error {
  if (isAurora(error)) return error;
  const driverError = (typeof error === 'object' && error !== null ? error : {}) as DriverError;
  const neo4jCode = codeOf(driverError);
  const message = typeof driverError.message === 'string' ? driverError.message : '';
  const details = { backend: 'neo4j', operation, neo4jCode };
  if (neo4jCode.startsWith('Neo.ClientError.Security.')) {
    return new ForbiddenError({
      message: `The graph server (${address}) refused the credentials or the permission for ${operation} (${neo4jCode}).`,
      details,
    });
  }
  if (neo4jCode === 'ServiceUnavailable' || neo4jCode === 'SessionExpired') {
    return new ConnectionLostError({
      message: `Cannot reach the graph server (${address}) for ${operation}.`,
      details,
    });
  }
  if (neo4jCode.includes('TimedOut') || /^Connection acquisition timed out/.test(message)) {
    return new TimeoutError({ message: `The graph server did not finish ${operation} in time.`, details });
  }
  // Neo4j's code, or Memgraph's generic code with its documented message.
  if (
    neo4jCode === 'Neo.ClientError.Schema.ConstraintValidationFailed' ||
    /unable to commit due to unique constraint violation/i.test(message)
  ) {
    return new UniqueViolationError({
      message: `A graph write for ${operation} violated the unique (org, id) constraint.`,
      details: { ...details, constraint: 'aurora_graph_node_key' },
    });
  }
  if (neo4jCode === 'Neo.ClientError.Database.DatabaseNotFound') {
    return new ConfigurationError({
      message: `The configured graph database does not exist on the graph server (${address}).`,
      details: { ...details, setting: 'database' },
    });
  }
  const transient = neo4jCode.startsWith('Neo.TransientError.') || driverError.retryable === true;
  return new UpstreamError({
    message: `The graph server answered ${neo4jCode} to ${operation}.`,
    details,
    retryable: transient,
  });
}
