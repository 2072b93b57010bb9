/**
 * A worker process for the durability tests: it runs the `durable` queue and logs each try
 * to a file as `<attempt> <pid> start|done`. The first try hangs, so the test can kill the
 * process mid-job. Configured by environment: QUEUE_KIND (bullmq | postgres | pglite),
 * QUEUE_TARGET (Redis URL, PostgreSQL URL or PGlite directory), QUEUE_PREFIX, QUEUE_LOG,
 * QUEUE_ENQUEUE (a job id to enqueue before starting).
 */
import { appendFile } from 'node:fs/promises';
import { z } from 'zod';
import { createBullmqJobQueue } from '../../src/storage/bullmq/index.js';
import { createDatabaseJobQueue } from '../../src/storage/queue/database-job-queue.js';
import type { JobQueue } from '../../src/storage/queue/job-queue.js';

const kind = process.env.QUEUE_KIND ?? 'bullmq';
const target = process.env.QUEUE_TARGET ?? '';
const log = process.env.QUEUE_LOG ?? '';

async function open(): Promise<JobQueue> {
  if (kind === 'bullmq') {
    return createBullmqJobQueue({
      connection: target,
      prefix: process.env.QUEUE_PREFIX ?? 'aurora-durable',
      lockDurationMs: 1000,
      stalledIntervalMs: 500,
    });
  }
  const database =
    kind === 'postgres'
      ? (await import('../../src/storage/postgres/index.js')).createPostgresDatabase({ connectionString: target })
      : (await import('../../src/storage/pglite/index.js')).createPgliteDatabase({ dataDir: target });
  return createDatabaseJobQueue({ database, leaseMs: 1000, pollIntervalMs: 100 });
}

const queue = await open();
queue.define('durable', { schema: z.object({ n: z.number() }), attempts: 3 }, async (job) => {
  await appendFile(log, `${job.attempt} ${process.pid} start\n`);
  if (job.attempt === 1) await new Promise(() => undefined);
  await appendFile(log, `${job.attempt} ${process.pid} done\n`);
  return { by: process.pid };
});
if (process.env.QUEUE_ENQUEUE) await queue.enqueue('durable', { n: 1 }, { jobId: process.env.QUEUE_ENQUEUE });
await queue.start();
process.stdout.write('ready\n');
process.on('SIGTERM', () => {
  void queue.close({ timeoutMs: 100 }).then(() => process.exit(0));
});
