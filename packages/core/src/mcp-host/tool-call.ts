import { performance } from 'node:perf_hooks';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { ProgressNotification } from '@modelcontextprotocol/sdk/types.js';
import { AuroraError } from '../errors/aurora-error.js';
import { CancelledError, TimeoutError } from '../errors/errors.js';
import type { Redacting } from '../logging/logger.js';
import { buildCallMeta } from './call-meta.js';
import { toCallError, toOutcome } from './call-outcome.js';
import type { HostTool, ToolCallContext, ToolCallOutcome } from './mcp-host.js';

/** Longest timer Node accepts; the host runs its own deadline, so the SDK's is pushed out of the way. */
const NO_SDK_TIMEOUT = 2_147_483_647;

export type ProgressParams = ProgressNotification['params'];

export interface ToolCallRequest {
  readonly client: Client;
  readonly plugin: string;
  readonly tool: HostTool;
  readonly args: Readonly<Record<string, unknown>>;
  readonly context: ToolCallContext;
  readonly timeoutMs: number;
  readonly credentials: Readonly<Record<string, string>> | undefined;
  readonly redactor: Redacting;
  /** Registers a progress listener under `token`; returns its removal. */
  readonly listenProgress: (token: string, listener: (params: ProgressParams) => void) => () => void;
  readonly progressToken: string;
}

/**
 * A call without progress: the SDK's own timeout and the caller's signal are enough (both
 * send `notifications/cancelled`), and it is the cheaper path.
 */
async function runPlainCall(request: ToolCallRequest): Promise<ToolCallOutcome> {
  const { client, plugin, tool, context, timeoutMs, redactor } = request;
  const started = performance.now();
  try {
    const call = client.callTool(
      { name: tool.toolName, arguments: { ...request.args }, _meta: buildCallMeta(context, request.credentials) },
      undefined,
      context.signal === undefined ? { timeout: timeoutMs } : { timeout: timeoutMs, signal: context.signal },
    );
    const result = await call;
    return toOutcome(result, { plugin, tool: tool.toolName, redactor, durationMs: performance.now() - started });
  } catch (error) {
    throw toCallError(error, { plugin, tool: tool.toolName, timeoutMs, redactor, signal: context.signal });
  }
}

/**
 * A call with progress, under the host's own deadline: the timer restarts on every progress
 * notification, and on expiry or on the caller's abort the SDK sends
 * `notifications/cancelled`. Progress is taken off the transport before the SDK sees it,
 * because the SDK hands notifications to a later microtask and drops progress that arrives
 * in the same read as the result.
 */
export function runToolCall(request: ToolCallRequest): Promise<ToolCallOutcome> {
  return request.context.onProgress === undefined ? runPlainCall(request) : runProgressCall(request);
}

async function runProgressCall(request: ToolCallRequest): Promise<ToolCallOutcome> {
  const { client, plugin, tool, context, timeoutMs, redactor } = request;
  const details = { plugin, tool: tool.toolName };
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      controller.abort(
        new TimeoutError({
          message: `Tool "${tool.toolName}" of plugin "${plugin}" did not answer within ${timeoutMs} ms.`,
          details: { ...details, timeoutMs },
        }),
      );
    }, timeoutMs);
  };
  const cancel = (): void =>
    controller.abort(new CancelledError({ message: `The call to "${tool.toolName}" was cancelled.`, details }));
  if (context.signal?.aborted === true) cancel();
  else context.signal?.addEventListener('abort', cancel, { once: true });
  const onProgress = context.onProgress;
  const stopProgress =
    onProgress === undefined
      ? undefined
      : request.listenProgress(request.progressToken, ({ progress, total, message }) => {
          arm();
          onProgress({
            progress,
            ...(total === undefined ? {} : { total }),
            ...(message === undefined ? {} : { message: redactor.redact(message) }),
          });
        });
  const meta = buildCallMeta(context, request.credentials);
  if (onProgress !== undefined) meta.progressToken = request.progressToken;
  const started = performance.now();
  try {
    if (controller.signal.aborted) throw controller.signal.reason;
    arm();
    const call = client.callTool({ name: tool.toolName, arguments: { ...request.args }, _meta: meta }, undefined, {
      timeout: NO_SDK_TIMEOUT,
      signal: controller.signal,
    });
    const result = await call;
    return toOutcome(result, { plugin, tool: tool.toolName, redactor, durationMs: performance.now() - started });
  } catch (error) {
    const reason: unknown = controller.signal.reason;
    if (controller.signal.aborted && AuroraError.isInstance(reason)) throw reason;
    throw toCallError(error, { plugin, tool: tool.toolName, timeoutMs, redactor });
  } finally {
    clearTimeout(timer);
    context.signal?.removeEventListener('abort', cancel);
    stopProgress?.();
  }
}
