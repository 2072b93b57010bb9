import { UpstreamError } from '@aurora-ops/core';
import type { TokenCredential } from '@azure/core-auth';
import { createComputeManagement } from '@azure/arm-compute/api';
import type { z } from 'zod';
import type { ModularClientOptions } from './azure-options.js';

/**
 * A GET on an ARM path through Azure's REST-level client (`@azure-rest/core-client`, the
 * one inside `@azure/arm-compute`): the same pipeline as the SDK clients (bearer token,
 * retries honouring Retry-After, TLS options). Used where no installed SDK client has the
 * operation: `@azure/arm-subscriptions` 6 has no subscription list (it moved to
 * `@azure/arm-resources-subscriptions`). A non-2xx answer is thrown shaped as a
 * `RestError` (`code`, `statusCode`, headers), so `mapAzureError` types it.
 */
export async function armGet(
  credential: TokenCredential,
  options: ModularClientOptions,
  pathOrLink: string,
  apiVersion: string,
  signal: AbortSignal,
): Promise<unknown> {
  const client = createComputeManagement(credential, '', options);
  const absolute = /^https:\/\//.test(pathOrLink);
  const response = await client
    .pathUnchecked(pathOrLink)
    .get({ ...(absolute ? {} : { queryParameters: { 'api-version': apiVersion } }), abortSignal: signal });
  const status = Number(response.status);
  const body: unknown = response.body;
  if (status >= 200 && status < 300) return body;
  const error = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  const headers = response.headers as Readonly<Record<string, string | undefined>>;
  throw Object.assign(new Error(typeof error?.message === 'string' ? error.message : `HTTP ${status}`), {
    name: 'RestError',
    code: typeof error?.code === 'string' ? error.code : `HTTP${status}`,
    statusCode: status,
    response: { status, headers: { get: (name: string) => headers[name.toLowerCase()] } },
  });
}

/** A response body checked against the documented shape; anything else is an `UpstreamError`. */
export function parseArmBody<T>(schema: z.ZodType<T>, body: unknown, operation: string): T {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  throw new UpstreamError({
    retryable: false,
    message: `Azure ${operation} answered with an unexpected body.`,
    details: { operation, issues: parsed.error.issues.slice(0, 5).map((issue) => issue.path.join('.') || '(root)') },
  });
}
