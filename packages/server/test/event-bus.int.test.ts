/**
 * The Redis event bus on the local Redis, two buses standing for two replicas: a run's events
 * go to Redis only while another replica follows the run, a replica hears its own messages once
 * (locally, not again from Redis), and every replica hears commands.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from './support/wait.js';
import { createRedisEventBus, type BusMessage, type EventBus } from '../src/chat/event-bus.js';

const REDIS_URL = process.env.AURORA_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const admin = new Redis(REDIS_URL, {
  lazyConnect: true,
  maxRetriesPerRequest: 0,
  connectTimeout: 2000,
  retryStrategy: () => null,
});
admin.on('error', () => undefined);
const redisUp = await admin.connect().then(
  () => true,
  () => false,
);
const skip = redisUp ? undefined : 'no Redis at AURORA_TEST_REDIS_URL';

describe.skipIf(skip !== undefined)(`Redis event bus${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const prefix = `aurora-test-${randomUUID()}`;
  let a: EventBus;
  let b: EventBus;
  const heardByA: BusMessage[] = [];
  const heardByB: BusMessage[] = [];
  const subscribers = async (runId: string) =>
    Number(((await admin.pubsub('NUMSUB', `${prefix}:run:v2:${runId}`)) as [string, number])[1]);
  const event = (runId: string, seq: number): BusMessage => ({ kind: 'event', org: 'acme', runId, event: { seq } });

  beforeAll(async () => {
    a = await createRedisEventBus(REDIS_URL, prefix);
    b = await createRedisEventBus(REDIS_URL, prefix);
    a.subscribe((message) => heardByA.push(message));
    b.subscribe((message) => heardByB.push(message));
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    admin.disconnect();
  });

  it("publishes a run's events to Redis only while another replica follows it; each is heard once", async () => {
    // A raw subscriber on r1's channel sees what goes to Redis for r1.
    const raw = admin.duplicate();
    const onRedis: string[] = [];
    raw.on('message', (_channel: string, text: string) => onRedis.push(text));
    await raw.subscribe(`${prefix}:run:v2:r1`);
    try {
      a.publish(event('r1', 1));
      // A's own listener has it at once, before Redis has answered; nobody follows r1: nothing goes out.
      expect(heardByA).toEqual([event('r1', 1)]);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(onRedis).toEqual([]);

      // B follows r1: once its word has reached A, A's events for r1 reach B.
      const unfollow = b.follow('r1');
      let seq = 1;
      await until(async () => {
        a.publish(event('r1', ++seq));
        await new Promise((resolve) => setTimeout(resolve, 20));
        return heardByB.length > 0;
      }, "B to hear A's events for r1");
      a.publish(event('r2', 1)); // nobody follows r2
      a.publish(event('r1', ++seq));
      await until(
        () =>
          heardByB.some(
            (message) =>
              message.kind === 'event' && message.runId === 'r1' && (message.event as { seq: number }).seq === seq,
          ),
        'the last event',
      );
      const seqs = heardByB.map((message) =>
        message.kind === 'event' && message.runId === 'r1' ? (message.event as { seq: number }).seq : -1,
      );
      expect(seqs).toEqual([...seqs].sort((x, y) => x - y)); // r1 only, in order
      expect(new Set(seqs).size).toBe(seqs.length); // once each
      expect(heardByA).toHaveLength(seq + 1); // every event of r1 and the one of r2, once
      expect(onRedis.length).toBeGreaterThan(0);

      // Followed twice, unfollowed once: still followed; then not at all.
      const again = b.follow('r1');
      unfollow();
      unfollow(); // idempotent
      expect(await subscribers('r1')).toBe(2); // B and the raw subscriber
      again();
      await until(async () => (await subscribers('r1')) === 1, 'B to unsubscribe from r1');
    } finally {
      raw.disconnect();
      heardByA.length = 0;
      heardByB.length = 0;
    }
  });

  it('every replica hears a command; the sender hears it once', async () => {
    const cancel: BusMessage = { kind: 'cancel', org: 'acme', runId: 'r9' };
    a.publish(cancel);
    await until(() => heardByB.length === 1, 'B to hear the cancel');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(heardByB).toEqual([cancel]);
    expect(heardByA).toEqual([cancel]);
    // The replicas' word about what they follow is the bus's own, never a listener's.
    const follow = b.follow('r3');
    await new Promise((resolve) => setTimeout(resolve, 200));
    follow();
    expect([...heardByA, ...heardByB].map((message) => message.kind)).toEqual(['cancel', 'cancel']);
  });
});
