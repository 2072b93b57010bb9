import type { CallbackManagerForLLMRun } from '@langchain/core/callbacks/manager';
import type { BaseLanguageModelInput } from '@langchain/core/language_models/base';
import { BaseChatModel, type BindToolsInput } from '@langchain/core/language_models/chat_models';
import { AIMessageChunk, type BaseMessage } from '@langchain/core/messages';
import { ChatGenerationChunk, type ChatResult } from '@langchain/core/outputs';
import type { Runnable } from '@langchain/core/runnables';
import { canonicalJson, hashInput, normaliseInput, type NormalisedInput } from './model-input.js';
import { readRecording, type RecordedCall } from './model-recording.js';
import type { RecordReplayCallOptions } from './recording-model.js';
import { ReplayMismatchError } from './replay-mismatch-error.js';

export interface ReplayModelOptions {
  /** A recording written by `createRecordingModel`. */
  readonly file: string;
  /**
   * `true` (default): each call's input must hash to what was recorded at that position,
   * else `ReplayMismatchError`. `false`: answers in order whatever is asked.
   */
  readonly strict?: boolean;
}

/** The first path at which two JSON values differ, for error messages (`messages[2].content`). */
function firstDifference(expected: unknown, actual: unknown, path = ''): string | undefined {
  if (canonicalJson(expected) === canonicalJson(actual)) return undefined;
  if (typeof expected !== 'object' || typeof actual !== 'object' || expected === null || actual === null) {
    return path || '(root)';
  }
  if (Array.isArray(expected) !== Array.isArray(actual)) return path || '(root)';
  const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]);
  for (const key of keys) {
    const child = Array.isArray(expected) ? `${path}[${key}]` : path === '' ? key : `${path}.${key}`;
    const found = firstDifference(
      (expected as Record<string, unknown>)[key],
      (actual as Record<string, unknown>)[key],
      child,
    );
    if (found !== undefined) return found;
  }
  return path || '(root)';
}

/** Splits text into word-sized deltas, whitespace kept, so a replay streams like a model. */
function deltas(text: string): string[] {
  return text.match(/\S+\s*|\s+/g) ?? [];
}

/**
 * Content blocks stream as providers stream them: a text block as several deltas sharing
 * its `index` (LangChain merges them back), any other block whole.
 */
function blockChunks(block: unknown, position: number): AIMessageChunk[] {
  if (typeof block !== 'object' || block === null) return [];
  const record = block as Record<string, unknown>;
  const index = typeof record.index === 'number' ? record.index : position;
  if (record.type === 'text' && typeof record.text === 'string') {
    return deltas(record.text).map(
      (text) => new AIMessageChunk({ content: [{ ...record, type: 'text', text, index }] }),
    );
  }
  return [new AIMessageChunk({ content: [{ ...record, index } as unknown as { type: string }] })];
}

/** Answers chat model calls from a recording, in order, streaming like a real model. */
export class ReplayChatModel extends BaseChatModel<RecordReplayCallOptions, AIMessageChunk> {
  readonly file: string;
  readonly strict: boolean;
  private calls: Promise<RecordedCall[]> | undefined;
  private cursor = 0;

  constructor(options: ReplayModelOptions) {
    super({});
    this.file = options.file;
    this.strict = options.strict ?? true;
  }

  _llmType(): string {
    return 'aurora-replay';
  }

  override bindTools(
    tools: BindToolsInput[],
    kwargs?: Partial<RecordReplayCallOptions>,
  ): Runnable<BaseLanguageModelInput, AIMessageChunk, RecordReplayCallOptions> {
    return this.withConfig({ ...kwargs, tools });
  }

  /** How many recorded calls have been answered. */
  get position(): number {
    return this.cursor;
  }

  /** How many recorded calls remain (after the recording has been read). */
  async remaining(): Promise<number> {
    return (await this.load()).length - this.cursor;
  }

  private load(): Promise<RecordedCall[]> {
    this.calls ??= readRecording(this.file);
    this.calls.catch(() => {
      this.calls = undefined;
    });
    return this.calls;
  }

  private async next(input: NormalisedInput): Promise<RecordedCall> {
    const index = this.cursor++;
    const calls = await this.load();
    const call = calls[index];
    if (call === undefined) {
      throw new ReplayMismatchError({
        message: `The run made call ${index + 1} but the recording ${this.file} holds ${calls.length}.`,
        details: { reason: 'recording exhausted', file: this.file, index, recorded: calls.length },
      });
    }
    const hash = hashInput(input);
    if (this.strict && hash !== call.hash) {
      const at = firstDifference(call.input, input) ?? '(redacted content)';
      throw new ReplayMismatchError({
        message: `Call ${index + 1} differs from the recording ${this.file} at ${at}: the run took another path.`,
        details: { reason: 'input differs', file: this.file, index, at, expectedHash: call.hash, actualHash: hash },
      });
    }
    return call;
  }

  private chunksOf(call: RecordedCall): AIMessageChunk[] {
    const { output } = call;
    const chunks: AIMessageChunk[] =
      typeof output.content === 'string'
        ? deltas(output.content).map((text) => new AIMessageChunk({ content: text }))
        : output.content.flatMap((block, position) => blockChunks(block, position));
    output.toolCalls.forEach((toolCall, index) => {
      chunks.push(
        new AIMessageChunk({
          content: '',
          tool_call_chunks: [
            {
              type: 'tool_call_chunk',
              index,
              name: toolCall.name,
              args: JSON.stringify(toolCall.args),
              ...(toolCall.id === undefined ? {} : { id: toolCall.id }),
            },
          ],
        }),
      );
    });
    chunks.push(
      new AIMessageChunk({
        content: '',
        response_metadata: { ...output.responseMetadata, replayed: true },
        ...(output.usage === undefined ? {} : { usage_metadata: output.usage }),
      }),
    );
    return chunks;
  }

  override async *_streamResponseChunks(
    messages: BaseMessage[],
    options: this['ParsedCallOptions'],
    runManager?: CallbackManagerForLLMRun,
  ): AsyncGenerator<ChatGenerationChunk> {
    const call = await this.next(normaliseInput(messages, options.tools, options.tool_choice));
    for (const chunk of this.chunksOf(call)) {
      options.signal?.throwIfAborted();
      const generation = new ChatGenerationChunk({ message: chunk, text: chunk.text });
      yield generation;
      await runManager?.handleLLMNewToken(generation.text, undefined, undefined, undefined, undefined, {
        chunk: generation,
      });
    }
  }

  override async _generate(messages: BaseMessage[], options: this['ParsedCallOptions']): Promise<ChatResult> {
    const call = await this.next(normaliseInput(messages, options.tools, options.tool_choice));
    const whole = this.chunksOf(call).reduce((sum, chunk) => sum.concat(chunk));
    return { generations: [{ message: whole, text: whole.text }] };
  }
}

/**
 * A chat model that answers from a recording made by `createRecordingModel`: same texts,
 * tool calls and usage, streamed in chunks, with `bindTools`. By default each call must
 * match the recorded input (`ReplayMismatchError` when the run diverges).
 */
export function createReplayModel(options: ReplayModelOptions): ReplayChatModel {
  return new ReplayChatModel(options);
}
