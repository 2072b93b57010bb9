import type { CallbackManagerForLLMRun } from '@langchain/core/callbacks/manager';
import type { BaseLanguageModelInput } from '@langchain/core/language_models/base';
import {
  BaseChatModel,
  type BaseChatModelCallOptions,
  type BindToolsInput,
} from '@langchain/core/language_models/chat_models';
import { AIMessageChunk, type BaseMessage } from '@langchain/core/messages';
import { ChatGenerationChunk, type ChatResult } from '@langchain/core/outputs';
import type { Runnable } from '@langchain/core/runnables';
import { AuroraError } from '../errors/aurora-error.js';

/** One tool call a scripted turn makes. */
export interface ScriptedToolCall {
  readonly name: string;
  readonly args: Record<string, unknown>;
  /** Default `call_<n>_<i>`. */
  readonly id?: string;
}

/** What the model answers on one call. */
export interface ScriptedResponse {
  readonly text?: string;
  readonly toolCalls?: readonly ScriptedToolCall[];
  /** Reported as `usage_metadata`; default: characters / 4 of input and output. */
  readonly usage?: { readonly inputTokens: number; readonly outputTokens: number };
  /** Wait this long before answering (wall-time tests). */
  readonly delayMs?: number;
  /** Fail the call with this message instead. */
  readonly error?: string;
}

/** Information a function turn receives. */
export interface ScriptedCallInfo {
  /** 0-based index of this call. */
  readonly call: number;
  /** Names of the tools bound for this call. */
  readonly tools: readonly string[];
}

export type ScriptedTurn =
  | ScriptedResponse
  | ((messages: readonly BaseMessage[], info: ScriptedCallInfo) => ScriptedResponse | Promise<ScriptedResponse>);

/** What the model received on one call. */
export interface ScriptedCall {
  readonly messages: readonly BaseMessage[];
  readonly tools: readonly string[];
}

export interface ScriptedChatModelOptions {
  readonly turns: readonly ScriptedTurn[];
  /** After the script ends, answer every further call with the last turn (default: fail). */
  readonly repeatLast?: boolean;
}

interface ScriptedCallOptions extends BaseChatModelCallOptions {
  readonly tools?: readonly BindToolsInput[];
}

function toolName(tool: BindToolsInput): string {
  const record = tool as { name?: unknown; function?: { name?: unknown } };
  if (typeof record.function?.name === 'string') return record.function.name;
  return typeof record.name === 'string' ? record.name : 'unknown';
}

function contentLength(messages: readonly BaseMessage[]): number {
  let total = 0;
  for (const message of messages) {
    total += typeof message.content === 'string' ? message.content.length : JSON.stringify(message.content).length;
  }
  return total;
}

/** Splits text into word-sized tokens that keep their trailing whitespace. */
function tokens(text: string): string[] {
  return text.match(/\s*\S+\s*/g) ?? (text ? [text] : []);
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new AuroraError('CANCELLED', { message: 'Model call aborted.' }));
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new AuroraError('CANCELLED', { message: 'Model call aborted.' }));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * A chat model that follows a script: each call takes the next turn (text, tool calls, or a
 * function of the messages so far), streams the text token by token and the tool calls as
 * chunks, and reports `usage_metadata`. It records what it received on every call, so tests
 * can assert what reached the model. Bound copies (`bindTools`) share the script.
 */
export class ScriptedChatModel extends BaseChatModel<ScriptedCallOptions, AIMessageChunk> {
  /** Every call in order: the messages and tool names it received. */
  readonly calls: ScriptedCall[];
  private readonly script: { readonly turns: readonly ScriptedTurn[]; readonly repeatLast: boolean; next: number };

  constructor(options: ScriptedChatModelOptions) {
    super({});
    this.script = { turns: options.turns, repeatLast: options.repeatLast ?? false, next: 0 };
    this.calls = [];
  }

  _llmType(): string {
    return 'aurora-scripted';
  }

  /** How many turns have been used. */
  get used(): number {
    return this.script.next;
  }

  override bindTools(
    tools: BindToolsInput[],
    kwargs?: Partial<ScriptedCallOptions>,
  ): Runnable<BaseLanguageModelInput, AIMessageChunk, ScriptedCallOptions> {
    return this.withConfig({ ...kwargs, tools });
  }

  override async _generate(
    messages: BaseMessage[],
    options: this['ParsedCallOptions'],
    runManager?: CallbackManagerForLLMRun,
  ): Promise<ChatResult> {
    let merged: ChatGenerationChunk | undefined;
    for await (const chunk of this._streamResponseChunks(messages, options, runManager)) {
      merged = merged ? merged.concat(chunk) : chunk;
    }
    const message = merged?.message ?? new AIMessageChunk({ content: '' });
    return { generations: [{ text: merged?.text ?? '', message }] };
  }

  override async *_streamResponseChunks(
    messages: BaseMessage[],
    options: this['ParsedCallOptions'],
    runManager?: CallbackManagerForLLMRun,
  ): AsyncGenerator<ChatGenerationChunk> {
    const call = this.script.next;
    const tools = (options.tools ?? []).map(toolName);
    this.calls.push({ messages: [...messages], tools });
    const turn = this.script.turns[call] ?? (this.script.repeatLast ? this.script.turns.at(-1) : undefined);
    if (turn === undefined) {
      throw new AuroraError('INTERNAL', {
        message: `Scripted model has no turn ${call + 1} (the script has ${this.script.turns.length}).`,
      });
    }
    this.script.next += 1;
    const response = typeof turn === 'function' ? await turn(messages, { call, tools }) : turn;
    if (response.delayMs) await sleep(response.delayMs, options.signal);
    if (response.error !== undefined) throw new AuroraError('UPSTREAM_ERROR', { message: response.error });

    const text = response.text ?? '';
    for (const token of tokens(text)) {
      if (options.signal?.aborted) throw new AuroraError('CANCELLED', { message: 'Model call aborted.' });
      const chunk = new ChatGenerationChunk({ text: token, message: new AIMessageChunk({ content: token }) });
      yield chunk;
      await runManager?.handleLLMNewToken(token, undefined, undefined, undefined, undefined, { chunk });
    }
    const toolCalls = response.toolCalls ?? [];
    for (const [index, toolCall] of toolCalls.entries()) {
      const args = JSON.stringify(toolCall.args);
      const id = toolCall.id ?? `call_${call + 1}_${index + 1}`;
      const half = Math.ceil(args.length / 2);
      // Two chunks per call, as providers stream them: name and id first, the arguments in pieces.
      for (const [part, piece] of [args.slice(0, half), args.slice(half)].entries()) {
        yield new ChatGenerationChunk({
          text: '',
          message: new AIMessageChunk({
            content: '',
            tool_call_chunks: [
              {
                type: 'tool_call_chunk',
                index,
                args: piece,
                ...(part === 0 ? { id, name: toolCall.name } : {}),
              },
            ],
          }),
        });
      }
    }
    const inputTokens = response.usage?.inputTokens ?? Math.ceil(contentLength(messages) / 4);
    const outputTokens =
      response.usage?.outputTokens ?? Math.ceil((text.length + JSON.stringify(toolCalls).length) / 4);
    yield new ChatGenerationChunk({
      text: '',
      message: new AIMessageChunk({
        content: '',
        usage_metadata: {
          input_tokens: inputTokens,
          output_tokens: outputTokens,
          total_tokens: inputTokens + outputTokens,
        },
      }),
    });
  }
}

/** A scripted chat model for tests, examples and benchmarks. */
export function createScriptedChatModel(options: ScriptedChatModelOptions): ScriptedChatModel {
  return new ScriptedChatModel(options);
}
