/**
 * A chat model for the streaming benchmark: each call streams `tokens` tokens, one every
 * `intervalMs`, on a fixed schedule (no drift), and each token's text is the time it was due on
 * that schedule, on the clock every process shares: `t<ms since the epoch, µs resolution> `. The client subtracts
 * that from its receive time to get the relay latency (model → graph → event stream → run
 * manager → bus → WebSocket → client). See token-stamp.ts.
 *
 * LangChain is imported from core's own copy (the server's agent runs on it), by path,
 * because the repository root does not depend on LangChain.
 */
import type { CallbackManagerForLLMRun } from '../../packages/core/node_modules/@langchain/core/dist/callbacks/manager.js';
import type { BaseLanguageModelInput } from '../../packages/core/node_modules/@langchain/core/dist/language_models/base.js';
import {
  BaseChatModel,
  type BaseChatModelCallOptions,
  type BindToolsInput,
} from '../../packages/core/node_modules/@langchain/core/dist/language_models/chat_models.js';
import {
  AIMessageChunk,
  type BaseMessage,
} from '../../packages/core/node_modules/@langchain/core/dist/messages/index.js';
import { ChatGenerationChunk, type ChatResult } from '../../packages/core/node_modules/@langchain/core/dist/outputs.js';
import type { Runnable } from '../../packages/core/node_modules/@langchain/core/dist/runnables/index.js';
import { stampToken } from './token-stamp.js';

export interface StreamModelOptions {
  /** Tokens per call. */
  readonly tokens: number;
  /** Gap between tokens (50 ms = 20 tokens/s). */
  readonly intervalMs: number;
}

/** Waits `ms`; rejects if the run is aborted (the listener is removed either way). */
function wait(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new Error('aborted'));
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new Error('aborted'));
    };
    const timer = setTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      },
      Math.max(0, ms),
    );
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export class StreamModel extends BaseChatModel<
  BaseChatModelCallOptions & { tools?: BindToolsInput[] },
  AIMessageChunk
> {
  constructor(private readonly settings: StreamModelOptions) {
    super({});
  }

  _llmType(): string {
    return 'aurora-bench-stream';
  }

  override bindTools(
    tools: BindToolsInput[],
  ): Runnable<BaseLanguageModelInput, AIMessageChunk, BaseChatModelCallOptions> {
    return this.withConfig({ tools });
  }

  override async _generate(messages: BaseMessage[], options: this['ParsedCallOptions']): Promise<ChatResult> {
    let merged: ChatGenerationChunk | undefined;
    for await (const chunk of this._streamResponseChunks(messages, options))
      merged = merged ? merged.concat(chunk) : chunk;
    return {
      generations: [{ text: merged?.text ?? '', message: merged?.message ?? new AIMessageChunk({ content: '' }) }],
    };
  }

  override async *_streamResponseChunks(
    _messages: BaseMessage[],
    options: this['ParsedCallOptions'],
    runManager?: CallbackManagerForLLMRun,
  ): AsyncGenerator<ChatGenerationChunk> {
    const started = performance.now();
    for (let index = 1; index <= this.settings.tokens; index++) {
      const due = started + index * this.settings.intervalMs;
      await wait(due - performance.now(), options.signal);
      const text = stampToken(performance.timeOrigin + due);
      const chunk = new ChatGenerationChunk({ text, message: new AIMessageChunk({ content: text }) });
      yield chunk;
      await runManager?.handleLLMNewToken(text, undefined, undefined, undefined, undefined, { chunk });
    }
    yield new ChatGenerationChunk({
      text: '',
      message: new AIMessageChunk({
        content: '',
        usage_metadata: {
          input_tokens: 10,
          output_tokens: this.settings.tokens,
          total_tokens: 10 + this.settings.tokens,
        },
      }),
    });
  }
}
