import { CallbackManager } from '@langchain/core/callbacks/manager';
import type { RunnableConfig } from '@langchain/core/runnables';
import { AsyncLocalStorageProviderSingleton } from '@langchain/core/singletons';

/**
 * The `configurable` key that marks a config as Aurora's own agent run (set by `createAgent`,
 * inherited by every node, write, edge and model call of the run). Keys starting with `__`
 * stay out of checkpoint metadata.
 */
export const AURORA_RUN_CONTEXT_KEY = '__aurora_run_context';

// @langchain/core's keys (src/singletons/async_local_storage): the config a runnable reads
// back with `getRunnableConfig()`, and the context variables carried into child runnables.
const LC_CHILD_KEY = Symbol.for('lc:child_config');
const CONTEXT_VARIABLES_KEY = Symbol.for('lc:context_variables');

/** Set while installed: the singleton's own `runWithConfig` property before (usually none: the prototype's). */
let installed: { readonly own: PropertyDescriptor | undefined } | undefined;

/**
 * Makes LangChain's per-runnable context cheaper inside Aurora's agent runs.
 *
 * Every LangGraph node, channel write and conditional edge, and every model call, enters
 * `AsyncLocalStorageProviderSingleton.runWithConfig`. With no tracer configured it still builds
 * a LangSmith `RunTree` with tracing disabled (a UUIDv7 from `crypto.getRandomValues`, a
 * microsecond date string, several environment reads) only to carry the config to
 * `getRunnableConfig()`, which `interrupt()` and LangGraph's own config helpers read. That is
 * about a tenth of an agent step's CPU (bench/agent `steps`).
 *
 * For configs marked with {@link AURORA_RUN_CONTEXT_KEY} and no LangChain tracer, this stores
 * a plain `{ extra: { [child config] } }` instead, with the context variables carried over as
 * the original does. Everything else (other code's runnables in the same process, and Aurora's
 * runs when LangSmith tracing is on) takes LangChain's own path unchanged. Installed once per
 * process (idempotent); `uninstallFastLangChainContext` puts the original back.
 */
/**
 * Whether LangChain would trace runnables under this config: a `langchain_tracer` among its
 * callbacks, or tracing turned on in the environment. That depends on the callbacks and the
 * environment only, so the answer is kept per callbacks object, and for configs without
 * callbacks for a second (environment changes are seen within it). A model stream enters
 * `runWithConfig` for every chunk, each time with a copy of its config: building a callback
 * manager there, with its environment reads, was about a tenth of the CPU per streamed token.
 */
const tracedCallbacks = new WeakMap<object, boolean>();
let withoutCallbacks: { readonly traced: boolean; readonly until: number } | undefined;
function traced(config: RunnableConfig): boolean {
  const { callbacks } = config;
  if (callbacks === undefined) {
    const now = Date.now();
    if (withoutCallbacks === undefined || now >= withoutCallbacks.until) {
      withoutCallbacks = { traced: askLangChain(config), until: now + 1_000 };
    }
    return withoutCallbacks.traced;
  }
  let answer = tracedCallbacks.get(callbacks);
  if (answer === undefined) {
    answer = askLangChain(config);
    tracedCallbacks.set(callbacks, answer);
  }
  return answer;
}
function askLangChain(config: RunnableConfig): boolean {
  const manager = CallbackManager._configureSync(config.callbacks, undefined, config.tags, undefined, config.metadata);
  return manager?.handlers.some((handler) => handler.name === 'langchain_tracer') === true;
}

export function installFastLangChainContext(): void {
  if (installed !== undefined) return;
  const provider = AsyncLocalStorageProviderSingleton;
  const langchain = provider.runWithConfig.bind(provider);
  installed = { own: Object.getOwnPropertyDescriptor(provider, 'runWithConfig') };
  provider.runWithConfig = function runWithConfig<T>(
    config: RunnableConfig | undefined,
    callback: () => T,
    avoidCreatingRootRunTree?: boolean,
  ): T {
    if ((config?.configurable as Record<string, unknown> | undefined)?.[AURORA_RUN_CONTEXT_KEY] !== true) {
      return langchain(config, callback, avoidCreatingRootRunTree);
    }
    if (traced(config!)) return langchain(config, callback, avoidCreatingRootRunTree);
    const storage = provider.getInstance();
    const previous = storage.getStore() as Record<symbol, unknown> | undefined;
    const inherited = previous?.[CONTEXT_VARIABLES_KEY];
    let store: Record<string | symbol, unknown> | undefined;
    if (avoidCreatingRootRunTree !== true) store = { extra: { [LC_CHILD_KEY]: config } };
    if (inherited !== undefined) {
      store ??= {};
      store[CONTEXT_VARIABLES_KEY] = inherited;
    }
    return storage.run(store, callback);
  };
}

/** Puts LangChain's own `runWithConfig` back (tests). */
export function uninstallFastLangChainContext(): void {
  if (installed === undefined) return;
  const provider = AsyncLocalStorageProviderSingleton;
  if (installed.own === undefined) delete (provider as Partial<typeof provider>).runWithConfig;
  else Object.defineProperty(provider, 'runWithConfig', installed.own);
  installed = undefined;
}
