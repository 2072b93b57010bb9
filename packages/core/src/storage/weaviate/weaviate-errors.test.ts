import { describe, expect, it } from 'vitest';
import {
  ConnectionLostError,
  ForbiddenError,
  InvalidInputError,
  NotFoundError,
  TimeoutError,
  UpstreamError,
} from '../../errors/errors.js';
import { mapWeaviateError } from './weaviate-errors.js';

const named = (name: string, message: string, code?: number): Error =>
  Object.assign(new Error(message), { name, ...(code === undefined ? {} : { code }) });

describe('mapWeaviateError', () => {
  it.each([
    [named('WeaviateUnauthenticatedError', 'Unauthenticated: {"message":"key sk-123"}'), ForbiddenError],
    [named('WeaviateInsufficientPermissionsError', 'Forbidden: nope', 403), ForbiddenError],
    [named('WeaviateStartUpError', 'Weaviate startup failed with message: Unauthenticated: x'), ForbiddenError],
    [named('WeaviateUnexpectedStatusCodeError', 'status code: 404 and message: ', 404), NotFoundError],
    [
      named('WeaviateUnexpectedStatusCodeError', 'status code: 422 and message: bad "secret text"', 422),
      InvalidInputError,
    ],
    [
      named(
        'WeaviateQueryError',
        'Query call with protocol gRPC failed with message: /weaviate.v1.Weaviate/Search UNAVAILABLE: No connection established',
      ),
      ConnectionLostError,
    ],
    [
      named('WeaviateQueryError', 'failed with message: /weaviate.v1.Weaviate/Search DEADLINE_EXCEEDED: x'),
      TimeoutError,
    ],
    [named('WeaviateRequestTimeoutError', 'Weaviate request timed out with message: after 30ms'), TimeoutError],
    [named('WeaviateStartUpError', 'Weaviate startup failed with message: fetch failed'), ConnectionLostError],
    [
      Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('x'), { code: 'ECONNREFUSED' }) }),
      ConnectionLostError,
    ],
    [named('WeaviateUnexpectedStatusCodeError', 'status code: 503 and message: down', 503), UpstreamError],
  ])('%s → %o', (error, expected) => {
    const mapped = mapWeaviateError(error, 'search', 'kb');
    expect(mapped).toBeInstanceOf(expected);
    expect(mapped.message).not.toContain('secret');
    expect(mapped.message).not.toContain('sk-123');
    expect(mapped.cause).toBeUndefined();
    expect(JSON.stringify(mapped)).not.toContain('sk-123');
    expect(mapped.details).toMatchObject({ backend: 'weaviate', operation: 'search', collection: 'kb' });
  });

  it('passes an Aurora error through unchanged', () => {
    const original = new InvalidInputError({ message: 'x' });
    expect(mapWeaviateError(original, 'search')).toBe(original);
  });
});
