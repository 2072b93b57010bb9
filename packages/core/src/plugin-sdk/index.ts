/**
 * `@aurora-ops/core/plugin-sdk`: write an Aurora plugin (an MCP server) with
 * `defineTool` and `definePlugin`, build its server with `createPluginServer`, and serve
 * it alone with `servePlugin` or a package `bin` that calls `runPluginCli`. This file is
 * the subpath's public surface; named exports only.
 */
export {
  definePlugin,
  qualifiedToolName,
  MAX_QUALIFIED_TOOL_NAME,
  PLUGIN_NAME_PATTERN,
  TOOL_NAME_SEPARATOR,
} from './define-plugin.js';
export type { CredentialSlot, PluginDefinition, PluginSpec } from './define-plugin.js';
export { defineTool, TOOL_NAME_PATTERN } from './define-tool.js';
export type {
  AnyToolDefinition,
  ToolContentResult,
  ToolDefinition,
  ToolHandlerResult,
  ToolInputSchema,
  ToolOutputSchema,
  ToolSpec,
} from './define-tool.js';
export { AURORA_META, parseAuroraMeta } from './tool-context.js';
export type { AuroraCallMeta, ToolContext } from './tool-context.js';
export { createPluginServer, defaultSummary, toolRegistration } from './plugin-server.js';
export type { PluginServerOptions } from './plugin-server.js';
export { CONFIRMATION_MODES, confirmationRequest, supportsFormElicitation } from './standalone-guard.js';
export type { ConfirmationMode } from './standalone-guard.js';
export { parseJson } from '../internal/json.js';
export { servePlugin } from './serve-plugin.js';
export type { HttpServeTarget, PluginServerHandle, ServeTarget, StdioServeTarget } from './serve-plugin.js';
export { createStreamLogger, parsePluginArguments, runPluginCli } from './plugin-cli.js';
export type { PluginCliCommand, PluginCliIo } from './plugin-cli.js';
export {
  compact,
  compactNullish,
  cutToBudget,
  decodePageCursor,
  DEFAULT_MAX_TOKEN_LENGTH,
  encodePageCursor,
  fetchPage,
  maxResultsField,
  nextTokenField,
  pageOutputFields,
  sameOrigin,
} from './pagination.js';
export type {
  DecodePageCursorOptions,
  FetchPageRequest,
  NextTokenFieldOptions,
  Page,
  PageCursor,
  PageOutputFieldsOptions,
  PageResult,
} from './pagination.js';
