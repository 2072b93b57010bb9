import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { riskFromAnnotations } from '../confirmation/risk.js';
import type { HostTool, PluginConfig, ToolAnnotationsLike } from './mcp-host.js';
import { toolPassesFilter } from './tool-filter.js';
import { namespaceToolNames } from './tool-naming.js';

/** Every tool a server lists, following pagination cursors. */
export async function listAllTools(client: Client, timeoutMs: number): Promise<Tool[]> {
  const tools: Tool[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.listTools(cursor === undefined ? {} : { cursor }, { timeout: timeoutMs });
    tools.push(...page.tools);
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return tools;
}

function annotationsOf(tool: Tool): ToolAnnotationsLike {
  const source = tool.annotations ?? {};
  const out: { -readonly [K in keyof ToolAnnotationsLike]: ToolAnnotationsLike[K] } = {};
  if (typeof source.title === 'string') out.title = source.title;
  if (typeof source.readOnlyHint === 'boolean') out.readOnlyHint = source.readOnlyHint;
  if (typeof source.destructiveHint === 'boolean') out.destructiveHint = source.destructiveHint;
  if (typeof source.idempotentHint === 'boolean') out.idempotentHint = source.idempotentHint;
  if (typeof source.openWorldHint === 'boolean') out.openWorldHint = source.openWorldHint;
  return out;
}

/** The plugin's tools as the host exposes them: namespaced, with risk, after the plugin's filter. */
export function toHostTools(config: PluginConfig, tools: readonly Tool[]): HostTool[] {
  const names = namespaceToolNames(
    config.name,
    tools.map((tool) => tool.name),
  );
  const out: HostTool[] = [];
  for (const tool of tools) {
    const annotations = annotationsOf(tool);
    const risk = riskFromAnnotations(annotations);
    if (!toolPassesFilter(tool.name, risk, config.tools)) continue;
    const title = tool.title ?? annotations.title;
    out.push({
      name: names.get(tool.name) ?? tool.name,
      plugin: config.name,
      toolName: tool.name,
      ...(title === undefined ? {} : { title }),
      description: tool.description ?? '',
      inputSchema: tool.inputSchema,
      ...(tool.outputSchema === undefined ? {} : { outputSchema: tool.outputSchema }),
      annotations,
      risk,
      ...(tool._meta === undefined ? {} : { meta: tool._meta }),
    });
  }
  return out;
}
