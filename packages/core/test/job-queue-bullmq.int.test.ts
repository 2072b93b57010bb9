/** The JobQueue conformance suite on BullMQ against the Redis server on this machine. */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConnectionLostError } from '../src/index.js';
import { createBullmqJobQueue } from '../src/storage/bullmq/index.js';
import { describeJobQueueConformance } from '../src/testing/index.js';
import type { JobQueue } from '../src/storage/queue/job-queue.js';

const redisUrl = process.env.AURORA_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const admin = new Redis(redisUrl, { lazyConnect: true });
const prefixes = new Map<JobQueue, string>();

async function dropPrefix(prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await admin.del(...keys);
  } while (cursor !== '0');
}

afterAll(() => {
  admin.disconnect();
});

describeJobQueueConformance('BullMQ on Redis', {
  create() {
    const prefix = `aurora-test-${randomBytes(4).toString('hex')}`;
    const queue = createBullmqJobQueue({ connection: redisUrl, prefix, stalledIntervalMs: 1000, lockDurationMs: 2000 });
    prefixes.set(queue, prefix);
    return Promise.resolve(queue);
  },
  createSibling(of) {
    const prefix = prefixes.get(of)!;
    const queue = createBullmqJobQueue({ connection: redisUrl, prefix, stalledIntervalMs: 1000, lockDurationMs: 2000 });
    prefixes.set(queue, `${prefix}#sibling`);
    return Promise.resolve(queue);
  },
  async destroy(queue) {
    const prefix = prefixes.get(queue);
    prefixes.delete(queue);
    if (prefix !== undefined && !prefix.includes('#')) await dropPrefix(prefix);
  },
});

describe('BullMQ adapter: unreachable Redis', () => {
  it('enqueue fails with ConnectionLostError instead of hanging', async () => {
    const queue = createBullmqJobQueue({ connection: 'redis://127.0.0.1:1', prefix: 'unreachable' });
    queue.define('q', { schema: z.object({}) });
    const started = Date.now();
    const error = await queue.enqueue('q', {}).catch((thrown: unknown) => thrown);
    expect(ConnectionLostError.isInstance(error)).toBe(true);
    expect(Date.now() - started).toBeLessThan(10_000);
    await queue.close();
  });
});
