/**
 * Cold start of `aurora start` on the embedded defaults, as a child process: spawn → first
 * `GET /ready` 200, on a fresh data directory (first run: the bundled PGlite template
 * unpacked, secret key, first admin) and again on the same directory; idle VmRSS 5 s after
 * ready. Beside them, in the same rounds, PGlite alone in a fresh plain-`node` child, opened
 * as the server opens it (V8's baseline compiler; on a fresh directory the template unpacked
 * first), import → first `ping()`, so "after PGlite" = total − PGlite. Goals: ≤ 2 s after
 * PGlite init, idle RSS ≤ 250 MB.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createInterface } from 'node:readline';
import { fmt, load, median, rssMb, sleep } from './stats.js';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'packages/server/dist/bin.js');
const SERVER_DIST = join(ROOT, 'packages/server/dist');

/**
 * PGlite alone, as `aurora start` opens it (stores/pglite-template.ts, pglite-compiler.ts),
 * in plain `node` (tsx alone would add about 80 MB), with `--liftoff-only` on the command line
 * (V8 13 ignores it set at run time) and the CLI's heap compaction after the ping. Prints `{"ms": …, "rssMb": …}`.
 */
const PGLITE_ALONE = `
const { coreUrl, tarUrl, template, dataDir } = JSON.parse(process.argv[1]);
const started = performance.now();
const { existsSync, mkdirSync } = await import('node:fs');
if (!existsSync(dataDir + '/PG_VERSION')) {
  const tar = await import(tarUrl);
  const extract = tar.extract ?? tar.default.extract;
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  extract({ file: template, cwd: dataDir, strict: true, sync: true });
}
const { createPgliteDatabase } = await import(coreUrl);
const database = createPgliteDatabase({ dataDir, vector: true });
await database.ping();
const ms = performance.now() - started;
// As the CLI does once it is up (cli/compact-heap.ts).
if (Number.parseInt(process.versions.v8, 10) >= 12) gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
else gc();
const rssMb = process.memoryUsage.rss() / 1024 / 1024;
await database.close();
process.stdout.write(JSON.stringify({ ms, rssMb }) + '\\n');
`;

/** The environment without any AURORA_* variable, so every store is embedded. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith('AURORA_')) env[name] = value;
  return { ...env, ...extra };
}

function exited(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      done();
    });
  });
}

interface Start {
  /** spawn → /ready 200. */
  readonly readyMs: number;
  /** spawn → the "listening on" line. */
  readonly bannerMs: number;
  /** What the CLI itself prints ("ready in N ms": after Node boot and module loading). */
  readonly cliMs: number;
  readonly rssMb: number;
  readonly firstRun: boolean;
}

async function startOnce(dataDir: string, idleMs: number): Promise<Start> {
  const started = performance.now();
  const child = spawn(process.execPath, [BIN, 'start'], {
    cwd: ROOT,
    env: cleanEnv({ AURORA_DATA_DIR: dataDir, AURORA_PORT: '0', AURORA_LOG_LEVEL: 'error' }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  try {
    const lines = createInterface({ input: child.stdout });
    let firstRun = false;
    const banner = await new Promise<{ url: string; cliMs: number; bannerMs: number }>((found, fail) => {
      lines.on('line', (line) => {
        if (line.includes('First start')) firstRun = true;
        const match = /listening on (http:\/\/\S+) \(ready in (\d+) ms\)/.exec(line);
        if (match) found({ url: match[1]!, cliMs: Number(match[2]), bannerMs: performance.now() - started });
      });
      child.once('exit', (code) => fail(new Error(`aurora start exited with ${code}: ${stderr}`)));
    });
    let readyMs = Number.NaN;
    for (let attempt = 0; attempt < 3000; attempt++) {
      const response = await fetch(`${banner.url}/ready`).catch(() => undefined);
      if (response?.status === 200) {
        readyMs = performance.now() - started;
        break;
      }
      await response?.body?.cancel();
      await sleep(10);
    }
    if (!Number.isFinite(readyMs)) throw new Error(`/ready never answered 200: ${stderr}`);
    // Let the banner lines (first login) arrive before deciding whether this was a first run.
    await sleep(idleMs);
    const rss = await rssMb(child.pid!);
    return { readyMs, bannerMs: banner.bannerMs, cliMs: banner.cliMs, rssMb: rss, firstRun };
  } finally {
    child.kill('SIGTERM');
    await exited(child, 15_000);
  }
}

async function pgliteOnce(dataDir: string): Promise<{ ms: number; rssMb: number }> {
  const require = createRequire(join(ROOT, 'packages/server/package.json'));
  const args = {
    coreUrl: pathToFileURL(join(ROOT, 'packages/core/dist/storage/pglite/index.js')).href,
    tarUrl: pathToFileURL(require.resolve('tar')).href,
    template: join(SERVER_DIST, 'pglite-template.tar.gz'),
    dataDir: join(dataDir, 'pglite'),
  };
  const child = spawn(
    process.execPath,
    ['--liftoff-only', '--expose-gc', '--input-type=module', '-e', PGLITE_ALONE, JSON.stringify(args)],
    {
      cwd: ROOT,
      env: cleanEnv({}),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  await exited(child, 120_000);
  const parsed = JSON.parse(stdout.trim() || '{}') as { ms?: number; rssMb?: number };
  if (parsed.ms === undefined || parsed.rssMb === undefined)
    throw new Error(`PGlite alone failed: ${stderr.slice(-2000)}`);
  return { ms: parsed.ms, rssMb: parsed.rssMb };
}

export interface ColdStartOptions {
  readonly runs: number;
  readonly idleMs: number;
}

/** Runs the rounds (PGlite first/second, server first/second, interleaved) and prints the figures. */
export async function benchColdStart(options: ColdStartOptions): Promise<string[]> {
  console.log(`\n## Cold start to /ready 200 (aurora start, embedded defaults; ${options.runs} rounds) — ${load()}`);
  type Pglite = { ms: number; rssMb: number };
  const samples = { pgFirst: [] as Pglite[], pgSecond: [] as Pglite[], first: [] as Start[], second: [] as Start[] };
  for (let round = 0; round < options.runs; round++) {
    const pgDir = await mkdtemp(join(tmpdir(), 'aurora-bench-pglite-'));
    const dataDir = await mkdtemp(join(tmpdir(), 'aurora-bench-start-'));
    try {
      samples.pgFirst.push(await pgliteOnce(pgDir));
      samples.pgSecond.push(await pgliteOnce(pgDir));
      const first = await startOnce(dataDir, options.idleMs);
      const second = await startOnce(dataDir, options.idleMs);
      if (!first.firstRun || second.firstRun)
        throw new Error('expected a first run, then a second run on the same directory');
      samples.first.push(first);
      samples.second.push(second);
      const [pgFirst, pgSecond] = [samples.pgFirst.at(-1)!, samples.pgSecond.at(-1)!];
      console.log(
        `  round ${round + 1}: PGlite first/second ${fmt(pgFirst.ms, 0)} / ${fmt(pgSecond.ms, 0)} ms; ` +
          `server first ${fmt(first.readyMs, 0)} ms (banner ${fmt(first.bannerMs, 0)}, CLI says ${first.cliMs}), ` +
          `second ${fmt(second.readyMs, 0)} ms (banner ${fmt(second.bannerMs, 0)}, CLI says ${second.cliMs}); ` +
          `idle RSS ${fmt(first.rssMb)} / ${fmt(second.rssMb)} MB (PGlite alone ${fmt(pgFirst.rssMb)} / ${fmt(pgSecond.rssMb)} MB)`,
      );
    } finally {
      await rm(pgDir, { recursive: true, force: true });
      await rm(dataDir, { recursive: true, force: true });
    }
  }
  const rows: string[] = [];
  for (const [label, starts, pg] of [
    ['first run (fresh data dir)', samples.first, samples.pgFirst],
    ['second run (same data dir)', samples.second, samples.pgSecond],
  ] as const) {
    const total = median(starts.map((start) => start.readyMs));
    const pglite = median(pg.map((sample) => sample.ms));
    const after = median(starts.map((start, index) => start.readyMs - (pg[index]?.ms ?? Number.NaN)));
    const rss = median(starts.map((start) => start.rssMb));
    const boot = median(starts.map((start) => start.bannerMs - start.cliMs));
    rows.push(
      `${label}: spawn → /ready ${fmt(total, 0)} ms; PGlite init alone ${fmt(pglite, 0)} ms; ` +
        `after PGlite ${fmt(after, 0)} ms (goal ≤ 2000: ${after <= 2000 ? 'met' : 'NOT met'}); ` +
        `of which Node boot + module loading before the CLI's clock ${fmt(boot, 0)} ms, CLI "ready in" ${fmt(median(starts.map((start) => start.cliMs)), 0)} ms, ` +
        `banner → /ready 200 ${fmt(median(starts.map((start) => start.readyMs - start.bannerMs)), 0)} ms`,
      `  idle RSS ${fmt(rss)} MB ${options.idleMs / 1000} s after ready (goal ≤ 250: ${rss <= 250 ? 'met' : 'NOT met'}); PGlite alone (data dir + pgvector, after ping) ${fmt(median(pg.map((sample) => sample.rssMb)))} MB`,
    );
  }
  for (const row of rows) console.log(`- ${row}`);
  console.log(`  (${load()} after)`);
  return rows;
}
