/**
 * Jobs per second, enqueue → complete: the BullMQ adapter beside raw BullMQ doing the same
 * work (Queue.add + Worker with the same concurrency) on local Redis, and the embedded
 * Database queue on PostgreSQL and PGlite.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { z } from 'zod';
import { createDatabaseJobQueue, type JobQueue } from '../../packages/core/src/index.js';
import { createBullmqJobQueue } from '../../packages/core/src/storage/bullmq/index.js';
import { createPgliteDatabase } from '../../packages/core/src/storage/pglite/index.js';
import { createPostgresDatabase } from '../../packages/core/src/storage/postgres/index.js';
import { createThrowawayDatabase } from '../../packages/core/test/support/postgres.js';

const redisUrl = process.env.AURORA_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const JOBS = 2000;
const CONCURRENCY = 8;

async function dropPrefix(prefix: string): Promise<void> {
  const admin = new Redis(redisUrl);
  let cursor = '0';
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await admin.del(...keys);
  } while (cursor !== '0');
  admin.disconnect();
}

/** Enqueues `JOBS` jobs then waits until all completed; jobs/s over the whole span. */
async function adapterRun(queue: JobQueue): Promise<number> {
  let done = 0;
  let finish: () => void = () => undefined;
  const all = new Promise<void>((resolve) => (finish = resolve));
  queue.define('bench', { schema: z.object({ n: z.number() }), concurrency: CONCURRENCY }, async () => {
    done += 1;
    if (done === JOBS) finish();
    return Promise.resolve();
  });
  await queue.start();
  const started = performance.now();
  for (let n = 0; n < JOBS; n += 1) await queue.enqueue('bench', { n });
  await all;
  const seconds = (performance.now() - started) / 1000;
  await queue.close();
  return JOBS / seconds;
}

async function rawBullmq(prefix: string, prioritized: boolean): Promise<number> {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue('bench', { connection, prefix });
  let done = 0;
  let finish: () => void = () => undefined;
  const all = new Promise<void>((resolve) => (finish = resolve));
  const worker = new Worker(
    'bench',
    async () => {
      done += 1;
      if (done === JOBS) finish();
      return Promise.resolve();
    },
    { connection, prefix, concurrency: CONCURRENCY },
  );
  const started = performance.now();
  for (let n = 0; n < JOBS; n += 1) {
    // The adapter's options: priorities (so Aurora's 0–1000 order holds), backoff, retention.
    await queue.add(
      'bench',
      { n },
      {
        attempts: 3,
        backoff: { type: 'exponential', delay: 1000 },
        removeOnComplete: { age: 86_400, count: 10_000 },
        removeOnFail: { age: 86_400, count: 10_000 },
        ...(prioritized ? { priority: 1001 } : {}),
      },
    );
  }
  await all;
  const seconds = (performance.now() - started) / 1000;
  await worker.close();
  await queue.close();
  connection.disconnect();
  return JOBS / seconds;
}

export async function benchQueue(): Promise<string[]> {
  const lines: string[] = [];
  const rounds = 3;
  const adapter: number[] = [];
  const raw: number[] = [];
  const plain: number[] = [];
  for (let round = 0; round < rounds; round += 1) {
    for (const prioritized of [true, false]) {
      const rawPrefix = `aurora-bench-raw-${randomBytes(3).toString('hex')}`;
      (prioritized ? raw : plain).push(await rawBullmq(rawPrefix, prioritized));
      await dropPrefix(rawPrefix);
    }
    const prefix = `aurora-bench-${randomBytes(3).toString('hex')}`;
    adapter.push(await adapterRun(createBullmqJobQueue({ connection: redisUrl, prefix })));
    await dropPrefix(prefix);
  }
  const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
  lines.push(
    `BullMQ enqueue→complete (${JOBS} jobs, concurrency ${CONCURRENCY}): adapter ${median(adapter).toFixed(0)} jobs/s, raw BullMQ with the same job options ${median(raw).toFixed(0)} jobs/s, ratio ${(median(adapter) / median(raw)).toFixed(2)}× (median of ${rounds})`,
    `raw BullMQ without priorities (the wait list, no ordering across priorities): ${median(plain).toFixed(0)} jobs/s; the adapter is ${(median(adapter) / median(plain)).toFixed(2)}× that`,
  );

  const throwaway = await createThrowawayDatabase();
  try {
    const database = createPostgresDatabase({ connectionString: throwaway.url });
    const rate = await adapterRun(createDatabaseJobQueue({ database, pollIntervalMs: 20 }));
    await database.close();
    lines.push(`Database queue on PostgreSQL enqueue→complete: ${rate.toFixed(0)} jobs/s (no raw equivalent)`);
  } finally {
    await throwaway.drop();
  }
  const pglite = createPgliteDatabase({ vector: false });
  const rate = await adapterRun(createDatabaseJobQueue({ database: pglite, pollIntervalMs: 20 }));
  await pglite.close();
  lines.push(`Database queue on PGlite enqueue→complete: ${rate.toFixed(0)} jobs/s (no raw equivalent)`);
  return lines;
}
