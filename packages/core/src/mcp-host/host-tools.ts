import { InvalidInputError } from '../errors/errors.js';
import type { HostTool } from './mcp-host.js';
import { HOST_PLUGIN_NAME, NAMESPACE_SEPARATOR } from './tool-naming.js';

export const SEARCH_TOOLS_NAME = `${HOST_PLUGIN_NAME}${NAMESPACE_SEPARATOR}search_tools`;
export const CALL_TOOL_NAME = `${HOST_PLUGIN_NAME}${NAMESPACE_SEPARATOR}call_tool`;

export const DEFAULT_SEARCH_LIMIT = 10;
const MAX_SEARCH_LIMIT = 50;

/** `aurora__search_tools`: finds tools by keyword when the host runs in search mode. */
export const searchToolsTool: HostTool = {
  name: SEARCH_TOOLS_NAME,
  plugin: HOST_PLUGIN_NAME,
  toolName: 'search_tools',
  title: 'Search tools',
  description:
    'Searches the available tools by keywords and returns their names, descriptions, risk and input schemas. ' +
    `Call one of them with ${CALL_TOOL_NAME}.`,
  inputSchema: {
    type: 'object',
    properties: {
      query: { type: 'string', description: 'Keywords describing what the tool should do.' },
      limit: { type: 'integer', minimum: 1, maximum: MAX_SEARCH_LIMIT, description: 'Most results to return.' },
    },
    required: ['query'],
  },
  annotations: { title: 'Search tools', readOnlyHint: true, destructiveHint: false, openWorldHint: false },
  risk: 'read',
};

/**
 * `aurora__call_tool`: calls a tool found with `aurora__search_tools`. Listed as destructive;
 * `McpHost.resolve()` unwraps it so confirmation applies the named tool's own risk.
 */
export const callToolTool: HostTool = {
  name: CALL_TOOL_NAME,
  plugin: HOST_PLUGIN_NAME,
  toolName: 'call_tool',
  title: 'Call a tool',
  description: `Calls a tool by the name ${SEARCH_TOOLS_NAME} returned, with arguments that match its input schema.`,
  inputSchema: {
    type: 'object',
    properties: {
      name: { type: 'string', description: 'The tool name, as returned by the search.' },
      arguments: { type: 'object', description: "The tool's arguments." },
    },
    required: ['name'],
  },
  annotations: { title: 'Call a tool' },
  risk: 'destructive',
};

function tokens(text: string): string[] {
  return text
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((token) => token.length > 0);
}

function fieldScore(queryTokens: readonly string[], fieldTokens: readonly string[], weight: number): number {
  let score = 0;
  for (const term of queryTokens) {
    if (fieldTokens.includes(term)) score += weight * 2;
    else if (
      fieldTokens.some(
        (token) => (term.length >= 3 && token.includes(term)) || (token.length >= 4 && term.startsWith(token)),
      )
    )
      score += weight;
  }
  return score;
}

/**
 * Keyword score of a tool for a query: name matches weigh 3, title 2, description 1. An exact
 * word counts double; a partial one (`bucket` in `buckets`, or the reverse) counts once.
 */
export function scoreTool(tool: HostTool, query: string): number {
  const queryTokens = [...new Set(tokens(query))];
  return (
    fieldScore(queryTokens, tokens(tool.toolName), 3) +
    fieldScore(queryTokens, tokens(tool.title ?? tool.annotations.title ?? ''), 2) +
    fieldScore(queryTokens, tokens(tool.description), 1)
  );
}

/** The tools matching `query`, best first (ties by name), at most `limit`. */
export function searchTools(tools: readonly HostTool[], query: string, limit = DEFAULT_SEARCH_LIMIT): HostTool[] {
  return tools
    .map((tool) => ({ tool, score: scoreTool(tool, query) }))
    .filter((entry) => entry.score > 0)
    .sort((a, b) => b.score - a.score || (a.tool.name < b.tool.name ? -1 : a.tool.name > b.tool.name ? 1 : 0))
    .slice(0, limit)
    .map((entry) => entry.tool);
}

/** Validates `aurora__search_tools` arguments. */
export function parseSearchArguments(args: Readonly<Record<string, unknown>>): { query: string; limit: number } {
  const { query, limit } = args;
  if (typeof query !== 'string' || query.trim() === '') {
    throw new InvalidInputError({
      message: `${SEARCH_TOOLS_NAME} needs a non-empty "query" string.`,
      details: { field: 'query' },
    });
  }
  if (limit !== undefined && (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1)) {
    throw new InvalidInputError({
      message: `${SEARCH_TOOLS_NAME}: "limit" must be a positive integer.`,
      details: { field: 'limit' },
    });
  }
  return { query, limit: Math.min(limit ?? DEFAULT_SEARCH_LIMIT, MAX_SEARCH_LIMIT) };
}

/** The JSON text `aurora__search_tools` answers with. */
export function searchResultText(tools: readonly HostTool[]): string {
  return JSON.stringify({
    tools: tools.map((tool) => ({
      name: tool.name,
      ...(tool.title === undefined ? {} : { title: tool.title }),
      description: tool.description,
      risk: tool.risk,
      inputSchema: tool.inputSchema,
    })),
  });
}

/** Validates `aurora__call_tool` arguments. */
export function parseCallArguments(args: Readonly<Record<string, unknown>>): {
  name: string;
  arguments: Record<string, unknown>;
} {
  const { name, arguments: inner } = args;
  if (typeof name !== 'string' || name === '') {
    throw new InvalidInputError({
      message: `${CALL_TOOL_NAME} needs the "name" of a tool returned by ${SEARCH_TOOLS_NAME}.`,
      details: { field: 'name' },
    });
  }
  if (inner !== undefined && (typeof inner !== 'object' || inner === null || Array.isArray(inner))) {
    throw new InvalidInputError({
      message: `${CALL_TOOL_NAME}: "arguments" must be an object.`,
      details: { field: 'arguments' },
    });
  }
  return { name, arguments: { ...(inner as Record<string, unknown> | undefined) } };
}
