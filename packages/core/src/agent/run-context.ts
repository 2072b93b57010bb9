import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import type { ConfirmationService } from '../confirmation/confirmation.js';
import type { RunEventStream } from '../events/run-event-stream.js';
import type { Logger, Redacting } from '../logging/logger.js';
import type { McpHost } from '../mcp-host/mcp-host.js';
import type { ObjectStore } from '../storage/objects/object-store.js';
import type { AgentOptions } from './agent-types.js';

/** What the graph's nodes need about the run they serve (kept in memory, keyed by run id). */
export interface RunContext {
  readonly org: string;
  readonly user?: string;
  readonly sessionId: string;
  readonly runId: string;
  readonly modelName: string;
  readonly model: BaseChatModel;
  readonly stream: RunEventStream;
  readonly signal: AbortSignal;
  /** `Date.now()` when this invocation started (wall-time budget). */
  readonly startedAt: number;
  readonly logger: Logger;
  /** Approval tokens handed to `resume`, by confirmation id. */
  readonly tokens?: Readonly<Record<string, string>>;
}

/** The agent's collaborators and settled options, shared by every node. */
export interface AgentDeps {
  readonly options: AgentOptions;
  readonly host: McpHost;
  readonly confirmations: ConfirmationService;
  readonly redactor: Redacting;
  readonly logger: Logger;
  readonly objects?: ObjectStore;
  readonly resultBudgetChars: number;
  readonly maxSteps: number;
  readonly maxRepeats: number;
  readonly elicitationPollMs: number;
  /** Waits for the turn in which a model step whose stream ended goes on (`stepEndsPerTurn`). */
  readonly paceStepEnd?: () => Promise<void>;
}
