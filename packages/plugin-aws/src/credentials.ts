import { ConfigurationError } from '@aurora-ops/core';
import type { SecretValue } from '@aurora-ops/core';
import type { CredentialSlot, ToolContext } from '@aurora-ops/core/plugin-sdk';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { z } from 'zod';

/** The credential slot every AWS tool reads. */
export const AWS_CREDENTIAL_SLOT = 'aws';

/**
 * The fields a secret for the `aws` slot may hold: an access key pair (with an optional
 * session token), or a role to assume with the deployment's own credentials. Which of the
 * two is complete is checked by `awsCredentialsFromSecret`, which names what is missing.
 */
export const awsSecretSchema = z.object({
  access_key_id: z.string().min(1).optional(),
  secret_access_key: z.string().min(1).optional(),
  session_token: z.string().min(1).optional(),
  role_arn: z.string().min(1).optional(),
  external_id: z.string().min(1).optional(),
  region: z.string().min(1).optional(),
});

export const awsCredentialSlot: CredentialSlot = {
  description:
    'AWS credentials: { access_key_id, secret_access_key, session_token? } or { role_arn, external_id? } (assumed with the deployment credentials), plus an optional region.',
  schema: awsSecretSchema,
};

/** A static key pair, as the SDK takes it. */
export interface AwsKeyPair {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** What the SDK's `credentials` option takes: a key pair or a provider of one. */
export type AwsCredentialsSource = AwsKeyPair | (() => Promise<AwsKeyPair>);

/** The credentials and region one call uses. `credentials` undefined: the SDK's default chain. */
export interface ResolvedAwsCredentials {
  readonly credentials: AwsCredentialsSource | undefined;
  readonly region: string | undefined;
  /** Where they came from, for logs and `sts_get_caller_identity`; never the secret. */
  readonly source: 'default-chain' | 'access-key' | 'assume-role';
}

export interface AssumeRoleSettings {
  /** The deployment's own credentials used to call `sts:AssumeRole`. Default: the SDK's default chain. */
  readonly baseCredentials?: AwsCredentialsSource;
  /** STS endpoint (tests). */
  readonly endpoint?: string;
  readonly region?: string;
  /**
   * Assumed-role providers kept in this process's memory, so a role is not assumed again on
   * every call (the provider refreshes its temporary keys before they expire). Keys include
   * the org, so two orgs never share a session.
   */
  readonly roleCache?: RoleCache;
  /** The org the cache entry belongs to. */
  readonly org?: string;
}

/** In-memory assumed-role providers, oldest evicted first. */
export interface RoleCache {
  readonly entries: Map<string, AwsCredentialsSource>;
  readonly max: number;
}

export function createRoleCache(max = 256): RoleCache {
  return { entries: new Map(), max };
}

/** Refresh temporary keys this long before they expire. */
const REFRESH_MARGIN_MS = 60_000;

/**
 * Reuses the keys a provider returned until shortly before they expire; concurrent
 * callers share one refresh, and a failed refresh is not remembered.
 */
function memoize(provider: () => Promise<AwsKeyPair & { readonly expiration?: Date }>): () => Promise<AwsKeyPair> {
  let cached: { readonly value: AwsKeyPair; readonly expires: number } | undefined;
  let pending: Promise<AwsKeyPair> | undefined;
  return () => {
    if (cached !== undefined && cached.expires - Date.now() > REFRESH_MARGIN_MS) return Promise.resolve(cached.value);
    pending ??= provider()
      .then((value) => {
        cached = { value, expires: value.expiration?.getTime() ?? Number.POSITIVE_INFINITY };
        return value;
      })
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };
}

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;

/**
 * Builds SDK credentials from a resolved secret. A secret that is neither a complete key
 * pair nor a role is a `ConfigurationError` naming the missing fields (never a value).
 */
export function awsCredentialsFromSecret(
  secret: SecretValue,
  settings: AssumeRoleSettings = {},
): ResolvedAwsCredentials {
  const region = secret.region;
  if (secret.role_arn !== undefined) {
    if (!ROLE_ARN.test(secret.role_arn)) {
      throw new ConfigurationError({
        message: `The "${AWS_CREDENTIAL_SLOT}" secret's role_arn is not an IAM role ARN (arn:aws:iam::<account>:role/<name>).`,
        details: { slot: AWS_CREDENTIAL_SLOT, fields: ['role_arn'] },
      });
    }
    const stsRegion = region ?? settings.region ?? 'us-east-1';
    const key = [settings.org ?? '', secret.role_arn, secret.external_id ?? '', stsRegion].join('\u0000');
    const cached = settings.roleCache?.entries.get(key);
    if (cached !== undefined) return { credentials: cached, region, source: 'assume-role' };
    const provider = memoize(
      fromTemporaryCredentials({
        params: {
          RoleArn: secret.role_arn,
          RoleSessionName: 'aurora-plugin-aws',
          DurationSeconds: 900,
          ...(secret.external_id === undefined ? {} : { ExternalId: secret.external_id }),
        },
        ...(settings.baseCredentials === undefined ? {} : { masterCredentials: settings.baseCredentials }),
        clientConfig: {
          region: stsRegion,
          ...(settings.endpoint === undefined ? {} : { endpoint: settings.endpoint }),
        },
      }),
    );
    const cache = settings.roleCache;
    if (cache !== undefined) {
      if (cache.entries.size >= cache.max) cache.entries.delete(cache.entries.keys().next().value!);
      cache.entries.set(key, provider);
    }
    return { credentials: provider, region, source: 'assume-role' };
  }
  const missing = ['access_key_id', 'secret_access_key'].filter((field) => secret[field] === undefined);
  if (missing.length > 0) {
    throw new ConfigurationError({
      message: `The "${AWS_CREDENTIAL_SLOT}" secret needs access_key_id and secret_access_key, or role_arn; missing: ${missing.join(', ')}.`,
      details: { slot: AWS_CREDENTIAL_SLOT, fields: missing },
    });
  }
  return {
    credentials: {
      accessKeyId: secret.access_key_id!,
      secretAccessKey: secret.secret_access_key!,
      ...(secret.session_token === undefined ? {} : { sessionToken: secret.session_token }),
    },
    region,
    source: 'access-key',
  };
}

/**
 * The credentials for one call: the org's secret when the host passed a reference
 * (resolved now, kept only in this call's memory), otherwise the SDK's default chain.
 */
export async function resolveAwsCredentials(
  context: ToolContext,
  settings: AssumeRoleSettings = {},
): Promise<ResolvedAwsCredentials> {
  const secret = await context.credential(AWS_CREDENTIAL_SLOT);
  if (secret === undefined) {
    return { credentials: settings.baseCredentials, region: undefined, source: 'default-chain' };
  }
  return awsCredentialsFromSecret(secret, { ...settings, org: context.org });
}
