/**
 * A local HTTP server on 127.0.0.1 that the REAL AWS SDK v3 clients talk to through their
 * `endpoint` option. It records every request (service and operation read from the SigV4
 * credential scope and the protocol: query `Action`, JSON `X-Amz-Target`, REST path) and
 * answers from queues of canned responses, usually fixtures under `test/__fixtures__/`
 * shaped as the AWS API reference documents them.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeRequest {
  readonly service: string;
  readonly region: string;
  readonly operation: string;
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  /** Query-protocol form parameters (EC2, STS, RDS, IAM). */
  readonly params: URLSearchParams;
  /** The parsed body of JSON protocols. */
  readonly json: Record<string, unknown> | undefined;
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

export const xml = (body: string, status = 200, headers: Record<string, string> = {}): FakeResponse => ({
  status,
  body,
  headers: { 'content-type': 'text/xml', ...headers },
});
export const json = (body: string, status = 200, headers: Record<string, string> = {}): FakeResponse => ({
  status,
  body,
  headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': 'req-json-0001', ...headers },
});
export const restJson = (body: string, status = 200): FakeResponse => ({
  status,
  body,
  headers: { 'content-type': 'application/json', 'x-amzn-requestid': 'req-rest-0001' },
});

/** An error as the query protocol (STS, RDS, IAM) sends it. */
export function queryError(code: string, status = 400, type = 'Sender'): FakeResponse {
  return xml(
    `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>${type}</Type><Code>${code}</Code><Message>User arn:aws:iam::123456789012:user/secret-name is not authorized</Message></Error><RequestId>req-${code}-0001</RequestId></ErrorResponse>`,
    status,
    { 'x-amzn-requestid': `req-${code}-0001` },
  );
}

/** An error as the EC2 query protocol sends it. */
export function ec2Error(code: string, status = 400): FakeResponse {
  return xml(
    `<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>${code}</Code><Message>You are not authorized to perform this operation. Encoded message: secret-data-123</Message></Error></Errors><RequestID>req-${code}-0001</RequestID></Response>`,
    status,
    { 'x-amzn-requestid': `req-${code}-0001` },
  );
}

/** An error as the JSON protocols (Logs, Cost Explorer, CloudWatch) send it. */
export function jsonError(code: string, status = 400): FakeResponse {
  return json(`{"__type":"com.amazonaws.service#${code}","message":"Rate exceeded for secret-thing"}`, status, {
    'x-amzn-requestid': `req-${code}-0001`,
  });
}

/** An error as REST-JSON (EKS, Lambda) sends it. */
export function restJsonError(code: string, status = 400): FakeResponse {
  return {
    status,
    body: `{"message":"No cluster found for name: secret-cluster"}`,
    headers: { 'content-type': 'application/json', 'x-amzn-errortype': code, 'x-amzn-requestid': `req-${code}-0001` },
  };
}

const REST: readonly [string, string, RegExp, string][] = [
  ['eks', 'GET', /^\/clusters$/, 'ListClusters'],
  ['eks', 'GET', /^\/clusters\/[^/]+$/, 'DescribeCluster'],
  ['eks', 'GET', /^\/clusters\/[^/]+\/node-groups$/, 'ListNodegroups'],
  ['eks', 'GET', /^\/clusters\/[^/]+\/node-groups\/[^/]+$/, 'DescribeNodegroup'],
  ['lambda', 'GET', /^\/2015-03-31\/functions\/?$/, 'ListFunctions'],
  ['lambda', 'GET', /^\/2015-03-31\/functions\/[^/]+\/configuration$/, 'GetFunctionConfiguration'],
  ['s3', 'GET', /^\/$/, 'ListBuckets'],
  ['s3', 'GET', /^\/[^/]+\/?$/, 'ListObjectsV2'],
];

function operationOf(
  service: string,
  method: string,
  path: string,
  target: string | undefined,
  params: URLSearchParams,
): string {
  const action = params.get('Action');
  if (action !== null) return action;
  if (target !== undefined) return target.slice(target.lastIndexOf('.') + 1);
  return (
    REST.find(([s, m, pattern]) => s === service && m === method && pattern.test(path))?.[3] ?? `${method} ${path}`
  );
}

export interface FakeAws {
  readonly url: string;
  readonly requests: FakeRequest[];
  /** Queues responses for `service:Operation` (e.g. `ec2:DescribeInstances`); the last one repeats. */
  on(key: string, ...responses: Responder[]): void;
  /** Requests recorded for `service:Operation`. */
  calls(key: string): FakeRequest[];
  reset(): void;
  close(): Promise<void>;
}

export async function startFakeAws(): Promise<FakeAws> {
  const routes = new Map<string, Responder[]>();
  const requests: FakeRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const scope = /Credential=[^/]+\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(req.headers.authorization ?? '');
      const service = scope?.[2] ?? 'unsigned';
      const form = String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
      const params = new URLSearchParams(form ? body : '');
      const target = typeof req.headers['x-amz-target'] === 'string' ? req.headers['x-amz-target'] : undefined;
      let parsed: Record<string, unknown> | undefined;
      if (!form && body.startsWith('{')) parsed = JSON.parse(body) as Record<string, unknown>;
      const request: FakeRequest = {
        service,
        region: scope?.[1] ?? '',
        operation: operationOf(service, req.method ?? 'GET', url.pathname, target, params),
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body,
        params,
        json: parsed,
      };
      requests.push(request);
      const queue = routes.get(`${service}:${request.operation}`);
      const next = queue === undefined ? undefined : queue.length > 1 ? queue.shift() : queue[0];
      const response: FakeResponse =
        next === undefined
          ? {
              status: 501,
              body: `no fake response for ${service}:${request.operation}`,
              headers: { 'content-type': 'text/plain' },
            }
          : typeof next === 'function'
            ? next(request)
            : next;
      res.writeHead(response.status ?? 200, { ...response.headers });
      res.end(response.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    on: (key, ...responses) => routes.set(key, [...responses]),
    calls: (key) => requests.filter((request) => `${request.service}:${request.operation}` === key),
    reset: () => {
      routes.clear();
      requests.length = 0;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** Static test credentials: the secret never appears in a result, error or log. */
export const TEST_KEYS = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY-canary-7f3a',
} as const;
