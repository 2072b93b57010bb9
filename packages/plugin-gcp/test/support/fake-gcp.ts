/**
 * A local HTTP server on 127.0.0.1 that the REAL Google clients talk to: the generated
 * `@googleapis/*` clients through `rootUrl`, Cloud Monitoring through the auth client's
 * `request()`, and google-auth-library's JWT flow through the key's `token_uri` (`/token`).
 * The token endpoint verifies the RS256 assertion with the test key's public half and
 * answers the JWT-bearer grant as Google's does. API requests are recorded and answered from
 * queues of canned responses, usually fixtures under `test/__fixtures__/` shaped as the
 * Google API reference documents them.
 */
import { createPublicKey, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  readonly json: Record<string, unknown> | undefined;
}

export interface TokenRequest {
  readonly grantType: string | null;
  readonly header: Record<string, unknown>;
  readonly claims: Record<string, unknown>;
  /** Whether the assertion's signature verified with a registered public key. */
  readonly verified: boolean;
}

export interface FakeResponse {
  readonly status?: number;
  readonly body: string;
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
  headers: { 'content-type': 'application/json; charset=UTF-8', ...headers },
});

/** An error fixture with its status. */
export const apiError = (name: string, status: number, headers: Record<string, string> = {}): FakeResponse =>
  json(fixture(name), status, headers);

export interface FakeGcp {
  readonly url: string;
  /** The key files' `token_uri`. */
  readonly tokenUrl: string;
  readonly requests: FakeRequest[];
  readonly tokenRequests: TokenRequest[];
  /** Access tokens the token endpoint issued. */
  readonly issued: string[];
  /** Public keys (PEM) whose assertions verify. */
  trust(publicKey: string): void;
  /** Queues responses for `METHOD /path` (exact path, no query); the last one repeats. */
  on(route: string, ...responses: Responder[]): void;
  /** Requests recorded for `METHOD /path`. */
  calls(route: string): FakeRequest[];
  reset(): void;
  close(): Promise<void>;
}

function decodePart(part: string | undefined): Record<string, unknown> {
  try {
    return JSON.parse(Buffer.from(part ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
}

export async function startFakeGcp(): Promise<FakeGcp> {
  const routes = new Map<string, Responder[]>();
  const requests: FakeRequest[] = [];
  const tokenRequests: TokenRequest[] = [];
  const issued: string[] = [];
  const trusted: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const method = req.method ?? 'GET';
      if (method === 'POST' && url.pathname === '/token') {
        const form = new URLSearchParams(body);
        const assertion = form.get('assertion') ?? '';
        const [head, payload, signature] = assertion.split('.');
        const verified = trusted.some((pem) =>
          verify(
            'RSA-SHA256',
            Buffer.from(`${head}.${payload}`),
            createPublicKey(pem),
            Buffer.from(signature ?? '', 'base64url'),
          ),
        );
        tokenRequests.push({
          grantType: form.get('grant_type'),
          header: decodePart(head),
          claims: decodePart(payload),
          verified,
        });
        if (!verified || form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') {
          res.writeHead(400, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: 'invalid_grant', error_description: 'Invalid JWT Signature.' }));
          return;
        }
        const token = `ya29.fake-access-token-${issued.length + 1}`;
        issued.push(token);
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify({ access_token: token, expires_in: 3599, token_type: 'Bearer' }));
        return;
      }
      let parsed: Record<string, unknown> | undefined;
      if (body.startsWith('{')) parsed = JSON.parse(body) as Record<string, unknown>;
      const request: FakeRequest = {
        method,
        path: decodeURIComponent(url.pathname),
        query: url.searchParams,
        headers: req.headers,
        body,
        json: parsed,
      };
      requests.push(request);
      const queue = routes.get(`${method} ${request.path}`);
      const next = queue === undefined ? undefined : queue.length > 1 ? queue.shift() : queue[0];
      const response: FakeResponse =
        next === undefined
          ? json(
              JSON.stringify({
                error: {
                  code: 501,
                  message: `no fake response for ${method} ${request.path}`,
                  status: 'UNIMPLEMENTED',
                },
              }),
              501,
            )
          : typeof next === 'function'
            ? next(request)
            : next;
      res.writeHead(response.status ?? 200, { ...response.headers });
      res.end(response.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    tokenUrl: `${url}/token`,
    requests,
    tokenRequests,
    issued,
    trust: (publicKey) => trusted.push(publicKey),
    on: (route, ...responses) => routes.set(route, [...responses]),
    calls: (route) => requests.filter((request) => `${request.method} ${request.path}` === route),
    reset: () => {
      routes.clear();
      requests.length = 0;
      tokenRequests.length = 0;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
