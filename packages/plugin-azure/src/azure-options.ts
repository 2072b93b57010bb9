import { ConfigurationError } from '@aurora-ops/core';
import type { ToolContext } from '@aurora-ops/core/plugin-sdk';
import type { TokenCredential } from '@azure/core-auth';
import { DefaultAzureCredential } from '@azure/identity';
import { resolveAzureCredential, type CredentialCache, type ResolvedAzureCredential } from './credentials.js';

/** Extra certificate authorities to trust (a TLS-inspecting proxy, a private endpoint, tests). */
export interface AzureTlsOptions {
  /** PEM certificates. Replaces the default trust store for the Azure clients, as Node's `ca` does. */
  readonly ca?: string | string[];
}

/** Options of `createAzurePlugin` (and of `discoverAzure`). */
export interface AzurePluginOptions {
  /** The subscription when neither the call nor the secret names one. */
  readonly subscriptionId?: string;
  /** Azure Resource Manager endpoint. Default `https://management.azure.com` (sovereign clouds, tests). */
  readonly armEndpoint?: string;
  /** The token scope for ARM. Default `https://management.azure.com/.default`. */
  readonly armScope?: string;
  /** Log Analytics query endpoint, with the API version. Default `https://api.loganalytics.io/v1`. */
  readonly logsEndpoint?: string;
  /** The token scope for Log Analytics. Default `https://api.loganalytics.io/.default`. */
  readonly logsScope?: string;
  /** Microsoft Entra authority host for service principals. Default `https://login.microsoftonline.com`. */
  readonly authorityHost?: string;
  /** Skip Entra instance discovery (private clouds, tests). */
  readonly disableInstanceDiscovery?: boolean;
  readonly tlsOptions?: AzureTlsOptions;
  /** The deployment's own credential, used standalone (no secret reference). Default: `DefaultAzureCredential`. */
  readonly credential?: TokenCredential;
  /** Retries per Azure request after the first (throttling with Retry-After, 5xx, network), with backoff. Default 3. */
  readonly maxRetries?: number;
  /** First backoff delay in ms (doubled each retry, with jitter) when Azure gives no Retry-After. Default 800. */
  readonly retryDelayInMs?: number;
  /** Upper bound of one backoff delay, in ms. Default 30 000. */
  readonly maxRetryDelayInMs?: number;
  /** Characters of output a list tool returns before it truncates and hands back a cursor. Default 40 000. */
  readonly outputBudget?: number;
  /** How often a long-running operation (VM start, …) is polled, in ms, when Azure sends no Retry-After. Default 5 000. */
  readonly pollIntervalMs?: number;
  /** Service-principal credentials shared by the plugin's calls; `createAzurePlugin` makes one. */
  readonly credentialCache?: CredentialCache;
}

export const DEFAULT_OUTPUT_BUDGET = 40_000;
export const DEFAULT_ARM_ENDPOINT = 'https://management.azure.com';
export const DEFAULT_LOGS_ENDPOINT = 'https://api.loganalytics.io/v1';

interface RetryOptions {
  readonly maxRetries: number;
  readonly retryDelayInMs: number;
  readonly maxRetryDelayInMs: number;
}

/** Options of the TypeSpec-generated clients (compute, containerservice, appservice, monitor-query-logs). */
export interface ModularClientOptions {
  readonly endpoint: string;
  readonly credentials: { scopes: string[] };
  readonly retryOptions: RetryOptions;
  readonly tlsOptions?: { ca?: string | string[] };
}

/** Options of the AutoRest-generated clients (resources, subscriptions, sql, monitor). */
export interface ClassicClientOptions {
  readonly endpoint: string;
  readonly $host: string;
  readonly credentialScopes: string[];
  readonly retryOptions: RetryOptions;
  readonly tlsOptions?: { ca?: string | string[] };
}

/** Everything one call needs to build its clients. */
export interface AzureCall {
  readonly credential: TokenCredential;
  /** The subscription of the call (input, then secret, then plugin option); undefined when none is known. */
  readonly subscriptionId: string | undefined;
  readonly modular: ModularClientOptions;
  readonly classic: ClassicClientOptions;
  readonly logs: ModularClientOptions;
  readonly source: ResolvedAzureCredential['source'];
}

function trimSlash(url: string): string {
  return url.endsWith('/') ? url.slice(0, -1) : url;
}

function retryOptions(options: AzurePluginOptions): RetryOptions {
  return {
    maxRetries: options.maxRetries ?? 3,
    retryDelayInMs: options.retryDelayInMs ?? 800,
    maxRetryDelayInMs: options.maxRetryDelayInMs ?? 30_000,
  };
}

function tls(options: AzurePluginOptions): { tlsOptions?: { ca?: string | string[] } } {
  return options.tlsOptions?.ca === undefined ? {} : { tlsOptions: { ca: options.tlsOptions.ca } };
}

/** The ARM endpoint the plugin talks to, without a trailing slash. */
export function armEndpointOf(options: AzurePluginOptions): string {
  return trimSlash(options.armEndpoint ?? DEFAULT_ARM_ENDPOINT);
}

/** Client options for a credential, with no per-call state: used by tools and by discovery. */
export function clientOptions(options: AzurePluginOptions): Pick<AzureCall, 'modular' | 'classic' | 'logs'> {
  const endpoint = armEndpointOf(options);
  const scopes = [options.armScope ?? `${DEFAULT_ARM_ENDPOINT}/.default`];
  const retry = retryOptions(options);
  return {
    modular: { endpoint, credentials: { scopes }, retryOptions: retry, ...tls(options) },
    classic: { endpoint, $host: endpoint, credentialScopes: scopes, retryOptions: retry, ...tls(options) },
    logs: {
      endpoint: trimSlash(options.logsEndpoint ?? DEFAULT_LOGS_ENDPOINT),
      credentials: { scopes: [options.logsScope ?? 'https://api.loganalytics.io/.default'] },
      retryOptions: retry,
      ...tls(options),
    },
  };
}

/** One `DefaultAzureCredential` per plugin, built on first use (it caches tokens). */
export function lazyDefaultCredential(options: AzurePluginOptions): () => TokenCredential {
  let credential: TokenCredential | undefined = options.credential;
  return () => {
    credential ??= new DefaultAzureCredential({
      ...(options.authorityHost === undefined ? {} : { authorityHost: options.authorityHost }),
      ...(options.disableInstanceDiscovery === true ? { disableInstanceDiscovery: true } : {}),
      ...tls(options),
    });
    return credential;
  };
}

/**
 * Resolves the call's credential and subscription (the call's `subscriptionId`, then the
 * secret's, then the plugin's) and returns what its clients are built with. Clients are
 * built per call: they are cheap, and nothing resolved outlives the call but the cached
 * credential object.
 */
export async function azureCallFor(
  options: AzurePluginOptions,
  standalone: () => TokenCredential,
  context: ToolContext,
  subscriptionId: string | undefined,
): Promise<AzureCall> {
  const resolved = await resolveAzureCredential(context, standalone, {
    ...(options.authorityHost === undefined ? {} : { authorityHost: options.authorityHost }),
    ...(options.disableInstanceDiscovery === undefined
      ? {}
      : { disableInstanceDiscovery: options.disableInstanceDiscovery }),
    ...(options.tlsOptions === undefined ? {} : { tlsOptions: options.tlsOptions }),
    ...(options.credentialCache === undefined ? {} : { cache: options.credentialCache }),
  });
  return {
    credential: resolved.credential,
    subscriptionId: subscriptionId ?? resolved.subscriptionId ?? options.subscriptionId,
    source: resolved.source,
    ...clientOptions(options),
  };
}

/** The call's subscription, or a `ConfigurationError` saying where to set one. */
export function requireSubscription(call: AzureCall): string {
  if (call.subscriptionId !== undefined) return call.subscriptionId;
  throw new ConfigurationError({
    message:
      'No Azure subscription: pass "subscriptionId", set subscription_id in the "azure" credential secret, or start the plugin with a default subscription (AZURE_SUBSCRIPTION_ID for the bin).',
    details: { setting: 'subscriptionId' },
  });
}

/** What every tool factory gets from `createAzurePlugin`. */
export interface ToolEnvironment {
  readonly options: AzurePluginOptions;
  /** Characters of output per result. */
  readonly budget: number;
  /** The ARM endpoint (every `nextLink` must be on its origin). */
  readonly origin: string;
  readonly pollIntervalMs: number;
  /** Resolves one call's credential, subscription and client options. */
  call(context: ToolContext, subscriptionId: string | undefined): Promise<AzureCall>;
}

export function toolEnvironment(options: AzurePluginOptions): ToolEnvironment {
  const standalone = lazyDefaultCredential(options);
  return {
    options,
    budget: options.outputBudget ?? DEFAULT_OUTPUT_BUDGET,
    origin: armEndpointOf(options),
    pollIntervalMs: options.pollIntervalMs ?? 5_000,
    call: (context, subscriptionId) => azureCallFor(options, standalone, context, subscriptionId),
  };
}
