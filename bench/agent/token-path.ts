/**
 * CPU per streamed token, as a floor for the server's streaming goal: the same model streams
 * N tokens back to back (no timers) (1) through LangChain's `model.stream()` alone, (2) through
 * `modelChunks`, what the agent's model node iterates instead, alone, and (3) through an agent
 * run whose events are drained, on PGlite. Process CPU ÷ tokens, medians of interleaved rounds.
 * 1 / (CPU per token) is the most tokens/s one core can move through that layer, whatever the
 * server around it does.
 *
 * Run alone: `pnpm exec tsx bench/agent/token-path.ts`.
 */
import { pathToFileURL } from 'node:url';
import type { CallbackManagerForLLMRun } from '../../packages/core/node_modules/@langchain/core/dist/callbacks/manager.js';
import type { BaseMessage } from '../../packages/core/node_modules/@langchain/core/dist/messages/index.js';
import { AIMessageChunk, HumanMessage } from '../../packages/core/node_modules/@langchain/core/dist/messages/index.js';
import { ChatGenerationChunk } from '../../packages/core/node_modules/@langchain/core/dist/outputs.js';
import { modelChunks } from '../../packages/core/src/agent/model-stream.js';
import { createPgliteDatabase } from '../../packages/core/src/storage/pglite/index.js';
import { StreamModel } from '../server/stream-model.js';
import { createBenchAgent } from './bench-agent.js';

const TOKENS = 2_000;
const ROUNDS = 7;

/** The server bench's model, streaming back to back instead of every 50 ms. */
class BackToBackModel extends StreamModel {
  override async *_streamResponseChunks(
    _messages: BaseMessage[],
    _options: this['ParsedCallOptions'],
    runManager?: CallbackManagerForLLMRun,
  ): AsyncGenerator<ChatGenerationChunk> {
    for (let index = 0; index < TOKENS; index++) {
      const text = `t${index} `;
      const chunk = new ChatGenerationChunk({ text, message: new AIMessageChunk({ content: text }) });
      yield chunk;
      await runManager?.handleLLMNewToken(text, undefined, undefined, undefined, undefined, { chunk });
    }
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** µs of process CPU per token for one call of `work` (which moves TOKENS tokens). */
async function cpuPerToken(work: () => Promise<void>): Promise<number> {
  const before = process.cpuUsage();
  await work();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / TOKENS;
}

export async function benchTokenPath(): Promise<void> {
  const model = new BackToBackModel({ tokens: TOKENS, intervalMs: 0 });
  const database = createPgliteDatabase({ vector: false });
  const bench = createBenchAgent(model, 'bench:tokens', database);
  const streamOnly = async (): Promise<void> => {
    for await (const _chunk of await model.stream([new HumanMessage('go')])) {
      // drain
    }
  };
  // What the agent's model node iterates instead of `model.stream()`
  // (packages/core/src/agent/model-stream.ts).
  const chunksOnly = async (): Promise<void> => {
    for await (const _chunk of modelChunks(model, [new HumanMessage('go')], new AbortController().signal)) {
      // drain
    }
  };
  const agentRun = (): Promise<void> => bench.runOnce();
  try {
    await streamOnly();
    await chunksOnly();
    await agentRun();
    const stream: number[] = [];
    const chunks: number[] = [];
    const run: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      stream.push(await cpuPerToken(streamOnly));
      chunks.push(await cpuPerToken(chunksOnly));
      run.push(await cpuPerToken(agentRun));
    }
    const s = median(stream);
    const c = median(chunks);
    const r = median(run);
    console.log(
      `\n## CPU per streamed token (${TOKENS} tokens back to back, medians of ${ROUNDS} interleaved rounds, Node ${process.version})`,
    );
    console.log(`${'layer'.padEnd(40)}${'µs CPU/token'.padEnd(15)}tokens/s per core at most`);
    console.log(`${'LangChain model.stream() alone'.padEnd(40)}${s.toFixed(1).padEnd(15)}${(1e6 / s).toFixed(0)}`);
    console.log(
      `${"the agent's modelChunks() alone".padEnd(40)}${c.toFixed(1).padEnd(15)}${(1e6 / c).toFixed(0)}` +
        `   (${(c / s).toFixed(2)}× model.stream())`,
    );
    console.log(`${'agent run, events drained (PGlite)'.padEnd(40)}${r.toFixed(1).padEnd(15)}${(1e6 / r).toFixed(0)}`);
    console.log(
      `agent's own share: ${(r - s).toFixed(1)} µs/token (${((1 - s / r) * 100).toFixed(0)} % of the run's CPU per token)`,
    );
  } finally {
    await bench.close();
    await database.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await benchTokenPath();
}
