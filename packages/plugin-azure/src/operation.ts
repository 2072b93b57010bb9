import type { ToolContext } from '@aurora-ops/core/plugin-sdk';
import { z } from 'zod';

/** The part of an Azure SDK long-running-operation poller this plugin uses (core-lro v3 `PollerLike`). */
export interface OperationPoller {
  readonly isDone: boolean;
  readonly operationState: { readonly status: string } | undefined;
  submitted(): Promise<void>;
  pollUntilDone(options?: { abortSignal?: AbortSignal }): Promise<unknown>;
  onProgress(callback: (state: { readonly status: string }) => void): () => void;
}

export const waitSecondsField = z
  .number()
  .int()
  .min(0)
  // Under the plugin server's default 300 s tool time limit.
  .max(280)
  .default(120)
  .describe(
    'Seconds to wait for the operation to finish (0–280; 0: return once Azure accepted it); past that the result says "running"',
  );

export const operationOutput = z.object({
  id: z.string().describe('The resource the operation acts on'),
  action: z.string(),
  status: z
    .enum(['notStarted', 'running', 'succeeded', 'failed', 'canceled'])
    .describe('"running": Azure accepted it and is still working; check the resource again later'),
  done: z.boolean(),
});

export interface OperationResult {
  readonly status: 'notStarted' | 'running' | 'succeeded' | 'failed' | 'canceled';
  readonly done: boolean;
}

const STATUSES = new Set(['notStarted', 'running', 'succeeded', 'failed', 'canceled']);

function statusOf(poller: OperationPoller): OperationResult['status'] {
  const status = poller.operationState?.status ?? 'running';
  return (STATUSES.has(status) ? status : 'running') as OperationResult['status'];
}

/**
 * Waits for a long-running ARM operation: until it is done, or `waitSeconds` pass (the
 * operation keeps running in Azure and the result says `running`), reporting each poll as
 * progress. A failed operation throws (the caller maps it); a cancelled call aborts the wait.
 */
export async function awaitOperation(
  poller: OperationPoller,
  waitSeconds: number,
  context: ToolContext,
  label: string,
): Promise<OperationResult> {
  await poller.submitted();
  if (poller.isDone || waitSeconds === 0) {
    if (poller.isDone) await poller.pollUntilDone({ abortSignal: context.signal });
    return { status: statusOf(poller), done: poller.isDone };
  }
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), waitSeconds * 1000);
  const cancel = (): void => deadline.abort();
  context.signal.addEventListener('abort', cancel, { once: true });
  let polls = 0;
  const stop = poller.onProgress((state) => {
    polls += 1;
    void context.progress(polls, undefined, `${label}: ${state.status}`);
  });
  try {
    await poller.pollUntilDone({ abortSignal: deadline.signal });
  } catch (error) {
    // Our own deadline: the operation goes on in Azure; report where it stands.
    if (!(deadline.signal.aborted && !context.signal.aborted && !poller.isDone)) throw error;
  } finally {
    clearTimeout(timer);
    stop();
    context.signal.removeEventListener('abort', cancel);
  }
  return { status: statusOf(poller), done: poller.isDone };
}
