/**
 * Agent step overhead: one step = a scripted model turn that calls a read tool + the call
 * through the real MCP host to an in-process plugin. The same work is measured as a bare loop
 * (model.stream + host.callTool, no graph), as the agent graph with LangGraph's MemorySaver,
 * and as the agent on the Database checkpointer over PostgreSQL and PGlite, so the graph cost
 * and the checkpoint cost show separately. Goal: agent on PostgreSQL − bare ≤ 3 ms p50.
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
const RUNS = 6;

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

async function benchAgent(database: Database, host: McpHost, memory: boolean): Promise<Figures> {
  const redactor = createSecretRedactor();
  const confirmations = createConfirmationService({
    database,
    key: 'bench-key-0123456789abcdef0123456789abcdef',
    audit: createMemoryAuditSink(),
  });
  const samples: number[] = [];
  for (let run = 0; run <= RUNS; run++) {
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
      ...(memory ? { checkpointer: memorySaver() } : {}),
    });
    const handle = await agent.run({ org: 'bench', message: 'investigate' });
    for await (const _event of handle.events) {
      // drain
    }
    const result = await handle.done;
    if (result.status !== 'completed') throw new Error(`bench run ended ${result.status}`);
    if (run > 0) samples.push(...deltas(marks)); // run 0 warms up (migrations, JIT)
    await agent.close();
  }
  return figures(samples);
}

async function benchBare(host: McpHost): Promise<Figures> {
  const samples: number[] = [];
  for (let run = 0; run <= RUNS; run++) {
    const marks: number[] = [];
    await bareLoop(createScriptedChatModel({ turns: stepScript(STEPS_PER_RUN, marks) }), host, 'investigate');
    if (run > 0) samples.push(...deltas(marks));
  }
  return figures(samples);
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
  const rows: [string, Figures][] = [];
  try {
    const bare = await benchBare(host);
    rows.push(['bare loop (no graph)', bare]);
    const pglite = createPgliteDatabase({ vector: false });
    try {
      rows.push(['graph + MemorySaver', await benchAgent(pglite, host, true)]);
      rows.push(['graph + PGlite', await benchAgent(pglite, host, false)]);
    } finally {
      await pglite.close();
    }
    if (await postgresAvailable()) {
      const throwaway = await createThrowawayDatabase();
      const postgres = createPostgresDatabase({ connectionString: throwaway.url, max: 4 });
      try {
        rows.push(['graph + PostgreSQL', await benchAgent(postgres, host, false)]);
      } finally {
        await postgres.close();
        await throwaway.drop();
      }
    } else {
      console.log('(PostgreSQL not reachable: its row is skipped)');
    }
    console.log(
      `\n## Agent step (model turn + read tool call, in-process plugin), ${RUNS}×${STEPS_PER_RUN} steps, Node ${process.version}`,
    );
    console.log(`${'variant'.padEnd(26)}${'step p50/p95 ms'.padEnd(20)}overhead vs bare p50 ms`);
    for (const [name, result] of rows) {
      console.log(
        `${name.padEnd(26)}${`${fmt(result.p50)}/${fmt(result.p95)}`.padEnd(20)}${fmt(result.p50 - bare.p50)}`,
      );
    }
    const postgresRow = rows.find(([name]) => name === 'graph + PostgreSQL');
    if (postgresRow) {
      const overhead = postgresRow[1].p50 - bare.p50;
      console.log(
        `goal: PostgreSQL overhead ≤ 3 ms p50 → ${fmt(overhead)} ms ${overhead <= 3 ? '(met)' : '(NOT met)'}`,
      );
    }
  } finally {
    await host.close();
  }
  console.log('\n## RunEventStream token events (100k, one subscriber, redactor with one secret)');
  console.log(`validated:   ${(await benchTokenEvents(true)).toFixed(0)} events/s`);
  console.log(`unvalidated: ${(await benchTokenEvents(false)).toFixed(0)} events/s`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await benchAgentSteps();
}
