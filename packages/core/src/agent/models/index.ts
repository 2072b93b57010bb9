/** Chat models for the agent: `provider:model` specs, record/replay, usage and cost. Re-exported by `agent/index.ts`. */
export { createChatModel } from './create-chat-model.js';
export type { ChatModelClass, ChatModelModules, CreateChatModelOptions } from './create-chat-model.js';
export { MODEL_PROVIDERS, PROVIDER_INFO, parseModelSpec } from './model-spec.js';
export type { ModelProvider, ModelSpec, ProviderInfo } from './model-spec.js';
export { ModelCallError, mapModelError } from './model-call-error.js';
export type { MapModelErrorOptions, ModelCallErrorOptions } from './model-call-error.js';
export { canonicalJson, hashInput, normaliseInput } from './model-input.js';
export type { NormalisedInput, NormalisedMessage, NormalisedTool, RecordedToolCall } from './model-input.js';
export { RECORDING_FORMAT, readRecording } from './model-recording.js';
export type { RecordedCall, RecordedOutput } from './model-recording.js';
export { RecordingChatModel, createRecordingModel } from './recording-model.js';
export type { RecordReplayCallOptions, RecordingModelOptions } from './recording-model.js';
export { ReplayChatModel, createReplayModel } from './replay-model.js';
export type { ReplayModelOptions } from './replay-model.js';
export { ReplayMismatchError } from './replay-mismatch-error.js';
export { DEFAULT_PRICES, addUsage, costOf, extractUsage } from './usage.js';
export type { ModelPrice, ModelUsage, PriceTable } from './usage.js';
export { USAGE_MIGRATIONS, createDatabaseUsageStore } from './usage-store.js';
export type {
  DatabaseUsageStoreOptions,
  UsageEntry,
  UsageGrouping,
  UsageStore,
  UsageSummaryQuery,
  UsageSummaryRow,
} from './usage-store.js';
