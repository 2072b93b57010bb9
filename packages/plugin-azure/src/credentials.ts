import { createHash } from 'node:crypto';
import { ConfigurationError } from '@aurora-ops/core';
import type { SecretValue } from '@aurora-ops/core';
import type { CredentialSlot, ToolContext } from '@aurora-ops/core/plugin-sdk';
import type { TokenCredential } from '@azure/core-auth';
import { ClientSecretCredential } from '@azure/identity';
import { z } from 'zod';
import type { AzureTlsOptions } from './azure-options.js';

/** The credential slot every Azure tool reads. */
export const AZURE_CREDENTIAL_SLOT = 'azure';

/**
 * The fields a secret for the `azure` slot may hold: a service principal (`tenant_id`,
 * `client_id`, `client_secret`; the camelCase spellings `tenantId`, `clientId`,
 * `clientSecret` are accepted too) and an optional default `subscription_id`. Which fields
 * are missing is reported by `azureCredentialFromSecret`.
 */
export const azureSecretSchema = z.object({
  tenant_id: z.string().min(1).optional(),
  client_id: z.string().min(1).optional(),
  client_secret: z.string().min(1).optional(),
  subscription_id: z.string().min(1).optional(),
  tenantId: z.string().min(1).optional(),
  clientId: z.string().min(1).optional(),
  clientSecret: z.string().min(1).optional(),
  subscriptionId: z.string().min(1).optional(),
});

export const azureCredentialSlot: CredentialSlot = {
  description:
    'An Azure service principal: { tenant_id, client_id, client_secret } (a client secret of an app registration with a role such as Reader on the subscriptions), plus an optional default subscription_id.',
  schema: azureSecretSchema,
};

/** Service-principal credentials kept in this process's memory, keyed by a hash of the org and the secret. */
export interface CredentialCache {
  readonly entries: Map<string, TokenCredential>;
  readonly max: number;
}

export function createCredentialCache(max = 256): CredentialCache {
  return { entries: new Map(), max };
}

/** How a service principal's token is obtained: the authority (sovereign clouds, tests) and TLS trust. */
export interface ServicePrincipalSettings {
  /** Microsoft Entra authority host. Default: `https://login.microsoftonline.com`. */
  readonly authorityHost?: string;
  /** Skip the authority's instance discovery (private clouds, tests). */
  readonly disableInstanceDiscovery?: boolean;
  readonly tlsOptions?: AzureTlsOptions;
  readonly cache?: CredentialCache;
  /** The org the cache entry belongs to. */
  readonly org?: string;
}

/** The credential and default subscription one call uses. */
export interface ResolvedAzureCredential {
  readonly credential: TokenCredential;
  readonly subscriptionId: string | undefined;
  /** Where it came from, for logs; never the secret. */
  readonly source: 'default-chain' | 'service-principal';
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TENANT = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[A-Za-z0-9.-]{1,253})$/i;

function field(secret: SecretValue, snake: string, camel: string): string | undefined {
  return secret[snake] ?? secret[camel];
}

/**
 * Builds a `ClientSecretCredential` from a resolved secret. A secret without the three
 * service-principal fields is a `ConfigurationError` naming the missing ones (never a
 * value). The credential object (which holds the token cache) is kept in `cache` under a
 * SHA-256 of org and secret, so no plaintext key sits in the map.
 */
export function azureCredentialFromSecret(
  secret: SecretValue,
  settings: ServicePrincipalSettings = {},
): ResolvedAzureCredential {
  const tenantId = field(secret, 'tenant_id', 'tenantId');
  const clientId = field(secret, 'client_id', 'clientId');
  const clientSecret = field(secret, 'client_secret', 'clientSecret');
  const subscriptionId = field(secret, 'subscription_id', 'subscriptionId');
  const missing = [
    ['tenant_id', tenantId],
    ['client_id', clientId],
    ['client_secret', clientSecret],
  ]
    .filter(([, value]) => value === undefined)
    .map(([name]) => name!);
  if (missing.length > 0) {
    throw new ConfigurationError({
      message: `The "${AZURE_CREDENTIAL_SLOT}" secret needs a service principal (tenant_id, client_id, client_secret); missing: ${missing.join(', ')}.`,
      details: { slot: AZURE_CREDENTIAL_SLOT, fields: missing },
    });
  }
  const malformed = [
    ...(TENANT.test(tenantId!) ? [] : ['tenant_id']),
    ...(GUID.test(clientId!) ? [] : ['client_id']),
    ...(subscriptionId === undefined || GUID.test(subscriptionId) ? [] : ['subscription_id']),
  ];
  if (malformed.length > 0) {
    throw new ConfigurationError({
      message: `The "${AZURE_CREDENTIAL_SLOT}" secret's ${malformed.join(', ')} ${malformed.length === 1 ? 'is' : 'are'} not valid (a GUID, or a tenant domain for tenant_id).`,
      details: { slot: AZURE_CREDENTIAL_SLOT, fields: malformed },
    });
  }
  const key = createHash('sha256')
    .update([settings.org ?? '', tenantId, clientId, clientSecret, settings.authorityHost ?? ''].join('\u0000'))
    .digest('hex');
  const cache = settings.cache;
  const cached = cache?.entries.get(key);
  if (cached !== undefined) return { credential: cached, subscriptionId, source: 'service-principal' };
  const credential = new ClientSecretCredential(tenantId!, clientId!, clientSecret!, {
    ...(settings.authorityHost === undefined ? {} : { authorityHost: settings.authorityHost }),
    ...(settings.disableInstanceDiscovery === true ? { disableInstanceDiscovery: true } : {}),
    ...(settings.tlsOptions === undefined ? {} : { tlsOptions: settings.tlsOptions }),
  });
  if (cache !== undefined) {
    if (cache.entries.size >= cache.max) cache.entries.delete(cache.entries.keys().next().value!);
    cache.entries.set(key, credential);
  }
  return { credential, subscriptionId, source: 'service-principal' };
}

/**
 * The credential for one call: the org's service principal when the host passed a
 * reference (resolved now; only the credential object is cached, in memory), otherwise
 * `standalone` (the plugin's `DefaultAzureCredential`).
 */
export async function resolveAzureCredential(
  context: ToolContext,
  standalone: () => TokenCredential,
  settings: ServicePrincipalSettings = {},
): Promise<ResolvedAzureCredential> {
  const secret = await context.credential(AZURE_CREDENTIAL_SLOT);
  if (secret === undefined) return { credential: standalone(), subscriptionId: undefined, source: 'default-chain' };
  return azureCredentialFromSecret(secret, { ...settings, org: context.org });
}
