/**
 * Runs one of a plugin's tools the way the plugin server does (input parsed by its
 * schema, handler, output parsed by its schema) with a minimal context, so tests can
 * drive the real SDK clients without an MCP transport in between.
 */
import { noopLogger, type SecretValue } from '@aurora-ops/core';
import type { PluginDefinition, ToolContext } from '@aurora-ops/core/plugin-sdk';

export interface CallOptions {
  readonly secret?: SecretValue;
  readonly signal?: AbortSignal;
  readonly progress?: (progress: number, total?: number, message?: string) => void;
}

export async function runTool(
  plugin: PluginDefinition,
  name: string,
  args: Record<string, unknown>,
  options: CallOptions = {},
): Promise<Record<string, unknown>> {
  const tool = plugin.tools.find((candidate) => candidate.name === name);
  if (tool === undefined) throw new Error(`no tool ${name}`);
  const context: ToolContext = {
    org: 'local',
    signal: options.signal ?? new AbortController().signal,
    logger: noopLogger,
    progress: (progress, total, message) => {
      options.progress?.(progress, total, message);
      return Promise.resolve();
    },
    credential: () => Promise.resolve(options.secret),
  };
  const input = tool.input.parse(args) as never;
  const result = await tool.handler(input, context);
  return (tool.output === undefined ? result : tool.output.parse(result)) as Record<string, unknown>;
}
