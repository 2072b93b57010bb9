/**
 * A local HTTP server that implements the part of Vault's documented HTTP API the Vault
 * secret store uses: KV v2 (`/v1/<mount>/data/<path>` read/write, `/v1/<mount>/metadata/<path>`
 * read/list/delete), AppRole login (`/v1/auth/<mount>/login`) and namespaces
 * (`X-Vault-Namespace`). Responses follow https://developer.hashicorp.com/vault/api-docs/secret/kv/kv-v2.
 * Used when AURORA_TEST_VAULT_ADDR is not set; the same suite runs against a real Vault.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

interface Version {
  readonly data: Record<string, unknown> | null;
  readonly created: string;
}

interface Entry {
  readonly versions: Version[];
  readonly created: string;
  updated: string;
}

export interface FakeVaultRequest {
  readonly method: string;
  readonly path: string;
  readonly token: string | undefined;
  readonly namespace: string | undefined;
  readonly body: unknown;
}

export interface FakeVault {
  readonly url: string;
  /** A root token that may do anything. */
  readonly rootToken: string;
  /** Every request received, in order. */
  readonly requests: FakeVaultRequest[];
  /** AppRole credentials that log in to a token valid for `ttlMs`. */
  addAppRole(roleId: string, secretId: string, ttlMs?: number): void;
  /** A token that may only read paths starting with `prefix` (under any mount). */
  addReadOnlyToken(prefix: string): string;
  /** The next `count` requests fail with `status` before reaching the store. */
  failNext(count: number, status: number): void;
  /** Expires every token issued by AppRole login. */
  expireAppRoleTokens(): void;
  stop(): Promise<void>;
}

export async function startFakeVault(options: { mount?: string } = {}): Promise<FakeVault> {
  const mount = options.mount ?? 'secret';
  const rootToken = `root-${randomUUID()}`;
  const stores = new Map<string, Map<string, Entry>>();
  const tokens = new Map<string, { expires: number; readPrefix?: string; approle: boolean }>([
    [rootToken, { expires: Number.POSITIVE_INFINITY, approle: false }],
  ]);
  const roles = new Map<string, { secretId: string; ttlMs: number }>();
  const requests: FakeVaultRequest[] = [];
  let failures: { count: number; status: number } = { count: 0, status: 500 };

  const storeFor = (namespace: string | undefined): Map<string, Entry> => {
    const key = namespace ?? '';
    let store = stores.get(key);
    if (store === undefined) {
      store = new Map();
      stores.set(key, store);
    }
    return store;
  };

  const send = (response: ServerResponse, status: number, body?: unknown): void => {
    if (body === undefined) {
      response.writeHead(status).end();
      return;
    }
    response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  const errors = (response: ServerResponse, status: number, ...messages: string[]): void =>
    send(response, status, { errors: messages });

  const readBody = async (request: IncomingMessage): Promise<unknown> => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    return text === '' ? undefined : (JSON.parse(text) as unknown);
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://vault');
    const method =
      url.searchParams.get('list') === 'true' || url.searchParams.get('list') === '1'
        ? 'LIST'
        : (request.method ?? 'GET');
    const token = request.headers['x-vault-token'] as string | undefined;
    const namespace = request.headers['x-vault-namespace'] as string | undefined;
    const body = await readBody(request);
    const path = url.pathname;
    requests.push({ method, path, token, namespace, body });

    if (failures.count > 0) {
      failures = { ...failures, count: failures.count - 1 };
      errors(response, failures.status, 'injected failure');
      return;
    }

    const login = /^\/v1\/auth\/([^/]+)\/login$/.exec(path);
    if (login !== null && method === 'POST') {
      const { role_id: roleId, secret_id: secretId } = (body ?? {}) as { role_id?: string; secret_id?: string };
      const role = roleId === undefined ? undefined : roles.get(roleId);
      if (login[1] !== 'approle' || role === undefined || role.secretId !== secretId) {
        errors(response, 400, 'invalid role or secret ID');
        return;
      }
      const clientToken = `approle-${randomUUID()}`;
      tokens.set(clientToken, { expires: Date.now() + role.ttlMs, approle: true });
      send(response, 200, {
        auth: {
          client_token: clientToken,
          lease_duration: Math.floor(role.ttlMs / 1000),
          renewable: true,
          policies: ['default'],
        },
      });
      return;
    }

    const grant = token === undefined ? undefined : tokens.get(token);
    if (grant === undefined || grant.expires < Date.now()) {
      errors(response, 403, 'permission denied');
      return;
    }

    const kv = new RegExp(`^/v1/${mount}/(data|metadata)/?(.*)$`).exec(path);
    if (kv === null) {
      errors(response, 404, `no handler for route "${path}"`);
      return;
    }
    const [, kind, secretPath = ''] = kv;
    const isRead = method === 'GET' || method === 'LIST';
    if (grant.readPrefix !== undefined && (!isRead || !secretPath.startsWith(grant.readPrefix))) {
      errors(response, 403, 'permission denied');
      return;
    }
    const store = storeFor(namespace);
    const now = new Date().toISOString();

    if (kind === 'data' && (method === 'POST' || method === 'PUT')) {
      const data = (body as { data?: unknown } | undefined)?.data;
      if (typeof data !== 'object' || data === null) {
        errors(response, 400, 'no data provided');
        return;
      }
      const entry = store.get(secretPath) ?? { versions: [], created: now, updated: now };
      entry.versions.push({ data: data as Record<string, unknown>, created: now });
      entry.updated = now;
      store.set(secretPath, entry);
      send(response, 200, {
        data: { created_time: now, deletion_time: '', destroyed: false, version: entry.versions.length },
      });
      return;
    }
    if (kind === 'data' && method === 'GET') {
      const entry = store.get(secretPath);
      const latest = entry?.versions.at(-1);
      if (entry === undefined || latest === undefined) {
        errors(response, 404);
        return;
      }
      send(response, 200, {
        data: {
          data: latest.data,
          metadata: {
            created_time: latest.created,
            deletion_time: '',
            destroyed: false,
            version: entry.versions.length,
          },
        },
      });
      return;
    }
    if (kind === 'metadata' && method === 'LIST') {
      const prefix = secretPath === '' || secretPath.endsWith('/') ? secretPath : `${secretPath}/`;
      const keys = new Set<string>();
      for (const key of store.keys()) {
        if (!key.startsWith(prefix)) continue;
        const rest = key.slice(prefix.length);
        const slash = rest.indexOf('/');
        keys.add(slash === -1 ? rest : rest.slice(0, slash + 1));
      }
      if (keys.size === 0) {
        errors(response, 404);
        return;
      }
      send(response, 200, { data: { keys: [...keys].sort() } });
      return;
    }
    if (kind === 'metadata' && method === 'GET') {
      const entry = store.get(secretPath);
      if (entry === undefined) {
        errors(response, 404);
        return;
      }
      const versions = Object.fromEntries(
        entry.versions.map((version, index) => [
          String(index + 1),
          { created_time: version.created, deletion_time: '', destroyed: false },
        ]),
      );
      send(response, 200, {
        data: {
          created_time: entry.created,
          updated_time: entry.updated,
          current_version: entry.versions.length,
          oldest_version: 1,
          max_versions: 0,
          versions,
        },
      });
      return;
    }
    if (kind === 'metadata' && method === 'DELETE') {
      store.delete(secretPath);
      send(response, 204);
      return;
    }
    errors(response, 405, `unsupported operation ${method} ${path}`);
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => errors(response, 500, String(error)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    rootToken,
    requests,
    addAppRole(roleId, secretId, ttlMs = 3_600_000) {
      roles.set(roleId, { secretId, ttlMs });
    },
    addReadOnlyToken(prefix) {
      const readOnly = `ro-${randomUUID()}`;
      tokens.set(readOnly, { expires: Number.POSITIVE_INFINITY, readPrefix: prefix, approle: false });
      return readOnly;
    },
    failNext(count, status) {
      failures = { count, status };
    },
    expireAppRoleTokens() {
      for (const grant of tokens.values()) if (grant.approle) grant.expires = 0;
    },
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
