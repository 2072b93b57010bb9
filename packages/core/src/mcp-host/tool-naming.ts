import { createHash } from 'node:crypto';
import { InvalidInputError } from '../errors/errors.js';

/** Longest tool name the host exposes (the limit most model APIs put on function names). */
export const MAX_TOOL_NAME_LENGTH = 64;

/** Separator between the plugin prefix and the plugin's own tool name. */
export const NAMESPACE_SEPARATOR = '__';

/** The prefix of the host's own tools (`aurora__search_tools`, `aurora__call_tool`); no plugin may use it. */
export const HOST_PLUGIN_NAME = 'aurora';

const PLUGIN_NAME = /^[a-z][a-z0-9-]{0,14}$/;

/** Throws an `InvalidInputError` unless `name` is a valid plugin name (`[a-z][a-z0-9-]{0,14}`, not `aurora`). */
export function assertPluginName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || !PLUGIN_NAME.test(name)) {
    throw new InvalidInputError({
      message: 'A plugin name must match [a-z][a-z0-9-]{0,14}.',
      details: { field: 'name' },
    });
  }
  if (name === HOST_PLUGIN_NAME) {
    throw new InvalidInputError({
      message: `The plugin name "${HOST_PLUGIN_NAME}" is reserved for the host's own tools.`,
      details: { field: 'name' },
    });
  }
}

/** Replaces every character outside `[A-Za-z0-9_-]` with `_` (an empty name becomes `_`). */
export function sanitizeToolName(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9_-]/g, '_');
  return cleaned === '' ? '_' : cleaned;
}

/** A short stable hash of `text` (8 hex characters of SHA-256). */
export function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 8);
}

function withSuffix(base: string, suffix: string): string {
  return `${base.slice(0, MAX_TOOL_NAME_LENGTH - suffix.length - 1)}_${suffix}`;
}

/**
 * Host names for one plugin's tools: `<plugin>__<tool>`, sanitised, at most 64 characters.
 * A name that is too long is cut and given a hash of the original tool name; two tools that
 * sanitise to the same name are told apart the same way, the first in sorted order keeping
 * the plain name (names that need no sanitising come first), so the mapping does not depend
 * on the order the server lists them in.
 */
export function namespaceToolNames(plugin: string, toolNames: readonly string[]): Map<string, string> {
  const result = new Map<string, string>();
  const taken = new Set<string>();
  const rank = (name: string): string => `${sanitizeToolName(name) === name ? 0 : 1}${name}`;
  const sorted = [...new Set(toolNames)].sort((a, b) => (rank(a) < rank(b) ? -1 : rank(a) > rank(b) ? 1 : 0));
  for (const toolName of sorted) {
    const full = `${plugin}${NAMESPACE_SEPARATOR}${sanitizeToolName(toolName)}`;
    let name = full.length <= MAX_TOOL_NAME_LENGTH ? full : withSuffix(full, shortHash(toolName));
    for (let attempt = 1; taken.has(name); attempt++) {
      name = withSuffix(full, shortHash(`${toolName}#${attempt}`));
    }
    taken.add(name);
    result.set(toolName, name);
  }
  return result;
}
