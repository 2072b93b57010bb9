/**
 * The public surface of `@aurora-ops/server`: the reference server, its configuration and
 * CLI. Named exports only; anything not exported here is private.
 */
export { CONFIG_VARIABLES, loadConfig } from './config/config.js';
export type { ConfigVariable, PluginEntry, ServerConfig } from './config/config.js';
export { createRuntime } from './runtime.js';
export type { Runtime, RuntimeOptions } from './runtime.js';
export { startServer } from './server.js';
export type { AuroraServer } from './server.js';
export { createApp } from './http/app.js';
export { mountMcp } from './mcp/mount-mcp.js';
export type { McpMount, MountMcpOptions } from './mcp/mount-mcp.js';
export { attachWebSocket } from './http/websocket.js';
export type { ServerAck } from './http/websocket.js';
export { createCli, runCli } from './cli/cli.js';
export type { CliIo } from './cli/cli.js';
export { ROLES, hasRole } from './auth/auth-store.js';
export type { ApiKey, Principal, Role, User } from './auth/auth-store.js';
export { openStores } from './stores/open-stores.js';
export type { StoreDescription, Stores } from './stores/open-stores.js';
export { VERSION } from './version.js';
export { createPluginSupervisor, dependencyOrder } from './plugins/index.js';
export type {
  PluginReadiness,
  PluginSupervisor,
  SupervisedPlugin,
  SupervisedPluginStatus,
  SupervisorEvent,
  SupervisorOptions,
} from './plugins/index.js';
export { startTracing } from './telemetry/start-tracing.js';
export type { Tracing, TracingOptions } from './telemetry/tracing.js';
