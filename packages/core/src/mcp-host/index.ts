/** `@aurora-ops/core/mcp-host`: connect MCP servers as plugins and call their tools. */
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
