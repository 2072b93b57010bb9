/**
 * Tool-call round trip through the MCP host beside the bare MCP SDK Client doing the same
 * call over the same transport in the same run: in-process, stdio and Streamable HTTP.
 * Figures are medians over interleaved rounds (bare, host, bare, host, …), as in
 * `bench/lib/measure.ts`, with p95 instead of p99. Goal: host/bare ≤ 1.2×.
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

async function interleaved(
  bare: () => Promise<unknown>,
  host: () => Promise<unknown>,
  iterations: number,
  rounds = 5,
): Promise<{ bare: Figures; host: Figures }> {
  for (let i = 0; i < 50; i++) {
    await bare();
    await host();
  }
  const bareRounds: Figures[] = [];
  const hostRounds: Figures[] = [];
  for (let r = 0; r < rounds; r++) {
    bareRounds.push(await round(bare, iterations));
    hostRounds.push(await round(host, iterations));
  }
  const combine = (list: readonly Figures[]): Figures => ({
    p50: median(list.map((f) => f.p50)),
    p95: median(list.map((f) => f.p95)),
  });
  return { bare: combine(bareRounds), host: combine(hostRounds) };
}

interface Setup {
  readonly iterations: number;
  readonly transport: PluginTransport;
}

export async function benchToolCalls(): Promise<void> {
  const fmt = (n: number): string => n.toFixed(3);
  const http = await startHttpMcpServer(() => createTestServer());
  const all: Setup[] = [
    { iterations: 1000, transport: { kind: 'in-process', server: () => createTestServer() } },
    {
      iterations: 300,
      transport: {
        kind: 'stdio',
        command: process.execPath,
        args: ['--import', 'tsx', TEST_SERVER_BIN],
        cwd: CORE_DIR,
      },
    },
    { iterations: 200, transport: { kind: 'http', url: http.url } },
  ];
  console.log(`\n## MCP tool-call round trip (Node ${process.version}; medians of 5 interleaved rounds)`);
  console.log('transport   bare p50/p95 ms     host p50/p95 ms     ratio p50  ratio p95');
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
        );
        const r50 = result.host.p50 / result.bare.p50;
        const r95 = result.host.p95 / result.bare.p95;
        console.log(
          `${setup.transport.kind.padEnd(12)}${`${fmt(result.bare.p50)}/${fmt(result.bare.p95)}`.padEnd(20)}${`${fmt(result.host.p50)}/${fmt(result.host.p95)}`.padEnd(20)}${`${r50.toFixed(2)}×`.padEnd(11)}${r95.toFixed(2)}×${r50 > 1.2 ? '  (p50 above goal 1.2×)' : ''}`,
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
