/** `@aurora-ops/core/agent`: the agent runtime (graph, checkpointer, scripted model). */
export { createAgent } from './create-agent.js';
export type {
  Agent,
  AgentBudgets,
  AgentContextOptions,
  AgentOptions,
  AgentUsageEntry,
  HistoryMessage,
  InvocationOptions,
  ResumeInput,
  RunHandle,
  RunInput,
  RunResult,
} from './agent-types.js';
export { CHECKPOINT_MIGRATIONS, DatabaseCheckpointer, createDatabaseCheckpointer } from './database-checkpointer.js';
export type { DatabaseCheckpointerOptions } from './database-checkpointer.js';
export { AGENT_MIGRATIONS } from './agent-store.js';
export { READ_RESULT_TOOL } from './tool-results.js';
export { buildSystemPrompt } from './system-prompt.js';
export { ScriptedChatModel, createScriptedChatModel } from './scripted-model.js';
export type {
  ScriptedCall,
  ScriptedCallInfo,
  ScriptedChatModelOptions,
  ScriptedResponse,
  ScriptedToolCall,
  ScriptedTurn,
} from './scripted-model.js';
export {
  DEFAULT_PRICES,
  MODEL_PROVIDERS,
  ModelCallError,
  PROVIDER_INFO,
  RECORDING_FORMAT,
  RecordingChatModel,
  ReplayChatModel,
  ReplayMismatchError,
  USAGE_MIGRATIONS,
  addUsage,
  costOf,
  createChatModel,
  createDatabaseUsageStore,
  createRecordingModel,
  createReplayModel,
  extractUsage,
  hashInput,
  mapModelError,
  normaliseInput,
  parseModelSpec,
  readRecording,
} from './models/index.js';
export type {
  ChatModelClass,
  ChatModelModules,
  CreateChatModelOptions,
  DatabaseUsageStoreOptions,
  MapModelErrorOptions,
  ModelCallErrorOptions,
  ModelPrice,
  ModelProvider,
  ModelSpec,
  ModelUsage,
  NormalisedInput,
  NormalisedMessage,
  NormalisedTool,
  PriceTable,
  ProviderInfo,
  RecordReplayCallOptions,
  RecordedCall,
  RecordedOutput,
  RecordedToolCall,
  RecordingModelOptions,
  ReplayModelOptions,
  UsageEntry,
  UsageGrouping,
  UsageStore,
  UsageSummaryQuery,
  UsageSummaryRow,
} from './models/index.js';
