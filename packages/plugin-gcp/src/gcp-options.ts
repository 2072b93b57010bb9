import { ConfigurationError } from '@aurora-ops/core';
import type { ToolContext } from '@aurora-ops/core/plugin-sdk';
import { resolveGcpAuth, type AuthCache, type GcpAuth } from './credentials.js';
import { mapGcpError } from './errors.js';

/** The Google APIs the plugin calls. */
export type GcpService =
  'cloudresourcemanager' | 'compute' | 'container' | 'sqladmin' | 'run' | 'logging' | 'monitoring';

/** Options of `createGcpPlugin` (and of `discoverGcp`). */
export interface GcpPluginOptions {
  /** The project when neither the call nor the credential key names one. Default: Application Default Credentials' project. */
  readonly project?: string;
  /** Sends every API call to this root URL instead of `https://<service>.googleapis.com/` (tests, Private Service Connect). */
  readonly rootUrl?: string;
  /** A root URL per service, over `rootUrl`. */
  readonly endpoints?: Readonly<Partial<Record<GcpService, string>>>;
  /** Sends the OAuth token request here instead of the key's `token_uri` (tests, private endpoints). */
  readonly tokenUrl?: string;
  /**
   * The deployment's own credentials, used when a call brings no `gcp` secret (standalone).
   * Default: `new GoogleAuth({ scopes: cloud-platform })`, Application Default Credentials.
   */
  readonly baseAuth?: GcpAuth;
  /** Attempts per API call, including the first; 408, 429 and 5xx are retried with backoff (and `Retry-After`). Default 4. */
  readonly maxAttempts?: number;
  /** The longest wait between two attempts, in ms. Default 30 000. */
  readonly maxRetryDelayMs?: number;
  /** Characters of output a list tool returns before it truncates and hands back a cursor. Default 40 000. */
  readonly outputBudget?: number;
  /** Service-account clients shared by the plugin's calls; `createGcpPlugin` makes one. */
  readonly authCache?: AuthCache;
}

export const DEFAULT_OUTPUT_BUDGET = 40_000;

/** The part of a failed request's error the backoff reads (any copy of gaxios). */
export interface RetryableError {
  readonly response?: { readonly headers?: unknown };
}

/**
 * gaxios retry settings, typed structurally: the generated clients and the auth library
 * pin different gaxios releases, and this shape fits both.
 */
export interface GcpRetryConfig {
  readonly retry: number;
  readonly retryDelay: number;
  readonly maxRetryDelay: number;
  readonly noResponseRetries: number;
  readonly statusCodesToRetry: number[][];
  readonly httpMethodsToRetry: string[];
  readonly retryBackoff: (error: RetryableError, delay: number) => Promise<void>;
}

/** What every generated client of one call is built with. */
export interface GcpClientOptions {
  readonly auth: GcpAuth;
  readonly rootUrl?: string;
  readonly retryConfig: GcpRetryConfig;
}

/** The auth, project and client options of one call. */
export interface GcpCall {
  readonly auth: GcpAuth;
  /** The project: the call's, the plugin's, the key's, then ADC's; `ConfigurationError` when none (empty when not required). */
  readonly project: string;
  readonly signal: AbortSignal;
  /** Options for a generated client of `service`. */
  client(service: GcpService): GcpClientOptions;
  /** The root URL of `service` (with a trailing slash), for REST calls without a generated client. */
  rootUrl(service: GcpService): string;
  /** Retry settings, with POST retried too for read calls that POST (logging entries:list). */
  readonly retryConfig: GcpRetryConfig;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal!.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** `Retry-After` in ms (seconds or an HTTP date), or undefined. */
export function retryAfterMs(error: RetryableError): number | undefined {
  const headers = error.response?.headers as Headers | Record<string, string> | null | undefined;
  const raw =
    headers === undefined || headers === null
      ? undefined
      : typeof (headers as Headers).get === 'function'
        ? (headers as Headers).get('retry-after')
        : (headers as Record<string, string>)['retry-after'];
  if (raw === null || raw === undefined || raw === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(raw)) return Number(raw) * 1000;
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/**
 * gaxios retry settings: 408, 429 and 5xx retried up to `maxAttempts - 1` times with
 * exponential backoff, waiting at least what `Retry-After` asks (capped at `maxRetryDelayMs`).
 * Methods: the idempotent ones, plus POST when `post` (reads that POST).
 */
export function retryConfigFor(
  options: GcpPluginOptions,
  signal: AbortSignal | undefined,
  post = false,
): GcpRetryConfig {
  const maxDelay = options.maxRetryDelayMs ?? 30_000;
  return {
    retry: Math.max(0, (options.maxAttempts ?? 4) - 1),
    retryDelay: 200,
    maxRetryDelay: maxDelay,
    noResponseRetries: 2,
    statusCodesToRetry: [
      [408, 408],
      [429, 429],
      [500, 599],
    ],
    httpMethodsToRetry: ['GET', 'HEAD', 'PUT', 'OPTIONS', 'DELETE', ...(post ? ['POST'] : [])],
    retryBackoff: (error, delay) => sleep(Math.min(maxDelay, Math.max(delay, retryAfterMs(error) ?? 0)), signal),
  };
}

const DEFAULT_ROOTS: Record<GcpService, string> = {
  cloudresourcemanager: 'https://cloudresourcemanager.googleapis.com/',
  compute: 'https://compute.googleapis.com/',
  container: 'https://container.googleapis.com/',
  sqladmin: 'https://sqladmin.googleapis.com/',
  run: 'https://run.googleapis.com/',
  logging: 'https://logging.googleapis.com/',
  monitoring: 'https://monitoring.googleapis.com/',
};

function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

/** The configured root URL of a service, if any. */
export function configuredRoot(options: GcpPluginOptions, service: GcpService): string | undefined {
  const url = options.endpoints?.[service] ?? options.rootUrl;
  return url === undefined ? undefined : withSlash(url);
}

/** Client options and root URLs for `auth` and `project`, shared by tools and discovery. */
export function staticCall(
  options: GcpPluginOptions,
  auth: GcpAuth,
  project: string,
  signal: AbortSignal | undefined,
): GcpCall {
  const retryConfig = retryConfigFor(options, signal);
  return {
    auth,
    project,
    signal: signal ?? new AbortController().signal,
    retryConfig: retryConfigFor(options, signal, true),
    client: (service) => {
      const rootUrl = configuredRoot(options, service);
      return { auth, ...(rootUrl === undefined ? {} : { rootUrl }), retryConfig };
    },
    rootUrl: (service) => configuredRoot(options, service) ?? DEFAULT_ROOTS[service],
  };
}

/**
 * The project ADC knows (GOOGLE_CLOUD_PROJECT, the key file, gcloud, the metadata server), or
 * undefined. The client is loaded first, so that the lookup reuses it (with the plugin's
 * transporter) instead of loading the key file a second time without it; no credentials at
 * all is a `ConfigurationError` saying what to configure.
 */
export async function adcProject(auth: GcpAuth): Promise<string | undefined> {
  const adc = auth as { getClient?: () => Promise<unknown>; getProjectId?: () => Promise<string | null> };
  if (typeof adc.getProjectId !== 'function') return undefined;
  if (typeof adc.getClient === 'function') {
    try {
      await adc.getClient();
    } catch (error) {
      throw mapGcpError(error, 'application default credentials');
    }
  }
  try {
    return (await adc.getProjectId()) ?? undefined;
  } catch {
    return undefined;
  }
}

/**
 * Resolves the call's auth (the org's key, or ADC) and project (the call's, then the
 * plugin's, then the key's, then ADC's). Clients are built per call; only service-account
 * clients are cached (see `authClientForKey`).
 */
export async function callFor(
  options: GcpPluginOptions,
  context: ToolContext,
  fallback: GcpAuth,
  project: string | undefined,
  required = true,
): Promise<GcpCall> {
  const resolved = await resolveGcpAuth(context, fallback, {
    ...(options.tokenUrl === undefined ? {} : { tokenUrl: options.tokenUrl }),
    ...(options.authCache === undefined ? {} : { cache: options.authCache }),
  });
  let chosen = project ?? options.project ?? resolved.project;
  if (chosen === undefined && required && resolved.source === 'application-default') {
    chosen = await adcProject(resolved.auth);
  }
  if (chosen === undefined && !required) return staticCall(options, resolved.auth, '', context.signal);
  if (chosen === undefined) {
    throw new ConfigurationError({
      message:
        'No GCP project: pass "project", set the plugin\'s project, use a key with project_id, or set GOOGLE_CLOUD_PROJECT.',
      details: { setting: 'project' },
    });
  }
  return staticCall(options, resolved.auth, chosen, context.signal);
}
