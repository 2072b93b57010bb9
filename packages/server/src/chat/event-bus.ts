import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { ConnectionLostError, type Logger } from '@aurora-ops/core';
import { parseJson } from '@aurora-ops/core/internal';

/**
 * What replicas tell each other: a run's event (to reach a client connected elsewhere) or a
 * command for whichever replica holds a run in memory (cancel). One process: an in-memory
 * emitter. Several replicas: Redis pub/sub, a channel per run for its events (published only
 * while another replica follows the run) and one channel for commands.
 */
export type BusMessage =
  | { readonly kind: 'event'; readonly org: string; readonly runId: string; readonly event: unknown }
  | { readonly kind: 'cancel'; readonly org: string; readonly runId: string };

export interface EventBus {
  /**
   * Delivers to this process's listeners at once (before it returns), and to the other
   * replicas in the background: Redis keeps the order of one connection's messages, and a
   * failure to reach it is logged.
   */
  publish(message: BusMessage): void;
  subscribe(listener: (message: BusMessage) => void): () => void;
  /**
   * Receive a run's events from other replicas until the returned function is called (counted:
   * the run is followed while anyone follows it). Events published in this process reach its
   * listeners without it.
   */
  follow(runId: string): () => void;
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
    },
    subscribe(listener) {
      emitter.on('message', listener);
      return () => emitter.off('message', listener);
    },
    follow: () => () => undefined,
    close() {
      emitter.removeAllListeners();
      return Promise.resolve();
    },
  };
}

/** A follower repeats its interest this often; a publisher forgets it after three silences. */
const INTEREST_REPEAT_MS = 30_000;
const INTEREST_TTL_MS = 3 * INTEREST_REPEAT_MS;

/** What replicas tell each other about the bus itself (never handed to listeners). */
interface InterestMessage {
  readonly kind: 'follow';
  readonly runId: string;
}

/**
 * Redis pub/sub. Each message is `<replica id>\n<JSON>`; a replica skips its own (delivered
 * locally already) without parsing them. A replica subscribes to a run's channel only while
 * one of its clients follows that run, and says so on the command channel (again every 30 s);
 * the replica holding the run publishes its events to Redis only while someone has said so in
 * the last 90 s. So a run whose clients are all on its own replica costs Redis nothing, and a
 * replica's Redis traffic grows with its own clients, not with the cluster's. A follower that
 * joins mid-run misses the events published before its word arrived; its replay reads them from
 * the database (`RunManager.subscribe`).
 */
export async function createRedisEventBus(url: string, prefix: string, logger?: Logger): Promise<EventBus> {
  const COMMANDS = `${prefix}:bus:v2`;
  const runChannel = (runId: string) => `${prefix}:run:v2:${runId}`;
  const own = `${randomUUID()}\n`;
  const { Redis } = await import('ioredis');
  const options = { lazyConnect: true, maxRetriesPerRequest: 3, connectTimeout: 5000 };
  const publisher = new Redis(url, options);
  const subscriber = new Redis(url, options);
  for (const client of [publisher, subscriber])
    client.on('error', (error: Error) => logger?.warn('event bus: redis error', { error: error.message }));
  try {
    await Promise.all([publisher.connect(), subscriber.connect()]);
    await subscriber.subscribe(COMMANDS);
  } catch (error) {
    publisher.disconnect();
    subscriber.disconnect();
    throw new ConnectionLostError({
      message: `Redis (AURORA_REDIS_URL) is unreachable: ${(error as Error).message.split('\n')[0]}`,
      details: { store: 'redis' },
    });
  }
  const local = createMemoryEventBus();
  /** Runs another replica follows, until when. */
  const interest = new Map<string, number>();
  subscriber.on('message', (_channel: string, text: string) => {
    if (text.startsWith(own)) return;
    try {
      const message = parseJson(text.slice(text.indexOf('\n') + 1), 'A bus message') as BusMessage | InterestMessage;
      if (message.kind === 'follow') interest.set(message.runId, Date.now() + INTEREST_TTL_MS);
      else local.publish(message);
    } catch (error) {
      logger?.warn('event bus: unreadable message dropped', { error: (error as Error).message });
    }
  });
  const warn = (what: string) => (error: Error) =>
    logger?.warn(`event bus: ${what} failed`, { error: error.message.split('\n')[0] });
  const send = (channel: string, message: BusMessage | InterestMessage): void => {
    // Not awaited: one connection keeps the order, and a run's next event need not wait for
    // Redis to answer this one.
    publisher.publish(channel, own + JSON.stringify(message)).catch(warn('publishing'));
  };
  const followed = (runId: string): boolean => {
    const until = interest.get(runId);
    if (until === undefined) return false;
    if (until > Date.now()) return true;
    interest.delete(runId);
    return false;
  };

  const followers = new Map<string, number>();
  const announce = (runId: string) => send(COMMANDS, { kind: 'follow', runId });
  const repeat = setInterval(() => {
    for (const runId of followers.keys()) announce(runId);
    const now = Date.now();
    for (const [runId, until] of interest) if (until <= now) interest.delete(runId);
  }, INTEREST_REPEAT_MS);
  repeat.unref();

  return {
    kind: 'redis',
    publish(message) {
      local.publish(message);
      if (message.kind !== 'event') send(COMMANDS, message);
      else if (followed(message.runId)) send(runChannel(message.runId), message);
    },
    subscribe: (listener) => local.subscribe(listener),
    follow(runId) {
      const count = followers.get(runId) ?? 0;
      followers.set(runId, count + 1);
      if (count === 0) {
        subscriber
          .subscribe(runChannel(runId))
          .then(() => {
            if (followers.has(runId)) announce(runId);
          })
          .catch(warn('following a run'));
      }
      let done = false;
      return () => {
        if (done) return;
        done = true;
        const left = (followers.get(runId) ?? 1) - 1;
        if (left > 0) {
          followers.set(runId, left);
          return;
        }
        followers.delete(runId);
        subscriber.unsubscribe(runChannel(runId)).catch(warn('unfollowing a run'));
      };
    },
    async close() {
      clearInterval(repeat);
      await local.close();
      subscriber.disconnect();
      publisher.disconnect();
    },
  };
}
