import weaviate from 'weaviate-client';
import { ConfigurationError } from '../../errors/errors.js';

export interface WeaviateConnectionSettings {
  /** REST endpoint, e.g. `http://weaviate:8080` (a path prefix is kept). */
  readonly httpUrl: string;
  /** gRPC endpoint, e.g. `http://weaviate:50051`. Default: the REST host on port 50051, same TLS. */
  readonly grpcUrl?: string;
  /** A resolved API key (never a secret reference). Never appears in an error or a log line. */
  readonly apiKey?: string;
  /** Extra headers on every request (e.g. a vectorizer module's key). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Seconds: connection checks (default 2), queries (30), inserts and deletes (90). */
  readonly timeout?: { readonly init?: number; readonly query?: number; readonly insert?: number };
}

/** `connectToCustom` options from URLs. */
export function connectOptions(settings: WeaviateConnectionSettings) {
  const http = parseUrl(settings.httpUrl, 'httpUrl');
  const grpc = settings.grpcUrl === undefined ? undefined : parseUrl(settings.grpcUrl, 'grpcUrl');
  const httpSecure = http.protocol === 'https:';
  const grpcSecure = grpc === undefined ? httpSecure : grpc.protocol === 'https:';
  if (settings.apiKey !== undefined && (typeof settings.apiKey !== 'string' || settings.apiKey === '')) {
    throw new ConfigurationError({ message: 'apiKey is a non-empty string.', details: { setting: 'apiKey' } });
  }
  return {
    httpHost: http.hostname,
    httpPort: Number(http.port || (httpSecure ? 443 : 80)),
    httpSecure,
    ...(http.pathname.replace(/\/+$/, '') === '' ? {} : { httpPath: http.pathname.replace(/\/+$/, '') }),
    grpcHost: grpc?.hostname ?? http.hostname,
    grpcPort: grpc === undefined ? 50051 : Number(grpc.port || (grpcSecure ? 443 : 80)),
    grpcSecure,
    ...(settings.apiKey === undefined ? {} : { authCredentials: new weaviate.ApiKey(settings.apiKey) }),
    ...(settings.headers === undefined ? {} : { headers: { ...settings.headers } }),
    ...(settings.timeout === undefined ? {} : { timeout: { ...settings.timeout } }),
  };
}

function parseUrl(value: string, setting: string): URL {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new ConfigurationError({ message: `${setting} is an http(s) URL.`, details: { setting } });
  }
  return url;
}
