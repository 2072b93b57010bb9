import { ConfigurationError } from '@aurora-ops/core';

/** What the start order needs to know about a plugin. */
export interface DependencyNode {
  readonly name: string;
  readonly dependsOn?: readonly string[];
}

/**
 * Orders plugins so that each comes after everything it depends on (stable: among plugins
 * free to start, configuration order wins). A duplicate name, an unknown dependency or a cycle
 * is a `ConfigurationError` whose message and `details` name the offending plugins.
 */
export function dependencyOrder(nodes: readonly DependencyNode[]): string[] {
  const byName = new Map<string, DependencyNode>();
  for (const node of nodes) {
    if (byName.has(node.name)) {
      throw new ConfigurationError({
        message: `Plugin "${node.name}" is configured twice.`,
        details: { setting: 'plugins', plugin: node.name },
      });
    }
    byName.set(node.name, node);
  }
  for (const node of nodes) {
    for (const dependency of node.dependsOn ?? []) {
      if (!byName.has(dependency)) {
        throw new ConfigurationError({
          message: `Plugin "${node.name}" depends on "${dependency}", which is not configured.`,
          details: { setting: 'plugins.dependsOn', plugin: node.name, dependency },
        });
      }
      if (dependency === node.name) throw cycleError([node.name, node.name]);
    }
  }
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]): void => {
    const seen = state.get(name);
    if (seen === 'done') return;
    if (seen === 'visiting') throw cycleError([...path.slice(path.indexOf(name)), name]);
    state.set(name, 'visiting');
    for (const dependency of byName.get(name)?.dependsOn ?? []) visit(dependency, [...path, name]);
    state.set(name, 'done');
    order.push(name);
  };
  for (const node of nodes) visit(node.name, []);
  return order;
}

function cycleError(cycle: readonly string[]): ConfigurationError {
  return new ConfigurationError({
    message: `Plugin dependencies form a cycle: ${cycle.join(' → ')}.`,
    details: { setting: 'plugins.dependsOn', cycle: [...cycle] },
  });
}
