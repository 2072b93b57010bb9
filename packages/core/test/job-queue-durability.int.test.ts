/**
 * Durability: a worker process killed with SIGKILL in the middle of a job. The job runs
 * again in another process once the lease expires, is never lost and completes once.
 * BullMQ on Redis, the Database queue on PostgreSQL, and the Database queue on PGlite
 * (where the second process reopens the same data directory after the crash).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from '../src/testing/index.js';
import { createThrowawayDatabase, type ThrowawayDatabase } from './support/postgres.js';

const root = new URL('../../../', import.meta.url).pathname;
const script = new URL('./support/queue-worker.ts', import.meta.url).pathname;
const redisUrl = process.env.AURORA_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const children: ChildProcess[] = [];
const cleanups: (() => Promise<void>)[] = [];

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  for (const cleanup of cleanups) await cleanup();
});

function startWorker(env: Record<string, string>): Promise<ChildProcess> {
  // `--import tsx` keeps the worker in this one process, so SIGKILL reaches it (the tsx CLI forks).
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve(child);
    });
    child.on('exit', (code) => reject(new Error(`worker exited with ${code}: ${stderr}`)));
  });
}

const lines = async (file: string): Promise<string[]> =>
  (await readFile(file, 'utf8').catch(() => '')).split('\n').filter(Boolean);

async function killMidJob(kind: string, target: string, extra: Record<string, string> = {}): Promise<void> {
  const directory = await mkdtemp(join(tmpdir(), 'aurora-durable-'));
  cleanups.push(() => rm(directory, { recursive: true, force: true }));
  const log = join(directory, 'log.txt');
  const env = { QUEUE_KIND: kind, QUEUE_TARGET: target, QUEUE_LOG: log, ...extra };
  const first = await startWorker({ ...env, QUEUE_ENQUEUE: 'job-1' });
  await waitFor(async () => (await lines(log)).length === 1, 'the first try to start', 30_000);
  first.kill('SIGKILL');
  await new Promise((resolve) => first.once('exit', resolve));
  await startWorker(env);
  await waitFor(async () => (await lines(log)).some((line) => line.endsWith('done')), 'the retry to finish', 60_000);
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const entries = (await lines(log)).map((line) => line.split(' '));
  expect(entries.filter(([, , what]) => what === 'start').map(([attempt]) => attempt)).toEqual(['1', '2']);
  expect(entries.filter(([, , what]) => what === 'done')).toHaveLength(1);
  expect(entries[0]![1]).toBe(String(first.pid));
  expect(entries[1]![1]).not.toBe(String(first.pid));
}

describe('job durability across a killed worker', { timeout: 120_000 }, () => {
  it('BullMQ on Redis', async () => {
    await killMidJob('bullmq', redisUrl, { QUEUE_PREFIX: `aurora-durable-${randomBytes(3).toString('hex')}` });
  });

  it('Database queue on PostgreSQL', async () => {
    const database: ThrowawayDatabase = await createThrowawayDatabase();
    cleanups.push(() => database.drop());
    await killMidJob('postgres', database.url);
  });

  it('Database queue on PGlite (restart on the same data directory)', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'aurora-durable-pglite-'));
    cleanups.push(() => rm(directory, { recursive: true, force: true }));
    await killMidJob('pglite', directory);
  });
});
