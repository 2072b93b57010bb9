/**
 * A local HTTPS server on 127.0.0.1 that the REAL Azure SDK clients talk to: ARM (through
 * the plugin's `armEndpoint`), Log Analytics (`logsEndpoint`, `/v1`) and Microsoft Entra ID
 * (`authorityHost`: OpenID configuration and the OAuth 2.0 token endpoint, which MSAL calls
 * for a client-secret grant). HTTPS because the SDK refuses bearer tokens over http and
 * MSAL refuses an http authority: the certificate is self-signed, made with the openssl CLI
 * for this server, and trusted through the clients' `tlsOptions.ca` (no global TLS switch).
 *
 * It records every request, names it by a route table (`virtualMachines.get`, …) and answers
 * from queues of canned responses, usually fixtures under `test/__fixtures__/` shaped as the
 * Azure REST API reference documents them. `https://management.azure.com` in an answer
 * (nextLink, Azure-AsyncOperation) is rewritten to this server's address.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface FakeRequest {
  readonly operation: string;
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  /** The parsed JSON body, or the form fields of a token request. */
  readonly json: Record<string, unknown> | undefined;
  readonly form: URLSearchParams;
}

export interface FakeResponse {
  readonly status?: number;
  readonly body?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

type Responder = FakeResponse | ((request: FakeRequest) => FakeResponse);

const fixtures = new URL('../__fixtures__/', import.meta.url);

/** A fixture file's text. */
export function fixture(name: string): string {
  return readFileSync(new URL(name, fixtures), 'utf8');
}

export const json = (body: string, status = 200, headers: Record<string, string> = {}): FakeResponse => ({
  status,
  body,
  headers: {
    'content-type': 'application/json; charset=utf-8',
    'x-ms-request-id': 'b5f7a1de-0000-4000-8000-000000000001',
    'x-ms-correlation-request-id': 'c0ffee00-0000-4000-8000-000000000002',
    ...headers,
  },
});

/** An ARM error body (`{ error: { code, message } }`), as every resource provider sends it. */
export function armError(
  code: string,
  status: number,
  message = `${code}: object id 9f1c-secret-object does the thing`,
): FakeResponse {
  return json(JSON.stringify({ error: { code, message } }), status);
}

/** A 202 Accepted of a long-running operation, polled at `operations.get`. */
export function accepted(operationId: string): FakeResponse {
  const url = `https://management.azure.com/subscriptions/${SUBSCRIPTION}/providers/Microsoft.Compute/locations/westeurope/operations/${operationId}?api-version=2024-11-01`;
  return { status: 202, body: '', headers: { 'azure-asyncoperation': url, location: url, 'retry-after': '0' } };
}

const SEGMENT = '[^/]+';
const RG = `/subscriptions/${SEGMENT}/resourcegroups/${SEGMENT}`;
const ROUTES: readonly [string, string, RegExp][] = [
  ['openid', 'GET', /^\/[^/]+\/v2\.0\/\.well-known\/openid-configuration$/],
  ['token', 'POST', /^\/[^/]+\/oauth2\/v2\.0\/token$/],
  ['logs.query', 'POST', /^\/v1\/workspaces\/[^/]+\/query$/],
  ['subscriptions.list', 'GET', /^\/subscriptions$/],
  ['subscriptions.get', 'GET', /^\/subscriptions\/[^/]+$/],
  ['resourceGroups.list', 'GET', /^\/subscriptions\/[^/]+\/resourcegroups$/],
  ['operations.get', 'GET', /\/providers\/microsoft\.compute\/locations\/[^/]+\/operations\/[^/]+$/],
  ['virtualMachines.listAll', 'GET', /^\/subscriptions\/[^/]+\/providers\/microsoft\.compute\/virtualmachines$/],
  ['virtualMachines.list', 'GET', new RegExp(`^${RG}/providers/microsoft\\.compute/virtualmachines$`)],
  ['virtualMachines.get', 'GET', new RegExp(`^${RG}/providers/microsoft\\.compute/virtualmachines/${SEGMENT}$`)],
  ['virtualMachines.delete', 'DELETE', new RegExp(`^${RG}/providers/microsoft\\.compute/virtualmachines/${SEGMENT}$`)],
  ['virtualMachines.start', 'POST', /\/virtualmachines\/[^/]+\/start$/],
  ['virtualMachines.deallocate', 'POST', /\/virtualmachines\/[^/]+\/deallocate$/],
  ['virtualMachines.restart', 'POST', /\/virtualmachines\/[^/]+\/restart$/],
  ['networkInterfaces.get', 'GET', new RegExp(`^${RG}/providers/microsoft\\.network/networkinterfaces/${SEGMENT}$`)],
  ['managedClusters.list', 'GET', /^\/subscriptions\/[^/]+\/providers\/microsoft\.containerservice\/managedclusters$/],
  [
    'managedClusters.listByResourceGroup',
    'GET',
    new RegExp(`^${RG}/providers/microsoft\\.containerservice/managedclusters$`),
  ],
  [
    'managedClusters.get',
    'GET',
    new RegExp(`^${RG}/providers/microsoft\\.containerservice/managedclusters/${SEGMENT}$`),
  ],
  ['agentPools.list', 'GET', /\/managedclusters\/[^/]+\/agentpools$/],
  ['servers.list', 'GET', /^\/subscriptions\/[^/]+\/providers\/microsoft\.sql\/servers$/],
  ['servers.listByResourceGroup', 'GET', new RegExp(`^${RG}/providers/microsoft\\.sql/servers$`)],
  ['servers.get', 'GET', new RegExp(`^${RG}/providers/microsoft\\.sql/servers/${SEGMENT}$`)],
  ['databases.listByServer', 'GET', /\/servers\/[^/]+\/databases$/],
  ['databases.get', 'GET', /\/servers\/[^/]+\/databases\/[^/]+$/],
  ['webApps.list', 'GET', /^\/subscriptions\/[^/]+\/providers\/microsoft\.web\/sites$/],
  ['webApps.listByResourceGroup', 'GET', new RegExp(`^${RG}/providers/microsoft\\.web/sites$`)],
  ['webApps.get', 'GET', new RegExp(`^${RG}/providers/microsoft\\.web/sites/${SEGMENT}$`)],
  ['metrics.list', 'GET', /\/providers\/microsoft\.insights\/metrics$/],
];

export const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
export const CLIENT_ID = '00000000-1111-4222-8333-444444444444';
/** A service principal secret: it must never appear in a result, error, log or ARM request. */
export const CLIENT_SECRET = 'Qx8Q~canary-client-secret-5d1e~Zp';
export const SUBSCRIPTION = '00000000-0000-4000-8000-00000000abcd';

/** The access token the fake Entra ID issues for a scope, so tests can tell ARM and Log Analytics tokens apart. */
export function tokenFor(scope: string): string {
  return `eyJ0eXAiOiJKV1QifQ.${Buffer.from(scope, 'utf8').toString('base64url')}.c2ln`;
}

export interface FakeAzure {
  readonly url: string;
  /** The PEM certificate of the server, for `tlsOptions.ca`. */
  readonly ca: string;
  /** A file holding `ca`, for NODE_EXTRA_CA_CERTS in a child process. */
  readonly caFile: string;
  readonly requests: FakeRequest[];
  /** Queues responses for an operation (e.g. `virtualMachines.get`); the last one repeats. */
  on(operation: string, ...responses: Responder[]): void;
  calls(operation: string): FakeRequest[];
  /** Requests other than the Entra ID ones. */
  armCalls(): FakeRequest[];
  reset(): void;
  close(): Promise<void>;
}

function operationOf(method: string, path: string): string {
  const lower = path.toLowerCase();
  return ROUTES.find(([, m, pattern]) => m === method && pattern.test(lower))?.[0] ?? `${method} ${path}`;
}

export async function startFakeAzure(): Promise<FakeAzure> {
  const directory = mkdtempSync(join(tmpdir(), 'plugin-azure-tls-'));
  const keyFile = join(directory, 'key.pem');
  const caFile = join(directory, 'cert.pem');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile].concat([
      '-out',
      caFile,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ]),
    { stdio: 'ignore' },
  );
  const ca = readFileSync(caFile, 'utf8');
  const routes = new Map<string, Responder[]>();
  const requests: FakeRequest[] = [];
  let base = '';
  const defaults: Record<string, (request: FakeRequest) => FakeResponse> = {
    openid: (request) => {
      const tenant = request.path.split('/')[1]!;
      return json(
        JSON.stringify({
          token_endpoint: `${base}/${tenant}/oauth2/v2.0/token`,
          authorization_endpoint: `${base}/${tenant}/oauth2/v2.0/authorize`,
          end_session_endpoint: `${base}/${tenant}/oauth2/v2.0/logout`,
          issuer: `${base}/${tenant}/v2.0`,
          jwks_uri: `${base}/${tenant}/discovery/v2.0/keys`,
          token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
          response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
          tenant_region_scope: 'EU',
        }),
      );
    },
    token: (request) =>
      json(
        JSON.stringify({
          token_type: 'Bearer',
          expires_in: 3599,
          ext_expires_in: 3599,
          access_token: tokenFor(request.form.get('scope') ?? ''),
        }),
      ),
  };
  const server: Server = createServer({ key: readFileSync(keyFile), cert: ca }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url ?? '/', base);
      const form = String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
      let parsed: Record<string, unknown> | undefined;
      if (!form && body.startsWith('{')) parsed = JSON.parse(body) as Record<string, unknown>;
      const method = req.method ?? 'GET';
      const request: FakeRequest = {
        operation: operationOf(method, url.pathname),
        method,
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body,
        json: parsed,
        form: new URLSearchParams(form ? body : ''),
      };
      requests.push(request);
      const queue = routes.get(request.operation);
      const next = queue === undefined ? defaults[request.operation] : queue.length > 1 ? queue.shift() : queue[0];
      const response: FakeResponse =
        next === undefined
          ? json(
              JSON.stringify({ error: { code: 'NoFake', message: `no fake response for ${request.operation}` } }),
              501,
            )
          : typeof next === 'function'
            ? next(request)
            : next;
      const rewrite = (text: string) => text.replaceAll('https://management.azure.com', base);
      const headers = Object.fromEntries(
        Object.entries(response.headers ?? {}).map(([name, value]) => [name, rewrite(value)]),
      );
      res.writeHead(response.status ?? 200, headers);
      res.end(rewrite(response.body ?? ''));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const entra = new Set(['openid', 'token']);
  return {
    url: base,
    ca,
    caFile,
    requests,
    on: (operation, ...responses) => routes.set(operation, [...responses]),
    calls: (operation) => requests.filter((request) => request.operation === operation),
    armCalls: () => requests.filter((request) => !entra.has(request.operation)),
    reset: () => {
      routes.clear();
      requests.length = 0;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => {
          rmSync(directory, { recursive: true, force: true });
          if (error) reject(error);
          else resolve();
        });
      }),
  };
}
