import { AURORA_META } from '../internal/aurora-meta.js';
import type { ToolCallContext } from './mcp-host.js';

/** The `_meta` keys Aurora sends with every tool call (see docs/mcp-host.md). */
export const META_KEYS = AURORA_META;

/**
 * Builds a call's `_meta`: the caller's identity and, when the plugin has credential slots,
 * their secret references with `{org}` filled in. Only references travel, never values.
 */
export function buildCallMeta(
  context: ToolCallContext,
  credentials: Readonly<Record<string, string>> | undefined,
): Record<string, unknown> {
  const meta: Record<string, unknown> = { [META_KEYS.org]: context.org };
  if (context.user !== undefined) meta[META_KEYS.user] = context.user;
  if (context.session !== undefined) meta[META_KEYS.session] = context.session;
  if (context.runId !== undefined) meta[META_KEYS.runId] = context.runId;
  if (context.toolCallId !== undefined) meta[META_KEYS.toolCallId] = context.toolCallId;
  if (credentials !== undefined && Object.keys(credentials).length > 0) {
    meta[META_KEYS.credentials] = Object.fromEntries(
      Object.entries(credentials).map(([slot, reference]) => [slot, reference.replaceAll('{org}', context.org)]),
    );
  }
  return meta;
}
