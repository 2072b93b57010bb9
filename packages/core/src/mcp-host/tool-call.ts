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
  /** Sent as given: the caller (the host's `callTool`) already holds a copy of its own. */
  readonly args: Readonly<Record<string, unknown>>;
  readonly context: ToolCallContext;
  readonly timeoutMs: number;
  readonly credentials: Readonly<Record<string, string>> | undefined;
  readonly redactor: Redacting;
  /** Registers a progress listener under `token`; returns its removal. Used only when the call has `onProgress`. */
  readonly listenProgress: (token: string, listener: (params: ProgressParams) => void) => () => void;
  /** The call's progress token (only read when the call has `onProgress`). */
  readonly progressToken: string;
  /** The connection's number for this call, handed back to `owner`. */
  readonly id: number;
  /** Told when the call settles, before its promise does (one promise layer for both sides). */
  readonly owner: ToolCallOwner;
}

/** The connection's side of a call: in-flight bookkeeping and the last word on failures. */
export interface ToolCallOwner {
  /** The call `id` has settled (either way). */
  callSettled(id: number): void;
  /** The typed error the caller gets for a failure of a call made on `client`. */
  callFailed(error: AuroraError, client: Client): AuroraError;
}

/**
 * A call without progress: the SDK's own timeout and the caller's signal are enough (both
 * send `notifications/cancelled`), and it is the cheaper path. Not `async`: the SDK's promise
 * is mapped once, with no extra promise layer on the hot path.
 */
function runPlainCall(request: ToolCallRequest): Promise<ToolCallOutcome> {
  const { client, plugin, tool, context, timeoutMs, redactor, owner, id } = request;
  const signal = context.signal;
  const started = performance.now();
  return client
    .callTool(
      { name: tool.toolName, arguments: request.args, _meta: buildCallMeta(context, request.credentials) },
      undefined,
      signal === undefined ? { timeout: timeoutMs } : { timeout: timeoutMs, signal },
    )
    .then(
      (result) => {
        const durationMs = performance.now() - started;
        owner.callSettled(id);
        try {
          return toOutcome(result, { plugin, tool: tool.toolName, redactor, durationMs });
        } catch (error) {
          throw owner.callFailed(
            toCallError(error, { plugin, tool: tool.toolName, timeoutMs, redactor, signal }),
            client,
          );
        }
      },
      (error: unknown) => {
        owner.callSettled(id);
        throw owner.callFailed(
          toCallError(error, { plugin, tool: tool.toolName, timeoutMs, redactor, signal }),
          client,
        );
      },
    );
}

/**
 * A call with progress, under the host's own deadline: the timer restarts on every progress
 * notification, and on expiry or on the caller's abort the SDK sends
 * `notifications/cancelled`. Progress is taken off the transport before the SDK sees it,
 * because the SDK hands notifications to a later microtask and drops progress that arrives
 * in the same read as the result.
 */
export function runToolCall(request: ToolCallRequest): Promise<ToolCallOutcome> {
  if (request.context.onProgress === undefined) return runPlainCall(request);
  const { owner, id, client } = request;
  return runProgressCall(request).then(
    (outcome) => {
      owner.callSettled(id);
      return outcome;
    },
    (error: unknown) => {
      owner.callSettled(id);
      throw owner.callFailed(AuroraError.from(error), client);
    },
  );
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
  const progressToken = request.progressToken;
  const stopProgress =
    onProgress === undefined
      ? undefined
      : request.listenProgress(progressToken, ({ progress, total, message }) => {
          arm();
          onProgress({
            progress,
            ...(total === undefined ? {} : { total }),
            ...(message === undefined ? {} : { message: redactor.redact(message) }),
          });
        });
  const meta = buildCallMeta(context, request.credentials);
  if (onProgress !== undefined) meta.progressToken = progressToken;
  const started = performance.now();
  try {
    if (controller.signal.aborted) throw controller.signal.reason;
    arm();
    const call = client.callTool({ name: tool.toolName, arguments: request.args, _meta: meta }, undefined, {
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
