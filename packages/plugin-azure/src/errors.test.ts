import { AuroraError, NotFoundError } from '@aurora-ops/core';
import { describe, expect, it } from 'vitest';
import { AzureQuotaExceededError, mapAzureError } from './errors.js';

/** An error shaped like the Azure SDK's RestError. */
function restError(code: string, status: number, message = `object id 'secret-object-id' said no`): Error {
  const headers = new Map([
    ['x-ms-request-id', 'req-1'],
    ['x-ms-correlation-request-id', 'corr-1'],
  ]);
  return Object.assign(new Error(message), {
    name: 'RestError',
    code,
    statusCode: status,
    response: { status, headers: { get: (name: string) => headers.get(name) } },
  });
}

describe('mapAzureError', () => {
  it.each([
    ['AuthorizationFailed', 403, 'FORBIDDEN'],
    ['LinkedAuthorizationFailed', 403, 'FORBIDDEN'],
    ['InvalidAuthenticationTokenTenant', 401, 'FORBIDDEN'],
    ['ExpiredAuthenticationToken', 401, 'FORBIDDEN'],
    ['InsufficientAccessError', 403, 'FORBIDDEN'],
    ['ResourceNotFound', 404, 'NOT_FOUND'],
    ['ResourceGroupNotFound', 404, 'NOT_FOUND'],
    ['SubscriptionNotFound', 404, 'NOT_FOUND'],
    ['ParentResourceNotFound', 404, 'NOT_FOUND'],
    ['InvalidParameter', 400, 'INVALID_INPUT'],
    ['BadArgumentError', 400, 'INVALID_INPUT'],
    ['SubscriptionRequestsThrottled', 429, 'RATE_LIMITED'],
    ['TooManyRequests', 429, 'RATE_LIMITED'],
    ['QuotaExceeded', 409, 'UPSTREAM_ERROR'],
    ['OperationNotAllowed', 409, 'CONFLICT'],
    ['AnotherOperationInProgress', 409, 'CONFLICT'],
    ['InternalServerError', 500, 'UPSTREAM_ERROR'],
  ])('%s (%i) → %s', (code, status, expected) => {
    const mapped = mapAzureError(restError(code, status), 'svc.op');
    expect(mapped.code).toBe(expected);
    expect(mapped.details).toEqual({
      operation: 'svc.op',
      azureCode: code,
      httpStatus: status,
      requestId: 'req-1',
      correlationId: 'corr-1',
    });
    if (expected !== 'INVALID_INPUT') expect(mapped.message).not.toContain('secret-object-id');
  });

  it('quota errors (a code, or OperationNotAllowed about a quota) are a non-retryable AzureQuotaExceededError', () => {
    const quota = mapAzureError(
      restError('OperationNotAllowed', 409, 'Operation results in exceeding approved standardDSv5Family Cores quota.'),
      'virtualMachines.start',
    );
    expect(quota).toBeInstanceOf(AzureQuotaExceededError);
    expect(quota.retryable).toBe(false);
    expect(mapAzureError(restError('QuotaExceeded', 409), 'x')).toBeInstanceOf(AzureQuotaExceededError);
  });

  it('a failed long-running operation keeps its Azure code', () => {
    const mapped = mapAzureError(
      new Error('The long-running operation has failed. VMAgentStatusCommunicationError. VM did not report status.'),
      'virtualMachines.restart',
    );
    expect(mapped).toMatchObject({
      code: 'UPSTREAM_ERROR',
      retryable: false,
      details: { azureCode: 'VMAgentStatusCommunicationError' },
    });
  });

  it('validation errors keep the start of what Azure said; others do not', () => {
    const long = `Failed to resolve column 'Foo' ${'x'.repeat(1000)}`;
    const mapped = mapAzureError(restError('SemanticError', 400, long), 'logs.queryWorkspace');
    expect(mapped.message).toContain("Failed to resolve column 'Foo'");
    expect(mapped.message.length).toBeLessThan(600);
  });

  it('names what is missing when no credential is available, and what to check when Entra refuses one', () => {
    const missing = mapAzureError(
      Object.assign(new Error('DefaultAzureCredential failed to retrieve a token'), {
        name: 'AggregateAuthenticationError',
      }),
      'virtualMachines.list',
    );
    expect(missing.code).toBe('CONFIGURATION_ERROR');
    expect(missing.message).toMatch(
      /"azure" credential slot.*AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET/,
    );
    const refused = mapAzureError(
      Object.assign(
        new Error(
          'invalid_client: Error(s): 7000222 - Description: AADSTS7000222: The provided client secret keys are expired.',
        ),
        {
          name: 'AuthenticationRequiredError',
        },
      ),
      'x',
    );
    expect(refused).toMatchObject({
      code: 'CONFIGURATION_ERROR',
      details: { entraError: 'invalid_client', entraCodes: ['7000222'] },
    });
    expect(refused.message).toMatch(/client_secret/);
  });

  it('connection failures are UNAVAILABLE, aborts CANCELLED, Aurora errors pass through', () => {
    expect(
      mapAzureError(Object.assign(new Error('connect ECONNREFUSED'), { name: 'RestError', code: 'ECONNREFUSED' }), 'x')
        .code,
    ).toBe('UNAVAILABLE');
    expect(mapAzureError(Object.assign(new Error('aborted'), { name: 'AbortError' }), 'x').code).toBe('CANCELLED');
    const own = new NotFoundError({ message: 'gone' });
    expect(mapAzureError(own, 'x')).toBe(own);
    expect(AuroraError.isInstance(mapAzureError('a string', 'x'))).toBe(true);
  });
});
