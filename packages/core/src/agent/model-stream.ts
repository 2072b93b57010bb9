import { CallbackManager } from '@langchain/core/callbacks/manager';
import { BaseChatModel } from '@langchain/core/language_models/chat_models';
import type { BaseMessage } from '@langchain/core/messages';
import type { ChatGenerationChunk } from '@langchain/core/outputs';
import { ensureConfig, RunnableBinding, type RunnableConfig } from '@langchain/core/runnables';

/** A chat model, or one with tools bound (`RunnableBinding`): what the model node streams from. */
export interface StreamingModel<Chunk> {
  stream(input: BaseMessage[], options: { signal: AbortSignal }): Promise<AsyncIterable<Chunk>>;
  _streamIterator?(input: BaseMessage[], options: RunnableConfig): AsyncGenerator<Chunk>;
}

/** `BaseChatModel`'s members `chunkIterator` uses, some of them protected. */
interface ChatModelInternals {
  _streamIterator: BaseChatModel['_streamIterator'];
  _streamResponseChunks: BaseChatModel['_streamResponseChunks'];
  _separateRunnableConfigFromCallOptionsCompat(options: RunnableConfig): [RunnableConfig, Record<string, unknown>];
  readonly disableStreaming: boolean;
  readonly outputVersion?: string;
  readonly callbacks?: BaseChatModel['callbacks'];
  readonly verbose: boolean;
}

const baseChatModel = BaseChatModel.prototype as unknown as ChatModelInternals;
const toMessages = (input: BaseMessage[]): BaseMessage[] =>
  (
    BaseChatModel as unknown as {
      _convertInputToPromptValue(input: BaseMessage[]): { toChatMessages(): BaseMessage[] };
    }
  )
    ._convertInputToPromptValue(input)
    .toChatMessages();

/**
 * What the model's `_streamIterator` yields, without what it does for callback handlers when
 * there are none. `BaseChatModel._streamIterator` concatenates every chunk into one generation
 * for the handlers' end callback (each concat builds new message objects), even when no handler
 * is configured and the result is dropped: 5–14 % of the server's CPU per streamed token, 30–45
 * MB of peak RSS and a fifth of the scavenges at 1 000 sessions (bench/README, "LangChain's
 * aggregation"). With no handler (no callbacks in the config or on the model, no LangSmith
 * tracing, not verbose), this iterates the model's `_streamResponseChunks` as `_streamIterator`
 * does: the same messages, the same merge of `generationInfo` into `response_metadata`, the same
 * signal checks. Anything else (handlers, a model overriding `_streamIterator`, one that does
 * not stream, `outputVersion` v1, a model from another copy of `@langchain/core`) goes through
 * `_streamIterator` as before. Bindings (`bindTools`) are unwrapped as
 * `RunnableBinding._streamIterator` does: their kwargs and config merged into the options, layer
 * by layer.
 */
async function chunkIterator<Chunk>(
  model: StreamingModel<Chunk>,
  input: BaseMessage[],
  config: RunnableConfig,
): Promise<ChunkSource<Chunk>> {
  let target: unknown = model;
  let options: RunnableConfig = config;
  while (target instanceof RunnableBinding && target._streamIterator === RunnableBinding.prototype._streamIterator) {
    const binding = target as RunnableBinding<unknown, unknown>;
    options = (await binding._mergeConfig(ensureConfig(options), binding.kwargs)) as RunnableConfig;
    target = binding.bound;
  }
  const chat = target as ChatModelInternals & StreamingModel<Chunk>;
  if (
    !(target instanceof BaseChatModel) ||
    chat._streamIterator !== baseChatModel._streamIterator ||
    chat._streamResponseChunks === baseChatModel._streamResponseChunks ||
    chat.disableStreaming
  ) {
    return { iterator: (target as Required<StreamingModel<Chunk>>)._streamIterator(input, options) };
  }
  const [runnableConfig, callOptions] = chat._separateRunnableConfigFromCallOptionsCompat(options);
  // Tags and metadata only decorate a manager that handlers created: without them, none is made.
  const handlers = CallbackManager.configure(
    runnableConfig.callbacks,
    chat.callbacks,
    undefined,
    undefined,
    undefined,
    undefined,
    { verbose: chat.verbose },
  );
  if (handlers !== undefined || (callOptions.outputVersion ?? chat.outputVersion) === 'v1') {
    return { iterator: (target as Required<StreamingModel<Chunk>>)._streamIterator(input, options) };
  }
  // `BaseChatModel._streamIterator`'s loop when `CallbackManager.configure` found no handler,
  // its per-chunk part done by `modelChunks` itself (one async generator fewer per chunk).
  return {
    iterator: chat._streamResponseChunks(toMessages(input), callOptions),
    toChunk: (generation) => {
      const { message, generationInfo } = generation as ChatGenerationChunk;
      message.response_metadata = { ...generationInfo, ...message.response_metadata };
      return message as Chunk;
    },
  };
}

/**
 * What `modelChunks` iterates, and what it makes of each item when the items are not chunks
 * yet.
 */
interface ChunkSource<Chunk> {
  readonly iterator: AsyncGenerator<unknown>;
  readonly toChunk?: (item: unknown) => Chunk;
}

/**
 * The model's chunks, as `.stream()` yields them, without what `.stream()` wraps around each
 * one: a web `ReadableStream` pull, a LangChain context entered, and an abort listener added and
 * removed (`raceWithSignal`). The model's own `_streamIterator` is what `.stream()` iterates: it
 * sets up the callbacks, checks the signal after each chunk and reports the end or the error,
 * so none of that is lost (with no callback handler, `chunkIterator` does the same without
 * building the end callback's aggregate). The signal is watched by one listener for the whole
 * stream: an abort ends the wait for the next chunk at once, as with `.stream()`, even when the
 * provider is slow to notice it. A model without `_streamIterator` is streamed with `.stream()`.
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
  const { iterator, toChunk } = await chunkIterator(model, input, ensureConfig({ signal }));
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
      const next = await new Promise<IteratorResult<unknown>>((resolve, reject) => {
        rejectWait = reject;
        iterator.next().then(resolve, reject);
      });
      // As `_streamIterator` does after each chunk and at the end.
      if (signal.aborted) throw abortError();
      if (next.done) {
        finished = true;
        return;
      }
      yield toChunk ? toChunk(next.value) : (next.value as Chunk);
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    // Stopped early (abort, error or the caller's break): close the model's stream. Not awaited:
    // a generator still waiting for its provider closes once that wait ends.
    if (!finished) void iterator.return(undefined).catch(() => undefined);
  }
}
