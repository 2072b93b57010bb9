/**
 * `@aurora-ops/core/testing`: conformance suites for every storage interface, so that
 * third-party adapters can prove themselves, plus test helpers. Requires vitest.
 */
export type { ConformanceHarness, ConformanceSkip } from './harness.js';
export { describeSecretStoreConformance } from './secret-store-conformance.js';
export { conformanceScaffold, skipReason } from './scaffold.js';
export type { Scaffold } from './scaffold.js';
export { describeJobQueueConformance, waitFor } from './job-queue-conformance.js';
export { describeDatabaseConformance } from './database-conformance.js';
export { describeObjectStoreConformance } from './object-store-conformance.js';
export type { ObjectStoreConformanceOptions } from './object-store-conformance.js';
export { describeCacheConformance, describeRateLimiterConformance } from './cache-conformance.js';
export { describeGraphStoreConformance } from './graph-conformance.js';
export { describeVectorStoreConformance } from './vector-conformance.js';
export { describePluginConformance, expectErrorResult } from './plugin-conformance.js';
export { connectMcpHttp, mcpErrorOf } from './mcp-http-client.js';
export type { McpHttpClient, McpToolResult } from './mcp-http-client.js';
export type { PluginConformanceHarness, PluginToolCall, PluginTransportKind } from './plugin-conformance.js';
export { ScriptedChatModel, createScriptedChatModel } from '../agent/scripted-model.js';
export type {
  ScriptedCall,
  ScriptedCallInfo,
  ScriptedChatModelOptions,
  ScriptedResponse,
  ScriptedToolCall,
  ScriptedTurn,
} from '../agent/scripted-model.js';
export { createRecordingModel, createReplayModel } from '../agent/models/index.js';
export type { RecordingModelOptions, ReplayModelOptions } from '../agent/models/index.js';
