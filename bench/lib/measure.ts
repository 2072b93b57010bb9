/**
 * Shared benchmark helpers: run an operation N times after a warm-up, report ops/s and
 * p50/p99 latency, and compare an adapter with the raw driver doing the same work in the
 * same run. Figures are medians over rounds because this machine is shared and noisy.
 */
import { performance } from 'node:perf_hooks';

export interface Measurement {
  readonly name: string;
  readonly iterations: number;
  readonly opsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

export interface MeasureOptions {
  readonly iterations?: number;
  readonly warmup?: number;
  /** Independent rounds; the reported figures are the medians across rounds. */
  readonly rounds?: number;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

function median(values: readonly number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

/** Runs `operation(i)` sequentially and measures each call. */
export async function measure(
  name: string,
  operation: (iteration: number) => Promise<unknown>,
  options: MeasureOptions = {},
): Promise<Measurement> {
  const iterations = options.iterations ?? 500;
  const warmup = options.warmup ?? Math.min(50, Math.ceil(iterations / 10));
  const rounds = options.rounds ?? 3;
  let counter = 0;
  for (let i = 0; i < warmup; i++) await operation(counter++);
  const ops: number[] = [];
  const p50s: number[] = [];
  const p99s: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const samples: number[] = [];
    const started = performance.now();
    for (let i = 0; i < iterations; i++) {
      const t0 = performance.now();
      await operation(counter++);
      samples.push(performance.now() - t0);
    }
    const elapsed = performance.now() - started;
    samples.sort((a, b) => a - b);
    ops.push((iterations / elapsed) * 1000);
    p50s.push(percentile(samples, 50));
    p99s.push(percentile(samples, 99));
  }
  return { name, iterations: iterations * rounds, opsPerSecond: median(ops), p50Ms: median(p50s), p99Ms: median(p99s) };
}

export interface Comparison {
  readonly section: string;
  readonly operation: string;
  readonly adapter: Measurement;
  readonly raw: Measurement;
}

/** Adapter ops/s divided by raw ops/s (1.0 = no overhead). */
export function ratio(comparison: Comparison): number {
  return comparison.adapter.opsPerSecond / comparison.raw.opsPerSecond;
}

/** Measures adapter and raw interleaved (raw, adapter, raw, adapter …) to share the noise. */
export async function compare(
  section: string,
  operation: string,
  adapter: (iteration: number) => Promise<unknown>,
  raw: (iteration: number) => Promise<unknown>,
  options: MeasureOptions = {},
): Promise<Comparison> {
  const rounds = options.rounds ?? 5;
  const adapterRounds: Measurement[] = [];
  const rawRounds: Measurement[] = [];
  for (let round = 0; round < rounds; round++) {
    rawRounds.push(await measure(`${operation} (raw)`, raw, { ...options, rounds: 1 }));
    adapterRounds.push(await measure(`${operation} (adapter)`, adapter, { ...options, rounds: 1 }));
  }
  const combine = (name: string, list: readonly Measurement[]): Measurement => ({
    name,
    iterations: list.reduce((sum, m) => sum + m.iterations, 0),
    opsPerSecond: median(list.map((m) => m.opsPerSecond)),
    p50Ms: median(list.map((m) => m.p50Ms)),
    p99Ms: median(list.map((m) => m.p99Ms)),
  });
  return {
    section,
    operation,
    adapter: combine(`${operation} (adapter)`, adapterRounds),
    raw: combine(`${operation} (raw)`, rawRounds),
  };
}

/** Prints one table: adapter vs raw with the ratio, and flags ratios under the goal. */
export function printComparisons(title: string, rows: readonly Comparison[], goal = 0.9): void {
  const pad = (value: string, width: number): string => value.padEnd(width);
  const num = (value: number, digits = 2): string => value.toFixed(digits);
  console.log(`\n## ${title}`);
  console.log(
    `${pad('section', 22)}${pad('operation', 30)}${pad('adapter ops/s', 15)}${pad('raw ops/s', 12)}${pad('adapter p50/p99 ms', 21)}${pad('raw p50/p99 ms', 17)}ratio`,
  );
  for (const row of rows) {
    const r = ratio(row);
    console.log(
      `${pad(row.section, 22)}${pad(row.operation, 30)}${pad(num(row.adapter.opsPerSecond, 0), 15)}${pad(num(row.raw.opsPerSecond, 0), 12)}${pad(`${num(row.adapter.p50Ms, 3)}/${num(row.adapter.p99Ms, 3)}`, 21)}${pad(`${num(row.raw.p50Ms, 3)}/${num(row.raw.p99Ms, 3)}`, 17)}${num(r)}×${r < goal ? `  (below goal ${goal}×)` : ''}`,
    );
  }
}
