import {
  AuroraError,
  InvalidInputError,
  NotFoundError,
  PayloadTooLargeError,
  httpStatusFor,
  type SerializedAuroraError,
} from '@aurora-ops/core';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** Every error response: `{ error: { code, message, retryable, details?, docs } }`. */
export interface ErrorBody {
  readonly error: SerializedAuroraError;
}

/** An authentication failure (401): no, bad or expired credentials. */
export class UnauthenticatedError extends AuroraError {
  override readonly name: string = 'UnauthenticatedError';
  constructor(message = 'Sign in first: send Authorization: Bearer <session token or API key>.') {
    super('UNAUTHENTICATED', { message });
  }
}

/** Turns anything thrown in a handler into a typed error; unknown errors become INTERNAL without their text. */
export function toAuroraError(error: unknown): AuroraError {
  if (AuroraError.isInstance(error)) return error;
  if (error instanceof HTTPException) {
    if (error.status === 413) return new PayloadTooLargeError({ message: 'The request body is too large.' });
    if (error.status === 400) {
      return new InvalidInputError({ message: error.message || 'The request could not be read.' });
    }
    if (error.status === 401) return new UnauthenticatedError();
    if (error.status === 404) return new NotFoundError({ message: 'Not found.' });
  }
  return new AuroraError('INTERNAL', { message: 'An unexpected error occurred; it has been logged.' });
}

export function errorResponse(c: Context, error: AuroraError): Response {
  const status = httpStatusFor(error.code) as ContentfulStatusCode;
  const body: ErrorBody = { error: error.toJSON() };
  const retryAfter = (error.details as { retryAfterMs?: number } | undefined)?.retryAfterMs;
  if (retryAfter !== undefined) c.header('Retry-After', String(Math.max(1, Math.ceil(retryAfter / 1000))));
  return c.json(body, status);
}
