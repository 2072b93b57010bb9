/** Plugin supervision for the server: start order, crash counts, restarts, health pings, `/ready`. */
export { createPluginSupervisor } from './supervisor.js';
export type {
  PluginReadiness,
  PluginSupervisor,
  SupervisedPlugin,
  SupervisedPluginStatus,
  SupervisorEvent,
  SupervisorEventType,
  SupervisorHealthOptions,
  SupervisorOptions,
  SupervisorRestartOptions,
} from './supervisor.js';
export { dependencyOrder } from './dependency-order.js';
export type { DependencyNode } from './dependency-order.js';
