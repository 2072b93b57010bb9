import { randomUUID } from 'node:crypto';
import { AIMessage, HumanMessage } from '@langchain/core/messages';
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { Command } from '@langchain/langgraph';
import { AuroraError, type SerializedAuroraError } from '../errors/aurora-error.js';
import { ConfigurationError, InvalidInputError } from '../errors/errors.js';
import type { RunEvent, RunStatus, Usage } from '../events/run-event.js';
import { RunEventStream } from '../events/run-event-stream.js';
import { createRedactingLogger, noopLogger } from '../logging/logger.js';
import { buildAgentGraph } from './agent-graph.js';
import { invokeGraph } from './graph-invoke.js';
import { textOf, toHistory } from './agent-messages.js';
import { freshCounters, type AgentStateType } from './agent-state.js';
import { createAgentStore } from './agent-store.js';
import type { Agent, AgentOptions, RunHandle, RunResult } from './agent-types.js';
import { createDatabaseCheckpointer } from './database-checkpointer.js';
import { AURORA_RUN_CONTEXT_KEY, installFastLangChainContext } from './langchain-context.js';
import type { AgentDeps, RunContext } from './run-context.js';
import { createTurnPacer } from './turn-pacer.js';
import { eventError } from './tool-execution.js';

const TERMINAL: readonly string[] = ['completed', 'cancelled', 'failed', 'budget-exceeded', 'loop-detected'];
/** The abort reason of `close({ handOver: true })`. */
const HAND_OVER = new AuroraError('UNAVAILABLE', { message: 'The process is closing; the run is handed over.' });

function requireText(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new InvalidInputError({ message: `"${field}" must be a non-empty string.`, details: { field } });
  }
  return value;
}

function checkOptions(options: AgentOptions): void {
  const required = ['model', 'modelName', 'host', 'confirmations', 'database', 'redactor'] as const;
  for (const setting of required) {
    if (!options[setting]) {
      throw new ConfigurationError({ message: `createAgent needs "${setting}".`, details: { setting } });
    }
  }
  for (const [setting, value] of Object.entries({ ...options.budgets, resultBudgetChars: options.resultBudgetChars })) {
    if (value !== undefined && !(typeof value === 'number' && value > 0)) {
      throw new ConfigurationError({ message: `"${setting}" must be a positive number.`, details: { setting } });
    }
  }
}

/**
 * The Aurora agent: a LangGraph graph (model → tools → model …) checkpointed in the
 * Database, with confirmations for non-read tools, budgets, a loop guard, context trimming,
 * large-result paging and one redacted event stream per run. See `docs/agent.md`.
 */
export function createAgent(options: AgentOptions): Agent {
  checkOptions(options);
  const fastContext = options.fastLangChainContext !== false;
  if (fastContext) installFastLangChainContext();
  const { redactor, database, confirmations } = options;
  const logger = createRedactingLogger(options.logger ?? noopLogger, redactor).child({ component: 'agent' });
  const deps: AgentDeps = {
    options,
    host: options.host,
    confirmations,
    redactor,
    logger,
    ...(options.objects ? { objects: options.objects } : {}),
    resultBudgetChars: options.resultBudgetChars ?? 16_000,
    maxSteps: options.budgets?.maxSteps ?? 25,
    maxRepeats: Math.max(1, options.loopGuard?.maxRepeats ?? 3),
    elicitationPollMs: options.elicitationPollMs ?? 250,
    ...(options.stepEndsPerTurn === undefined ? {} : { paceStepEnd: createTurnPacer(options.stepEndsPerTurn) }),
  };
  const databaseCheckpointer = options.checkpointer ? undefined : createDatabaseCheckpointer({ database });
  const checkpointer = options.checkpointer ?? databaseCheckpointer!;
  const store = createAgentStore(database);
  const contexts = new Map<string, RunContext>();
  const controllers = new Map<string, AbortController>();
  const inFlight = new Set<Promise<RunResult>>();
  const graph = buildAgentGraph(
    deps,
    (config) => {
      const runId = config.configurable?.run_id as string | undefined;
      const context = runId ? contexts.get(runId) : undefined;
      if (!context) throw new AuroraError('INTERNAL', { message: 'Graph node ran outside a known run.' });
      return context;
    },
    checkpointer,
  );
  const ready = (): Promise<void> =>
    Promise.all([store.migrate(), databaseCheckpointer?.setup()]).then(() => undefined);

  const resolveModel = (spec: string): BaseChatModel =>
    typeof options.model === 'function' ? options.model(spec) : options.model;

  async function execute(
    context: RunContext,
    controller: AbortController,
    input: unknown,
    resumed: boolean,
  ): Promise<RunResult> {
    const { stream, runId, sessionId, org } = context;
    const config = {
      configurable: { thread_id: sessionId, run_id: runId, ...(fastContext ? { [AURORA_RUN_CONTEXT_KEY]: true } : {}) },
      signal: controller.signal,
      recursionLimit: deps.maxSteps * 4 + 50,
    };
    let status: RunStatus = 'failed';
    let text: string | undefined;
    let summary: string | undefined;
    let error: SerializedAuroraError | undefined;
    let state: AgentStateType | undefined;
    stream.emit({
      type: 'run.started',
      org,
      ...(context.user ? { user: context.user } : {}),
      model: context.modelName,
      ...(resumed ? { resumed } : {}),
    });
    try {
      // A new run's row was created `running`; a resumed one was paused or interrupted.
      if (resumed) await store.setStatus(runId, 'running', undefined, options.instance);
      // The final state, with `__interrupt__` when a tool waits for a confirmation: read from
      // the run's own output rather than back from the checkpointer (two statements less).
      const output = (await invokeGraph(graph, input, config)) as AgentStateType & {
        readonly __interrupt__?: readonly unknown[];
      };
      state = output;
      if ((output.__interrupt__?.length ?? 0) > 0) status = 'paused';
      else if (state.run.ending) {
        status = state.run.ending.status;
        summary = state.run.summary ?? state.run.ending.reason;
      } else {
        status = 'completed';
        const last = state.messages.at(-1);
        text = last && AIMessage.isInstance(last) ? textOf(last) : undefined;
      }
    } catch (thrown) {
      if (controller.signal.reason === HAND_OVER) {
        // Left running in the database, its confirmations pending, and nothing more emitted:
        // another process takes it over from its last checkpoint, its events continuing from
        // the last seq stored here.
        await store
          .setStatus(runId, 'running', stream.lastSeq)
          .catch((failure: unknown) => logger.warn('could not record the last seq', { runId, error: String(failure) }));
        await stream.close();
        return { runId, sessionId, status: 'handed-over', usage: { inputTokens: 0, outputTokens: 0 }, steps: 0 };
      }
      if (controller.signal.aborted) {
        status = 'cancelled';
        await confirmations.cancelRun(org, runId, 'The run was cancelled.').catch(() => 0);
      } else {
        status = 'failed';
        error = redactor.redactDeep(AuroraError.from(thrown).toJSON());
        logger.error('run failed', { runId, code: error.code, error: String(thrown) });
        stream.emit({ type: 'error', error: eventError(error) });
      }
      state = (await graph.getState({ configurable: { thread_id: sessionId } }).catch(() => undefined))?.values as
        AgentStateType | undefined;
    }
    const counters = state?.run?.runId === runId ? state.run : freshCounters(runId);
    const usage: Usage = {
      inputTokens: counters.inputTokens,
      outputTokens: counters.outputTokens,
      ...(counters.costUsd === undefined ? {} : { costUsd: counters.costUsd }),
    };
    // The row first, with the seq run.finished is about to get: whoever sees that event and then
    // reads the run finds its final status (status changes are batched per turn, so the other
    // order left a window of a statement's time).
    await store
      .setStatus(runId, status, stream.lastSeq + 1)
      .catch((failure: unknown) => logger.warn('could not record run status', { runId, error: String(failure) }));
    stream.emit({ type: 'run.finished', status, ...(summary ? { summary } : {}), usage, steps: counters.steps });
    await stream.close();
    const result: RunResult = {
      runId,
      sessionId,
      status,
      ...(text === undefined ? {} : { text }),
      ...(summary === undefined ? {} : { summary }),
      usage,
      steps: counters.steps,
      ...(error ? { error } : {}),
    };
    return result;
  }

  /**
   * A new run's graph input: the (redacted) user message and fresh counters. In a session this
   * call created (it has no checkpoint), they go straight to the model node as a Command: given
   * as plain input, they would first pass through LangGraph's `__start__` task, a superstep and
   * a checkpoint of its own that only copy them into the state. In a session that has a
   * checkpoint, plain input it is: it also discards what the last run left pending there (the
   * interrupted approval of a paused run that this message supersedes), which a Command would
   * run again. The input checkpoint (step -1 in a new session) holds the message either way.
   */
  const firstInput = (runId: string, message: string, newSession: boolean) => {
    const update = {
      messages: [new HumanMessage({ id: randomUUID(), content: message })],
      run: freshCounters(runId),
    };
    return newSession ? new Command({ update, goto: 'model' }) : update;
  };

  function start(
    run: {
      org: string;
      user?: string;
      sessionId: string;
      runId: string;
      modelName: string;
      lastSeq: number;
      tokens?: Readonly<Record<string, string>>;
    },
    input: unknown,
    resumed: boolean,
    signal: AbortSignal | undefined,
    onEvent: ((event: RunEvent) => void) | undefined,
  ): RunHandle {
    const controller = new AbortController();
    if (signal?.aborted) controller.abort();
    signal?.addEventListener('abort', () => controller.abort(), { once: true });
    const stream = new RunEventStream({
      runId: run.runId,
      sessionId: run.sessionId,
      redactor,
      startSeq: run.lastSeq,
      ...(options.eventBuffer === undefined ? {} : { bufferSize: options.eventBuffer }),
      logger,
      ...(options.validateEvents === undefined ? {} : { validate: options.validateEvents }),
      sink: [onEvent, options.onEvent].filter((sink) => sink !== undefined),
    });
    // Subscribed when first iterated, from the invocation's first event: a caller that takes
    // the events through `onEvent` alone leaves no queue of them behind.
    let iterator: AsyncIterableIterator<RunEvent> | undefined;
    const events: AsyncIterable<RunEvent> = {
      [Symbol.asyncIterator]: () => (iterator ??= stream.subscribe({ since: run.lastSeq, complete: true })),
    };
    const context: RunContext = {
      org: run.org,
      ...(run.user ? { user: run.user } : {}),
      sessionId: run.sessionId,
      runId: run.runId,
      modelName: run.modelName,
      model: resolveModel(run.modelName),
      stream,
      signal: controller.signal,
      startedAt: Date.now(),
      logger: logger.child({ runId: run.runId }),
      ...(run.tokens ? { tokens: run.tokens } : {}),
    };
    contexts.set(run.runId, context);
    controllers.set(run.runId, controller);
    const done = execute(context, controller, input, resumed).finally(() => {
      databaseCheckpointer?.forgetNewThread(run.sessionId);
      contexts.delete(run.runId);
      controllers.delete(run.runId);
      inFlight.delete(done);
    });
    inFlight.add(done);
    return { runId: run.runId, sessionId: run.sessionId, events, done };
  }

  return {
    async run(input) {
      const org = requireText(input?.org, 'org');
      const message = requireText(input.message, 'message');
      const modelName = input.model ?? options.modelName;
      if (input.model !== undefined && typeof options.model !== 'function') {
        throw new ConfigurationError({
          message: 'Choosing a model per run needs a model resolver.',
          details: { setting: 'model' },
        });
      }
      await ready();
      const sessionId = input.sessionId === undefined ? randomUUID() : requireText(input.sessionId, 'sessionId');
      let created = true;
      // A session id made up here has no row to look for: the insert is shared with the runs
      // starting alongside.
      if (input.sessionId === undefined) await store.createSession(org, sessionId);
      else created = await store.ensureSession(org, sessionId, true);
      // A session this call created has no runs to supersede.
      for (const open of created ? [] : await store.openRuns(org, sessionId)) {
        if (contexts.has(open.id)) {
          throw new AuroraError('CONFLICT', {
            message: 'A run is already in progress in this session.',
            details: { runId: open.id },
          });
        }
        // A paused run is superseded by the new message: its pending confirmations are cancelled.
        await confirmations.cancelRun(org, open.id, 'Superseded by a new message in the session.');
        await store.setStatus(open.id, 'cancelled');
      }
      const runId = randomUUID();
      const redacted = redactor.redact(message);
      await store.createRun({
        id: runId,
        org,
        sessionId,
        ...(input.user ? { user: input.user } : {}),
        model: modelName,
        status: 'running',
        input: redacted,
        ...(options.instance ? { holder: options.instance } : {}),
      });
      // A session this call created has no checkpoint: the graph's first read needs no statement.
      if (created) databaseCheckpointer?.expectNewThread(sessionId);
      return start(
        { org, ...(input.user ? { user: input.user } : {}), sessionId, runId, modelName, lastSeq: 0 },
        firstInput(runId, redacted, created),
        false,
        input.signal,
        input.onEvent,
      );
    },

    async resume(input) {
      const org = requireText(input?.org, 'org');
      const runId = requireText(input.runId, 'runId');
      await ready();
      const run = await store.getRun(org, runId);
      if (contexts.has(runId)) {
        throw new AuroraError('CONFLICT', { message: 'The run is already executing.', details: { runId } });
      }
      if (TERMINAL.includes(run.status)) {
        throw new AuroraError('CONFLICT', {
          message: `The run has finished (${run.status}); there is nothing to resume.`,
          details: { runId, status: run.status },
        });
      }
      const snapshot = await graph.getState({ configurable: { thread_id: run.sessionId } });
      const state = snapshot.values as AgentStateType;
      let graphInput: unknown;
      if (state.run?.runId === runId) {
        const interrupted = snapshot.tasks.some((task) => task.interrupts.length > 0);
        graphInput = interrupted ? new Command({ resume: 'decided' }) : null;
      } else {
        // No checkpoint of this run: its process died before LangGraph stored the first one
        // (checkpoints are written asynchronously). It starts again from its stored message if
        // it is still the session's newest open run: read tools may run again; anything else
        // asks for a new confirmation, since an approval is used once.
        const newest = (await store.openRuns(org, run.sessionId))[0];
        if (run.input === undefined || newest?.id !== runId) {
          throw new AuroraError('CONFLICT', { message: 'The session has moved on past this run.', details: { runId } });
        }
        graphInput = firstInput(runId, run.input, false);
      }
      return start(
        { ...run, runId, modelName: run.model, ...(input.tokens ? { tokens: input.tokens } : {}) },
        graphInput,
        true,
        input.signal,
        input.onEvent,
      );
    },

    async cancel(org, runId) {
      await ready();
      const run = await store.getRun(requireText(org, 'org'), requireText(runId, 'runId'));
      const controller = controllers.get(runId);
      if (controller) {
        controller.abort();
        return;
      }
      if (!TERMINAL.includes(run.status)) {
        await confirmations.cancelRun(org, runId, 'The run was cancelled.');
        await store.setStatus(runId, 'cancelled');
      }
    },

    async history(org, sessionId) {
      await ready();
      await store.ensureSession(requireText(org, 'org'), requireText(sessionId, 'sessionId'), false);
      const snapshot = await graph.getState({ configurable: { thread_id: sessionId } });
      return toHistory((snapshot.values as Partial<AgentStateType>).messages ?? []);
    },

    async close(closeOptions) {
      for (const controller of controllers.values()) controller.abort(closeOptions?.handOver ? HAND_OVER : undefined);
      await Promise.allSettled([...inFlight]);
    },
  };
}
