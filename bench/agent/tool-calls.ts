/**
 * Tool-call round trip through the MCP host beside the bare MCP SDK Client doing the same
 * call over the same transport in the same run: in-process, stdio and Streamable HTTP.
 * Rounds are interleaved ABBA (bare then host, host then bare, …); each round gives a p50 per
 * side and one host/bare ratio. The ratio printed is the median of the rounds' ratios with
 * its quartiles; latencies are medians of the rounds' p50 and p95. Goal: host/bare ≤ 1.2×.
 *
 * Run alone: `pnpm exec tsx bench/agent/tool-calls.ts`.
 */
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { createMcpHost } from '../../packages/core/src/mcp-host/index.js';
import type { PluginTransport } from '../../packages/core/src/mcp-host/index.js';
import { connectBareClient } from '../../packages/core/test/support/mcp-bare-client.js';
import { startHttpMcpServer } from '../../packages/core/test/support/mcp-http-server.js';
import { createTestServer } from '../../packages/core/test/support/mcp-test-server.js';
import { CORE_DIR, TEST_SERVER_BIN } from '../../packages/core/test/support/mcp-transports.js';

interface Figures {
  readonly p50: number;
  readonly p95: number;
}

function percentile(sorted: readonly number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

function median(values: readonly number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

async function round(operation: () => Promise<unknown>, iterations: number): Promise<Figures> {
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const started = performance.now();
    await operation();
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p95: percentile(samples, 95) };
}

interface Comparison {
  readonly bare: Figures;
  readonly host: Figures;
  /** Median over rounds of each round's host/bare p50 ratio, and the rounds' spread (quartiles). */
  readonly ratio: { readonly median: number; readonly q1: number; readonly q3: number };
}

/**
 * Rounds alternate which side goes first (ABBA), so neither always inherits the other's
 * garbage; each round gives one host/bare ratio, and the median of those ratios is the figure
 * (on a shared machine a single pair of long runs drifts with the neighbours' load).
 */
async function interleaved(
  bare: () => Promise<unknown>,
  host: () => Promise<unknown>,
  iterations: number,
  rounds: number,
): Promise<Comparison> {
  for (let i = 0; i < 200; i++) {
    await bare();
    await host();
  }
  const bareRounds: Figures[] = [];
  const hostRounds: Figures[] = [];
  const ratios: number[] = [];
  for (let r = 0; r < rounds; r++) {
    let b: Figures;
    let h: Figures;
    if (r % 2 === 0) {
      b = await round(bare, iterations);
      h = await round(host, iterations);
    } else {
      h = await round(host, iterations);
      b = await round(bare, iterations);
    }
    bareRounds.push(b);
    hostRounds.push(h);
    ratios.push(h.p50 / b.p50);
  }
  const combine = (list: readonly Figures[]): Figures => ({
    p50: median(list.map((f) => f.p50)),
    p95: median(list.map((f) => f.p95)),
  });
  const sorted = [...ratios].sort((a, b) => a - b);
  return {
    bare: combine(bareRounds),
    host: combine(hostRounds),
    ratio: { median: percentile(sorted, 50), q1: percentile(sorted, 25), q3: percentile(sorted, 75) },
  };
}

interface Setup {
  readonly iterations: number;
  readonly rounds: number;
  readonly transport: PluginTransport;
}

export async function benchToolCalls(): Promise<void> {
  const fmt = (n: number): string => n.toFixed(3);
  const http = await startHttpMcpServer(() => createTestServer());
  const all: Setup[] = [
    { iterations: 1000, rounds: 15, transport: { kind: 'in-process', server: () => createTestServer() } },
    {
      iterations: 300,
      rounds: 9,
      transport: {
        kind: 'stdio',
        command: process.execPath,
        args: ['--import', 'tsx', TEST_SERVER_BIN],
        cwd: CORE_DIR,
      },
    },
    { iterations: 200, rounds: 9, transport: { kind: 'http', url: http.url } },
  ];
  console.log(
    `\n## MCP tool-call round trip (Node ${process.version}; medians over ABBA-interleaved rounds; ratio = median of the rounds' host/bare p50, [quartiles])`,
  );
  console.log('transport   rounds  bare p50/p95 ms     host p50/p95 ms     ratio p50 [q1–q3]      ratio p95');
  try {
    for (const setup of all) {
      const host = createMcpHost();
      await host.connect({ name: 'bench', transport: setup.transport });
      const bare = await connectBareClient(setup.transport);
      let i = 0;
      const args = (): { id: string } => ({ id: String(i++) });
      try {
        const result = await interleaved(
          () => bare.callTool('get_item', args()),
          () => host.callTool('bench__get_item', args(), { org: 'bench' }),
          setup.iterations,
          setup.rounds,
        );
        const { median: r50, q1, q3 } = result.ratio;
        const r95 = result.host.p95 / result.bare.p95;
        const spread = `${r50.toFixed(2)}× [${q1.toFixed(2)}–${q3.toFixed(2)}]`;
        console.log(
          `${setup.transport.kind.padEnd(12)}${String(setup.rounds).padEnd(8)}${`${fmt(result.bare.p50)}/${fmt(result.bare.p95)}`.padEnd(20)}${`${fmt(result.host.p50)}/${fmt(result.host.p95)}`.padEnd(20)}${spread.padEnd(23)}${r95.toFixed(2)}×${r50 > 1.2 ? '  (p50 above goal 1.2×)' : ''}`,
        );
      } finally {
        await bare.close();
        await host.close();
      }
    }
  } finally {
    await http.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await benchToolCalls();
}
