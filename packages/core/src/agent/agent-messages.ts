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

/**
 * A copy of `messages` safe to send to a model: every text and tool argument redacted, and
 * every tool call without a result (a run cancelled or crashed mid-call) answered with a
 * tool message saying it did not run, so the conversation stays well-formed.
 */
export function prepareForModel(messages: readonly BaseMessage[], redactor: Redacting): BaseMessage[] {
  const answered = new Set(
    messages.filter((message) => ToolMessage.isInstance(message)).map((message) => message.tool_call_id),
  );
  const out: BaseMessage[] = [];
  for (const message of messages) {
    const text = redactor.redact(textOf(message));
    if (AIMessage.isInstance(message)) {
      const calls = toolCallsOf(message);
      out.push(
        new AIMessage({
          content: text,
          id: message.id,
          tool_calls: calls.map((call) => ({ ...call, args: redactor.redactDeep(call.args) })),
        }),
      );
      for (const call of calls) {
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
    } else if (ToolMessage.isInstance(message)) {
      out.push(
        new ToolMessage({ content: text, id: message.id, tool_call_id: message.tool_call_id, status: message.status }),
      );
    } else if (SystemMessage.isInstance(message)) {
      out.push(new SystemMessage({ content: text, id: message.id }));
    } else {
      out.push(new HumanMessage({ content: text, id: message.id }));
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
