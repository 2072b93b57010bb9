import type { BaseMessage } from '@langchain/core/messages';
import { Annotation, messagesStateReducer } from '@langchain/langgraph';
import type { Risk } from '../confirmation/risk.js';

/** A non-read call waiting for an operator's decision. */
export interface AwaitingCall {
  readonly toolCallId: string;
  readonly confirmationId: string;
  readonly tool: string;
  readonly plugin: string;
  readonly arguments: Record<string, unknown>;
  readonly risk: Risk;
}

/** Why a run stopped early. */
export interface RunEnding {
  readonly status: 'budget-exceeded' | 'loop-detected';
  readonly reason: string;
}

/** Per-run counters, reset by each new run of the session (the graph's input replaces them). */
export interface RunCounters {
  readonly runId: string;
  readonly steps: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly costUsd?: number;
  /** Loop guard: call signature → how often it returned the same result in a row. */
  readonly repeats: Readonly<Record<string, { readonly count: number; readonly result: string }>>;
  readonly awaiting: readonly AwaitingCall[];
  readonly ending?: RunEnding | null;
  readonly summary?: string | null;
}

/** The earlier conversation replaced by a model-written summary (up to and including `through`). */
export interface ContextSummary {
  readonly text: string;
  readonly through: string;
}

export function freshCounters(runId: string): RunCounters {
  return { runId, steps: 0, inputTokens: 0, outputTokens: 0, repeats: {}, awaiting: [], ending: null, summary: null };
}

export const AgentState = Annotation.Root({
  messages: Annotation<BaseMessage[]>({ reducer: messagesStateReducer, default: () => [] }),
  run: Annotation<RunCounters, Partial<RunCounters>>({
    reducer: (current, update) => ({ ...current, ...update }),
    default: () => freshCounters(''),
  }),
  context: Annotation<ContextSummary | null>({ reducer: (_current, update) => update, default: () => null }),
});

export type AgentStateType = typeof AgentState.State;
export type AgentStateUpdate = typeof AgentState.Update;
