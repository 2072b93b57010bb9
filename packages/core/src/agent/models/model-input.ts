import { createHash } from 'node:crypto';
import type { BindToolsInput, ToolChoice } from '@langchain/core/language_models/chat_models';
import type { BaseMessage } from '@langchain/core/messages';
import { convertToOpenAITool } from '@langchain/core/utils/function_calling';

/** A tool call as the recording keeps it. */
export interface RecordedToolCall {
  readonly id: string | undefined;
  readonly name: string;
  readonly args: Record<string, unknown>;
}

/** One input message, stripped of ids and provider-specific fields. */
export interface NormalisedMessage {
  readonly role: string;
  /** Text, or content blocks when the message holds more than text (images, files). */
  readonly content: string | readonly unknown[];
  readonly name?: string;
  readonly toolCalls?: readonly RecordedToolCall[];
  readonly toolCallId?: string;
}

/** A bound tool in OpenAI function form (name, description, JSON Schema parameters). */
export interface NormalisedTool {
  readonly name: string;
  readonly description: string | undefined;
  readonly parameters: unknown;
}

/** What a chat model call asked for, independent of provider and of message ids. */
export interface NormalisedInput {
  readonly messages: readonly NormalisedMessage[];
  readonly tools: readonly NormalisedTool[];
  readonly toolChoice?: unknown;
}

function textOf(content: unknown): string | readonly unknown[] {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  const blocks = (content as unknown[]).filter(
    (block) => !(typeof block === 'object' && block !== null && (block as { type?: unknown }).type === 'tool_use'),
  );
  const texts = blocks.map((block): string | undefined => {
    if (typeof block === 'string') return block;
    const record = typeof block === 'object' && block !== null ? (block as { type?: unknown; text?: unknown }) : {};
    return record.type === 'text' ? (typeof record.text === 'string' ? record.text : '') : undefined;
  });
  if (texts.every((text): text is string => text !== undefined)) return texts.join('');
  // Non-text blocks are kept, without the streaming `index` that differs between providers.
  return blocks.map((block): unknown => {
    if (typeof block !== 'object' || block === null) return block;
    const { index: _index, ...rest } = block as Record<string, unknown>;
    return rest;
  });
}

/** The tool calls of an AI message, in order. */
export function toolCallsOf(message: unknown): RecordedToolCall[] {
  const calls = (message as { tool_calls?: unknown }).tool_calls;
  if (!Array.isArray(calls)) return [];
  return calls.map((call: { id?: unknown; name?: unknown; args?: unknown }) => ({
    id: typeof call.id === 'string' ? call.id : undefined,
    name: String(call.name),
    args: typeof call.args === 'object' && call.args !== null ? (call.args as Record<string, unknown>) : {},
  }));
}

function normaliseMessage(message: BaseMessage): NormalisedMessage {
  const role = message.type;
  const content = role === 'ai' ? message.text : textOf(message.content);
  const calls = role === 'ai' ? toolCallsOf(message) : [];
  const toolCallId = (message as { tool_call_id?: unknown }).tool_call_id;
  return {
    role,
    content,
    ...(typeof message.name === 'string' && message.name !== '' ? { name: message.name } : {}),
    ...(calls.length > 0 ? { toolCalls: calls } : {}),
    ...(typeof toolCallId === 'string' ? { toolCallId } : {}),
  };
}

function normaliseTool(tool: BindToolsInput): NormalisedTool {
  const converted = convertToOpenAITool(tool) as {
    function?: { name?: unknown; description?: unknown; parameters?: unknown };
  };
  const definition = converted.function ?? {};
  return {
    name: String(definition.name),
    description: typeof definition.description === 'string' ? definition.description : undefined,
    parameters: definition.parameters ?? {},
  };
}

/** Messages and bound tools of one call, in the form recordings store and hash. */
export function normaliseInput(
  messages: readonly BaseMessage[],
  tools: readonly BindToolsInput[] | undefined,
  toolChoice?: ToolChoice,
): NormalisedInput {
  return {
    messages: messages.map(normaliseMessage),
    tools: (tools ?? []).map(normaliseTool),
    ...(toolChoice === undefined ? {} : { toolChoice }),
  };
}

/** JSON with object keys sorted and `undefined` dropped, so equal inputs give equal text. */
export function canonicalJson(value: unknown): string {
  const walk = (item: unknown): unknown => {
    if (Array.isArray(item)) return item.map(walk);
    if (typeof item !== 'object' || item === null) return item;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(item).sort()) {
      const entry = (item as Record<string, unknown>)[key];
      if (entry !== undefined) out[key] = walk(entry);
    }
    return out;
  };
  return JSON.stringify(walk(value)) ?? 'null';
}

/** `sha256:<hex>` of the canonical JSON of a normalised input. */
export function hashInput(input: NormalisedInput): string {
  return `sha256:${createHash('sha256').update(canonicalJson(input)).digest('hex')}`;
}
