import { ensureConfig, type RunnableConfig } from '@langchain/core/runnables';
import { AsyncGeneratorWithSetup } from '@langchain/core/utils/stream';
import { INTERRUPT, isInterrupted } from '@langchain/langgraph';

/** The part of a compiled LangGraph graph `invokeGraph` uses. */
export interface InvocableGraph {
  readonly config?: RunnableConfig;
  readonly outputChannels: unknown;
  _streamIterator(input: unknown, options: RunnableConfig): AsyncGenerator<unknown>;
}

/**
 * `graph.invoke(input, config)` for a graph run at the top level (not inside another graph's
 * node), without the web stream `invoke` reads it through. `Pregel.invoke` streams the run's
 * `values` with `Pregel.stream`, which is `Runnable.stream`: the graph's `_streamIterator` wrapped
 * in an `AsyncGeneratorWithSetup` (each step runs inside the run's LangChain context) and that
 * wrapped in a `ReadableStream`, plus an abort controller for a consumer that cancels the stream.
 * Read to the end here, the stream adds a pull, an enqueue and a read per step and a thrown and
 * swallowed error at its end (`fromAsyncGenerator` enqueues after closing): 4–5 % of a one-turn
 * run's CPU in a profile of `bench:agent runs`. This reads the same generator, set up the same
 * way, and returns what `invoke` returns: the last values, with `__interrupt__` when the run
 * paused.
 */
export async function invokeGraph(graph: InvocableGraph, input: unknown, config: RunnableConfig): Promise<unknown> {
  const options = ensureConfig({
    recursionLimit: graph.config?.recursionLimit,
    ...config,
    outputKeys: graph.outputChannels,
    streamMode: 'values',
    encoding: undefined,
  } as RunnableConfig);
  const steps = new AsyncGeneratorWithSetup({ generator: graph._streamIterator(input, options), config: options });
  await steps.setup;
  const interrupts: unknown[] = [];
  let latest: unknown;
  for await (const chunk of steps) {
    if (isInterrupted(chunk)) interrupts.push(chunk[INTERRUPT]);
    else latest = chunk;
  }
  if (interrupts.length === 0) return latest;
  const flat = interrupts.flat(1);
  if (latest == null) return { [INTERRUPT]: flat };
  return typeof latest === 'object' ? { ...latest, [INTERRUPT]: flat } : latest;
}
