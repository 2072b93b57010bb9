import { createHash, createPrivateKey } from 'node:crypto';
import { ConfigurationError } from '@aurora-ops/core';
import type { SecretValue } from '@aurora-ops/core';
import { parseJson, type CredentialSlot, type ToolContext } from '@aurora-ops/core/plugin-sdk';
import { gaxios, JWT, type GoogleAuth, type OAuth2Client } from 'google-auth-library';
import { z } from 'zod';

/** The credential slot every GCP tool reads. */
export const GCP_CREDENTIAL_SLOT = 'gcp';

/** The OAuth scope every call asks for; IAM on the service account decides what it may do. */
export const GCP_SCOPES = ['https://www.googleapis.com/auth/cloud-platform'] as const;

/** Where Google's libraries send the JWT-bearer grant of a service account. */
export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';

/**
 * The fields a secret for the `gcp` slot may hold: a service-account key file stored as is
 * (its fields are all strings), or the key file's JSON text in `key_json` (or `value`, as
 * an `env:` reference gives it). Completeness is checked by `serviceAccountKeyFromSecret`,
 * which names what is missing.
 */
export const gcpSecretSchema = z.object({
  type: z.string().min(1).optional(),
  project_id: z.string().min(1).optional(),
  private_key_id: z.string().min(1).optional(),
  private_key: z.string().min(1).optional(),
  client_email: z.string().min(1).optional(),
  token_uri: z.string().min(1).optional(),
  key_json: z.string().min(1).optional(),
  value: z.string().min(1).optional(),
});

export const gcpCredentialSlot: CredentialSlot = {
  description:
    'A GCP service-account key: the key file\'s fields as they are ({ type: "service_account", project_id, private_key_id, private_key, client_email, token_uri, … }), or its JSON text in key_json.',
  schema: gcpSecretSchema,
};

/** What a call needs of a service-account key. */
export interface ServiceAccountKey {
  readonly clientEmail: string;
  readonly privateKey: string;
  readonly privateKeyId?: string;
  readonly projectId?: string;
  /** The key's `token_uri` when it is not Google's default. */
  readonly tokenUri?: string;
}

/** The auth a call uses: a service-account client, or Application Default Credentials. */
export type GcpAuth = GoogleAuth | OAuth2Client;

/** The auth and default project for one call. */
export interface ResolvedGcpAuth {
  readonly auth: GcpAuth;
  readonly project: string | undefined;
  /** Where the auth came from, for logs; never the key. */
  readonly source: 'application-default' | 'service-account-key';
}

/** Service-account clients kept in this process's memory, keyed by a hash, oldest evicted first. */
export interface AuthCache {
  readonly entries: Map<string, JWT>;
  readonly max: number;
}

export function createAuthCache(max = 256): AuthCache {
  return { entries: new Map(), max };
}

function misconfigured(message: string, fields: readonly string[]): ConfigurationError {
  return new ConfigurationError({
    message: `The "${GCP_CREDENTIAL_SLOT}" secret ${message}`,
    details: { slot: GCP_CREDENTIAL_SLOT, fields: [...fields] },
  });
}

/** The key fields: as stored, or parsed from `key_json` / `value`. */
function keyFields(secret: SecretValue): Readonly<Record<string, unknown>> {
  if (secret.private_key !== undefined || secret.client_email !== undefined) return secret;
  const text = secret.key_json ?? secret.value;
  if (text === undefined) return secret;
  const field = secret.key_json === undefined ? 'value' : 'key_json';
  let parsed: unknown;
  try {
    parsed = parseJson(text, `The "${GCP_CREDENTIAL_SLOT}" secret's ${field}`);
  } catch {
    throw misconfigured(`field ${field} is not a service-account key file (not JSON).`, [field]);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw misconfigured(`field ${field} is not a service-account key file (not a JSON object).`, [field]);
  }
  return parsed as Record<string, unknown>;
}

function stringField(fields: Readonly<Record<string, unknown>>, name: string): string | undefined {
  const value = fields[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** `https:`, or `http:` on a loopback address (local token servers, tests). */
export function checkTokenUrl(url: string, field: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw misconfigured(`${field} is not a URL.`, [field]);
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(parsed.hostname);
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && loopback)) {
    throw misconfigured(`${field} must be an https URL.`, [field]);
  }
  return parsed.href;
}

/**
 * Reads a service-account key out of a resolved secret. A secret that is not a complete
 * service-account key is a `ConfigurationError` naming the missing or bad fields (never a value).
 */
export function serviceAccountKeyFromSecret(secret: SecretValue): ServiceAccountKey {
  const fields = keyFields(secret);
  const type = stringField(fields, 'type');
  if (type !== undefined && type !== 'service_account') {
    throw misconfigured(
      `holds a "${type === 'authorized_user' || type === 'external_account' ? type : 'non-service-account'}" credential; the gcp slot takes a service-account key (type "service_account").`,
      ['type'],
    );
  }
  const missing = ['client_email', 'private_key'].filter((name) => stringField(fields, name) === undefined);
  if (missing.length > 0) {
    throw misconfigured(
      `needs a service-account key (client_email and private_key); missing: ${missing.join(', ')}.`,
      missing,
    );
  }
  const privateKey = stringField(fields, 'private_key')!;
  try {
    createPrivateKey(privateKey);
  } catch {
    throw misconfigured('field private_key is not a PEM private key.', ['private_key']);
  }
  const tokenUri = stringField(fields, 'token_uri');
  const projectId = stringField(fields, 'project_id');
  const privateKeyId = stringField(fields, 'private_key_id');
  return {
    clientEmail: stringField(fields, 'client_email')!,
    privateKey,
    ...(privateKeyId === undefined ? {} : { privateKeyId }),
    ...(projectId === undefined ? {} : { projectId }),
    ...(tokenUri === undefined || tokenUri === GOOGLE_TOKEN_URL
      ? {}
      : { tokenUri: checkTokenUrl(tokenUri, 'token_uri') }),
  };
}

/**
 * A gaxios transporter that sends the token request (which Google's libraries always
 * address to `GOOGLE_TOKEN_URL`) to `tokenUrl` instead: a key's own `token_uri`, or the
 * plugin's `tokenUrl` (private endpoints, tests). Every other request passes unchanged.
 */
export function tokenTransporter(tokenUrl: string): InstanceType<typeof gaxios.Gaxios> {
  const transporter = new gaxios.Gaxios();
  const target = new URL(tokenUrl);
  transporter.interceptors.request.add({
    resolved: (config) => {
      if (String(config.url) === GOOGLE_TOKEN_URL) config.url = new URL(target);
      return Promise.resolve(config);
    },
  });
  return transporter;
}

export interface AuthSettings {
  /** Sends the token request here instead of the key's `token_uri` (tests, private endpoints). */
  readonly tokenUrl?: string;
  readonly cache?: AuthCache;
  /** The org the cache entry belongs to. */
  readonly org?: string;
}

/**
 * The JWT client of a service-account key, reused from `settings.cache` when the same org
 * used the same key before (the client refreshes its access token before it expires). The
 * cache key is a SHA-256 over the org and the key; the key itself is held only by the client.
 */
export function authClientForKey(key: ServiceAccountKey, settings: AuthSettings = {}): JWT {
  const tokenUrl = settings.tokenUrl ?? key.tokenUri;
  const hash = createHash('sha256')
    .update(
      [settings.org ?? '', key.clientEmail, key.privateKeyId ?? '', key.privateKey, tokenUrl ?? ''].join('\u0000'),
    )
    .digest('hex');
  const cached = settings.cache?.entries.get(hash);
  if (cached !== undefined) return cached;
  const client = new JWT({
    email: key.clientEmail,
    key: key.privateKey,
    scopes: [...GCP_SCOPES],
    ...(key.privateKeyId === undefined ? {} : { keyId: key.privateKeyId }),
    ...(tokenUrl === undefined ? {} : { transporter: tokenTransporter(tokenUrl) }),
  });
  const cache = settings.cache;
  if (cache !== undefined) {
    if (cache.entries.size >= cache.max) cache.entries.delete(cache.entries.keys().next().value!);
    cache.entries.set(hash, client);
  }
  return client;
}

/**
 * The auth for one call: the org's service-account key when the host passed a reference
 * (resolved now; only the client built from it is kept, keyed by a hash), otherwise
 * `fallback`, the plugin's Application Default Credentials.
 */
export async function resolveGcpAuth(
  context: ToolContext,
  fallback: GcpAuth,
  settings: AuthSettings = {},
): Promise<ResolvedGcpAuth> {
  const secret = await context.credential(GCP_CREDENTIAL_SLOT);
  if (secret === undefined) return { auth: fallback, project: undefined, source: 'application-default' };
  const key = serviceAccountKeyFromSecret(secret);
  return {
    auth: authClientForKey(key, { ...settings, org: context.org }),
    project: key.projectId,
    source: 'service-account-key',
  };
}
