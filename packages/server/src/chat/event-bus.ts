import { EventEmitter } from 'node:events';
import { ConnectionLostError, type Logger } from '@aurora-ops/core';
import { parseJson } from '@aurora-ops/core/internal';

/**
 * What replicas tell each other: a run's event (to reach a client connected elsewhere) or a
 * command for whichever replica holds a run in memory (cancel). One process: an in-memory
 * emitter. Several replicas: Redis pub/sub on one channel.
 */
export type BusMessage =
  | { readonly kind: 'event'; readonly org: string; readonly runId: string; readonly event: unknown }
  | { readonly kind: 'cancel'; readonly org: string; readonly runId: string };

export interface EventBus {
  publish(message: BusMessage): Promise<void>;
  subscribe(listener: (message: BusMessage) => void): () => void;
  readonly kind: 'memory' | 'redis';
  close(): Promise<void>;
}

export function createMemoryEventBus(): EventBus {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  return {
    kind: 'memory',
    publish(message) {
      emitter.emit('message', message);
      return Promise.resolve();
    },
    subscribe(listener) {
      emitter.on('message', listener);
      return () => emitter.off('message', listener);
    },
    close() {
      emitter.removeAllListeners();
      return Promise.resolve();
    },
  };
}

/** Redis pub/sub: every replica receives every message, including its own. */
export async function createRedisEventBus(url: string, prefix: string, logger?: Logger): Promise<EventBus> {
  const CHANNEL = `${prefix}:bus:v1`;
  const { Redis } = await import('ioredis');
  const options = { lazyConnect: true, maxRetriesPerRequest: 3, connectTimeout: 5000 };
  const publisher = new Redis(url, options);
  const subscriber = new Redis(url, options);
  for (const client of [publisher, subscriber])
    client.on('error', (error: Error) => logger?.warn('event bus: redis error', { error: error.message }));
  try {
    await Promise.all([publisher.connect(), subscriber.connect()]);
    await subscriber.subscribe(CHANNEL);
  } catch (error) {
    publisher.disconnect();
    subscriber.disconnect();
    throw new ConnectionLostError({
      message: `Redis (AURORA_REDIS_URL) is unreachable: ${(error as Error).message.split('\n')[0]}`,
      details: { store: 'redis' },
    });
  }
  const local = createMemoryEventBus();
  subscriber.on('message', (channel: string, text: string) => {
    if (channel !== CHANNEL) return;
    try {
      void local.publish(parseJson(text, 'A bus message') as BusMessage);
    } catch (error) {
      logger?.warn('event bus: unreadable message dropped', { error: (error as Error).message });
    }
  });
  return {
    kind: 'redis',
    async publish(message) {
      await publisher.publish(CHANNEL, JSON.stringify(message));
    },
    subscribe: (listener) => local.subscribe(listener),
    async close() {
      await local.close();
      subscriber.disconnect();
      publisher.disconnect();
    },
  };
}
