import type { ToolContext } from '@aurora-ops/core/plugin-sdk';
import { resolveAwsCredentials, type AwsCredentialsSource, type RoleCache } from './credentials.js';

/** Options of `createAwsPlugin` (and of `discoverAws`). */
export interface AwsPluginOptions {
  /** Sends every AWS call to this URL instead of the service's endpoint (tests, VPC endpoints, LocalStack). */
  readonly endpoint?: string;
  /** The region when neither the call nor the secret names one. Default: the SDK's (AWS_REGION, profile). */
  readonly region?: string;
  /**
   * The deployment's own credentials: used standalone and to assume a secret's `role_arn`.
   * Default: the SDK's default provider chain.
   */
  readonly baseCredentials?: AwsCredentialsSource;
  /** Attempts per AWS call, including the first, with the SDK's standard retry mode (backoff, throttling). Default 3. */
  readonly maxAttempts?: number;
  /** Characters of output a list tool returns before it truncates and hands back a cursor. Default 40 000. */
  readonly outputBudget?: number;
  /** How often `logs_insights_query` polls for results, in ms. Default 1 000. */
  readonly pollIntervalMs?: number;
  /** Assumed-role sessions shared by the plugin's calls; `createAwsPlugin` makes one. */
  readonly roleCache?: RoleCache;
}

/** The configuration every SDK client of one call is built with. */
export interface AwsClientConfig {
  readonly region?: string;
  readonly credentials?: AwsCredentialsSource;
  readonly endpoint?: string;
  readonly maxAttempts: number;
  readonly retryMode: 'standard';
}

export const DEFAULT_OUTPUT_BUDGET = 40_000;

/**
 * Resolves the call's credentials and region (the call's `region`, then the secret's,
 * then the plugin's, then the SDK's own) and returns the client configuration. Clients
 * are built per call: they are cheap, and nothing resolved outlives the call.
 */
export async function clientConfigFor(
  options: AwsPluginOptions,
  context: ToolContext,
  region: string | undefined,
): Promise<AwsClientConfig> {
  const resolved = await resolveAwsCredentials(context, {
    ...(options.baseCredentials === undefined ? {} : { baseCredentials: options.baseCredentials }),
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    ...(options.region === undefined ? {} : { region: options.region }),
    ...(options.roleCache === undefined ? {} : { roleCache: options.roleCache }),
  });
  return staticClientConfig(options, region ?? resolved.region, resolved.credentials);
}

export function staticClientConfig(
  options: AwsPluginOptions,
  region: string | undefined,
  credentials: AwsCredentialsSource | undefined,
): AwsClientConfig {
  const chosen = region ?? options.region;
  return {
    ...(chosen === undefined ? {} : { region: chosen }),
    ...(credentials === undefined ? {} : { credentials }),
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    maxAttempts: options.maxAttempts ?? 3,
    retryMode: 'standard',
  };
}
