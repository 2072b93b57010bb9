import type { Risk } from '../confirmation/risk.js';
import type { ToolFilter } from './mcp-host.js';

/** Compiles a glob (`*` any run of characters, `?` one character) to an anchored RegExp. */
export function globToRegExp(glob: string): RegExp {
  let source = '';
  for (const char of glob) {
    if (char === '*') source += '.*';
    else if (char === '?') source += '.';
    else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/** Whether `name` matches any of `globs`. */
export function matchesAnyGlob(name: string, globs: readonly string[]): boolean {
  return globs.some((glob) => globToRegExp(glob).test(name));
}

/**
 * Whether a plugin's tool passes its filter: in `allow` (default all), not in `deny`, and
 * `read` risk when `readOnly` is set. Globs match the plugin's own tool names.
 */
export function toolPassesFilter(toolName: string, risk: Risk, filter: ToolFilter | undefined): boolean {
  if (filter === undefined) return true;
  if (filter.allow !== undefined && !matchesAnyGlob(toolName, filter.allow)) return false;
  if (filter.deny !== undefined && matchesAnyGlob(toolName, filter.deny)) return false;
  if (filter.readOnly === true && risk !== 'read') return false;
  return true;
}
