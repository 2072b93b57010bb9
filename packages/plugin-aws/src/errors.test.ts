import { AuroraError, NotFoundError } from '@aurora-ops/core';
import { describe, expect, it } from 'vitest';
import { AwsQuotaExceededError, mapAwsError } from './errors.js';

/** An error shaped like an AWS SDK v3 ServiceException. */
function sdkError(name: string, status = 400, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`${name}: User arn:aws:iam::1:user/secret-person may not`), {
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status, requestId: 'req-1', attempts: 3 },
    ...extra,
  });
}

describe('mapAwsError', () => {
  it.each([
    ['AccessDenied', 'FORBIDDEN'],
    ['AccessDeniedException', 'FORBIDDEN'],
    ['UnauthorizedOperation', 'FORBIDDEN'],
    ['ExpiredToken', 'FORBIDDEN'],
    ['InvalidInstanceID.NotFound', 'NOT_FOUND'],
    ['NoSuchBucket', 'NOT_FOUND'],
    ['ResourceNotFoundException', 'NOT_FOUND'],
    ['DBInstanceNotFound', 'NOT_FOUND'],
    ['ValidationError', 'INVALID_INPUT'],
    ['InvalidParameterValue', 'INVALID_INPUT'],
    ['InvalidParameterCombination', 'INVALID_INPUT'],
    ['IncorrectInstanceState', 'INVALID_INPUT'],
    ['Throttling', 'RATE_LIMITED'],
    ['ThrottlingException', 'RATE_LIMITED'],
    ['RequestLimitExceeded', 'RATE_LIMITED'],
    ['TooManyRequestsException', 'RATE_LIMITED'],
    ['InstanceLimitExceeded', 'UPSTREAM_ERROR'],
    ['ServiceQuotaExceededException', 'UPSTREAM_ERROR'],
    ['InternalError', 'UPSTREAM_ERROR'],
  ])('%s → %s', (name, code) => {
    const mapped = mapAwsError(sdkError(name), 'svc:Op');
    expect(mapped.code).toBe(code);
    expect(mapped.details).toEqual({
      operation: 'svc:Op',
      awsCode: name,
      requestId: 'req-1',
      httpStatus: 400,
      attempts: 3,
    });
    expect(mapped.message).not.toContain('secret-person');
  });

  it('quota errors are a non-retryable AwsQuotaExceededError', () => {
    const mapped = mapAwsError(sdkError('VcpuLimitExceeded'), 'ec2:StartInstances');
    expect(mapped).toBeInstanceOf(AwsQuotaExceededError);
    expect(mapped.retryable).toBe(false);
  });

  it('server faults are retryable upstream errors; throttling is retryable', () => {
    expect(mapAwsError(sdkError('ServiceUnavailable', 503), 'x').retryable).toBe(true);
    expect(mapAwsError(sdkError('Throttling'), 'x').retryable).toBe(true);
  });

  it('names what is missing when there are no credentials or no region', () => {
    const noCredentials = mapAwsError(
      Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }),
      'sts:GetCallerIdentity',
    );
    expect(noCredentials.code).toBe('CONFIGURATION_ERROR');
    expect(noCredentials.message).toMatch(/"aws" credential slot.*AWS_PROFILE/);
    const noRegion = mapAwsError(new Error('Region is missing'), 'ec2:DescribeInstances');
    expect(noRegion.code).toBe('CONFIGURATION_ERROR');
    expect(noRegion.message).toMatch(/region.*AWS_REGION/);
  });

  it('connection failures are UNAVAILABLE, aborts CANCELLED, Aurora errors pass through', () => {
    expect(
      mapAwsError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }), 'x').code,
    ).toBe('UNAVAILABLE');
    expect(mapAwsError(Object.assign(new Error('aborted'), { name: 'AbortError' }), 'x').code).toBe('CANCELLED');
    const own = new NotFoundError({ message: 'gone' });
    expect(mapAwsError(own, 'x')).toBe(own);
    expect(AuroraError.isInstance(mapAwsError('a string', 'x'))).toBe(true);
  });
});
