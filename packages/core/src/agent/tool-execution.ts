import { ToolMessage } from '@langchain/core/messages';
import type { Risk } from '../confirmation/risk.js';
import { AuroraError, type SerializedAuroraError } from '../errors/aurora-error.js';
import type { RunEventOf } from '../events/run-event.js';
import type { ElicitationRequest, ElicitationResponse, HostTool } from '../mcp-host/mcp-host.js';
import type { AgentDeps, RunContext } from './run-context.js';
import { fitResult } from './tool-results.js';

export interface ExecutedTool {
  readonly message: ToolMessage;
  /** The whole redacted result (for the loop guard and the confirmation record). */
  readonly text: string;
  readonly ok: boolean;
}

/** The stream's error shape (its details are mutable arrays; the values are the same). */
export function eventError(error: SerializedAuroraError): RunEventOf<'error'>['error'] {
  return error as unknown as RunEventOf<'error'>['error'];
}

export function throwIfAborted(context: RunContext): void {
  if (context.signal.aborted) throw new AuroraError('CANCELLED', { message: 'The run was cancelled.' });
}

/** A tool message that says the call did not run, and why (a finished event goes with it). */
export function notRun(
  context: RunContext,
  call: { readonly toolCallId: string; readonly tool: string },
  text: string,
): ToolMessage {
  context.stream.emit({
    type: 'tool-call.finished',
    toolCallId: call.toolCallId,
    tool: call.tool,
    ok: false,
    result: text,
    durationMs: 0,
  });
  return new ToolMessage({ content: text, tool_call_id: call.toolCallId, name: call.tool, status: 'error' });
}

/**
 * Runs one tool call through the host: events, progress, elicitation, redaction and the
 * result budget. Host failures become an error tool message; cancellation is rethrown.
 */
export async function executeTool(
  deps: AgentDeps,
  context: RunContext,
  call: {
    readonly toolCallId: string;
    readonly tool: HostTool;
    readonly arguments: Record<string, unknown>;
    readonly risk: Risk;
  },
): Promise<ExecutedTool> {
  throwIfAborted(context);
  const { stream } = context;
  const started = Date.now();
  stream.emit({
    type: 'tool-call.started',
    toolCallId: call.toolCallId,
    tool: call.tool.name,
    plugin: call.tool.plugin,
    arguments: call.arguments,
    risk: call.risk,
  });
  let text: string;
  let ok: boolean;
  let error: SerializedAuroraError | undefined;
  try {
    const outcome = await deps.host.callTool(call.tool.name, call.arguments, {
      org: context.org,
      ...(context.user ? { user: context.user } : {}),
      session: context.sessionId,
      runId: context.runId,
      toolCallId: call.toolCallId,
      signal: context.signal,
      onProgress: (progress) => {
        if (stream.closed) return;
        stream.emit({
          type: 'tool-call.progressed',
          toolCallId: call.toolCallId,
          progress: progress.progress,
          ...(progress.total === undefined ? {} : { total: progress.total }),
          ...(progress.message === undefined ? {} : { message: progress.message }),
        });
      },
      onElicitation: (request) => elicit(deps, context, call.toolCallId, request),
    });
    text = deps.redactor.redact(outcome.text);
    ok = !outcome.isError;
    error = outcome.error ? deps.redactor.redactDeep(outcome.error) : undefined;
  } catch (thrown) {
    if (context.signal.aborted)
      throw new AuroraError('CANCELLED', { message: 'The run was cancelled.', cause: thrown });
    const wrapped = AuroraError.from(thrown, 'INTERNAL', 'The tool call failed inside the host.');
    error = deps.redactor.redactDeep(wrapped.toJSON());
    text = `Error ${error.code}: ${error.message}`;
    ok = false;
  }
  const fitted = await fitResult(text, deps.resultBudgetChars, {
    org: context.org,
    runId: context.runId,
    toolCallId: call.toolCallId,
    ...(deps.objects ? { objects: deps.objects } : {}),
  });
  stream.emit({
    type: 'tool-call.finished',
    toolCallId: call.toolCallId,
    tool: call.tool.name,
    ok,
    result: fitted.shown,
    ...(fitted.truncated ? { truncated: fitted.truncated } : {}),
    ...(error ? { error: eventError(error) } : {}),
    durationMs: Date.now() - started,
  });
  return {
    message: new ToolMessage({
      content: fitted.shown,
      tool_call_id: call.toolCallId,
      name: call.tool.name,
      status: ok ? 'success' : 'error',
    }),
    text,
    ok,
  };
}

let elicitationCounter = 0;

/**
 * A plugin's elicitation becomes a confirmation (reason `elicitation`) decided through the
 * same service; the call waits in-process until it is decided or expires. Approve → accept.
 */
async function elicit(
  deps: AgentDeps,
  context: RunContext,
  toolCallId: string,
  request: ElicitationRequest,
): Promise<ElicitationResponse> {
  elicitationCounter += 1;
  const pending = await deps.confirmations.request({
    org: context.org,
    runId: context.runId,
    sessionId: context.sessionId,
    ...(context.user ? { user: context.user } : {}),
    toolCallId: `${toolCallId}#elicitation-${elicitationCounter}`,
    tool: request.tool,
    plugin: request.plugin,
    arguments: { message: request.message, requestedSchema: request.requestedSchema },
    risk: 'destructive',
    summary: deps.redactor.redact(request.message),
    reason: 'elicitation',
  });
  context.stream.emit({
    type: 'confirmation.requested',
    confirmationId: pending.id,
    toolCallId,
    tool: request.tool,
    plugin: request.plugin,
    arguments: { message: request.message, requestedSchema: request.requestedSchema },
    summary: request.message,
    risk: 'destructive',
    expiresAt: pending.expiresAt.toISOString(),
    reason: 'elicitation',
  });
  for (;;) {
    throwIfAborted(context);
    const current = await deps.confirmations.get(context.org, pending.id);
    const expired = current.state === 'pending' && current.expiresAt.getTime() <= Date.now();
    if (current.state !== 'pending' || expired) {
      const decision =
        current.state === 'approved' || current.state === 'executing' || current.state === 'executed'
          ? 'approved'
          : current.state === 'rejected'
            ? 'rejected'
            : current.state === 'cancelled'
              ? 'cancelled'
              : 'expired';
      if (decision === 'approved') {
        const claimed = await deps.confirmations.claim({
          org: context.org,
          runId: context.runId,
          toolCallId: pending.toolCallId,
          tool: pending.tool,
          arguments: pending.arguments,
        });
        if (claimed.outcome === 'run') await deps.confirmations.complete(context.org, pending.id, 'accepted');
      }
      context.stream.emit({
        type: 'confirmation.resolved',
        confirmationId: pending.id,
        toolCallId,
        decision,
        ...(current.decidedBy ? { by: current.decidedBy } : {}),
        ...(current.decisionReason ? { reason: current.decisionReason } : {}),
      });
      return decision === 'approved' ? { action: 'accept', content: {} } : { action: 'decline' };
    }
    await new Promise((resolve) => setTimeout(resolve, deps.elicitationPollMs));
  }
}
