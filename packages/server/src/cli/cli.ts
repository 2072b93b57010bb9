import { setFlagsFromString } from 'node:v8';
import { AuroraError, ConfigurationError } from '@aurora-ops/core';
import { Command } from 'commander';
import { loadConfig, processEnvironment, type ServerConfig } from '../config/config.js';
import { compactHeap } from './compact-heap.js';
import { missingNodeFlags } from './node-flags.js';
import { pgliteCompilerFlag } from '../stores/pglite-compiler.js';
import { VERSION } from '../version.js';

export interface CliIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  /**
   * Restarts this process with V8 flags on its command line, or answers false when it cannot.
   * Only the process's own io does (the `aurora` command); an embedding caller's never does.
   */
  readonly relaunch?: (flags: readonly string[]) => boolean;
}

type Execve = (file: string, args: readonly string[], env: Readonly<Record<string, string | undefined>>) => never;

const defaultIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  env: processEnvironment(),
  relaunch(flags) {
    // V8 13 (Node 24) ignores `--liftoff-only` set at run time, and no V8 takes the young
    // generation's size then: they must be on the command line. `process.execve` (Node ≥ 22.15,
    // not on Windows) replaces this process with one that has them: same pid, same stdio,
    // nothing printed yet.
    const execve = (process as { execve?: Execve }).execve;
    if (typeof execve !== 'function' || process.platform === 'win32') return false;
    return execve(
      process.execPath,
      [process.execPath, ...flags, ...process.execArgv, ...process.argv.slice(1)],
      processEnvironment(),
    );
  },
};

const bold = (text: string) => (process.stdout.isTTY ? `\u001B[1m${text}\u001B[0m` : text);

/** Resolves on SIGINT/SIGTERM. */
const untilSignal = () =>
  new Promise<NodeJS.Signals>((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve(signal));
  });

function config(io: CliIo, overrides: Partial<Record<string, string>> = {}): ServerConfig {
  return loadConfig({ ...io.env, ...overrides });
}

async function start(io: CliIo, role: 'all' | 'server' | 'worker'): Promise<void> {
  const started = performance.now();
  const settings = config(io, role === 'worker' ? { AURORA_ROLE: 'worker' } : {});
  const flag = pgliteCompilerFlag(settings);
  const onCommandLine = process.execArgv.includes('--liftoff-only');
  const missing = missingNodeFlags(flag, process.execArgv, io.env.NODE_OPTIONS);
  // Without a restart, the compiler flag still takes on Node 20; the semi-space size does not.
  if (missing.length > 0 && io.relaunch?.(missing) !== true && flag && missing.includes(flag)) setFlagsFromString(flag);
  if (!settings.database && settings.pgliteCompiler === 'optimizing' && onCommandLine)
    io.err('aurora: AURORA_PGLITE_COMPILER=optimizing has no effect: node was started with --liftoff-only.');
  io.err(
    `aurora ${VERSION}: starting (${settings.database ? 'PostgreSQL' : `embedded stores in ${settings.dataDir}`})…`,
  );
  if (settings.role === 'worker') {
    const [{ createRuntime }, { createWorkerApp }, { serve }] = await Promise.all([
      import('../runtime.js'),
      import('../http/worker-app.js'),
      import('@hono/node-server'),
    ]);
    const runtime = await createRuntime(settings, { bootstrap: false, takeOverRuns: false });
    await runtime.stores.queue.start();
    const server = serve({ fetch: createWorkerApp(runtime).fetch, hostname: settings.host, port: settings.port });
    compactHeap();
    io.err(
      `aurora worker ready in ${Math.round(performance.now() - started)} ms (queue: ${runtime.stores.describe.queue}; /health, /ready and /metrics on ${settings.host}:${settings.port}).`,
    );
    const signal = await untilSignal();
    io.err(`aurora: ${signal}, draining…`);
    await new Promise((resolve) => server.close(resolve));
    await runtime.close();
    return;
  }
  const { startServer } = await import('../server.js');
  const server = await startServer(settings);
  const { runtime } = server;
  if (settings.role === 'all') await runtime.stores.queue.start();
  compactHeap();
  const ms = Math.round(performance.now() - started);
  const stores = Object.entries(runtime.stores.describe)
    .map(([name, kind]) => `${name}=${kind}`)
    .join(' ');
  io.out(`${bold('Aurora')} ${VERSION} listening on ${server.url} (ready in ${ms} ms)`);
  io.out(`  stores: ${stores}`);
  io.out(
    `  model: ${settings.model}   plugins: ${
      runtime.plugins
        .status()
        .map((plugin) => `${plugin.name}(${plugin.state})`)
        .join(' ') || 'none'
    }`,
  );
  io.out(`  API docs: ${server.url}/docs   health: ${server.url}/ready   metrics: ${server.url}/metrics`);
  if (runtime.firstLogin) {
    io.out('');
    io.out(bold('First start: an admin was created. This one-time login is shown once and expires in 24 h:'));
    io.out(`  email: ${runtime.firstLogin.email}`);
    io.out(
      `  curl -s -X POST ${server.url}/api/v1/auth/one-time -H 'content-type: application/json' -d '{"token":"${runtime.firstLogin.token}"}'`,
    );
    io.out('  Then set a password: PATCH /api/v1/users/{id} {"password": "…"} with the returned token.');
  }
  const signal = await untilSignal();
  io.err(`aurora: ${signal}, shutting down…`);
  await server.close();
}

/** Builds the `aurora` command. `run(argv)` parses and executes; exit codes: 0 ok, 1 failure, 2 bad configuration. */
export function createCli(io: CliIo = defaultIo): Command {
  const program = new Command('aurora')
    .description('Aurora: an agent for cloud operations and incident root-cause analysis.')
    .version(VERSION)
    .showHelpAfterError();
  program
    .command('start')
    .description('Run the server and the workers in one process (embedded stores unless configured).')
    .action(() => start(io, io.env.AURORA_ROLE === 'server' ? 'server' : 'all'));
  program
    .command('worker')
    .description('Run background workers only (BullMQ on Redis, or the embedded queue).')
    .action(() => start(io, 'worker'));
  program
    .command('migrate')
    .description('Apply every database migration and exit.')
    .action(async () => {
      const settings = config(io);
      const [{ openStores }, { migrateAll }] = await Promise.all([
        import('../stores/open-stores.js'),
        import('../stores/migrate-all.js'),
      ]);
      const stores = await openStores(settings);
      try {
        let applied = 0;
        await migrateAll(
          stores.database,
          {
            vectors: stores.describe.vectors === 'pgvector',
            queue: stores.describe.queue === 'embedded',
            graph: stores.describe.graph === 'tables',
          },
          (namespace, migration) => {
            applied++;
            io.out(`  ✓ ${namespace} ${migration.version} ${migration.name} (${migration.ms} ms)`);
          },
        );
        io.out(applied === 0 ? 'Database is up to date.' : `Applied ${applied} migration(s).`);
      } finally {
        await stores.close();
      }
    });
  program
    .command('doctor')
    .description(
      'Check each configured store, plugin and the model provider for real; say what is wrong and how to fix it.',
    )
    .action(async () => {
      const { runDoctor } = await import('./doctor.js');
      const ok = await runDoctor(io);
      if (!ok) process.exitCode = 1;
    });
  program
    .command('mcp')
    .description(
      "Serve Aurora to an MCP client over stdio, forwarding to a running server's /mcp (AURORA_URL, AURORA_API_KEY).",
    )
    .option('--url <url>', 'the server (default AURORA_URL, then http://127.0.0.1:8080)')
    .action(async (flags: { url?: string }) => {
      const { runMcpBridge } = await import('../mcp/mcp-bridge.js');
      await runMcpBridge({ env: io.env, err: io.err, ...(flags.url ? { url: flags.url } : {}) });
    });
  return program;
}

/** Runs the CLI; configuration errors print one line and exit 2, other failures exit 1. */
export async function runCli(argv: readonly string[] = process.argv, io: CliIo = defaultIo): Promise<void> {
  try {
    await createCli(io).parseAsync([...argv]);
  } catch (error) {
    if (ConfigurationError.isInstance(error)) {
      io.err(`aurora: configuration error: ${error.message.replace(/\s*See https?:\S+$/, '')}`);
      process.exitCode = 2;
      return;
    }
    io.err(`aurora: ${AuroraError.isInstance(error) ? `${error.code}: ${error.message}` : (error as Error).message}`);
    process.exitCode = 1;
  }
}
