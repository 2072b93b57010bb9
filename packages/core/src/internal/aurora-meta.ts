/**
 * The MCP `_meta` keys of Aurora's wire contract between its host and its plugins, in one
 * place so the two sides cannot drift (docs/mcp-host.md, docs/plugins.md).
 */
export const AURORA_META = {
  org: 'aurora/org',
  user: 'aurora/user',
  session: 'aurora/session',
  runId: 'aurora/runId',
  toolCallId: 'aurora/toolCallId',
  /** `{ [slot]: secretReference }`: references only, never values. */
  credentials: 'aurora/credentials',
  /** On a listed tool: its risk. */
  risk: 'aurora/risk',
  /**
   * On a listed tool: `true` when the plugin can describe a call for an approver. On a
   * `tools/call` request: `true` asks for that description only (nothing runs); the result's
   * `_meta` carries it under the same key.
   */
  summary: 'aurora/summary',
  /**
   * On a listed tool: `true` when calling it with no arguments checks the plugin's credentials
   * and connection (read-only; what `POST /connectors/{kind}/test` calls). At most one per plugin.
   */
  connectionTest: 'aurora/connectionTest',
  /** On an error result: the serialized `AuroraError`. */
  error: 'aurora/error',
} as const;
