import type { ElicitRequest, ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import type { Logger, Redacting } from '../logging/logger.js';
import { META_KEYS } from './call-meta.js';
import type { HostTool, ToolCallContext } from './mcp-host.js';

/** A call in flight on one plugin, as elicitation routing sees it. */
export interface InFlightCall {
  readonly tool: HostTool;
  readonly context: ToolCallContext;
}

export interface ElicitationScope {
  readonly plugin: string;
  readonly inFlight: ReadonlyMap<number, InFlightCall>;
  readonly redactor: Redacting;
  readonly logger: Logger;
}

/**
 * The SDK does not tell a client which request an elicitation relates to, so: the call whose
 * `aurora/toolCallId` the plugin echoed in `_meta`, else the plugin's only in-flight call.
 */
export function callForElicitation(
  scope: ElicitationScope,
  meta: Record<string, unknown> | undefined,
): InFlightCall | undefined {
  const toolCallId = meta?.[META_KEYS.toolCallId];
  if (typeof toolCallId === 'string') {
    for (const call of scope.inFlight.values()) if (call.context.toolCallId === toolCallId) return call;
  }
  if (scope.inFlight.size === 1) return scope.inFlight.values().next().value;
  if (scope.inFlight.size > 1) {
    scope.logger.warn('mcp-host: elicitation with several calls in flight declined', { plugin: scope.plugin });
  }
  return undefined;
}

/**
 * Answers a plugin's `elicitation/create` through the in-flight call's `onElicitation`.
 * No call or no handler, or URL mode: `decline`. A handler that throws: `cancel`.
 */
export async function answerElicitation(scope: ElicitationScope, request: ElicitRequest): Promise<ElicitResult> {
  const params = request.params;
  if (params.mode === 'url') return { action: 'decline' };
  const call = callForElicitation(scope, params._meta);
  const handler = call?.context.onElicitation;
  if (call === undefined || handler === undefined) return { action: 'decline' };
  let response;
  try {
    response = await handler({
      plugin: scope.plugin,
      tool: call.tool.toolName,
      message: scope.redactor.redact(params.message),
      requestedSchema: params.requestedSchema,
    });
  } catch {
    scope.logger.warn('mcp-host: elicitation handler failed; answered cancel', { plugin: scope.plugin });
    return { action: 'cancel' };
  }
  if (response.action !== 'accept' || response.content === undefined) return { action: response.action };
  const content: Record<string, string | number | boolean | string[]> = {};
  for (const [key, value] of Object.entries(response.content)) {
    content[key] = Array.isArray(value) ? [...(value as readonly string[])] : (value as string | number | boolean);
  }
  return { action: 'accept', content };
}
