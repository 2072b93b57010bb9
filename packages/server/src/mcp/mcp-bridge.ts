import type { Readable, Writable } from 'node:stream';
import { AuroraError, ConfigurationError } from '@aurora-ops/core';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import {
  isInitializeRequest,
  isJSONRPCRequest,
  isJSONRPCResultResponse,
  type JSONRPCMessage,
  type RequestId,
} from '@modelcontextprotocol/sdk/types.js';

/** Where `aurora mcp` looks for the server when neither `--url` nor `AURORA_URL` says. */
export const DEFAULT_AURORA_URL = 'http://127.0.0.1:8080';

export interface McpBridgeOptions {
  /** `AURORA_URL` and `AURORA_API_KEY` are read from here. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** One line on stderr (upstream errors while running). */
  readonly err: (line: string) => void;
  /** Overrides `AURORA_URL`. */
  readonly url?: string;
  readonly stdin?: Readable;
  readonly stdout?: Writable;
}

function baseUrl(value: string): URL {
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
    return url;
  } catch {
    throw new ConfigurationError({
      message: `AURORA_URL must be an http(s) URL of a running Aurora server, such as ${DEFAULT_AURORA_URL}.`,
      details: { variable: 'AURORA_URL' },
    });
  }
}

/** Checks, before serving, that the server answers and accepts the key: a clear error now, not a hung client later. */
async function probe(base: URL, key: string): Promise<void> {
  let response: Response;
  try {
    response = await fetch(new URL('api/v1/me', base), {
      headers: { authorization: `Bearer ${key}` },
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const reason = cause?.code ?? cause?.message ?? (error as Error).message;
    throw new AuroraError('UNAVAILABLE', {
      message: `cannot reach the Aurora server at ${base.origin} (${reason}); start it with \`aurora start\` or set AURORA_URL.`,
      details: { url: base.origin },
    });
  }
  if (response.ok) {
    await response.body?.cancel();
    return;
  }
  const body: unknown = await response.json().catch(() => undefined);
  const error = AuroraError.fromJSON((body as { error?: unknown } | undefined)?.error);
  if (response.status === 401) {
    throw new AuroraError('UNAUTHENTICATED', {
      message: `the Aurora server at ${base.origin} refused AURORA_API_KEY: ${error.message}`,
    });
  }
  throw new AuroraError(error.code, {
    message: `the Aurora server at ${base.origin} answered ${response.status}: ${error.message}`,
  });
}

/**
 * `aurora mcp`: an MCP server on stdio that forwards every JSON-RPC message, both ways, to
 * the `/mcp` endpoint of a running Aurora server (Streamable HTTP) with `AURORA_API_KEY` as
 * the bearer. Resolves when stdin ends. A missing key is a `ConfigurationError`; an
 * unreachable server or a refused key an `AuroraError`, before anything is read from stdin.
 */
export async function runMcpBridge(options: McpBridgeOptions): Promise<void> {
  const key = options.env.AURORA_API_KEY?.trim();
  if (!key) {
    throw new ConfigurationError({
      message:
        'AURORA_API_KEY is not set: create an API key (POST /api/v1/api-keys, shown once) and put it in the environment of `aurora mcp`.',
      details: { variable: 'AURORA_API_KEY' },
    });
  }
  const raw = options.url ?? options.env.AURORA_URL ?? DEFAULT_AURORA_URL;
  const base = baseUrl(raw.endsWith('/') ? raw : `${raw}/`);
  await probe(base, key);

  const stdin = options.stdin ?? process.stdin;
  const upstream = new StreamableHTTPClientTransport(new URL('mcp', base), {
    requestInit: { headers: { authorization: `Bearer ${key}` } },
  });
  const local = new StdioServerTransport(stdin, options.stdout ?? process.stdout);
  let initializeId: RequestId | undefined;

  const failed = (message: JSONRPCMessage, error: unknown) => {
    // The transport has already reported the error through `onerror`.
    const text = `Aurora at ${base.origin}: ${error instanceof Error ? error.message : String(error)}`;
    if (isJSONRPCRequest(message)) {
      void local
        .send({ jsonrpc: '2.0', id: message.id, error: { code: -32000, message: text } })
        .catch(() => undefined);
    }
  };
  local.onmessage = (message) => {
    if (isInitializeRequest(message)) initializeId = (message as { id: RequestId }).id;
    upstream.send(message).catch((error: unknown) => failed(message, error));
  };
  upstream.onmessage = (message) => {
    if (isJSONRPCResultResponse(message) && initializeId !== undefined && message.id === initializeId) {
      const version = (message.result as { protocolVersion?: unknown }).protocolVersion;
      if (typeof version === 'string') upstream.setProtocolVersion(version);
    }
    local.send(message).catch(() => undefined);
  };
  upstream.onerror = (error) => options.err(`aurora mcp: ${error.message}`);

  const ended = new Promise<void>((resolve) => {
    stdin.once('end', resolve);
    stdin.once('close', resolve);
    local.onclose = resolve;
  });
  await upstream.start();
  await local.start();
  await ended;
  await upstream.terminateSession().catch(() => undefined);
  await upstream.close();
  await local.close();
}
