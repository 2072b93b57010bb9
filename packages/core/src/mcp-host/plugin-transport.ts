import type { Stream } from 'node:stream';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { InvalidInputError } from '../errors/errors.js';
import type { PluginTransport } from './mcp-host.js';

/** A transport ready for `Client.connect`, with what the host needs to supervise it. */
export interface OpenedTransport {
  readonly transport: Transport;
  /** The stdio child's pid (after connect). */
  pid(): number | undefined;
  /** The stdio child's stderr, piped. */
  readonly stderr?: Stream;
  /** HTTP: ends the server-side session (best effort) before closing. */
  terminate?(): Promise<void>;
}

interface Connectable {
  connect(transport: Transport): Promise<void>;
}

function isConnectable(value: unknown): value is Connectable {
  return typeof value === 'object' && value !== null && typeof (value as Connectable).connect === 'function';
}

async function inProcessServer(server: unknown): Promise<Connectable> {
  const candidate = typeof server === 'function' ? await (server as () => unknown)() : server;
  if (!isConnectable(candidate)) {
    throw new InvalidInputError({
      message: 'An in-process plugin needs an MCP server object (with connect(transport)) or a factory of one.',
      details: { field: 'transport.server' },
    });
  }
  return candidate;
}

/** Opens the transport a plugin config describes; in-process servers are connected here. */
export async function openTransport(config: PluginTransport): Promise<OpenedTransport> {
  switch (config.kind) {
    case 'in-process': {
      const server = await inProcessServer(config.server);
      const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
      await server.connect(serverSide);
      return { transport: clientSide, pid: () => undefined };
    }
    case 'stdio': {
      // The SDK adds only a minimal inherited environment (HOME, LOGNAME, PATH, SHELL, TERM, USER).
      const transport = new StdioClientTransport({
        command: config.command,
        args: [...(config.args ?? [])],
        ...(config.env === undefined ? {} : { env: { ...config.env } }),
        ...(config.cwd === undefined ? {} : { cwd: config.cwd }),
        stderr: 'pipe',
      });
      return { transport, pid: () => transport.pid ?? undefined, stderr: transport.stderr ?? undefined };
    }
    case 'http': {
      const transport = new StreamableHTTPClientTransport(new URL(config.url), {
        ...(config.headers === undefined ? {} : { requestInit: { headers: { ...config.headers } } }),
      });
      return { transport, pid: () => undefined, terminate: () => transport.terminateSession() };
    }
  }
}

/** Checks a transport config's shape, with a typed error naming the bad field. */
export function validateTransport(value: unknown): asserts value is PluginTransport {
  const bad = (field: string, message: string): never => {
    throw new InvalidInputError({ message, details: { field } });
  };
  if (typeof value !== 'object' || value === null) bad('transport', 'A plugin needs a transport.');
  const transport = value as Record<string, unknown>;
  const stringRecord = (field: string, record: unknown): void => {
    if (record === undefined) return;
    if (typeof record !== 'object' || record === null || Object.values(record).some((item) => typeof item !== 'string'))
      bad(field, `transport.${field} must map names to strings.`);
  };
  switch (transport.kind) {
    case 'in-process':
      if (transport.server === undefined || transport.server === null)
        bad('transport.server', 'An in-process plugin needs a server object or factory.');
      return;
    case 'stdio':
      if (typeof transport.command !== 'string' || transport.command === '')
        bad('transport.command', 'A stdio plugin needs a command.');
      if (
        transport.args !== undefined &&
        (!Array.isArray(transport.args) || transport.args.some((arg) => typeof arg !== 'string'))
      )
        bad('transport.args', 'transport.args must be an array of strings.');
      stringRecord('env', transport.env);
      return;
    case 'http':
      if (typeof transport.url !== 'string' || !URL.canParse(transport.url) || !/^https?:/.test(transport.url))
        bad('transport.url', 'An http plugin needs an http(s) URL.');
      stringRecord('headers', transport.headers);
      return;
    default:
      bad('transport.kind', 'transport.kind must be "in-process", "stdio" or "http".');
  }
}
