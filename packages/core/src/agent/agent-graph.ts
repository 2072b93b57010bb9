import { createHash, randomUUID } from 'node:crypto';
import { AIMessage, HumanMessage, SystemMessage, ToolMessage, type AIMessageChunk } from '@langchain/core/messages';
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import type { RunnableConfig } from '@langchain/core/runnables';
import { END, START, StateGraph, interrupt, type BaseCheckpointSaver } from '@langchain/langgraph';
import { canonicalJson } from '../confirmation/canonical-json.js';
import { AuroraError } from '../errors/aurora-error.js';
import { ConfigurationError } from '../errors/errors.js';
import { prepareForModel, textOf, toolCallsOf } from './agent-messages.js';
import { AgentState, type AgentStateType, type AgentStateUpdate, type AwaitingCall } from './agent-state.js';
import { fitContext } from './context-window.js';
import { modelChunks, type StreamingModel } from './model-stream.js';
import type { AgentDeps, RunContext } from './run-context.js';
import { buildSystemPrompt } from './system-prompt.js';
import { executeTool, notRun, throwIfAborted } from './tool-execution.js';
import { READ_RESULT_DEFINITION, READ_RESULT_TOOL, readResultPage } from './tool-results.js';
import { createTokenBuffer } from './token-buffer.js';

/** Finds the run a node serves from `configurable.run_id`. */
export type RunLookup = (config: RunnableConfig) => RunContext;

function toolDefinitions(deps: AgentDeps) {
  const tools = [...deps.host.exposedTools(), ...(deps.objects ? [READ_RESULT_DEFINITION] : [])];
  return {
    tools,
    definitions: tools.map((tool) => ({
      type: 'function' as const,
      function: { name: tool.name, description: tool.description, parameters: { ...tool.inputSchema } },
    })),
  };
}

function systemPrompt(deps: AgentDeps, summary: string | undefined): string {
  const base = deps.options.systemPrompt ?? buildSystemPrompt(deps.host.exposedTools());
  return summary ? `${base}\n\nSummary of the earlier conversation:\n${summary}` : base;
}

function overBudget(deps: AgentDeps, context: RunContext, state: AgentStateType): string | undefined {
  const budgets = deps.options.budgets ?? {};
  const { run } = state;
  if (run.steps >= deps.maxSteps) return `the step budget (${deps.maxSteps} model calls) is used up`;
  if (budgets.maxTokens !== undefined && run.inputTokens + run.outputTokens >= budgets.maxTokens)
    return `the token budget (${budgets.maxTokens}) is used up`;
  if (budgets.maxCostUsd !== undefined && (run.costUsd ?? 0) >= budgets.maxCostUsd)
    return `the cost budget ($${budgets.maxCostUsd}) is used up`;
  if (budgets.maxWallMs !== undefined && Date.now() - context.startedAt >= budgets.maxWallMs)
    return `the wall-time budget (${budgets.maxWallMs} ms) is used up`;
  return undefined;
}

/** A streamed chunk with tool-call deltas or usage: merged; a text-only chunk is not. */
function carriesMoreThanText(chunk: AIMessageChunk): boolean {
  return (
    chunk.usage_metadata !== undefined ||
    (chunk.tool_call_chunks?.length ?? 0) > 0 ||
    (chunk.tool_calls?.length ?? 0) > 0 ||
    (chunk.invalid_tool_calls?.length ?? 0) > 0
  );
}

function recordUsage(deps: AgentDeps, context: RunContext, message: AIMessageChunk | AIMessage) {
  const inputTokens = message.usage_metadata?.input_tokens ?? 0;
  const outputTokens = message.usage_metadata?.output_tokens ?? 0;
  const costUsd = deps.options.cost?.({ model: context.modelName, inputTokens, outputTokens });
  context.stream.emit({
    type: 'usage.recorded',
    model: context.modelName,
    inputTokens,
    outputTokens,
    ...(costUsd === undefined ? {} : { costUsd }),
  });
  const entry = {
    org: context.org,
    ...(context.user ? { user: context.user } : {}),
    sessionId: context.sessionId,
    runId: context.runId,
    model: context.modelName,
    inputTokens,
    outputTokens,
    ...(costUsd === undefined ? {} : { costUsd }),
    at: new Date(),
  };
  void Promise.resolve()
    .then(() => deps.options.onUsage?.(entry))
    .catch((error: unknown) =>
      context.logger.warn('usage sink failed', { error: deps.redactor.redact(String(error)) }),
    );
  return { inputTokens, outputTokens, costUsd };
}

function addUsage(state: AgentStateType, usage: ReturnType<typeof recordUsage>) {
  return {
    inputTokens: state.run.inputTokens + usage.inputTokens,
    outputTokens: state.run.outputTokens + usage.outputTokens,
    ...(usage.costUsd === undefined && state.run.costUsd === undefined
      ? {}
      : { costUsd: (state.run.costUsd ?? 0) + (usage.costUsd ?? 0) }),
  };
}

function bind(model: BaseChatModel, definitions: ReturnType<typeof toolDefinitions>['definitions']) {
  if (definitions.length === 0) return model;
  if (!model.bindTools) {
    throw new ConfigurationError({ message: 'The chat model cannot bind tools.', details: { setting: 'model' } });
  }
  return model.bindTools(definitions);
}

export function buildAgentGraph(deps: AgentDeps, lookup: RunLookup, checkpointer: BaseCheckpointSaver) {
  const modelNode = async (state: AgentStateType, config: RunnableConfig): Promise<AgentStateUpdate> => {
    const context = lookup(config);
    throwIfAborted(context);
    const exceeded = overBudget(deps, context, state);
    if (exceeded) return { run: { ending: { status: 'budget-exceeded', reason: exceeded } } };
    const fitted = await fitContext(state.messages, state.context, deps.options.context, {
      model: context.model,
      signal: context.signal,
    });
    const input = [
      new SystemMessage(deps.redactor.redact(systemPrompt(deps, fitted.summary?.text))),
      ...prepareForModel(fitted.messages, deps.redactor),
    ];
    const { definitions } = toolDefinitions(deps);
    // Text is gathered as strings; only chunks carrying more than text (tool-call deltas, usage)
    // are merged as messages, since each AIMessageChunk.concat builds a new message.
    let structured: AIMessageChunk | undefined;
    const parts: string[] = [];
    const tokens = createTokenBuffer((text) => context.stream.emit({ type: 'token.streamed', text }));
    const model = bind(context.model, definitions) as StreamingModel<AIMessageChunk>;
    for await (const chunk of modelChunks(model, input, context.signal)) {
      const text = typeof chunk.content === 'string' ? chunk.content : textOf(chunk);
      if (text) {
        tokens.push(text);
        parts.push(text);
      }
      if (carriesMoreThanText(chunk)) structured = structured ? structured.concat(chunk) : chunk;
    }
    tokens.flush();
    // Under load, the step's bookkeeping waits behind the tokens of the runs still streaming.
    if (deps.paceStepEnd) await deps.paceStepEnd();
    throwIfAborted(context);
    const usage = recordUsage(deps, context, structured ?? new AIMessage(''));
    const text = deps.redactor.redact(parts.join(''));
    const toolCalls = (structured?.tool_calls ?? []).map((call) => ({
      ...call,
      id: call.id ?? `call_${randomUUID()}`,
      args: deps.redactor.redactDeep(call.args),
    }));
    if (toolCalls.length === 0) context.stream.emit({ type: 'message.completed', text });
    const message = new AIMessage({ id: randomUUID(), content: text, tool_calls: toolCalls });
    const counters = { steps: state.run.steps + 1, ...addUsage(state, usage) };
    const summary = fitted.updated ? { context: fitted.summary } : {};
    if (toolCalls.length === 0) return { messages: [message], run: counters, ...summary };
    // The calls run in this same superstep: one checkpoint and one round of LangGraph task
    // machinery per step instead of two (bench/agent `steps`). A crash while they run resumes
    // at this node, so the model is asked again; finished steps are never redone.
    const tools = await runToolCalls(toolCallsOf(message), state.run.repeats, context);
    return { messages: [message, ...tools.messages], run: { ...counters, ...tools.run }, ...summary };
  };

  /** Runs (or holds for confirmation) the calls of one model message. */
  const runToolCalls = async (
    calls: ReturnType<typeof toolCallsOf>,
    previousRepeats: AgentStateType['run']['repeats'],
    context: RunContext,
  ): Promise<{ messages: ToolMessage[]; run: Partial<AgentStateType['run']> }> => {
    const results: ToolMessage[] = [];
    const awaiting: AwaitingCall[] = [];
    const repeats = { ...previousRepeats };
    let ending: AgentStateType['run']['ending'] = null;
    for (const call of calls) {
      throwIfAborted(context);
      const toolCallId = call.id ?? `call_${randomUUID()}`;
      if (call.name === READ_RESULT_TOOL && deps.objects) {
        results.push(await readResult(deps, context, toolCallId, call.args));
        continue;
      }
      let resolved;
      try {
        resolved = deps.host.resolve(call.name, call.args);
      } catch (error) {
        const message = AuroraError.from(error, 'NOT_FOUND', 'No such tool.').message;
        results.push(notRun(context, { toolCallId, tool: call.name }, `Not run: ${deps.redactor.redact(message)}`));
        continue;
      }
      const { tool, arguments: args } = resolved;
      const verdict = await deps.confirmations.evaluate(context.org, tool.name, tool.risk, args);
      if (verdict.action === 'deny') {
        results.push(notRun(context, { toolCallId, tool: tool.name }, `Not run: ${tool.name} was denied by policy.`));
      } else if (verdict.action === 'confirm') {
        // The plugin's own words for the approver when it can describe the call; else the call itself.
        const described = await deps.host
          .describe(tool.name, args, {
            org: context.org,
            ...(context.user ? { user: context.user } : {}),
            session: context.sessionId,
            runId: context.runId,
            toolCallId,
            signal: context.signal,
          })
          .catch(() => undefined);
        const summary = described ?? `${tool.name} (${verdict.risk}) with ${canonicalJson(args)}`;
        const pending = await deps.confirmations.request({
          org: context.org,
          runId: context.runId,
          sessionId: context.sessionId,
          ...(context.user ? { user: context.user } : {}),
          toolCallId,
          tool: tool.name,
          plugin: tool.plugin,
          arguments: args,
          risk: verdict.risk,
          summary: deps.redactor.redact(summary),
          reason: verdict.reason,
        });
        context.stream.emit({
          type: 'confirmation.requested',
          confirmationId: pending.id,
          toolCallId,
          tool: tool.name,
          plugin: tool.plugin,
          arguments: args,
          summary: pending.summary,
          risk: verdict.risk,
          expiresAt: pending.expiresAt.toISOString(),
          reason: verdict.reason,
        });
        awaiting.push({
          toolCallId,
          confirmationId: pending.id,
          tool: tool.name,
          plugin: tool.plugin,
          arguments: args,
          risk: verdict.risk,
        });
      } else {
        const executed = await executeTool(deps, context, { toolCallId, tool, arguments: args, risk: verdict.risk });
        results.push(executed.message);
        const signature = `${tool.name}:${canonicalJson(args)}`;
        const result = createHash('sha256').update(executed.text).digest('base64url');
        const count = repeats[signature]?.result === result ? repeats[signature].count + 1 : 1;
        repeats[signature] = { count, result };
        if (count >= deps.maxRepeats) {
          ending = {
            status: 'loop-detected',
            reason: `${tool.name} was called ${count} times with the same arguments and the same result`,
          };
        }
      }
    }
    return { messages: results, run: { awaiting, repeats, ...(ending ? { ending } : {}) } };
  };

  /**
   * The tool calls of the last model message, in a superstep of their own. The model node now
   * runs its calls itself; this node serves checkpoints written between the two nodes by
   * earlier versions, so such a run still resumes.
   */
  const toolsNode = async (state: AgentStateType, config: RunnableConfig): Promise<AgentStateUpdate> => {
    const last = state.messages.at(-1);
    return runToolCalls(last ? toolCallsOf(last) : [], state.run.repeats, lookup(config));
  };

  const approvalNode = async (state: AgentStateType, config: RunnableConfig): Promise<AgentStateUpdate> => {
    if (state.run.awaiting.length === 0) return {};
    // Pauses the run; a resume continues here. The decisions come from the service, not from the resume value.
    interrupt({ confirmations: state.run.awaiting.map((call) => call.confirmationId) });
    const context = lookup(config);
    const results: ToolMessage[] = [];
    const still: AwaitingCall[] = [];
    for (const call of state.run.awaiting) {
      throwIfAborted(context);
      const token = context.tokens?.[call.confirmationId];
      const claim = await deps.confirmations.claim(
        {
          org: context.org,
          runId: context.runId,
          toolCallId: call.toolCallId,
          tool: call.tool,
          arguments: call.arguments,
        },
        token === undefined ? undefined : { token },
      );
      const resolved = (decision: 'approved' | 'rejected' | 'expired' | 'cancelled', reason?: string) =>
        context.stream.emit({
          type: 'confirmation.resolved',
          confirmationId: call.confirmationId,
          toolCallId: call.toolCallId,
          decision,
          ...(claim.confirmation?.decidedBy ? { by: claim.confirmation.decidedBy } : {}),
          ...(reason ? { reason: deps.redactor.redact(reason) } : {}),
        });
      switch (claim.outcome) {
        case 'pending':
          still.push(call);
          break;
        case 'run': {
          resolved('approved');
          const tool = deps.host.resolve(call.tool, call.arguments).tool;
          const executed = await executeTool(deps, context, {
            toolCallId: call.toolCallId,
            tool,
            arguments: call.arguments,
            risk: call.risk,
          });
          await deps.confirmations.complete(context.org, call.confirmationId, executed.text);
          results.push(executed.message);
          break;
        }
        case 'already-executed':
          results.push(new ToolMessage({ content: claim.result, tool_call_id: call.toolCallId, name: call.tool }));
          break;
        case 'rejected':
        case 'expired':
        case 'cancelled':
          resolved(claim.outcome, claim.reason);
          results.push(
            notRun(
              context,
              call,
              `Not run: the operator's confirmation for ${call.tool} was ${claim.outcome === 'rejected' ? 'rejected' : claim.outcome}` +
                ` (${deps.redactor.redact(claim.reason)}). Do not retry unless the user asks.`,
            ),
          );
          break;
        default:
          results.push(
            notRun(
              context,
              call,
              `Not run: ${call.tool} could not be executed (${claim.outcome}: ${deps.redactor.redact(claim.reason)}).`,
            ),
          );
      }
    }
    return { messages: results, run: { awaiting: still } };
  };

  const summarizeNode = async (state: AgentStateType, config: RunnableConfig): Promise<AgentStateUpdate> => {
    const context = lookup(config);
    const reason = state.run.ending?.reason ?? 'the run stopped';
    let summary: string;
    let usage: ReturnType<typeof addUsage> | undefined;
    try {
      throwIfAborted(context);
      const response = await context.model.invoke(
        [
          new SystemMessage(deps.redactor.redact(systemPrompt(deps, state.context?.text))),
          ...prepareForModel(state.messages, deps.redactor),
          new HumanMessage(
            `The run has to stop: ${reason}. Without calling any tool, summarise for the user what you found so far ` +
              'and what is still open.',
          ),
        ],
        { signal: context.signal },
      );
      usage = addUsage(state, recordUsage(deps, context, response));
      summary = deps.redactor.redact(textOf(response));
      if (!summary.trim()) throw new AuroraError('UPSTREAM_ERROR', { message: 'Empty summary.' });
    } catch (error) {
      if (context.signal.aborted) throw error;
      summary = fallbackSummary(state, reason);
    }
    return { run: { summary, ...usage } };
  };

  const afterTools = (state: AgentStateType) =>
    state.run.awaiting.length ? 'approval' : state.run.ending ? 'summarize' : 'model';
  const afterModel = (state: AgentStateType) => {
    const last = state.messages.at(-1)!;
    // The node ran the model's calls (results, or calls held for confirmation): route as after tools.
    if (state.run.awaiting.length > 0 || ToolMessage.isInstance(last)) return afterTools(state);
    return state.run.ending ? 'summarize' : toolCallsOf(last).length ? 'tools' : END;
  };
  const afterApproval = (state: AgentStateType) =>
    state.run.awaiting.length ? 'approval' : state.run.ending ? 'summarize' : 'model';

  return new StateGraph(AgentState)
    .addNode('model', modelNode)
    .addNode('tools', toolsNode)
    .addNode('approval', approvalNode)
    .addNode('summarize', summarizeNode)
    .addEdge(START, 'model')
    .addConditionalEdges('model', afterModel, ['tools', 'approval', 'summarize', 'model', END])
    .addConditionalEdges('tools', afterTools, ['approval', 'summarize', 'model'])
    .addConditionalEdges('approval', afterApproval, ['approval', 'summarize', 'model'])
    .addEdge('summarize', END)
    .compile({ checkpointer });
}

export type AgentGraph = ReturnType<typeof buildAgentGraph>;

async function readResult(deps: AgentDeps, context: RunContext, toolCallId: string, args: Record<string, unknown>) {
  const started = Date.now();
  context.stream.emit({
    type: 'tool-call.started',
    toolCallId,
    tool: READ_RESULT_TOOL,
    plugin: 'aurora',
    arguments: args,
    risk: 'read',
  });
  let text: string;
  let ok = true;
  try {
    text = await readResultPage(deps.objects, context.org, args, deps.resultBudgetChars);
  } catch (error) {
    ok = false;
    text = `Error: ${AuroraError.from(error).message}`;
  }
  context.stream.emit({
    type: 'tool-call.finished',
    toolCallId,
    tool: READ_RESULT_TOOL,
    ok,
    result: text,
    durationMs: Date.now() - started,
  });
  return new ToolMessage({
    content: text,
    tool_call_id: toolCallId,
    name: READ_RESULT_TOOL,
    status: ok ? 'success' : 'error',
  });
}

/** A summary built from this run's tool results when the model cannot write one. */
function fallbackSummary(state: AgentStateType, reason: string): string {
  const lastUser = state.messages.findLastIndex((message) => HumanMessage.isInstance(message));
  const results = state.messages
    .slice(lastUser + 1)
    .filter((message) => ToolMessage.isInstance(message))
    .map((message) => `- ${message.name ?? 'tool'}: ${textOf(message).slice(0, 300)}`);
  return [
    `The run stopped because ${reason}.`,
    results.length ? `Tool results so far:\n${results.join('\n')}` : 'No tool results yet.',
  ].join('\n');
}
