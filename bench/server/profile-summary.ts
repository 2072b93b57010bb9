/**
 * Reads a V8 `.cpuprofile` (from `node --cpu-prof`) and lists where the self time went: the
 * top functions, and the total per package (or `aurora:<package>` for this repository's code).
 */
import { readFile } from 'node:fs/promises';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

function owner(url: string): string {
  if (url === '') return '(native / GC / idle)';
  const pnpm = /node_modules\/\.pnpm\/[^/]+\/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pnpm) return pnpm[1]!;
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return modules[1]!;
  const ours = /packages\/([^/]+)\//.exec(url);
  if (ours) return `aurora:${ours[1]}`;
  if (url.startsWith('node:')) return 'node (internals)';
  if (url.includes('/bench/')) return 'bench';
  return url.slice(-50);
}

/** Lines of text: top `limit` functions by self time and the self time per package, in % of samples. */
export async function summarizeProfile(path: string, limit = 15): Promise<string[]> {
  const profile = JSON.parse(await readFile(path, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<number, number>();
  let total = 0;
  for (const [index, id] of profile.samples.entries()) {
    const delta = profile.timeDeltas[index] ?? 0;
    self.set(id, (self.get(id) ?? 0) + delta);
    total += delta;
  }
  const functions = new Map<string, number>();
  const packages = new Map<string, number>();
  let idle = 0;
  for (const [id, time] of self) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    if (frame.functionName === '(idle)') {
      idle += time;
      continue;
    }
    const file = frame.url
      .replace(/^.*node_modules\/\.pnpm\/[^/]+\/node_modules\//, '')
      .replace(/^.*\/work\/[^/]+\//, '');
    const key = `${frame.functionName || '(anonymous)'} ${file}:${frame.lineNumber + 1}`;
    functions.set(key, (functions.get(key) ?? 0) + time);
    const pkg = frame.url === '' ? frame.functionName : owner(frame.url);
    packages.set(pkg, (packages.get(pkg) ?? 0) + time);
  }
  const busy = total - idle;
  const pct = (time: number): string => `${((time / busy) * 100).toFixed(1)} %`;
  const lines = [
    `profile ${path}: ${(busy / 1e6).toFixed(1)} s busy of ${(total / 1e6).toFixed(1)} s sampled`,
    'self time by package:',
  ];
  for (const [name, time] of [...packages].sort((a, b) => b[1] - a[1]).slice(0, 12))
    lines.push(`  ${pct(time).padStart(7)}  ${name}`);
  lines.push('top functions by self time:');
  for (const [name, time] of [...functions].sort((a, b) => b[1] - a[1]).slice(0, limit))
    lines.push(`  ${pct(time).padStart(7)}  ${name}`);
  return lines;
}
