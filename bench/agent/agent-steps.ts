/**
 * Agent step overhead: one step = a scripted model turn that calls a read tool + the call
 * through the real MCP host to an in-process plugin. The same work is measured as a bare loop
 * (model.stream + host.callTool, no graph), as the agent graph with LangGraph's MemorySaver,
 * and as the agent on the Database checkpointer over PostgreSQL and PGlite, so the graph cost
 * and the checkpoint cost show separately. Variants run interleaved, round by round, and each
 * overhead is the median over rounds of (variant p50 − bare p50 of the same round).
 * Goal: agent on PostgreSQL − bare ≤ 3 ms p50.
 * Then token events/s through RunEventStream (validated and not).
 *
 * Run alone: `pnpm exec tsx bench/agent/agent-steps.ts`.
 */
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { createAgent } from '../../packages/core/src/agent/create-agent.js';
import { createScriptedChatModel, type ScriptedTurn } from '../../packages/core/src/agent/scripted-model.js';
import { createMemoryAuditSink } from '../../packages/core/src/confirmation/audit-sink.js';
import { createConfirmationService } from '../../packages/core/src/confirmation/confirmation-service.js';
import { createRunEventStream } from '../../packages/core/src/events/run-event-stream.js';
import { createMcpHost } from '../../packages/core/src/mcp-host/create-mcp-host.js';
import type { McpHost } from '../../packages/core/src/mcp-host/mcp-host.js';
import { createSecretRedactor } from '../../packages/core/src/secrets/redactor.js';
import type { Database } from '../../packages/core/src/storage/database/database.js';
import { createPgliteDatabase } from '../../packages/core/src/storage/pglite/index.js';
import { createPostgresDatabase } from '../../packages/core/src/storage/postgres/index.js';
import { bareLoop, memorySaver, opsServer } from '../../packages/core/test/support/agent-harness.js';
import { createThrowawayDatabase, postgresAvailable } from '../../packages/core/test/support/postgres.js';

const STEPS_PER_RUN = 40;
const ROUNDS = 9;

function percentile(sorted: readonly number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

interface Figures {
  readonly p50: number;
  readonly p95: number;
}

function figures(samples: number[]): Figures {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95) };
}

/** A script of `steps` read-tool turns then an answer; records when each model call starts. */
function stepScript(steps: number, marks: number[]): ScriptedTurn[] {
  const turns: ScriptedTurn[] = [];
  for (let i = 0; i < steps; i++) {
    turns.push(() => {
      marks.push(performance.now());
      return {
        text: 'checking',
        toolCalls: [{ name: 'ops__get_status', args: { service: `svc-${i}` } }],
        usage: { inputTokens: 10, outputTokens: 5 },
      };
    });
  }
  turns.push(() => {
    marks.push(performance.now());
    return { text: 'done', usage: { inputTokens: 10, outputTokens: 1 } };
  });
  return turns;
}

const deltas = (marks: readonly number[]): number[] => marks.slice(1).map((mark, i) => mark - marks[i]!);

interface Variant {
  readonly name: string;
  /** One run of STEPS_PER_RUN steps; returns the per-step samples (ms). */
  readonly run: () => Promise<number[]>;
}

function agentVariant(
  name: string,
  database: Database,
  host: McpHost,
  memory: boolean,
  fastLangChainContext = true,
): Variant {
  const redactor = createSecretRedactor();
  const confirmations = createConfirmationService({
    database,
    key: 'bench-key-0123456789abcdef0123456789abcdef',
    audit: createMemoryAuditSink(),
  });
  return {
    name,
    async run() {
      const marks: number[] = [];
      const agent = createAgent({
        model: createScriptedChatModel({ turns: stepScript(STEPS_PER_RUN, marks) }),
        modelName: 'scripted:bench',
        host,
        confirmations,
        database,
        redactor,
        budgets: { maxSteps: STEPS_PER_RUN + 5 },
        validateEvents: false,
        fastLangChainContext,
        ...(memory ? { checkpointer: memorySaver() } : {}),
      });
      try {
        const handle = await agent.run({ org: 'bench', message: 'investigate' });
        for await (const _event of handle.events) {
          // drain
        }
        const result = await handle.done;
        if (result.status !== 'completed') throw new Error(`bench run ended ${result.status}`);
      } finally {
        await agent.close();
      }
      return deltas(marks);
    },
  };
}

function bareVariant(host: McpHost): Variant {
  return {
    name: 'bare loop (no graph)',
    async run() {
      const marks: number[] = [];
      await bareLoop(createScriptedChatModel({ turns: stepScript(STEPS_PER_RUN, marks) }), host, 'investigate');
      return deltas(marks);
    },
  };
}

interface VariantFigures extends Figures {
  /** Median over rounds of (this variant's p50 − the bare loop's p50 in the same round). */
  readonly overhead: number;
  readonly overheadQ1: number;
  readonly overheadQ3: number;
}

/**
 * Every round runs each variant once, in an order that rotates per round, so each variant's
 * overhead is taken against the bare loop measured moments before or after it: on a shared
 * machine, figures measured a minute apart differ more than the overheads being compared.
 * Round 0 warms up (migrations, JIT) and is dropped.
 */
async function measureRounds(variants: readonly Variant[]): Promise<Map<string, VariantFigures>> {
  const samples = new Map<string, number[]>(variants.map((v) => [v.name, []]));
  const overheads = new Map<string, number[]>(variants.map((v) => [v.name, []]));
  for (let round = 0; round <= ROUNDS; round++) {
    const p50s = new Map<string, number>();
    for (let i = 0; i < variants.length; i++) {
      const variant = variants[(i + round) % variants.length]!;
      const steps = await variant.run();
      if (round === 0) continue;
      samples.get(variant.name)!.push(...steps);
      p50s.set(variant.name, figures(steps).p50);
    }
    if (round === 0) continue;
    const bare = p50s.get(variants[0]!.name)!;
    for (const [name, p50] of p50s) overheads.get(name)!.push(p50 - bare);
  }
  const result = new Map<string, VariantFigures>();
  for (const variant of variants) {
    const sortedOverheads = [...overheads.get(variant.name)!].sort((a, b) => a - b);
    result.set(variant.name, {
      ...figures(samples.get(variant.name)!),
      overhead: percentile(sortedOverheads, 50),
      overheadQ1: percentile(sortedOverheads, 25),
      overheadQ3: percentile(sortedOverheads, 75),
    });
  }
  return result;
}

async function benchTokenEvents(validate: boolean): Promise<number> {
  const redactor = createSecretRedactor();
  redactor.learn('bench-secret-value-123');
  const stream = createRunEventStream({ runId: 'r', sessionId: 's', redactor, validate, bufferSize: 1000 });
  const count = 100_000;
  const consumer = (async () => {
    let seen = 0;
    for await (const _event of stream.subscribe()) seen += 1;
    return seen;
  })();
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    stream.emit({ type: 'token.streamed', text: 'tok ' });
    if (i % 1000 === 999) await new Promise((resolve) => setImmediate(resolve));
  }
  await stream.close();
  const seen = await consumer;
  const elapsed = performance.now() - started;
  if (seen !== count) throw new Error(`consumer saw ${seen} of ${count}`);
  return (count / elapsed) * 1000;
}

export async function benchAgentSteps(): Promise<void> {
  const host = createMcpHost();
  await host.connect({ name: 'ops', transport: { kind: 'in-process', server: opsServer([]) } });
  const fmt = (value: number): string => value.toFixed(2);
  const pglite = createPgliteDatabase({ vector: false });
  const throwaway = (await postgresAvailable()) ? await createThrowawayDatabase() : undefined;
  const postgres = throwaway && createPostgresDatabase({ connectionString: throwaway.url, max: 4 });
  try {
    const variants: Variant[] = [
      bareVariant(host),
      agentVariant('graph + MemorySaver', pglite, host, true),
      agentVariant('graph + PGlite', pglite, host, false),
    ];
    if (postgres) {
      variants.push(agentVariant('graph + PostgreSQL', postgres, host, false));
      // The same with LangChain's own per-runnable context (a disabled RunTree each time).
      variants.push(agentVariant('… LangChain RunTree ctx', postgres, host, false, false));
    } else console.log('(PostgreSQL not reachable: its row is skipped)');
    const results = await measureRounds(variants);
    console.log(
      `\n## Agent step (model turn + read tool call, in-process plugin), ${ROUNDS} rounds × ${STEPS_PER_RUN} steps per variant, Node ${process.version}`,
    );
    console.log(`${'variant'.padEnd(26)}${'step p50/p95 ms'.padEnd(20)}overhead vs bare, median of rounds [q1–q3] ms`);
    for (const variant of variants) {
      const r = results.get(variant.name)!;
      const overhead = variant === variants[0] ? '—' : `${fmt(r.overhead)} [${fmt(r.overheadQ1)}–${fmt(r.overheadQ3)}]`;
      console.log(`${variant.name.padEnd(26)}${`${fmt(r.p50)}/${fmt(r.p95)}`.padEnd(20)}${overhead}`);
    }
    const postgresFigures = results.get('graph + PostgreSQL');
    if (postgresFigures) {
      const overhead = postgresFigures.overhead;
      console.log(
        `goal: PostgreSQL overhead ≤ 3 ms p50 → ${fmt(overhead)} ms ${overhead <= 3 ? '(met)' : '(NOT met)'}`,
      );
    }
  } finally {
    await pglite.close();
    await postgres?.close();
    await throwaway?.drop();
    await host.close();
  }
  console.log('\n## RunEventStream token events (100k, one subscriber, redactor with one secret)');
  console.log(`validated:   ${(await benchTokenEvents(true)).toFixed(0)} events/s`);
  console.log(`unvalidated: ${(await benchTokenEvents(false)).toFixed(0)} events/s`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await benchAgentSteps();
}
