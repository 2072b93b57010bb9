import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import type { BaseCheckpointSaver } from '@langchain/langgraph-checkpoint';
import type { ConfirmationService } from '../confirmation/confirmation.js';
import type { SerializedAuroraError } from '../errors/aurora-error.js';
import type { RunEvent, RunStatus, Usage } from '../events/run-event.js';
import type { Logger, Redacting } from '../logging/logger.js';
import type { McpHost } from '../mcp-host/mcp-host.js';
import type { Database } from '../storage/database/database.js';
import type { ObjectStore } from '../storage/objects/object-store.js';

/** Per-run limits. Exceeding one ends the run with `budget-exceeded` and a summary. */
export interface AgentBudgets {
  /** Model calls per run. Default 25. */
  readonly maxSteps?: number;
  /** Input + output tokens per run. */
  readonly maxTokens?: number;
  /** Wall time of one invocation (a paused run's waiting time does not count). */
  readonly maxWallMs?: number;
  /** US dollars per run, from `cost`. */
  readonly maxCostUsd?: number;
}

export interface AgentContextOptions {
  /** Approximate tokens of history sent to the model (characters / 4 unless `countTokens`). */
  readonly maxTokens: number;
  /** Messages always kept, newest first. Default 6. */
  readonly keepLastMessages?: number;
  /** Replace trimmed history with a model-written summary. Default false (just trim). */
  readonly summarize?: boolean;
  readonly countTokens?: (text: string) => number;
}

/** One model call's usage, for the usage store. */
export interface AgentUsageEntry {
  readonly org: string;
  readonly user?: string;
  readonly sessionId: string;
  readonly runId: string;
  readonly model: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly costUsd?: number;
  readonly at: Date;
}

export interface AgentOptions {
  /** A chat model, or a resolver from a `provider:model` spec. */
  readonly model: BaseChatModel | ((spec: string) => BaseChatModel);
  /** The spec named in events and usage (and passed to the resolver). */
  readonly modelName: string;
  readonly host: McpHost;
  readonly confirmations: ConfirmationService;
  /** Checkpoints, sessions and runs (migration namespaces `core-checkpoints`, `core-agent`). */
  readonly database: Database;
  /** The secret resolver's redactor in production: every event, result, log line and model input passes it. */
  readonly redactor: Redacting;
  readonly logger?: Logger;
  /** Where oversized tool results are kept whole (without it they are only cut). */
  readonly objects?: ObjectStore;
  readonly budgets?: AgentBudgets;
  readonly loopGuard?: { readonly maxRepeats?: number };
  /** Characters of one tool result the model sees. Default 16 000. */
  readonly resultBudgetChars?: number;
  readonly context?: AgentContextOptions;
  /** Default: built from the connected plugins' tools and risks. */
  readonly systemPrompt?: string;
  readonly onUsage?: (entry: AgentUsageEntry) => void | Promise<void>;
  /** US dollars of one call's usage; `undefined` when unpriced. */
  readonly cost?: (usage: {
    readonly model: string;
    readonly inputTokens: number;
    readonly outputTokens: number;
  }) => number | undefined;
  /**
   * Events of each run kept in memory, so that `RunHandle.events` can be iterated after they
   * were emitted (default 2 000 per run). A consumer that takes every event through `onEvent`
   * needs none: with 0, iterating `events` fails with `EXPIRED`, and a busy process saves the
   * memory (60 MB of heap for 1 000 runs of 400 tokens each) and the garbage collector's time.
   */
  readonly eventBuffer?: number;
  /** Receives every event after redaction (the server persists and fans out). */
  readonly onEvent?: (event: RunEvent) => void | Promise<void>;
  /** Validate events against the schema. Default: unless `NODE_ENV=production`. */
  readonly validateEvents?: boolean;
  /**
   * Carry LangChain's per-runnable context in a plain object instead of a disabled LangSmith
   * `RunTree` while no LangChain tracer is configured (see docs/agent.md, "Step cost").
   * Default true; false keeps LangChain's own path for this agent's runs.
   */
  readonly fastLangChainContext?: boolean;
  /** Replaces the Database checkpointer (benchmarks, or LangGraph's `MemorySaver` in a throwaway agent). */
  readonly checkpointer?: BaseCheckpointSaver;
  /** How often an elicitation's confirmation is polled for a decision (ms). Default 250. */
  readonly elicitationPollMs?: number;
  /**
   * Model steps whose stream has ended that go on to their bookkeeping (the step's message and
   * usage, checkpoints, the next node or the run's end) in each turn of the event loop; the
   * others wait for the following turns, in order. A process streaming many runs at once keeps
   * relaying tokens while runs that started together end together (docs/agent.md, "Step cost").
   * Default: no limit.
   */
  readonly stepEndsPerTurn?: number;
  /**
   * This process's id, stored on each run it starts or resumes (the run's holder): a server
   * with several processes finds the runs left `running` by one that is gone and resumes them
   * (see the server's run recovery). Default: none stored.
   */
  readonly instance?: string;
}

/** What `run` and `resume` both take for the invocation they start. */
export interface InvocationOptions {
  readonly signal?: AbortSignal;
  /**
   * Receives each event of this invocation as it is emitted: synchronously, in order, from
   * `run.started` on (before `run` or `resume` has returned). For a consumer that must not
   * wait a turn of the event loop per event, a server relaying tokens say. What it throws is
   * logged; the run goes on.
   */
  readonly onEvent?: (event: RunEvent) => void;
}

export interface RunInput extends InvocationOptions {
  readonly org: string;
  readonly user?: string;
  /** An existing session of `org` (its history is loaded), or none for a new one. */
  readonly sessionId?: string;
  readonly message: string;
  /** Overrides `modelName` for this run (needs a model resolver). */
  readonly model?: string;
}

export interface ResumeInput extends InvocationOptions {
  readonly org: string;
  readonly runId: string;
  /** Approval tokens from `decide`, by confirmation id (needed when the service has `requireToken`). */
  readonly tokens?: Readonly<Record<string, string>>;
}

export interface RunResult {
  readonly runId: string;
  readonly sessionId: string;
  /**
   * How the run ended, or `handed-over`: the agent was closed with `handOver` while the run was
   * executing; it is still `running` in the database, for another process to take over, and
   * its stream ended without `run.finished`.
   */
  readonly status: RunStatus | 'handed-over';
  /** The model's final answer (completed runs). */
  readonly text?: string;
  /** What was found (budget-exceeded, loop-detected, failed). */
  readonly summary?: string;
  readonly usage: Usage;
  readonly steps: number;
  readonly error?: SerializedAuroraError;
}

export interface RunHandle {
  readonly runId: string;
  readonly sessionId: string;
  /**
   * Every event of this invocation, from `run.started` to `run.finished`, replayed from the
   * run's buffer when first iterated (it fails with `EXPIRED` if iterated so late that the
   * buffer no longer holds the first). Iterated again, it continues where it was.
   */
  readonly events: AsyncIterable<RunEvent>;
  readonly done: Promise<RunResult>;
}

/** One message of a session's history, as a client shows it. */
export interface HistoryMessage {
  readonly role: 'user' | 'assistant' | 'tool' | 'system';
  readonly text: string;
  readonly toolCalls?: readonly { readonly id: string; readonly name: string; readonly arguments: unknown }[];
  readonly toolCallId?: string;
}

export interface Agent {
  run(input: RunInput): Promise<RunHandle>;
  /** Continues a paused or crashed run from its last checkpoint (decisions come from the ConfirmationService). */
  resume(input: ResumeInput): Promise<RunHandle>;
  /** Stops a running or paused run; its pending confirmations are cancelled. */
  cancel(org: string, runId: string): Promise<void>;
  history(org: string, sessionId: string): Promise<HistoryMessage[]>;
  /**
   * Stops the runs in flight and waits for them to settle: they are cancelled, or with
   * `handOver` left `running` (their confirmations pending) for another process to take over.
   */
  close(options?: { readonly handOver?: boolean }): Promise<void>;
}
