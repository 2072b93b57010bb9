/**
 * WebSocket streaming: `sessions` concurrent chat sessions, each a run whose model streams one
 * timestamped token every 50 ms (20 tokens/s) for `seconds`, relayed by the real server to
 * real `ws` clients in this process; the same clients against a bare `ws` server sending the
 * same events on the same schedule, in the same run, give the limit. Prints p50/p99 relay
 * latency, tokens/s achieved vs offered, errors, server RSS and CPU. Goal p99 ≤ 25 ms.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createThrowawayDatabase, type ThrowawayDatabase } from '../../packages/core/src/testing/postgres.js';
import { SEMI_SPACE_FLAG } from '../../packages/server/src/cli/node-flags.js';
import { startDelayProxy, type DelayProxy } from './delay-proxy.js';
import { summarizeProfile } from './profile-summary.js';
import type { StatementCount } from './query-counter.js';
import { cpuTimes, fmt, GOAL_P99_MS, load, percentile, postgresCpuSeconds, rssMb, sharedNow } from './stats.js';
import { runClients, type ClientResult } from './ws-clients.js';

const SERVE = resolve(import.meta.dirname, 'serve-stream.ts');
const INTERVAL_MS = 50;

export interface StreamingOptions {
  readonly sessions: number;
  readonly seconds: number;
  readonly databases: readonly ('pglite' | 'postgres')[];
  readonly rampMs: number;
  /** Write a CPU profile of each server child and summarise it. */
  readonly profile: boolean;
  /** Server processes on PostgreSQL + Redis, the sessions spread over them (default 1). */
  readonly replicas?: number;
  /** Redis for `replicas` > 1. */
  readonly redisUrl?: string;
}

interface Child {
  readonly process: ChildProcess;
  /** The last 8 000 characters it wrote to stderr. */
  stderr(): string;
  readonly url: string;
  readonly apiKey: string;
  request<T>(message: Record<string, unknown>, reply: string): Promise<T>;
}

/**
 * The servers run as deployed (the image sets NODE_ENV=production): run events are not checked
 * against the schema, which costs ~7 µs of CPU per token (`BENCH_NODE_ENV=development` to see).
 */
const SERVER_NODE_ENV = process.env.BENCH_NODE_ENV ?? 'production';

function start(
  args: readonly string[],
  execArgv: readonly string[],
  profiled: boolean,
  env: Record<string, string> = {},
): Promise<Child> {
  const child = fork(SERVE, [...args], {
    // BENCH_SERVER_NODE_FLAGS: more flags for the servers (`--trace-gc`, say; stdout is the bench's).
    execArgv: [
      '--import',
      'tsx',
      ...(process.env.BENCH_SERVER_NODE_FLAGS?.split(' ').filter(Boolean) ?? []),
      ...execArgv,
    ],
    env: { ...process.env, NODE_ENV: SERVER_NODE_ENV, ...env, BENCH_COUNT_QUERIES: profiled ? '1' : '0' },
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-8000);
  });
  const request = <T>(message: Record<string, unknown>, reply: string): Promise<T> =>
    new Promise((resolve) => {
      const onMessage = (answer: { type?: string }) => {
        if (answer.type !== reply) return;
        child.off('message', onMessage);
        resolve(answer as T);
      };
      child.on('message', onMessage);
      child.send(message);
    });
  return new Promise((resolve, reject) => {
    child.once('message', (message: { type?: string; url?: string; apiKey?: string }) => {
      if (message.type === 'ready')
        resolve({ process: child, url: message.url!, apiKey: message.apiKey!, request, stderr: () => stderr });
    });
    child.once('exit', (code) => reject(new Error(`server child exited with ${code}: ${stderr}`)));
  });
}

/** Server clock − our clock, from the IPC round trip with the smallest delay. */
async function clockOffset(child: Child): Promise<{ offsetMs: number; rttMs: number }> {
  let best = { offsetMs: 0, rttMs: Number.POSITIVE_INFINITY };
  for (let i = 0; i < 30; i++) {
    const t0 = sharedNow();
    const answer = await child.request<{ t: number }>({ type: 'clock', t0 }, 'clock');
    const t1 = sharedNow();
    if (t1 - t0 < best.rttMs) best = { offsetMs: answer.t - (t0 + t1) / 2, rttMs: t1 - t0 };
  }
  return best;
}

interface Target {
  readonly label: string;
  readonly result: ClientResult;
  readonly rssMb: { readonly idle: number; readonly peak: number };
  /** Server CPU as a fraction of one core over the client run. */
  readonly cpu: number;
  /** Server CPU seconds over the client run. */
  readonly cpuSeconds: number;
  /** CPU of the machine's PostgreSQL processes while streaming, when the target uses it and they are visible. */
  readonly database?: { readonly core: number; readonly seconds: number };
  /** Server CPU over the steady window (every session streaming), per token received in it. */
  readonly steady?: { readonly core: number; readonly userUs: number; readonly systemUs: number };
  readonly errorLogs: number;
  readonly offset: { readonly offsetMs: number; readonly rttMs: number };
  readonly profile?: string[];
}

async function measureTarget(
  label: string,
  args: readonly string[],
  options: StreamingOptions,
  tokens: number,
  profiled: boolean,
  replicas = 1,
  onPostgres = false,
): Promise<Target> {
  const profileDir = profiled ? await mkdtemp(join(tmpdir(), 'aurora-bench-prof-')) : undefined;
  const env: Record<string, string> =
    replicas > 1 && options.redisUrl
      ? { BENCH_REDIS_URL: options.redisUrl, BENCH_REDIS_PREFIX: `aurora-bench-${process.pid}-${Date.now()}` }
      : {};
  // One after another: the first runs the migrations. Only the first is profiled.
  const children: Child[] = [];
  const stopAll = () => {
    for (const child of children) if (child.process.exitCode === null) child.process.kill('SIGKILL');
  };
  try {
    for (let index = 0; index < replicas; index++) {
      const execArgv = [
        // As `aurora start` and the image run the server (cli/node-flags.ts), unless
        // BENCH_SERVER_NODE_FLAGS chooses another size.
        ...(args[0] === 'aurora' && !process.env.BENCH_SERVER_NODE_FLAGS?.includes('semi-space')
          ? [SEMI_SPACE_FLAG]
          : []),
        ...(profileDir && index === 0 ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : []),
      ];
      children.push(await start(args, execArgv, profiled && index === 0, env));
    }
  } catch (error) {
    stopAll();
    throw error;
  }
  const pids = children.map((child) => child.process.pid!);
  const totalTimes = async () => {
    const all = await Promise.all(pids.map(cpuTimes));
    return {
      user: all.reduce((total, one) => total + one.user, 0),
      system: all.reduce((total, one) => total + one.system, 0),
    };
  };
  const totalCpu = async () => {
    const { user, system } = await totalTimes();
    return user + system;
  };
  const totalRss = async () => (await Promise.all(pids.map(rssMb))).reduce((total, one) => total + one, 0);
  try {
    const offset = await clockOffset(children[0]!);
    const idle = await totalRss();
    let peak = idle;
    // CPU every 250 ms on the shared clock, to cut out the steady window afterwards.
    const cpuSamples: { at: number; user: number; system: number }[] = [];
    let ticks = 0;
    const sampler = setInterval(() => {
      const at = sharedNow();
      void totalTimes()
        .then((times) => cpuSamples.push({ at, ...times }))
        .catch(() => undefined);
      if (ticks++ % 2 === 0)
        void totalRss()
          .then((rss) => (peak = Math.max(peak, rss)))
          .catch(() => undefined);
    }, 250);
    const cpuBefore = await totalCpu();
    const databaseBefore = onPostgres ? await postgresCpuSeconds() : undefined;
    const wallBefore = performance.now();
    let result: ClientResult;
    try {
      result = await runClients({
        targets: children.map((child) => ({ url: child.url, apiKey: child.apiKey })),
        sessions: options.sessions,
        tokens,
        intervalMs: INTERVAL_MS,
        offsetMs: offset.offsetMs,
        rampMs: options.rampMs,
      });
    } finally {
      clearInterval(sampler);
    }
    for (const child of children) {
      if (child.process.exitCode !== null || child.process.signalCode !== null) {
        throw new Error(
          `a server died while streaming (${child.process.exitCode ?? child.process.signalCode}): ${child.stderr()}`,
        );
      }
    }
    const cpu = (await totalCpu()) - cpuBefore;
    const databaseAfter = databaseBefore === undefined ? undefined : await postgresCpuSeconds();
    const wall = (performance.now() - wallBefore) / 1000;
    const stats = await Promise.all(
      children.map((child) =>
        child.request<{ errorLogs: number; statements: StatementCount[] }>({ type: 'stats' }, 'stats'),
      ),
    );
    const errorLogs = stats.reduce((total, one) => total + one.errorLogs, 0);
    const statements = stats[0]!.statements;
    await Promise.all(
      children.map(async (child) => {
        child.process.send({ type: 'close' });
        const exit = new Promise((resolve) => child.process.once('exit', resolve));
        const killer = setTimeout(() => child.process.kill('SIGKILL'), 60_000);
        await exit;
        clearTimeout(killer);
      }),
    );
    let profile: string[] | undefined;
    if (profileDir) {
      const file = (await readdir(profileDir)).find((name) => name.endsWith('.cpuprofile'));
      profile = file ? await summarizeProfile(join(profileDir, file)) : ['(no profile written)'];
      profile.push(
        `database statements while streaming (count, total ms incl. waiting for the connection, MB of parameters), ${fmt(wall, 1)} s:`,
      );
      for (const statement of statements)
        profile.push(
          `  ${String(statement.count).padStart(7)}  ${fmt(statement.ms, 0).padStart(9)} ms  ${fmt(statement.bytes / 1e6, 1).padStart(7)} MB  ${statement.sql}`,
        );
    }
    const steady = steadyCpu(result, cpuSamples);
    return {
      label,
      result,
      rssMb: { idle, peak },
      ...(steady ? { steady } : {}),
      cpu: cpu / wall,
      cpuSeconds: cpu,
      ...(databaseBefore !== undefined && databaseAfter !== undefined
        ? { database: { core: (databaseAfter - databaseBefore) / wall, seconds: databaseAfter - databaseBefore } }
        : {}),
      errorLogs,
      offset,
      ...(profile ? { profile } : {}),
    };
  } finally {
    stopAll();
  }
}

/**
 * Server CPU between the samples nearest the steady window's ends, per token the clients
 * received in the seconds those samples span: what streaming alone costs, without run starts
 * and ends.
 */
function steadyCpu(
  result: ClientResult,
  samples: readonly { at: number; user: number; system: number }[],
): Target['steady'] {
  const { from, to } = result.steadyWindow;
  if (to <= from || samples.length < 2) return undefined;
  const nearest = (at: number) =>
    samples.reduce((best, sample) => (Math.abs(sample.at - at) < Math.abs(best.at - at) ? sample : best));
  const first = nearest(result.origin + from * 1000);
  const last = nearest(result.origin + to * 1000);
  const seconds = (last.at - first.at) / 1000;
  if (seconds < 1) return undefined;
  // Tokens per second inside the window, times the seconds the samples span.
  const window = result.perSecond.slice(from, to).map((count) => count ?? 0);
  const tokens = (window.reduce((sum, count) => sum + count, 0) / window.length) * seconds;
  const user = last.user - first.user;
  const system = last.system - first.system;
  return { core: (user + system) / seconds, userUs: (user / tokens) * 1e6, systemUs: (system / tokens) * 1e6 };
}

/** Server CPU per token in the steady window (µs), or NaN when the window was too short. */
const steadyUsPerToken = (target: Target): number =>
  target.steady ? target.steady.userUs + target.steady.systemUs : Number.NaN;

/** Where the 1 % of tokens the p99 goal allows to be slower went, second by second. */
function overGoal(result: ClientResult): string {
  const total = result.overGoalPerSecond.reduce((sum, count) => sum + count, 0);
  const budget = Math.floor(result.latencies.length * 0.01);
  const seconds = result.overGoalPerSecond.flatMap((count, second) => (count > 0 ? [`${second}: ${count}`] : []));
  return (
    `  tokens over ${GOAL_P99_MS} ms: ${total} of the ${budget} the goal allows (1 %)` +
    (seconds.length > 0 ? `; by second: ${seconds.join(', ')}` : '')
  );
}

function describe(target: Target, offered: number): string[] {
  const { result } = target;
  const p = (value: number) => fmt(percentile(result.latencies, value), 2);
  return [
    `${target.label}: relay latency p50 ${p(50)} ms, p99 ${p(99)} ms, p99.9 ${p(99.9)} ms, max ${p(100)} ms; ` +
      `tokens ${result.received}/${result.expected}; steady ${fmt(result.steadyTokensPerSecond, 0)} tokens/s vs ${offered} offered ` +
      `(mean over the whole stream ${fmt(result.received / (result.streamMs / 1000), 0)}/s); ` +
      `errors ${result.errors}${result.errorSamples.length > 0 ? ` (${result.errorSamples.join('; ')})` : ''}${target.errorLogs > 0 ? `, ${target.errorLogs} error log lines` : ''}`,
    `  runs completed ${result.completed}/${result.sessions}; connect ${fmt(result.connectMs / 1000, 1)} s; send → first token p50 ${fmt(percentile(result.firstToken, 50), 0)} / p99 ${fmt(percentile(result.firstToken, 99), 0)} / max ${fmt(percentile(result.firstToken, 100), 0)} ms; ` +
      `streaming took ${fmt(result.streamMs / 1000, 1)} s; server CPU ${fmt(target.cpu * 100, 0)} % of a core ` +
      `(${fmt((target.cpuSeconds * 1000) / Math.max(1, result.received), 3)} ms per token delivered), RSS ${fmt(target.rssMb.idle, 0)} → peak ${fmt(target.rssMb.peak, 0)} MB; ` +
      (target.database
        ? `PostgreSQL CPU ${fmt(target.database.core * 100, 0)} % of a core ` +
          `(${fmt((target.database.seconds * 1e6) / Math.max(1, result.received), 1)} µs per token); `
        : '') +
      `client CPU ${fmt(result.clientCpu * 100, 0)} %; clock offset ${fmt(target.offset.offsetMs, 3)} ms (IPC rtt ${fmt(target.offset.rttMs, 2)} ms)`,
    target.steady
      ? `  steady window (seconds ${result.steadyWindow.from}–${result.steadyWindow.to} after the first send, every session streaming): ` +
        `relay latency p50 ${fmt(percentile(result.steadyLatencies, 50), 2)} ms, p99 ${fmt(percentile(result.steadyLatencies, 99), 2)} ms; ` +
        `server CPU ${fmt(target.steady.core * 100, 0)} % of a core, ${fmt(steadyUsPerToken(target), 1)} µs per token ` +
        `(user ${fmt(target.steady.userUs, 1)}, system ${fmt(target.steady.systemUs, 1)})`
      : '  steady window: too short to measure',
    `  p99 by second after the first send (ms): ${result.p99PerSecond.map((value, second) => `${second}: ${fmt(value, value < 10 ? 1 : 0)}`).join(', ')}`,
    overGoal(result),
  ];
}

export async function benchStreaming(options: StreamingOptions): Promise<string[]> {
  const tokens = Math.round((options.seconds * 1000) / INTERVAL_MS);
  const offered = Math.round((options.sessions * 1000) / INTERVAL_MS);
  console.log(
    `\n## WebSocket streaming: ${options.sessions} sessions × ${tokens} tokens at ${1000 / INTERVAL_MS}/s (offered ${offered} tokens/s), ramp ${options.rampMs} ms, servers with NODE_ENV=${SERVER_NODE_ENV} — ${load()}`,
  );
  // BENCH_DB_DELAY_MS: the servers reach PostgreSQL through a proxy holding each chunk that long.
  const delayMs = Number(process.env.BENCH_DB_DELAY_MS ?? 0);
  if (!(delayMs >= 0))
    throw new Error(`BENCH_DB_DELAY_MS must be a number of ms, not "${process.env.BENCH_DB_DELAY_MS}"`);
  const rows: string[] = [];
  const raw = await measureTarget(
    'raw ws (limit)',
    ['raw', String(tokens), String(INTERVAL_MS), tmpdir()],
    options,
    tokens,
    false,
  );
  for (const line of describe(raw, offered)) console.log(`- ${line}`);
  rows.push(...describe(raw, offered));
  for (const database of options.databases) {
    const dataDir = await mkdtemp(join(tmpdir(), 'aurora-bench-ws-'));
    let throwaway: ThrowawayDatabase | undefined;
    let proxy: DelayProxy | undefined;
    try {
      if (database === 'postgres') throwaway = await createThrowawayDatabase();
      if (delayMs > 0 && !throwaway)
        console.log(`  (BENCH_DB_DELAY_MS applies to PostgreSQL only; ${database} is local)`);
      if (throwaway && delayMs > 0) {
        proxy = await startDelayProxy(throwaway.url, delayMs);
        console.log(`  (the servers reach PostgreSQL through a proxy adding ${delayMs} ms each way)`);
      }
      const databaseUrl = proxy?.url ?? throwaway?.url;
      const args = ['aurora', String(tokens), String(INTERVAL_MS), dataDir, ...(databaseUrl ? [databaseUrl] : [])];
      console.log(`  (${load()} before Aurora on ${database})`);
      const replicas = database === 'postgres' ? (options.replicas ?? 1) : 1;
      const aurora = await measureTarget(
        replicas > 1 ? `Aurora, ${replicas} replicas on postgres + Redis` : `Aurora on ${database}`,
        args,
        options,
        tokens,
        options.profile,
        replicas,
        database === 'postgres',
      );
      const lines = describe(aurora, offered);
      const ratio = (p: number) => percentile(aurora.result.latencies, p) / percentile(raw.result.latencies, p);
      const p99 = percentile(aurora.result.latencies, 99);
      const { received, expected, errors } = aurora.result;
      // Met only if every token got out, and every session streamed at its rate at once (the
      // steady rate within 5 % of what was offered), with p99 ≤ 25 ms.
      const steadyShare = aurora.result.steadyTokensPerSecond / offered;
      const verdict =
        received < expected || errors > 0
          ? `NOT met: the server did not keep up (${received} of ${expected} tokens, ${errors} errors), so its latencies describe only the tokens that got out`
          : !(steadyShare >= 0.95)
            ? `NOT met: the sessions did not all stream at once (steady ${fmt(steadyShare * 100, 0)} % of the offered rate: runs started late)`
            : p99 <= GOAL_P99_MS
              ? 'met'
              : 'NOT met';
      // CPU per token in the steady window beside the raw server's, which writes the same frames
      // to as many sockets: what Aurora costs above the syscalls every relay pays.
      const cpuRatio = steadyUsPerToken(aurora) / steadyUsPerToken(raw);
      lines.push(
        `  ratio to raw ws: p50 ${fmt(ratio(50), 2)}×, p99 ${fmt(ratio(99), 2)}×` +
          (Number.isFinite(cpuRatio) ? `, steady CPU per token ${fmt(cpuRatio, 2)}×` : '') +
          `; goal p99 ≤ 25 ms: ${verdict}`,
      );
      for (const line of lines) console.log(`- ${line}`);
      for (const line of aurora.profile ?? []) console.log(`    ${line}`);
      rows.push(...lines);
    } finally {
      await proxy?.close();
      await throwaway?.drop();
      await rm(dataDir, { recursive: true, force: true });
    }
  }
  console.log(`  (${load()} after)`);
  return rows;
}
