import createVaultClient from 'node-vault';
import {
  ConfigurationError,
  ConnectionLostError,
  ForbiddenError,
  InvalidInputError,
  NotFoundError,
  TimeoutError,
  UpstreamError,
} from '../../errors/errors.js';
import { noopLogger, type Logger } from '../../logging/logger.js';
import { assertSecretPath } from '../../secrets/secret-reference.js';
import type { SecretMetadata, SecretStore, SecretValue } from '../../secrets/secret-store.js';

/** Static token, or AppRole credentials exchanged for a token (and again when it expires). */
export type VaultAuth =
  | { readonly token: string }
  | { readonly appRole: { readonly roleId: string; readonly secretId: string; readonly mount?: string } };

export interface VaultSecretStoreOptions {
  /** `https://vault.example:8200` */
  readonly endpoint: string;
  readonly auth: VaultAuth;
  /** Vault Enterprise / HCP namespace (`X-Vault-Namespace`). */
  readonly namespace?: string;
  /** The KV v2 mount. Default `secret`. Paths may also be given as `<mount>/data/<path>`. */
  readonly mount?: string;
  /** Retries for 429, 5xx and network errors, with exponential backoff and jitter. Default 3. */
  readonly retries?: number;
  /** First backoff delay, doubled each retry. Default 200 ms. */
  readonly retryDelayMs?: number;
  /** Per-request timeout. Default 10 000 ms. */
  readonly requestTimeoutMs?: number;
  /** TLS: a CA bundle (PEM) for a private CA. */
  readonly ca?: string;
  readonly logger?: Logger;
}

interface VaultResponseError {
  readonly response?: { readonly statusCode?: number };
  readonly code?: string;
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason as Error);
      },
      { once: true },
    );
  });

function statusOf(error: unknown): number | undefined {
  return (error as VaultResponseError | undefined)?.response?.statusCode;
}

/**
 * HashiCorp Vault KV v2 through `node-vault`. Errors are typed (403 `ForbiddenError`,
 * 404 `NotFoundError`, 5xx `UpstreamError`, network `ConnectionLostError`); none carries
 * a token or a value. Secret fields must be strings.
 */
export function createVaultSecretStore(options: VaultSecretStoreOptions): SecretStore {
  const logger = options.logger ?? noopLogger;
  const mount = (options.mount ?? 'secret').replace(/^\/+|\/+$/g, '');
  const retries = options.retries ?? 3;
  const retryDelayMs = options.retryDelayMs ?? 200;
  let endpointUrl: URL;
  try {
    endpointUrl = new URL(options.endpoint);
  } catch {
    throw new ConfigurationError({ message: 'The Vault endpoint is not a URL.', details: { option: 'endpoint' } });
  }
  const client = createVaultClient({
    apiVersion: 'v1',
    endpoint: endpointUrl.toString().replace(/\/$/, ''),
    ...('token' in options.auth ? { token: options.auth.token } : {}),
    ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
    // GET ?list=1 rather than the LIST verb: proxies and Node's HTTP parser reject LIST.
    noCustomHTTPVerbs: true,
    requestOptions: {
      timeout: options.requestTimeoutMs ?? 10_000,
      ...(options.ca === undefined ? {} : { ca: options.ca }),
    },
  });
  let login: Promise<void> | undefined;

  const authenticate = (force: boolean): Promise<void> => {
    const auth = options.auth;
    if ('token' in auth) return Promise.resolve();
    if (login !== undefined && !force) return login;
    login = client
      .approleLogin({ role_id: auth.appRole.roleId, secret_id: auth.appRole.secretId, mount_point: auth.appRole.mount })
      .then(() => logger.debug('vault approle login succeeded', { endpoint: endpointUrl.origin }));
    login.catch(() => {
      login = undefined;
    });
    return login;
  };

  const toTyped = (error: unknown, operation: string, path: string): Error => {
    const status = statusOf(error);
    const details = { operation, path, ...(status === undefined ? {} : { status }) };
    if (status === 403 || status === 401) {
      return new ForbiddenError({ message: `Vault denied ${operation} on "${path}".`, details });
    }
    if (status === 404) return new NotFoundError({ message: `No secret at "${path}" in Vault.`, details });
    if (status === 400) return new InvalidInputError({ message: `Vault rejected ${operation} on "${path}".`, details });
    if (status !== undefined) {
      return new UpstreamError({
        message: `Vault answered ${status} to ${operation} on "${path}".`,
        details,
        retryable: status === 429 || status >= 500,
      });
    }
    const code = (error as VaultResponseError | undefined)?.code;
    if (code === 'ECONNABORTED' || code === 'ETIMEDOUT') {
      return new TimeoutError({ message: `Vault did not answer ${operation} on "${path}" in time.`, details });
    }
    return new ConnectionLostError({
      message: `Cannot reach Vault at ${endpointUrl.origin} (${code ?? 'network error'}).`,
      details: { ...details, ...(code === undefined ? {} : { code }) },
    });
  };

  const call = async <T>(
    operation: string,
    path: string,
    run: () => Promise<T>,
    signal: AbortSignal | undefined,
  ): Promise<T> => {
    let reauthenticated = false;
    for (let attempt = 0; ; attempt += 1) {
      signal?.throwIfAborted();
      try {
        await authenticate(false);
        return await run();
      } catch (error) {
        const status = statusOf(error);
        if (status === 403 && 'appRole' in options.auth && !reauthenticated) {
          // An expired AppRole token reads as 403: log in again once.
          reauthenticated = true;
          await authenticate(true).catch((loginError: unknown) => {
            throw toTyped(loginError, 'approle login', path);
          });
          continue;
        }
        const typed = toTyped(error, operation, path);
        const retryable =
          status === undefined ? ConnectionLostError.isInstance(typed) : status === 429 || status >= 500;
        if (!retryable || attempt >= retries) throw typed;
        const delay = retryDelayMs * 2 ** attempt * (0.5 + Math.random() / 2);
        logger.warn('vault request failed; retrying', { operation, path, attempt: attempt + 1, delayMs: delay });
        await sleep(delay, signal);
      }
    }
  };

  /** The path under the mount; `<mount>/data/x` and `<mount>/metadata/x` are accepted too. */
  const relative = (path: string): string => {
    assertSecretPath(path);
    for (const kind of ['data', 'metadata']) {
      const prefix = `${mount}/${kind}/`;
      if (path.startsWith(prefix)) return path.slice(prefix.length);
    }
    return path;
  };

  const readMetadata = async (path: string, signal?: AbortSignal): Promise<SecretMetadata> => {
    const rel = relative(path);
    const body = (await call('metadata', rel, () => client.read(`${mount}/metadata/${rel}`), signal)) as {
      data: { created_time: string; updated_time: string; current_version: number };
    };
    const value = await readValue(rel, signal);
    return {
      path: rel,
      version: body.data.current_version,
      createdAt: new Date(body.data.created_time),
      updatedAt: new Date(body.data.updated_time),
      fields: Object.keys(value).sort(),
    };
  };

  const readValue = async (rel: string, signal?: AbortSignal): Promise<SecretValue> => {
    const body = (await call('read', rel, () => client.read(`${mount}/data/${rel}`), signal)) as {
      data?: { data?: Record<string, unknown> | null };
    };
    const data = body.data?.data;
    // A soft-deleted version reads as data: null.
    if (data === null || data === undefined) {
      throw new NotFoundError({ message: `No secret at "${rel}" in Vault.`, details: { path: rel } });
    }
    const value: Record<string, string> = {};
    for (const [field, item] of Object.entries(data)) {
      value[field] = typeof item === 'string' ? item : JSON.stringify(item);
    }
    return value;
  };

  const listDirectory = async (directory: string, signal?: AbortSignal): Promise<string[]> => {
    try {
      const body = (await call(
        'list',
        directory || '/',
        () => client.list(`${mount}/metadata/${directory}`),
        signal,
      )) as { data: { keys: string[] } };
      return body.data.keys;
    } catch (error) {
      if (NotFoundError.isInstance(error)) return [];
      throw error;
    }
  };

  return {
    specificationVersion: 'v1',
    scheme: 'vault',
    capabilities: { writable: true, versioned: true },
    async get(path, operationOptions) {
      return readValue(relative(path), operationOptions?.signal);
    },
    async put(path, value, operationOptions) {
      const rel = relative(path);
      if (Object.values(value).some((field) => typeof field !== 'string')) {
        throw new InvalidInputError({ message: 'A secret is an object of string fields.', details: { path: rel } });
      }
      await call('write', rel, () => client.write(`${mount}/data/${rel}`, { data: value }), operationOptions?.signal);
      return readMetadata(rel, operationOptions?.signal);
    },
    async delete(path, operationOptions) {
      const rel = relative(path);
      try {
        await call('delete', rel, () => client.delete(`${mount}/metadata/${rel}`), operationOptions?.signal);
      } catch (error) {
        if (!NotFoundError.isInstance(error)) throw error;
      }
    },
    async list(prefix, operationOptions) {
      let rel = prefix;
      for (const kind of ['data', 'metadata']) {
        if (rel.startsWith(`${mount}/${kind}/`)) rel = rel.slice(`${mount}/${kind}/`.length);
      }
      // Vault lists one directory at a time: start at the prefix's directory and descend.
      const start = rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/') + 1) : '';
      const found: string[] = [];
      const walk = async (directory: string): Promise<void> => {
        for (const key of await listDirectory(directory, operationOptions?.signal)) {
          const full = `${directory}${key}`;
          if (key.endsWith('/')) {
            if (full.startsWith(rel) || rel.startsWith(full)) await walk(full);
          } else if (full.startsWith(rel)) {
            found.push(full);
          }
        }
      };
      await walk(start);
      return found.sort();
    },
    metadata(path, operationOptions) {
      return readMetadata(path, operationOptions?.signal);
    },
    close() {
      return Promise.resolve();
    },
  };
}
