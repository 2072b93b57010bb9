/**
 * `pnpm bench:agent [section…]`: the agent runtime's overheads in one run. Sections:
 * `tools` (tool-call round trip through the MCP host beside the bare MCP SDK, per transport),
 * `steps` (agent step overhead per checkpointer, and token events/s through the stream),
 * `tokens` (CPU per streamed token: LangChain's model stream alone, and through an agent run),
 * `runs` (CPU per run, start to end, for one-turn runs started together).
 */
import { benchAgentSteps } from './agent-steps.js';
import { benchRunCost } from './run-cost.js';
import { benchTokenPath } from './token-path.js';
import { benchToolCalls } from './tool-calls.js';

const sections: Record<string, () => Promise<void>> = {
  tools: benchToolCalls,
  steps: benchAgentSteps,
  tokens: benchTokenPath,
  runs: () => benchRunCost(),
};
const wanted = process.argv.slice(2);
for (const name of wanted) {
  if (!(name in sections)) {
    console.error(`Unknown section "${name}". Sections: ${Object.keys(sections).join(', ')}`);
    process.exit(2);
  }
}
console.log(`# Agent benchmarks (Node ${process.version}, medians of interleaved rounds)`);
for (const [name, run] of Object.entries(sections)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  process.stdout.write(`\nrunning ${name}…\n`);
  await run();
}
