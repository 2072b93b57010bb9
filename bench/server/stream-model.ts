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
    const { signal } = options;
    // One abort listener for the whole stream, as a provider's one request has; an abort ends
    // the wait for the next token at once. (Not a listener per token: that would put an
    // EventTarget add and remove on every token, which no provider's stream does.)
    let timer: NodeJS.Timeout | undefined;
    let rejectWait: ((error: Error) => void) | undefined;
    const onAbort = (): void => {
      clearTimeout(timer);
      rejectWait?.(new Error('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const started = performance.now();
      for (let index = 1; index <= this.settings.tokens; index++) {
        if (signal?.aborted) throw new Error('aborted');
        const due = started + index * this.settings.intervalMs;
        await new Promise<void>((resolve, reject) => {
          rejectWait = reject;
          timer = setTimeout(resolve, Math.max(0, due - performance.now()));
        });
        const text = stampToken(performance.timeOrigin + due);
        const chunk = new ChatGenerationChunk({ text, message: new AIMessageChunk({ content: text }) });
        yield chunk;
        await runManager?.handleLLMNewToken(text, undefined, undefined, undefined, undefined, { chunk });
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
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
