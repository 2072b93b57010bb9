import type { CallbackManagerForLLMRun } from '@langchain/core/callbacks/manager';
import {
  BaseChatModel,
  type BaseChatModelCallOptions,
  type BindToolsInput,
  type ToolChoice,
} from '@langchain/core/language_models/chat_models';
import type { BaseLanguageModelInput } from '@langchain/core/language_models/base';
import { AIMessageChunk, type AIMessage, type BaseMessage } from '@langchain/core/messages';
import { ChatGenerationChunk, type ChatResult } from '@langchain/core/outputs';
import type { Runnable } from '@langchain/core/runnables';
import type { SecretRedactor } from '../../secrets/redactor.js';
import { hashInput, normaliseInput, toolCallsOf, type NormalisedInput } from './model-input.js';
import {
  RECORDING_FORMAT,
  createRecordingWriter,
  type RecordedOutput,
  type RecordingWriter,
} from './model-recording.js';

/** Call options of the record and replay models: LangChain's, plus bound tools. */
export interface RecordReplayCallOptions extends BaseChatModelCallOptions {
  tools?: BindToolsInput[];
  tool_choice?: ToolChoice;
}

export interface RecordingModelOptions {
  /** The JSON-lines file; its folder is created. */
  readonly file: string;
  /** `overwrite` (default) starts the file afresh; `append` adds to it. */
  readonly mode?: 'overwrite' | 'append';
  /** Scrubs every line before it is written (inputs and outputs). */
  readonly redactor?: SecretRedactor;
}

const METADATA_KEYS = ['finish_reason', 'stop_reason', 'model_name', 'model'] as const;

/** The parts of a final message a recording keeps. */
export function outputOf(message: AIMessage | AIMessageChunk): RecordedOutput {
  const metadata: Record<string, string> = {};
  for (const key of METADATA_KEYS) {
    const value = (message.response_metadata as Record<string, unknown> | undefined)?.[key];
    if (typeof value === 'string') metadata[key] = value;
  }
  const content = message.content as string | unknown[];
  return {
    content,
    text: message.text,
    toolCalls: toolCallsOf(message),
    ...(message.usage_metadata === undefined ? {} : { usage: message.usage_metadata }),
    ...(Object.keys(metadata).length === 0 ? {} : { responseMetadata: metadata }),
  };
}

/**
 * The inner call runs with no callbacks of its own: the wrapper reports the call (and its
 * tokens) once, so a LangGraph `messages` stream does not see every token twice.
 */
function innerConfig(options: { readonly signal?: AbortSignal }): {
  callbacks: [];
  tags: string[];
  signal?: AbortSignal;
} {
  return {
    callbacks: [],
    tags: ['langsmith:nostream'],
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  };
}

/** Wraps a chat model and writes each call (input and output) to a recording. */
export class RecordingChatModel extends BaseChatModel<RecordReplayCallOptions, AIMessageChunk> {
  readonly inner: BaseChatModel;
  private readonly writer: RecordingWriter;
  private readonly redactor: SecretRedactor | undefined;
  private calls = 0;

  constructor(inner: BaseChatModel, options: RecordingModelOptions) {
    super({});
    this.inner = inner;
    this.writer = createRecordingWriter(options.file, options.mode ?? 'overwrite');
    this.redactor = options.redactor;
  }

  _llmType(): string {
    return 'aurora-recording';
  }

  override bindTools(
    tools: BindToolsInput[],
    kwargs?: Partial<RecordReplayCallOptions>,
  ): Runnable<BaseLanguageModelInput, AIMessageChunk, RecordReplayCallOptions> {
    return this.withConfig({ ...kwargs, tools });
  }

  /** Resolves when every call so far is written. */
  flush(): Promise<void> {
    return this.writer.flush();
  }

  private target(options: this['ParsedCallOptions']): Runnable<BaseLanguageModelInput, AIMessageChunk> {
    const { tools, tool_choice: toolChoice } = options;
    if (tools === undefined || tools.length === 0)
      return this.inner as Runnable<BaseLanguageModelInput, AIMessageChunk>;
    if (this.inner.bindTools === undefined) throw new TypeError('The recorded model does not support bindTools.');
    return this.inner.bindTools(tools, toolChoice === undefined ? {} : { tool_choice: toolChoice }) as Runnable<
      BaseLanguageModelInput,
      AIMessageChunk
    >;
  }

  private async record(
    input: NormalisedInput,
    hash: string,
    index: number,
    message: AIMessage | AIMessageChunk,
  ): Promise<void> {
    const entry = {
      format: RECORDING_FORMAT,
      index,
      hash,
      input,
      output: outputOf(message),
      recordedAt: new Date().toISOString(),
    } as const;
    await this.writer.append(this.redactor === undefined ? entry : this.redactor.redactDeep(entry));
  }

  override async *_streamResponseChunks(
    messages: BaseMessage[],
    options: this['ParsedCallOptions'],
    runManager?: CallbackManagerForLLMRun,
  ): AsyncGenerator<ChatGenerationChunk> {
    const input = normaliseInput(messages, options.tools, options.tool_choice);
    const hash = hashInput(input);
    const index = this.calls++;
    let whole: AIMessageChunk | undefined;
    const stream = await this.target(options).stream(messages, {
      ...innerConfig(options),
    });
    for await (const chunk of stream) {
      whole = whole === undefined ? chunk : whole.concat(chunk);
      const generation = new ChatGenerationChunk({ message: chunk, text: chunk.text });
      yield generation;
      await runManager?.handleLLMNewToken(generation.text, undefined, undefined, undefined, undefined, {
        chunk: generation,
      });
    }
    await this.record(input, hash, index, whole ?? new AIMessageChunk({ content: '' }));
  }

  override async _generate(
    messages: BaseMessage[],
    options: this['ParsedCallOptions'],
    _runManager?: CallbackManagerForLLMRun,
  ): Promise<ChatResult> {
    const input = normaliseInput(messages, options.tools, options.tool_choice);
    const hash = hashInput(input);
    const index = this.calls++;
    const message = await this.target(options).invoke(messages, {
      ...innerConfig(options),
    });
    await this.record(input, hash, index, message);
    return { generations: [{ message, text: message.text }] };
  }
}

/**
 * Wraps `inner` so that each call's normalised input (messages and bound tools) and its
 * output (text, tool calls, usage) are appended to `file` as JSON lines, for
 * `createReplayModel`. Streaming and `bindTools` pass through to `inner`.
 */
export function createRecordingModel(inner: BaseChatModel, options: RecordingModelOptions): RecordingChatModel {
  return new RecordingChatModel(inner, options);
}
