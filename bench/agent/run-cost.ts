/**
 * CPU per run, start to end, for runs that start together (as 1 000 chat sessions do when they
 * all send at once): BURST runs of a one-token answer, started in the same turn of the event
 * loop, their events drained. Process CPU ÷ runs, medians of interleaved rounds, for:
 *   - LangChain's `model.stream()` alone (the floor: one model call and its callbacks),
 *   - the agent on LangGraph's MemorySaver (the graph's own cost, no database),
 *   - the agent on PostgreSQL (what the server does; when PostgreSQL is reachable).
 * What a run costs here, the server pays BURST times in the seconds its sessions start and end,
 * on the thread that relays every other session's tokens.
 *
 * Run alone: `pnpm exec tsx bench/agent/run-cost.ts [burst] [variant]` (`variant`: a part of
 * one variant's name, to profile it alone with `node --cpu-prof`).
 */
import { pathToFileURL } from 'node:url';
import { HumanMessage } from '../../packages/core/node_modules/@langchain/core/dist/messages/index.js';
import type { Database } from '../../packages/core/src/storage/database/database.js';
import { createPostgresDatabase } from '../../packages/core/src/storage/postgres/index.js';
import { memorySaver } from '../../packages/core/test/support/agent-harness.js';
import { createThrowawayDatabase, postgresAvailable } from '../../packages/core/test/support/postgres.js';
import { StreamModel } from '../server/stream-model.js';
import { createBenchAgent } from './bench-agent.js';

const ROUNDS = 7;
/** The floor's variant: one model call and its callbacks. */
const FLOOR = 'LangChain model.stream() alone';

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** µs of process CPU per run for `burst` concurrent calls of `one`. */
async function cpuPerRun(burst: number, one: () => Promise<void>): Promise<number> {
  const before = process.cpuUsage();
  await Promise.all(Array.from({ length: burst }, one));
  const used = process.cpuUsage(before);
  return (used.user + used.system) / burst;
}

interface Variant {
  readonly name: string;
  readonly one: () => Promise<void>;
  readonly close: () => Promise<void>;
}

function agentVariant(name: string, database: Database, memory: boolean): Variant {
  const bench = createBenchAgent(
    new StreamModel({ tokens: 1, intervalMs: 0 }),
    'bench:runs',
    database,
    memory ? { checkpointer: memorySaver() } : {},
  );
  return { name, one: () => bench.runOnce(), close: () => bench.close() };
}

export async function benchRunCost(burst = 500, only?: string): Promise<void> {
  const model = new StreamModel({ tokens: 1, intervalMs: 0 });
  const throwaway = (await postgresAvailable()) ? await createThrowawayDatabase() : undefined;
  const postgres = throwaway && createPostgresDatabase({ connectionString: throwaway.url, max: 4 });
  // MemorySaver keeps no rows, but the agent still stores its run rows and events somewhere:
  // on PostgreSQL when reachable, else the variant is skipped with the PostgreSQL one.
  const variants: Variant[] = [
    {
      name: FLOOR,
      async one() {
        for await (const _chunk of await model.stream([new HumanMessage('go')])) {
          // drain
        }
      },
      close: () => Promise.resolve(),
    },
  ];
  if (postgres) {
    variants.push(agentVariant('agent, MemorySaver (rows on PostgreSQL)', postgres, true));
    variants.push(agentVariant('agent, PostgreSQL', postgres, false));
  } else console.log('(PostgreSQL not reachable: the agent rows are skipped)');
  if (only) variants.splice(0, variants.length, ...variants.filter((variant) => variant.name.includes(only)));
  try {
    for (const variant of variants) await cpuPerRun(Math.min(burst, 50), variant.one); // warm up
    const samples = new Map<string, number[]>(variants.map((variant) => [variant.name, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const variant of variants) samples.get(variant.name)!.push(await cpuPerRun(burst, variant.one));
    }
    // The floor, when it was measured (a variant asked for alone has nothing to be compared with).
    const floorSamples = samples.get(FLOOR);
    const floor = floorSamples ? median(floorSamples) : Number.NaN;
    console.log(
      `\n## CPU per run, ${burst} one-token runs started together (medians of ${ROUNDS} interleaved rounds, Node ${process.version})`,
    );
    console.log(
      `${'variant'.padEnd(44)}${'µs CPU/run'.padEnd(19)}${'× model.stream()'.padEnd(18)}runs/s per core at most`,
    );
    for (const variant of variants) {
      const values = samples.get(variant.name)!;
      const m = median(values);
      const range = `${Math.min(...values).toFixed(0)}–${Math.max(...values).toFixed(0)}`;
      console.log(
        `${variant.name.padEnd(44)}${`${m.toFixed(0)} (${range})`.padEnd(19)}${(Number.isFinite(floor) ? (m / floor).toFixed(1) : 'n/a').padEnd(18)}${(1e6 / m).toFixed(0)}`,
      );
    }
  } finally {
    for (const variant of variants) await variant.close();
    await postgres?.close();
    await throwaway?.drop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await benchRunCost(Number(process.argv[2] ?? 500), process.argv[3]);
}
