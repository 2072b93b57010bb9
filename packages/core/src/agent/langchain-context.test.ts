import { BaseCallbackHandler } from '@langchain/core/callbacks/base';
import { getContextVariable, setContextVariable } from '@langchain/core/context';
import { RunnableLambda, type RunnableConfig } from '@langchain/core/runnables';
import { AsyncLocalStorageProviderSingleton } from '@langchain/core/singletons';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AURORA_RUN_CONTEXT_KEY,
  installFastLangChainContext,
  uninstallFastLangChainContext,
} from './langchain-context.js';

/** What a runnable sees inside: its config as LangChain hands it back, and the raw store. */
interface Seen {
  readonly config: RunnableConfig | undefined;
  readonly isRunTree: boolean;
  readonly variable: unknown;
}

const look = RunnableLambda.from((_input: string): Seen => {
  const store = AsyncLocalStorageProviderSingleton.getInstance().getStore() as Record<string, unknown> | undefined;
  return {
    config: AsyncLocalStorageProviderSingleton.getRunnableConfig() as RunnableConfig | undefined,
    // langsmith's RunTree (not a dependency of core): what LangChain's own path stores.
    isRunTree: typeof store?.createChild === 'function' && typeof store.postRun === 'function',
    variable: getContextVariable('aurora-test'),
  };
});

const marked = (extra: RunnableConfig = {}): RunnableConfig => ({
  ...extra,
  configurable: { thread_id: 't1', [AURORA_RUN_CONTEXT_KEY]: true },
});

/** A handler LangChain's `runWithConfig` takes for its tracer (by name), without LangSmith. */
class NamedTracer extends BaseCallbackHandler {
  name = 'langchain_tracer';
  asked = 0;
  /** Called by LangChain's own path only, for a runnable under a traced parent. */
  getRunTreeWithTracingConfig(): Record<string, unknown> {
    this.asked += 1;
    return {};
  }
}

describe('fast LangChain context', () => {
  beforeEach(() => installFastLangChainContext());
  afterEach(() => uninstallFastLangChainContext());

  it('hands a marked run its config back without building a RunTree', async () => {
    const seen = await look.invoke('x', marked({ tags: ['t'] }));
    expect(seen.isRunTree).toBe(false);
    expect(seen.config?.configurable?.thread_id).toBe('t1');
    expect(seen.config?.tags).toContain('t');
  });

  it('leaves runs without the mark on LangChain’s own path', async () => {
    const seen = await look.invoke('x', { configurable: { thread_id: 't2' } });
    expect(seen.isRunTree).toBe(true);
    expect(seen.config?.configurable?.thread_id).toBe('t2');
  });

  it('defers to LangChain when a tracer is configured, even for a marked run', async () => {
    const tracer = new NamedTracer();
    const seen = await look.invoke('x', marked({ callbacks: [tracer] }));
    expect(tracer.asked).toBeGreaterThan(0);
    expect(seen.config?.configurable?.thread_id).toBe('t1');
  });

  it('answers per callbacks object: copies of a config agree, other callbacks are asked afresh', async () => {
    const plain: RunnableConfig['callbacks'] = [];
    expect((await look.invoke('x', marked({ callbacks: plain }))).isRunTree).toBe(false);
    expect((await look.invoke('x', marked({ callbacks: plain }))).isRunTree).toBe(false);
    const tracer = new NamedTracer();
    const traced: RunnableConfig['callbacks'] = [tracer];
    await look.invoke('x', marked({ callbacks: traced }));
    const first = tracer.asked;
    expect(first).toBeGreaterThan(0);
    // A copy of the config with the same callbacks (as a model stream makes for each chunk).
    await look.invoke('x', marked({ callbacks: traced }));
    expect(tracer.asked).toBeGreaterThan(first);
  });

  it('carries context variables into child runnables, as LangChain does', async () => {
    const parent = RunnableLambda.from(async (input: string, config?: RunnableConfig) => {
      setContextVariable('aurora-test', 'carried');
      return look.invoke(input, config);
    });
    const seen = await parent.invoke('x', marked());
    expect(seen.variable).toBe('carried');
    expect(seen.config?.configurable?.thread_id).toBe('t1');
  });

  it('is installed once and uninstalled back to LangChain’s function', async () => {
    const installed = AsyncLocalStorageProviderSingleton.runWithConfig;
    installFastLangChainContext();
    expect(AsyncLocalStorageProviderSingleton.runWithConfig).toBe(installed);
    uninstallFastLangChainContext();
    expect(AsyncLocalStorageProviderSingleton.runWithConfig).not.toBe(installed);
    expect((await look.invoke('x', marked())).isRunTree).toBe(true);
  });
});
