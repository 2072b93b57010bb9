import { AuroraError } from '../../errors/aurora-error.js';
import {
  ConnectionLostError,
  ForbiddenError,
  InvalidInputError,
  NotFoundError,
  TimeoutError,
  UpstreamError,
} from '../../errors/errors.js';

/**
 * Maps whatever `weaviate-client` throws to a typed Aurora error. The client's messages
 * quote server responses (which may quote stored text or filter values), so no message
 * and no `cause` is carried over: only the operation, the collection, the HTTP status or
 * gRPC status name, and the client's error class name.
 */
export function mapWeaviateError(error: unknown, operation: string, collection?: string): AuroraError {
  if (AuroraError.isInstance(error)) return error;
  const name = error instanceof Error ? error.name : typeof error;
  const message = error instanceof Error ? error.message : '';
  const status = httpStatus(error, message);
  const grpc =
    /\b(UNAUTHENTICATED|PERMISSION_DENIED|NOT_FOUND|INVALID_ARGUMENT|UNAVAILABLE|DEADLINE_EXCEEDED|ALREADY_EXISTS|FAILED_PRECONDITION|RESOURCE_EXHAUSTED|INTERNAL|UNKNOWN)\b/.exec(
      message,
    )?.[1];
  const details = {
    backend: 'weaviate',
    operation,
    ...(collection === undefined ? {} : { collection }),
    reason: name,
    ...(status === undefined ? {} : { status }),
    ...(grpc === undefined ? {} : { grpcStatus: grpc }),
  };
  const where = `Weaviate ${operation}${collection === undefined ? '' : ` on "${collection}"`}`;

  if (
    status === 401 ||
    status === 403 ||
    grpc === 'UNAUTHENTICATED' ||
    grpc === 'PERMISSION_DENIED' ||
    name === 'WeaviateUnauthenticatedError' ||
    name === 'WeaviateInsufficientPermissionsError' ||
    /\b(Unauthenticated|Forbidden):/.test(message)
  ) {
    return new ForbiddenError({ message: `${where} was refused: check the API key and its permissions.`, details });
  }
  if (name === 'WeaviateRequestTimeoutError' || grpc === 'DEADLINE_EXCEEDED' || /timed out/i.test(message)) {
    return new TimeoutError({ message: `${where} did not answer in time.`, details });
  }
  if (status === 404 || grpc === 'NOT_FOUND') return new NotFoundError({ message: `${where}: not found.`, details });
  if (status === 422 || status === 400 || grpc === 'INVALID_ARGUMENT') {
    return new InvalidInputError({ message: `${where} was rejected as invalid.`, details });
  }
  if (
    grpc === 'UNAVAILABLE' ||
    name === 'WeaviateGRPCUnavailableError' ||
    name === 'WeaviateStartUpError' ||
    /fetch failed|ECONNREFUSED|ECONNRESET|ENOTFOUND|EHOSTUNREACH|socket hang up/i.test(message) ||
    causeCode(error) !== undefined
  ) {
    return new ConnectionLostError({ message: `${where} failed: Weaviate is unreachable.`, details });
  }
  return new UpstreamError({ message: `${where} failed.`, details, retryable: status !== undefined && status >= 500 });
}

function httpStatus(error: unknown, message: string): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'number' && code >= 100 && code < 600) return code;
  const match = /status code: (\d{3})/.exec(message);
  return match === null ? undefined : Number(match[1]);
}

/** A Node network error code (`ECONNREFUSED` …) on the error or its cause. */
function causeCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 4; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return code;
    current = current.cause;
  }
  return undefined;
}
