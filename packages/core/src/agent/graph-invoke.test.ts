import { Annotation, END, MemorySaver, START, StateGraph, getConfig, interrupt } from '@langchain/langgraph';
import { describe, expect, it } from 'vitest';
import { invokeGraph } from './graph-invoke.js';

const State = Annotation.Root({
  log: Annotation<string[]>({ reducer: (left, right) => [...left, ...right], default: () => [] }),
});

/** Two nodes; `ask` waits for an answer when the log asks it to, and each node notes its thread. */
function graph() {
  return new StateGraph(State)
    .addNode('first', (state) => ({
      log: [`first saw ${state.log.join(',')} in ${String(getConfig()?.configurable?.thread_id)}`],
    }))
    .addNode('ask', (state) => {
      if (!state.log[0]?.startsWith('ask')) return { log: ['asked nothing'] };
      const answer = interrupt<{ question: string }, string>({ question: 'may I?' });
      return { log: [`answered ${answer}`] };
    })
    .addEdge(START, 'first')
    .addEdge('first', 'ask')
    .addEdge('ask', END)
    .compile({ checkpointer: new MemorySaver() });
}

describe('invokeGraph', () => {
  it('returns what graph.invoke returns, for a run that completes and for one that pauses', async () => {
    for (const input of [{ log: ['hello'] }, { log: ['ask first'] }]) {
      const viaInvoke = await graph().invoke(input, { configurable: { thread_id: 't1' } });
      const direct = await invokeGraph(graph(), input, { configurable: { thread_id: 't1' } });
      // Interrupt ids derive from the run's task ids, random per run.
      const same = (value: unknown) =>
        JSON.parse(JSON.stringify(value).replace(/"id":"[0-9a-f]{32}"/g, '"id":"interrupt"')) as unknown;
      expect(same(direct)).toEqual(same(viaInvoke));
    }
    const paused = (await invokeGraph(graph(), { log: ['ask first'] }, { configurable: { thread_id: 't2' } })) as {
      __interrupt__?: { value: unknown }[];
    };
    expect(paused.__interrupt__?.map((entry) => entry.value)).toEqual([{ question: 'may I?' }]);
  });

  it("runs each node inside the run's LangChain context, and an aborted signal stops the run", async () => {
    const done = (await invokeGraph(graph(), { log: ['x'] }, { configurable: { thread_id: 'ctx' } })) as {
      log: string[];
    };
    expect(done.log).toEqual(['x', 'first saw x in ctx', 'asked nothing']);
    const controller = new AbortController();
    controller.abort(new Error('cancelled'));
    const config = { configurable: { thread_id: 'gone' }, signal: controller.signal };
    await expect(invokeGraph(graph(), { log: ['x'] }, config)).rejects.toThrow('cancelled');
  });
});
