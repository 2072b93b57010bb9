/**
 * Small helpers shared by the server benchmarks: percentiles, machine load, and what a child
 * process uses (VmRSS and CPU time from /proc, Linux only).
 */
import { readdir, readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';

/** The goal for the relay latency of 1 000 streaming sessions: p99 ≤ 25 ms. */
export const GOAL_P99_MS = 25;

export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

export function median(values: readonly number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

/** `1-min / 5-min / 15-min` load averages, and a label when the 2 shared cores are busy. */
export function load(): string {
  const [one = 0, five = 0, fifteen = 0] = loadavg();
  return `load average ${one.toFixed(2)} / ${five.toFixed(2)} / ${fifteen.toFixed(2)}${one > 1.5 ? ' (LOADED machine: absolute figures are pessimistic)' : ''}`;
}

/** VmRSS of a process in MB (from /proc/<pid>/status). */
export async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
  if (kb === undefined) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(kb) / 1024;
}

/** The fields of a /proc/<pid>/stat line after the command name (which may hold spaces). */
function statFields(stat: string): string[] {
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** User and system CPU seconds a process has used (from /proc/<pid>/stat; 100 ticks per second). */
export async function cpuTimes(pid: number): Promise<{ user: number; system: number }> {
  const fields = statFields(await readFile(`/proc/${pid}/stat`, 'utf8'));
  return { user: Number(fields[11]) / 100, system: Number(fields[12]) / 100 };
}

/** User + system CPU seconds a process has used. */
export async function cpuSeconds(pid: number): Promise<number> {
  const { user, system } = await cpuTimes(pid);
  return user + system;
}

/**
 * CPU seconds of every `postgres` process on this machine, including its exited children
 * (a backend's time moves to the postmaster's when it ends), or undefined when none is visible
 * (the database is elsewhere). The difference over a window is the server's share only while
 * nothing else uses PostgreSQL.
 */
export async function postgresCpuSeconds(): Promise<number | undefined> {
  let total = 0;
  let seen = false;
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = await readFile(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // ended meanwhile
    }
    if (stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) !== 'postgres') continue;
    seen = true;
    const fields = statFields(stat);
    // utime, stime, cutime, cstime
    total += (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / 100;
  }
  return seen ? total : undefined;
}

/** Milliseconds on a clock every process on this machine shares (CLOCK_REALTIME at µs resolution). */
export function sharedNow(): number {
  return performance.timeOrigin + performance.now();
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export const fmt = (value: number, digits = 1): string => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');
