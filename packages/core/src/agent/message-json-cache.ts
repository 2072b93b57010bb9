import { isBaseMessage, type BaseMessage } from '@langchain/core/messages';
import type { Checkpoint } from '@langchain/langgraph-checkpoint';

interface Entry {
  readonly id: string | undefined;
  readonly content: unknown;
  readonly json: unknown;
}

/**
 * LangChain's `toJSON()` of each message, kept per message object. A checkpoint holds the
 * whole conversation, and redoing `toJSON()` (aliases, snake_case keys, escaping) and walking
 * every message instance at every step is most of what serialising a checkpoint costs
 * (bench/agent `steps`). `JSON.stringify` calls `toJSON()` itself, so handing it the kept
 * object writes the same text. An entry is used only while the message still has the id and
 * content it was made from: LangGraph's reducer gives a message without an id one after the
 * pending writes holding it were stored.
 */
export class MessageJsonCache {
  private readonly entries = new WeakMap<BaseMessage, Entry>();

  /** The message's `toJSON()`, from the cache when it is still current. */
  json(message: BaseMessage): unknown {
    const hit = this.entries.get(message);
    if (hit !== undefined && hit.id === message.id && hit.content === message.content) return hit.json;
    const json: unknown = message.toJSON();
    this.entries.set(message, { id: message.id, content: message.content, json });
    return json;
  }

  /** `value` with messages (alone or in an array) swapped for their JSON; anything else as is. */
  swap(value: unknown): unknown {
    if (isBaseMessage(value)) return this.json(value);
    if (!Array.isArray(value) || !value.some((item) => isBaseMessage(item))) return value;
    return value.map((item: unknown) => (isBaseMessage(item) ? this.json(item) : item));
  }

  /** A shallow copy of `checkpoint` whose channel values have their messages swapped. */
  checkpoint(checkpoint: Checkpoint): Checkpoint {
    const values: Record<string, unknown> = {};
    for (const [channel, value] of Object.entries(checkpoint.channel_values)) values[channel] = this.swap(value);
    return { ...checkpoint, channel_values: values };
  }
}
