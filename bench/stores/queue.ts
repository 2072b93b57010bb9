/**
 * Jobs per second, enqueue → complete: the BullMQ adapter beside raw BullMQ doing the same
 * work (Queue.add + Worker with the same concurrency) on local Redis, and the embedded
 * Database queue on PostgreSQL and PGlite. Then the two halves apart, interleaved: the
 * worker path alone (draining pre-filled jobs) and enqueue alone, each with the process's
 * CPU time per job, which the shared machine's noise disturbs less than wall time.
 *
 * The raw Worker's processor takes BullMQ's abort signal, as the adapter's does for
 * cancellation: BullMQ then makes and tracks one AbortController per job for both.
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
const JOB_OPTIONS = {
  attempts: 3,
  backoff: { type: 'exponential' as const, delay: 1000 },
  removeOnComplete: { age: 86_400, count: 10_000 },
  removeOnFail: { age: 86_400, count: 10_000 },
};
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

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
    async (_job: unknown, _token?: string, _signal?: AbortSignal) => {
      done += 1;
      if (done === JOBS) finish();
      return Promise.resolve();
    },
    { connection, prefix, concurrency: CONCURRENCY },
  );
  const started = performance.now();
  for (let n = 0; n < JOBS; n += 1) {
    // The adapter's options: priorities (so Aurora's 0–1000 order holds), backoff, retention.
    await queue.add('bench', { n }, { ...JOB_OPTIONS, ...(prioritized ? { priority: 1001 } : {}) });
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
  const rounds = 5;
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
  lines.push(
    `BullMQ enqueue→complete (${JOBS} jobs, concurrency ${CONCURRENCY}): adapter ${median(adapter).toFixed(0)} jobs/s, raw BullMQ with the same job options ${median(raw).toFixed(0)} jobs/s, ratio ${(median(adapter) / median(raw)).toFixed(2)}× (median of ${rounds})`,
    `raw BullMQ without priorities (the wait list, no ordering across priorities): ${median(plain).toFixed(0)} jobs/s; the adapter is ${(median(adapter) / median(plain)).toFixed(2)}× that`,
  );

  lines.push(...(await halves()));

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

interface Half {
  readonly perSecond: number;
  readonly cpuMicrosPerJob: number;
}

/** Runs `work` and returns jobs/s and this process's CPU µs per job over it. */
async function timed(work: () => Promise<void>): Promise<Half> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  await work();
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return { perSecond: JOBS / seconds, cpuMicrosPerJob: (used.user + used.system) / JOBS };
}

async function fill(prefix: string): Promise<void> {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue('bench', { connection, prefix });
  const jobs = Array.from({ length: JOBS }, (_, n) => ({
    name: 'bench',
    data: { n },
    opts: { ...JOB_OPTIONS, priority: 1001 },
  }));
  await queue.addBulk(jobs);
  await queue.close();
  connection.disconnect();
}

const countdown = (): { tick: () => void; all: Promise<void> } => {
  let done = 0;
  let finish: () => void = () => undefined;
  const all = new Promise<void>((resolve) => (finish = resolve));
  return {
    tick: () => {
      done += 1;
      if (done === JOBS) finish();
    },
    all,
  };
};

async function adapterDrain(prefix: string): Promise<Half> {
  await fill(prefix);
  const queue = createBullmqJobQueue({ connection: redisUrl, prefix });
  const { tick, all } = countdown();
  queue.define('bench', { schema: z.object({ n: z.number() }), concurrency: CONCURRENCY }, () => {
    tick();
    return Promise.resolve();
  });
  const result = await timed(async () => {
    await queue.start();
    await all;
  });
  await queue.close();
  return result;
}

async function rawDrain(prefix: string): Promise<Half> {
  await fill(prefix);
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const { tick, all } = countdown();
  let worker: Worker | undefined;
  const result = await timed(async () => {
    worker = new Worker(
      'bench',
      (_job: unknown, _token?: string, _signal?: AbortSignal) => {
        tick();
        return Promise.resolve();
      },
      { connection, prefix, concurrency: CONCURRENCY },
    );
    await all;
  });
  await worker?.close();
  connection.disconnect();
  return result;
}

async function adapterEnqueue(prefix: string): Promise<Half> {
  const queue = createBullmqJobQueue({ connection: redisUrl, prefix });
  queue.define('bench', { schema: z.object({ n: z.number() }) });
  await queue.enqueue('bench', { n: -1 });
  const result = await timed(async () => {
    for (let n = 0; n < JOBS; n += 1) await queue.enqueue('bench', { n });
  });
  await queue.close();
  return result;
}

async function rawEnqueue(prefix: string): Promise<Half> {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue('bench', { connection, prefix });
  await queue.add('bench', { n: -1 }, { ...JOB_OPTIONS, priority: 1001 });
  const result = await timed(async () => {
    for (let n = 0; n < JOBS; n += 1) await queue.add('bench', { n }, { ...JOB_OPTIONS, priority: 1001 });
  });
  await queue.close();
  connection.disconnect();
  return result;
}

/** The worker path and the enqueue path apart, raw and adapter interleaved, 5 rounds. */
async function halves(): Promise<string[]> {
  const runs = { rawDrain, adapterDrain, rawEnqueue, adapterEnqueue };
  const results = new Map<string, Half[]>();
  for (let round = 0; round < 5; round += 1) {
    for (const [name, run] of Object.entries(runs)) {
      const prefix = `aurora-bench-${randomBytes(3).toString('hex')}`;
      const list = results.get(name) ?? [];
      list.push(await run(prefix));
      results.set(name, list);
      await dropPrefix(prefix);
    }
  }
  const rate = (name: string): number => median((results.get(name) ?? []).map((half) => half.perSecond));
  const cpu = (name: string): number => median((results.get(name) ?? []).map((half) => half.cpuMicrosPerJob));
  const line = (label: string, adapter: string, raw: string): string =>
    `${label}: adapter ${rate(adapter).toFixed(0)} jobs/s (${cpu(adapter).toFixed(0)} µs CPU/job), raw ${rate(raw).toFixed(0)} jobs/s (${cpu(raw).toFixed(0)} µs CPU/job), ratio ${(rate(adapter) / rate(raw)).toFixed(2)}× (CPU ${(cpu(raw) / cpu(adapter)).toFixed(2)}×), median of 5`;
  return [
    line(`worker path alone (drain ${JOBS} pre-filled jobs, start included)`, 'adapterDrain', 'rawDrain'),
    line(`enqueue alone (${JOBS} sequential adds)`, 'adapterEnqueue', 'rawEnqueue'),
  ];
}
