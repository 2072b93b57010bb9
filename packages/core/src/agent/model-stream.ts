import type { BaseMessage } from '@langchain/core/messages';
import { ensureConfig, type RunnableConfig } from '@langchain/core/runnables';

/** A chat model, or one with tools bound (`RunnableBinding`): what the model node streams from. */
export interface StreamingModel<Chunk> {
  stream(input: BaseMessage[], options: { signal: AbortSignal }): Promise<AsyncIterable<Chunk>>;
  _streamIterator?(input: BaseMessage[], options: RunnableConfig): AsyncGenerator<Chunk>;
}

/**
 * The model's chunks, as `.stream()` yields them, without what `.stream()` wraps around each
 * one: a web `ReadableStream` pull, a LangChain context entered, and an abort listener added and
 * removed (`raceWithSignal`). The model's own `_streamIterator` is what `.stream()` iterates: it
 * sets up the callbacks, checks the signal after each chunk and reports the end or the error,
 * so none of that is lost. The signal is watched by one listener for the whole stream: an abort
 * ends the wait for the next chunk at once, as with `.stream()`, even when the provider is slow
 * to notice it. A model without `_streamIterator` is streamed with `.stream()`.
 */
export async function* modelChunks<Chunk>(
  model: StreamingModel<Chunk>,
  input: BaseMessage[],
  signal: AbortSignal,
): AsyncGenerator<Chunk> {
  if (typeof model._streamIterator !== 'function') {
    yield* await model.stream(input, { signal });
    return;
  }
  const iterator = model._streamIterator(input, ensureConfig({ signal }));
  // The wait for the current chunk; an abort rejects it. (Not Promise.race with one promise for
  // the whole stream: each race would leave a reaction on that promise until the stream ends.)
  let rejectWait: ((error: unknown) => void) | undefined;
  // The error `.stream()` rejects with (LangChain's getAbortSignalError).
  const abortError = (): unknown =>
    signal.reason instanceof Error
      ? signal.reason
      : new Error(typeof signal.reason === 'string' ? signal.reason : 'Aborted');
  const onAbort = (): void => rejectWait?.(abortError());
  signal.addEventListener('abort', onAbort, { once: true });
  let finished = false;
  try {
    for (;;) {
      if (signal.aborted) throw abortError();
      const next = await new Promise<IteratorResult<Chunk>>((resolve, reject) => {
        rejectWait = reject;
        iterator.next().then(resolve, reject);
      });
      if (next.done) {
        finished = true;
        return;
      }
      yield next.value;
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    // Stopped early (abort, error or the caller's break): close the model's stream. Not awaited:
    // a generator still waiting for its provider closes once that wait ends.
    if (!finished) void iterator.return(undefined).catch(() => undefined);
  }
}
