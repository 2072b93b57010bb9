import { HumanMessage, SystemMessage, ToolMessage, type BaseMessage } from '@langchain/core/messages';
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import type { AgentContextOptions } from './agent-types.js';
import { textOf, toolCallsOf } from './agent-messages.js';
import type { ContextSummary } from './agent-state.js';

const approximate = (text: string): number => Math.ceil(text.length / 4);

export function messageTokens(message: BaseMessage, count: (text: string) => number = approximate): number {
  const calls = toolCallsOf(message);
  return count(textOf(message)) + (calls.length ? count(JSON.stringify(calls)) : 0) + 4;
}

export interface FittedContext {
  /** The messages to send (after the summary, if any). */
  readonly messages: BaseMessage[];
  /** The summary to show (new or unchanged). */
  readonly summary: ContextSummary | null;
  /** Set when a new summary was written (persist it). */
  readonly updated: boolean;
}

/**
 * Fits history into `options.maxTokens`: messages already summarised are skipped; if the rest
 * is still too long, the oldest are cut at a turn boundary (never between a tool call and its
 * result, and never inside the last `keepLastMessages`), and with `summarize` the cut part is
 * folded into a model-written summary.
 */
export async function fitContext(
  messages: readonly BaseMessage[],
  current: ContextSummary | null,
  options: AgentContextOptions | undefined,
  summarizer: { readonly model: BaseChatModel; readonly signal: AbortSignal } | undefined,
): Promise<FittedContext> {
  const start = current ? messages.findIndex((message) => message.id === current.through) + 1 : 0;
  const visible = messages.slice(start);
  if (!options) return { messages: visible, summary: current, updated: false };
  const count = options.countTokens ?? approximate;
  const keepLast = Math.max(1, options.keepLastMessages ?? 6);
  const sizes = visible.map((message) => messageTokens(message, count));
  let total = sizes.reduce((sum, size) => sum + size, 0) + (current ? count(current.text) : 0);
  if (total <= options.maxTokens) return { messages: visible, summary: current, updated: false };

  let cut = 0;
  const limit = Math.max(0, visible.length - keepLast);
  while (cut < limit && total > options.maxTokens) {
    total -= sizes[cut] ?? 0;
    cut += 1;
  }
  // Cut whole turns: move on to the next user message if there is one in reach…
  let turn = cut;
  while (turn < limit && !HumanMessage.isInstance(visible[turn]!)) turn += 1;
  if (visible[turn] && HumanMessage.isInstance(visible[turn])) cut = turn;
  // …and never start on a tool result: its call would be gone.
  while (cut > 0 && cut < visible.length && ToolMessage.isInstance(visible[cut]!)) cut -= 1;
  if (cut === 0) return { messages: visible, summary: current, updated: false };
  const dropped = visible.slice(0, cut);
  const kept = visible.slice(cut);
  if (!options.summarize || !summarizer) return { messages: kept, summary: current, updated: false };

  const transcript = dropped
    .map((message) => {
      const calls = toolCallsOf(message);
      const role = message.getType();
      return `${role}: ${textOf(message)}${calls.length ? ` [calls ${JSON.stringify(calls.map((c) => ({ name: c.name, args: c.args })))}]` : ''}`;
    })
    .join('\n');
  const response = await summarizer.model.invoke(
    [
      new SystemMessage(
        'Summarise the conversation below for your own later reference. Keep facts, resource names, ' +
          'findings, decisions and open questions. Be brief.',
      ),
      new HumanMessage(`${current ? `Earlier summary:\n${current.text}\n\n` : ''}Conversation:\n${transcript}`),
    ],
    { signal: summarizer.signal },
  );
  const through = dropped.at(-1)?.id;
  if (!through) return { messages: kept, summary: current, updated: false };
  return { messages: kept, summary: { text: textOf(response), through }, updated: true };
}
