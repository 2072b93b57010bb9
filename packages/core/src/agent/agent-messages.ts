import {
  AIMessage,
  HumanMessage,
  SystemMessage,
  ToolMessage,
  type BaseMessage,
  type ToolCall,
} from '@langchain/core/messages';
import type { Redacting } from '../logging/logger.js';
import type { HistoryMessage } from './agent-types.js';

/** The text of a message's content (text blocks joined). */
export function textOf(message: BaseMessage): string {
  const content = message.content;
  if (typeof content === 'string') return content;
  return content
    .map((block) => (typeof block === 'object' && 'text' in block && typeof block.text === 'string' ? block.text : ''))
    .join('');
}

export function toolCallsOf(message: BaseMessage): ToolCall[] {
  return AIMessage.isInstance(message) ? (message.tool_calls ?? []) : [];
}

/** The redacted copy of one message, and what it was made from. */
interface Prepared {
  readonly secrets: number;
  readonly content: BaseMessage['content'];
  readonly copy: BaseMessage;
}

/** Per redactor: copies made for earlier model calls of the same conversation. */
const preparedCopies = new WeakMap<Redacting, WeakMap<BaseMessage, Prepared>>();

/**
 * How many secrets the redactor knows (a `SecretRedactor`'s `size`), or undefined when it does
 * not say: then nothing is reused, since a copy made before a secret was learned could hold it.
 */
function secretCount(redactor: Redacting): number | undefined {
  return 'size' in redactor && typeof redactor.size === 'number' ? redactor.size : undefined;
}

/** The redacted copy of one message (tool calls of an AI message included, dangling ones not). */
function redactedCopy(message: BaseMessage, redactor: Redacting): BaseMessage {
  const text = redactor.redact(textOf(message));
  if (AIMessage.isInstance(message)) {
    return new AIMessage({
      content: text,
      id: message.id,
      tool_calls: toolCallsOf(message).map((call) => ({ ...call, args: redactor.redactDeep(call.args) })),
    });
  }
  if (ToolMessage.isInstance(message)) {
    return new ToolMessage({
      content: text,
      id: message.id,
      tool_call_id: message.tool_call_id,
      status: message.status,
    });
  }
  if (SystemMessage.isInstance(message)) return new SystemMessage({ content: text, id: message.id });
  return new HumanMessage({ content: text, id: message.id });
}

/**
 * A copy of `messages` safe to send to a model: every text and tool argument redacted, and
 * every tool call without a result (a run cancelled or crashed mid-call) answered with a
 * tool message saying it did not run, so the conversation stays well-formed. A message's
 * copy is reused on the next model call while the redactor has learned no new secret and the
 * message's content is unchanged (the history is otherwise rebuilt at every step).
 */
export function prepareForModel(messages: readonly BaseMessage[], redactor: Redacting): BaseMessage[] {
  const answered = new Set<string>();
  for (const message of messages) if (ToolMessage.isInstance(message)) answered.add(message.tool_call_id);
  const secrets = secretCount(redactor);
  let copies = secrets === undefined ? undefined : preparedCopies.get(redactor);
  if (secrets !== undefined && copies === undefined) {
    copies = new WeakMap();
    preparedCopies.set(redactor, copies);
  }
  const out: BaseMessage[] = [];
  for (const message of messages) {
    const kept = copies?.get(message);
    let copy: BaseMessage;
    if (kept !== undefined && kept.secrets === secrets && kept.content === message.content) copy = kept.copy;
    else {
      copy = redactedCopy(message, redactor);
      if (secrets !== undefined) copies?.set(message, { secrets, content: message.content, copy });
    }
    out.push(copy);
    for (const call of toolCallsOf(message)) {
      if (call.id && !answered.has(call.id)) {
        out.push(
          new ToolMessage({
            content: 'This tool call did not run: the run ended before it was executed.',
            tool_call_id: call.id,
            status: 'error',
          }),
        );
      }
    }
  }
  return out;
}

export function toHistory(messages: readonly BaseMessage[]): HistoryMessage[] {
  return messages.map((message): HistoryMessage => {
    if (AIMessage.isInstance(message)) {
      const calls = toolCallsOf(message);
      return {
        role: 'assistant',
        text: textOf(message),
        ...(calls.length
          ? { toolCalls: calls.map((call) => ({ id: call.id ?? '', name: call.name, arguments: call.args })) }
          : {}),
      };
    }
    if (ToolMessage.isInstance(message))
      return { role: 'tool', text: textOf(message), toolCallId: message.tool_call_id };
    if (SystemMessage.isInstance(message)) return { role: 'system', text: textOf(message) };
    return { role: 'user', text: textOf(message) };
  });
}
