import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type Gc = (options?: {
  readonly type?: 'major' | 'minor';
  readonly execution?: 'sync' | 'async';
  readonly flavor?: 'regular' | 'last-resort';
}) => void;

/**
 * One memory-reducing major GC, for a long-running process that has just started: module
 * loading and migrations leave a young generation grown to its maximum and freed pages pooled.
 *
 * V8 has a memory reducer for this, but on Node 24 (V8 13) it never starts in an idle process:
 * it reports "high alloc" every 8 s forever, even for a script that only sets an interval, so
 * an idle `aurora start` kept 290–300 MB (and grew slowly). One `last-resort` GC gives it back:
 * measured 294 → 189 MB in 92 ms. On Node 20 (V8 11, no `flavor`) this is a plain major GC
 * (~5 ms); its memory reducer does the rest on its own within ~20 s.
 *
 * `gc` is taken from a fresh context with `--expose-gc` set only for that moment, so no global
 * `gc` appears for the server's own code or in-process plugins. Returns the pause in ms.
 */
export function compactHeap(): number {
  let gc = (globalThis as { gc?: Gc }).gc;
  if (!gc) {
    setFlagsFromString('--expose-gc');
    try {
      gc = runInNewContext('gc') as Gc;
    } finally {
      setFlagsFromString('--no-expose-gc');
    }
  }
  const started = performance.now();
  // V8 11 (Node 20) does not know `flavor` and, given these options, does not run a major GC.
  if (Number.parseInt(process.versions.v8, 10) >= 12) gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
  else gc();
  return performance.now() - started;
}
