/** `@aurora-ops/core/mcp-host`: connect MCP servers as plugins and call their tools. */
export { createMcpHost } from './create-mcp-host.js';
export type { McpHostOptions } from './create-mcp-host.js';
export { CALL_TOOL_NAME, SEARCH_TOOLS_NAME } from './host-tools.js';
export { META_KEYS, buildCallMeta } from './call-meta.js';
export { MAX_TOOL_NAME_LENGTH, namespaceToolNames, sanitizeToolName } from './tool-naming.js';
export type { ReconnectPolicy } from './plugin-connection.js';
export type {
  ElicitationRequest,
  ElicitationResponse,
  HostTool,
  JsonSchemaObject,
  McpHost,
  PluginConfig,
  PluginState,
  PluginStatus,
  PluginTransport,
  ToolAnnotationsLike,
  ToolCallContext,
  ToolCallOutcome,
  ToolFilter,
  ToolProgress,
} from './mcp-host.js';
