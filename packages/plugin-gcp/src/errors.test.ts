import { AuroraError, NotFoundError } from '@aurora-ops/core';
import { describe, expect, it } from 'vitest';
import { GcpQuotaExceededError, mapGcpError } from './errors.js';

/** An error shaped like a GaxiosError for a Google API error body (AIP-193). */
function apiError(status: number, body: Record<string, unknown>, retries = 0): Error {
  return Object.assign(new Error('Request failed: quoting secret-resource-name'), {
    status,
    config: { retryConfig: { currentRetryAttempt: retries } },
    response: { status, data: body },
  });
}

const info = (reason: string, metadata: Record<string, string> = {}) => ({
  '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
  reason,
  domain: 'googleapis.com',
  metadata,
});

describe('mapGcpError', () => {
  it.each([
    [403, 'PERMISSION_DENIED', 'IAM_PERMISSION_DENIED', 'FORBIDDEN'],
    [404, 'NOT_FOUND', 'notFound', 'NOT_FOUND'],
    [400, 'INVALID_ARGUMENT', 'badRequest', 'INVALID_INPUT'],
    [400, 'FAILED_PRECONDITION', 'resourceNotReady', 'INVALID_INPUT'],
    [409, 'ALREADY_EXISTS', 'alreadyExists', 'CONFLICT'],
    [429, 'RESOURCE_EXHAUSTED', 'RATE_LIMIT_EXCEEDED', 'RATE_LIMITED'],
    [403, 'PERMISSION_DENIED', 'rateLimitExceeded', 'RATE_LIMITED'],
    [401, 'UNAUTHENTICATED', 'ACCESS_TOKEN_EXPIRED', 'UNAUTHENTICATED'],
    [500, 'INTERNAL', 'backendError', 'UPSTREAM_ERROR'],
    [503, 'UNAVAILABLE', 'backendError', 'UPSTREAM_ERROR'],
  ])('%i %s (%s) → %s', (status, gcpStatus, reason, code) => {
    const mapped = mapGcpError(
      apiError(status, { error: { code: status, status: gcpStatus, details: [info(reason)] } }, 2),
      'svc.op',
    );
    expect(mapped.code).toBe(code);
    expect(mapped.details).toEqual({ operation: 'svc.op', httpStatus: status, gcpStatus, reason, attempts: 3 });
    expect(mapped.message).not.toContain('secret-resource-name');
  });

  it('reads the legacy errors[].reason when there is no ErrorInfo', () => {
    const mapped = mapGcpError(
      apiError(404, { error: { code: 404, errors: [{ reason: 'notFound', domain: 'global' }] } }),
      'x',
    );
    expect(mapped).toMatchObject({ code: 'NOT_FOUND', details: { reason: 'notFound', httpStatus: 404 } });
  });

  it('quota errors are a non-retryable, branded GcpQuotaExceededError', () => {
    for (const reason of ['quotaExceeded', 'QUOTA_EXCEEDED', 'dailyLimitExceeded']) {
      const mapped = mapGcpError(
        apiError(403, { error: { code: 403, errors: [{ reason }] } }),
        'compute.instances.insert',
      );
      expect(mapped).toBeInstanceOf(GcpQuotaExceededError);
      expect(GcpQuotaExceededError.isInstance(mapped)).toBe(true);
      expect(AuroraError.isInstance(mapped)).toBe(true);
      expect(mapped).toMatchObject({ code: 'UPSTREAM_ERROR', retryable: false });
    }
    expect(GcpQuotaExceededError.isInstance(new NotFoundError())).toBe(false);
  });

  it('a denial names the permission; a disabled API names the API to enable', () => {
    const denied = mapGcpError(
      apiError(403, {
        error: {
          code: 403,
          status: 'PERMISSION_DENIED',
          details: [info('IAM_PERMISSION_DENIED', { permission: 'run.services.list' })],
        },
      }),
      'run.projects.locations.services.list',
    );
    expect(denied.message).toContain('lack the IAM permission run.services.list');
    expect(denied.details.permission).toBe('run.services.list');
    const disabled = mapGcpError(
      apiError(403, {
        error: { code: 403, details: [info('SERVICE_DISABLED', { service: 'container.googleapis.com' })] },
      }),
      'x',
    );
    expect(disabled).toMatchObject({ code: 'FORBIDDEN', details: { service: 'container.googleapis.com' } });
    expect(disabled.message).toContain('gcloud services enable container.googleapis.com');
  });

  it('a token endpoint refusal is UNAUTHENTICATED naming the OAuth error', () => {
    const mapped = mapGcpError(
      apiError(400, { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' }),
      'x',
    );
    expect(mapped).toMatchObject({ code: 'UNAUTHENTICATED', details: { oauthError: 'invalid_grant' } });
  });

  it('names what is missing when Application Default Credentials find nothing', () => {
    const mapped = mapGcpError(
      new Error(
        'Could not load the default credentials. Browse to https://cloud.google.com/docs/authentication/getting-started for more information.',
      ),
      'compute.instances.aggregatedList',
    );
    expect(mapped.code).toBe('CONFIGURATION_ERROR');
    expect(mapped.message).toMatch(/"gcp" credential slot.*GOOGLE_APPLICATION_CREDENTIALS/);
  });

  it('connection failures are UNAVAILABLE, aborts CANCELLED, Aurora errors pass through', () => {
    expect(mapGcpError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'x').code).toBe(
      'UNAVAILABLE',
    );
    expect(mapGcpError(Object.assign(new Error('aborted'), { name: 'AbortError' }), 'x').code).toBe('CANCELLED');
    expect(mapGcpError(Object.assign(new Error('t'), { code: 'TimeoutError' }), 'x').code).toBe('TIMEOUT');
    const own = new NotFoundError({ message: 'gone' });
    expect(mapGcpError(own, 'x')).toBe(own);
    expect(AuroraError.isInstance(mapGcpError('a string', 'x'))).toBe(true);
  });
});
