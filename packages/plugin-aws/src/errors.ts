import {
  AuroraError,
  ConfigurationError,
  ConnectionLostError,
  ForbiddenError,
  InvalidInputError,
  NotFoundError,
  TimeoutError,
  UpstreamError,
  type ErrorDetails,
} from '@aurora-ops/core';

/**
 * An AWS account quota or service limit was reached (`LimitExceeded`, `*QuotaExceeded*`).
 * Not retryable: the limit has to be raised or resources freed first.
 */
export class AwsQuotaExceededError extends AuroraError {
  override readonly name: string = 'AwsQuotaExceededError';
  constructor(options: ConstructorParameters<typeof UpstreamError>[0] = {}) {
    super('UPSTREAM_ERROR', { ...options, retryable: false });
  }
}

interface AwsErrorShape {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly Code?: unknown;
  readonly $fault?: unknown;
  readonly $metadata?: { readonly requestId?: unknown; readonly httpStatusCode?: unknown; readonly attempts?: unknown };
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The AWS error code (`AccessDenied`, `InvalidInstanceID.NotFound`, …) of whatever the SDK threw. */
export function awsErrorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const shape = error as AwsErrorShape;
  return text(shape.Code) ?? text(shape.name) ?? text(shape.code);
}

const FORBIDDEN =
  /^(AccessDenied|AccessDeniedException|UnauthorizedOperation|UnauthorizedException|AuthFailure|Forbidden|InvalidClientTokenId|SignatureDoesNotMatch|ExpiredToken|ExpiredTokenException|UnrecognizedClientException|OptInRequired)$/;
const THROTTLED =
  /^(Throttling|ThrottlingException|ThrottledException|TooManyRequestsException|RequestLimitExceeded|SlowDown|RequestThrottled|RequestThrottledException|ProvisionedThroughputExceededException|PriorRequestNotComplete)$/;
const QUOTA = /(LimitExceeded|QuotaExceeded|Quota$|TooMany(?!Requests))/;
const NOT_FOUND = /(NotFound|NoSuch|^ResourceNotFoundException$|DoesNotExist)/;
const INVALID =
  /^(ValidationError|ValidationException|InvalidParameter|InvalidParameterValue|InvalidParameterCombination|InvalidParameterException|InvalidRequestException|InvalidInput|MissingParameter|MalformedQueryException|InvalidArgument|InvalidNextToken|InvalidPaginationToken|BadRequestException|DataUnavailableException|IncorrectInstanceState|IncorrectState|InvalidInstanceState|UnsupportedOperation)/;

/**
 * Turns whatever an AWS SDK v3 call threw into a typed `AuroraError`. The AWS message is
 * never copied (it can quote resource names, policies or request data); the AWS error
 * code, request id and HTTP status go into `details` instead, with `operation`.
 */
export function mapAwsError(error: unknown, operation: string): AuroraError {
  if (AuroraError.isInstance(error)) return error;
  const code = awsErrorCode(error) ?? 'Unknown';
  const shape = (typeof error === 'object' && error !== null ? error : {}) as AwsErrorShape;
  const requestId = text(shape.$metadata?.requestId);
  const status = typeof shape.$metadata?.httpStatusCode === 'number' ? shape.$metadata.httpStatusCode : undefined;
  const attempts = typeof shape.$metadata?.attempts === 'number' ? shape.$metadata.attempts : undefined;
  const details: ErrorDetails = {
    operation,
    awsCode: code,
    ...(requestId === undefined ? {} : { requestId }),
    ...(status === undefined ? {} : { httpStatus: status }),
    ...(attempts === undefined ? {} : { attempts }),
  };
  const base = { cause: error, details };
  if (code === 'AbortError' || code === 'ABORT_ERR') {
    return new AuroraError('CANCELLED', { ...base, message: `AWS ${operation} was cancelled.` });
  }
  if (code === 'TimeoutError' || code === 'RequestTimeout' || code === 'RequestTimeoutException') {
    return new TimeoutError({ ...base, message: `AWS ${operation} timed out.` });
  }
  if (code === 'CredentialsProviderError') {
    return new ConfigurationError({
      ...base,
      message: `No AWS credentials were found for ${operation}: configure the "aws" credential slot, or AWS_PROFILE / AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY for the default chain.`,
    });
  }
  if (error instanceof Error && /Region is missing/i.test(error.message)) {
    return new ConfigurationError({
      ...base,
      message: `No AWS region for ${operation}: pass "region", set it in the credential secret, or set AWS_REGION.`,
    });
  }
  if (FORBIDDEN.test(code)) {
    return new ForbiddenError({
      ...base,
      message: `AWS denied ${operation} (${code}): the credentials lack the permission, or are invalid or expired.`,
    });
  }
  if (THROTTLED.test(code)) {
    return new AuroraError('RATE_LIMITED', {
      ...base,
      message: `AWS is throttling ${operation} (${code}) and retries with backoff did not get through; try again later.`,
    });
  }
  if (QUOTA.test(code)) {
    return new AwsQuotaExceededError({
      ...base,
      message: `AWS refused ${operation} (${code}): an account quota or service limit is reached; raise it or free resources.`,
    });
  }
  if (NOT_FOUND.test(code)) {
    return new NotFoundError({ ...base, message: `AWS ${operation}: the named resource does not exist (${code}).` });
  }
  if (INVALID.test(code)) {
    return new InvalidInputError({ ...base, message: `AWS rejected the arguments of ${operation} (${code}).` });
  }
  const network =
    typeof (error as { code?: unknown }).code === 'string' ? String((error as { code?: unknown }).code) : '';
  if (/^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EPIPE)$/.test(network)) {
    return new ConnectionLostError({
      ...base,
      message: `AWS ${operation}: the endpoint could not be reached (${network}).`,
    });
  }
  return new UpstreamError({
    ...base,
    retryable: shape.$fault === 'server',
    message: `AWS ${operation} failed (${code}${status === undefined ? '' : `, HTTP ${status}`}).`,
  });
}

/** Runs one AWS call and maps its failure. */
export async function awsCall<T>(operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw mapAwsError(error, operation);
  }
}
