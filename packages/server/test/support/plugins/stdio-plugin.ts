/** Helpers for the supervisor's tests: the stdio test plugin as a config, and process checks. */
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { SupervisedPlugin } from '../../../src/plugins/index.js';

export const STDIO_PLUGIN_SCRIPT = fileURLToPath(new URL('./stdio-plugin.mjs', import.meta.url));

/** A tag unique to one test file, put on each child's command line so `/proc` finds them all. */
export function processTag(): string {
  return `aurora-supervisor-test-${randomUUID()}`;
}

export interface StdioPluginOptions {
  readonly tag: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly dependsOn?: readonly string[];
  readonly enabled?: boolean;
}

/** The test plugin (`stdio-plugin.mjs`) run by this node binary, as the supervisor configures it. */
export function stdioPlugin(name: string, options: StdioPluginOptions): SupervisedPlugin {
  return {
    name,
    transport: {
      kind: 'stdio',
      command: process.execPath,
      args: [STDIO_PLUGIN_SCRIPT, '--tag', options.tag],
      env: { AURORA_TEST_NAME: name, ...options.env },
    },
    ...(options.dependsOn === undefined ? {} : { dependsOn: options.dependsOn }),
    ...(options.enabled === undefined ? {} : { enabled: options.enabled }),
  };
}

/** Pids of live processes whose command line carries `tag` (children, and orphans reparented to init). */
export function taggedPids(tag: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const commandLine = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // A zombie (state Z) has exited; only its parent's bookkeeping is left.
      if (commandLine.includes(tag) && !/\) Z /.test(stat)) pids.push(Number(entry));
    } catch {
      // exited while we looked
    }
  }
  return pids;
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits until `check()` holds; fails with `what` after `ms`. */
export async function until(what: string, check: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await sleep(10);
  }
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
