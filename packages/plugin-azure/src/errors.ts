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
 * An Azure quota or limit was reached (`QuotaExceeded`, a core quota refusal, …). Not
 * retryable: the quota has to be raised or resources freed first.
 */
export class AzureQuotaExceededError extends AuroraError {
  override readonly name: string = 'AzureQuotaExceededError';
  constructor(options: ConstructorParameters<typeof UpstreamError>[0] = {}) {
    super('UPSTREAM_ERROR', { ...options, retryable: false });
  }
}

interface HeadersLike {
  get(name: string): string | undefined;
}

interface AzureErrorShape {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly statusCode?: unknown;
  readonly message?: unknown;
  readonly response?: { readonly headers?: HeadersLike; readonly status?: unknown };
  readonly errorResponse?: { readonly error?: unknown; readonly errorCodes?: unknown };
  readonly errors?: unknown;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function header(shape: AzureErrorShape, name: string): string | undefined {
  const headers = shape.response?.headers;
  return typeof headers?.get === 'function' ? text(headers.get(name)) : undefined;
}

/** The Azure error code (`AuthorizationFailed`, `ResourceNotFound`, …) of a `RestError`, or the error's name. */
export function azureErrorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const shape = error as AzureErrorShape;
  return text(shape.code) ?? text(shape.name);
}

const CREDENTIAL_ERRORS = /^(CredentialUnavailableError|AggregateAuthenticationError)$/;
const ENTRA_REFUSED =
  /^(AuthenticationError|AuthenticationRequiredError|ClientAuthError|ClientConfigurationError|ServerError)$/;
const FORBIDDEN =
  /^(AuthorizationFailed|LinkedAuthorizationFailed|InvalidAuthenticationToken\w*|AuthenticationFailed|ExpiredAuthenticationToken|Unauthorized|Forbidden|InsufficientAccessError|AuthorizationPermissionMismatch|InvalidTokenError)$/;
const THROTTLED = /^(TooManyRequests|SubscriptionRequestsThrottled|TenantRequestsThrottled|ThrottlingError|Throttled)$/;
const QUOTA = /(Quota|LimitExceeded|ReachedLimit)/;
const NOT_FOUND = /(NotFound|^NoSuch|DoesNotExist)/;
const LRO_FAILED = /^The long-running operation has failed\. ([A-Za-z][\w.]*)\. ([\s\S]*)$/;
const NETWORK = /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EPIPE|EHOSTUNREACH|REQUEST_SEND_ERROR)$/;
/** Azure's words for a message worth keeping: a validation error tells the model what to fix. */
const MAX_VALIDATION_MESSAGE = 400;

function statusOf(shape: AzureErrorShape): number | undefined {
  if (typeof shape.statusCode === 'number') return shape.statusCode;
  return typeof shape.response?.status === 'number' ? shape.response.status : undefined;
}

/** `action 'Microsoft.Compute/virtualMachines/read'` from an AuthorizationFailed message: what role is missing. */
function deniedAction(message: string | undefined): string | undefined {
  return /action '([A-Za-z0-9./_-]{3,200})'/.exec(message ?? '')?.[1];
}

/**
 * Turns whatever an Azure SDK call threw into a typed `AuroraError`. Azure's message is
 * not copied (it can quote object ids and request data), except for validation errors,
 * whose first 400 characters say how to fix the arguments (a KQL error, a bad timespan);
 * the Azure error code, HTTP status and request ids go into `details`, with `operation`.
 */
export function mapAzureError(error: unknown, operation: string): AuroraError {
  if (AuroraError.isInstance(error)) return error;
  const shape = (typeof error === 'object' && error !== null ? error : {}) as AzureErrorShape;
  // core-lro reports a failed operation as a plain Error: "The long-running operation has failed. <code>. <message>".
  const failed = LRO_FAILED.exec(text(shape.message) ?? '');
  const code = failed?.[1] ?? azureErrorCode(error) ?? 'Unknown';
  const status = statusOf(shape);
  const requestId = header(shape, 'x-ms-request-id');
  const correlationId = header(shape, 'x-ms-correlation-request-id');
  const retryAfter = header(shape, 'retry-after');
  const rawMessage = failed?.[2] ?? text(shape.message);
  const action = deniedAction(rawMessage);
  const details: ErrorDetails = {
    operation,
    azureCode: code,
    ...(status === undefined ? {} : { httpStatus: status }),
    ...(requestId === undefined ? {} : { requestId }),
    ...(correlationId === undefined ? {} : { correlationId }),
    ...(action === undefined ? {} : { action }),
    ...(retryAfter === undefined ? {} : { retryAfter }),
  };
  const base = { cause: error, details };
  if (code === 'AbortError' || code === 'ABORT_ERR') {
    return new AuroraError('CANCELLED', { ...base, message: `Azure ${operation} was cancelled.` });
  }
  if (CREDENTIAL_ERRORS.test(code)) {
    return new ConfigurationError({
      ...base,
      message: `No Azure credential was available for ${operation}: configure the "azure" credential slot (a service principal), or for the default chain set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET, use a managed identity, or sign in with "az login".`,
    });
  }
  if (ENTRA_REFUSED.test(code)) {
    // AuthenticationError carries Entra's answer; MSAL server errors reach us as
    // AuthenticationRequiredError whose message starts "<error>: Error(s): <codes> …".
    const entra = shape.errorResponse;
    const entraError = [text(entra?.error), /^([a-z_]+):/.exec(rawMessage ?? '')?.[1]].find(
      (candidate) => candidate !== undefined && /^[a-z_]{3,64}$/.test(candidate),
    );
    const listed = Array.isArray(entra?.errorCodes) ? entra.errorCodes.map(String) : [];
    const codes = [...new Set([...listed, ...[...(rawMessage ?? '').matchAll(/AADSTS(\d{4,8})/g)].map((m) => m[1]!)])];
    return new ConfigurationError({
      ...base,
      details: {
        ...details,
        ...(entraError === undefined ? {} : { entraError }),
        ...(codes.length === 0 ? {} : { entraCodes: codes }),
      },
      message: `Microsoft Entra ID refused the credential for ${operation}${entraError === undefined ? '' : ` (${entraError}${codes.length === 0 ? '' : `, AADSTS${codes.join(', AADSTS')}`})`}: check the service principal's tenant_id, client_id and client_secret (an expired client secret is the usual cause) and the authority host.`,
    });
  }
  if (FORBIDDEN.test(code) || status === 401 || status === 403) {
    return new ForbiddenError({
      ...base,
      message: `Azure denied ${operation} (${code})${action === undefined ? '' : ` for action ${action}`}: the identity lacks a role assignment granting it on this scope, or its token is invalid.`,
    });
  }
  if (THROTTLED.test(code) || status === 429) {
    return new AuroraError('RATE_LIMITED', {
      ...base,
      message: `Azure is throttling ${operation} (${code}) and retries honouring Retry-After did not get through; try again later.`,
    });
  }
  if (QUOTA.test(code) || (code === 'OperationNotAllowed' && /quota/i.test(rawMessage ?? ''))) {
    return new AzureQuotaExceededError({
      ...base,
      message: `Azure refused ${operation} (${code}): a subscription quota or limit is reached; raise it or free resources.`,
    });
  }
  if (NOT_FOUND.test(code) || status === 404) {
    return new NotFoundError({ ...base, message: `Azure ${operation}: the named resource does not exist (${code}).` });
  }
  if (status === 409) {
    return new AuroraError('CONFLICT', {
      ...base,
      message: `Azure refused ${operation} (${code}): it conflicts with the resource's current state or another operation in progress.`,
    });
  }
  if (status === 400 || status === 422) {
    const said = rawMessage === undefined ? '' : `: ${rawMessage.slice(0, MAX_VALIDATION_MESSAGE)}`;
    return new InvalidInputError({ ...base, message: `Azure rejected the arguments of ${operation} (${code})${said}` });
  }
  if (code === 'TimeoutError' || status === 408) {
    return new TimeoutError({ ...base, message: `Azure ${operation} timed out.` });
  }
  if (NETWORK.test(code)) {
    return new ConnectionLostError({
      ...base,
      message: `Azure ${operation}: the endpoint could not be reached (${code}).`,
    });
  }
  if (failed !== null) {
    return new UpstreamError({
      ...base,
      retryable: false,
      message: `Azure ${operation}: the operation failed in Azure (${code}).`,
    });
  }
  return new UpstreamError({
    ...base,
    retryable: status === undefined || status >= 500,
    message: `Azure ${operation} failed (${code}${status === undefined ? '' : `, HTTP ${status}`}).`,
  });
}

/** Runs one Azure call and maps its failure. */
export async function azureCall<T>(operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw mapAzureError(error, operation);
  }
}
