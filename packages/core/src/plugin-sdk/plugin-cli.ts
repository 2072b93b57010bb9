import { InvalidInputError } from '../errors/errors.js';
import { createLogger, type LogLevel, type Logger } from '../logging/logger.js';
import type { PluginDefinition } from './define-plugin.js';
import type { PluginServerOptions } from './plugin-server.js';
import { servePlugin, type PluginServerHandle, type ServeTarget } from './serve-plugin.js';

/** What the command line asked for. */
export type PluginCliCommand =
  | { readonly command: 'help' }
  | { readonly command: 'version' }
  | {
      readonly command: 'serve';
      readonly target: ServeTarget;
      readonly readOnly: boolean;
      readonly allowWrites: boolean;
    };

function usage(plugin: PluginDefinition): string {
  return [
    `${plugin.name} ${plugin.version}: an Aurora plugin, served as an MCP server.`,
    '',
    `Usage: <bin> [--http [--port N] [--host H]] [--read-only] [--allow-writes]`,
    '',
    '  (no flags)       serve over stdio (for desktop MCP clients)',
    '  --http           serve over Streamable HTTP at http://127.0.0.1:<port>/mcp',
    '  --port N         HTTP port (default 0: any free port, printed on stderr)',
    '  --host H         HTTP bind address (default 127.0.0.1; anything else is exposed to the network)',
    '  --read-only      list and run only read tools',
    '  --allow-writes   run write and destructive tools without asking (default: ask the client',
    '                   through MCP elicitation, and refuse when it cannot ask)',
    '  --help, -h       show this text',
    '  --version, -v    print the version',
    '',
  ].join('\n');
}

function bad(message: string): InvalidInputError {
  return new InvalidInputError({ message, details: { reason: 'command line' } });
}

/**
 * Parses a plugin bin's arguments. Throws `InvalidInputError` with a one-line message for
 * an unknown flag, a missing or bad value, or `--port`/`--host` without `--http`.
 */
export function parsePluginArguments(argv: readonly string[]): PluginCliCommand {
  let http = false;
  let readOnly = false;
  let allowWrites = false;
  let port: number | undefined;
  let host: string | undefined;
  for (let index = 0; index < argv.length; index += 1) {
    const argument = argv[index] ?? '';
    const [flag = '', inline] = argument.startsWith('--') ? argument.split(/=(.*)/s, 2) : [argument];
    const value = (): string => {
      const next = inline ?? argv[(index += 1)];
      if (next === undefined || next === '' || (inline === undefined && next.startsWith('--'))) {
        throw bad(`${flag} needs a value.`);
      }
      return next;
    };
    const noValue = (): void => {
      if (inline !== undefined) throw bad(`${flag} takes no value.`);
    };
    switch (flag) {
      case '--help':
      case '-h':
        return { command: 'help' };
      case '--version':
      case '-v':
        return { command: 'version' };
      case '--http':
        noValue();
        http = true;
        break;
      case '--read-only':
        noValue();
        readOnly = true;
        break;
      case '--allow-writes':
        noValue();
        allowWrites = true;
        break;
      case '--port': {
        const text = value();
        port = Number(text);
        if (!/^\d+$/.test(text) || port > 65_535) throw bad('--port needs an integer from 0 to 65535.');
        break;
      }
      case '--host':
        host = value();
        break;
      default:
        throw bad(`Unknown option "${argument.length > 40 ? `${argument.slice(0, 40)}…` : argument}". Try --help.`);
    }
  }
  if (!http && (port !== undefined || host !== undefined)) throw bad('--port and --host need --http.');
  const target: ServeTarget = http
    ? { transport: 'http', ...(port === undefined ? {} : { port }), ...(host === undefined ? {} : { host }) }
    : { transport: 'stdio' };
  return { command: 'serve', target, readOnly, allowWrites };
}

/** A logger writing one JSON line per record to a stream (stderr: stdout belongs to stdio MCP). */
export function createStreamLogger(stream: NodeJS.WritableStream, minimum: LogLevel = 'info'): Logger {
  const order: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];
  return createLogger((record) => {
    if (order.indexOf(record.level) < order.indexOf(minimum)) return;
    stream.write(
      `${JSON.stringify({ time: record.time.toISOString(), level: record.level, message: record.message, ...record.fields })}\n`,
    );
  });
}

export interface PluginCliIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  /** Default `process.exitCode = code` (the process ends when nothing is left running). */
  readonly exit: (code: number) => void;
}

/**
 * The body of a plugin package's `bin`. Serves over stdio, or Streamable HTTP with
 * `--http`, in `elicit` mode unless `--allow-writes`. Logs go to stderr only. A bad
 * argument prints one line on stderr and exits with code 2. Returns the running server's
 * handle (undefined for `--help`, `--version` and errors); SIGINT and SIGTERM close it.
 */
export async function runPluginCli(
  plugin: PluginDefinition,
  argv: readonly string[] = process.argv.slice(2),
  options: Omit<PluginServerOptions, 'readOnly' | 'confirmations'> = {},
  io: PluginCliIo = {
    stdout: process.stdout,
    stderr: process.stderr,
    exit: (code) => {
      process.exitCode = code;
    },
  },
): Promise<PluginServerHandle | undefined> {
  let command: PluginCliCommand;
  try {
    command = parsePluginArguments(argv);
  } catch (error) {
    io.stderr.write(`${plugin.name}: ${error instanceof Error ? error.message : String(error)}\n`);
    io.exit(2);
    return undefined;
  }
  if (command.command === 'help') {
    io.stdout.write(usage(plugin));
    return undefined;
  }
  if (command.command === 'version') {
    io.stdout.write(`${plugin.version}\n`);
    return undefined;
  }
  const logger = options.logger ?? createStreamLogger(io.stderr);
  const handle = await servePlugin(plugin, command.target, {
    ...options,
    logger,
    readOnly: command.readOnly,
    confirmations: command.allowWrites ? 'allow' : 'elicit',
  });
  logger.info(handle.url === undefined ? 'serving over stdio' : `listening on ${handle.url.href}`, {
    plugin: plugin.name,
    version: plugin.version,
    readOnly: command.readOnly,
    confirmations: command.allowWrites ? 'allow' : 'elicit',
  });
  const stop = (): void => {
    handle.close().then(
      () => io.exit(0),
      () => io.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return handle;
}
