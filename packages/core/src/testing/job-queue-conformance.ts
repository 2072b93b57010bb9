import { describe, expect } from 'vitest';
import { z } from 'zod';
import { ConfigurationError, InvalidInputError } from '../errors/errors.js';
import type { JobEvent, JobQueue } from '../storage/queue/job-queue.js';
import type { ConformanceHarness } from './harness.js';
import { conformanceScaffold } from './scaffold.js';

const payload = z.object({ n: z.number().int() });

/** Polls until `condition` holds or `timeoutMs` passes (then fails with `what`). */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The JobQueue conformance suite. `harness.create()` must return a queue on a fresh, empty
 * backing store; `createSibling` a second replica on the same store. Timings are generous:
 * a backoff of 50 ms, schedules every 500 ms.
 */
export function describeJobQueueConformance(name: string, harness: ConformanceHarness<JobQueue>): void {
  describe(`JobQueue conformance: ${name}`, () => {
    // Queues close with a short grace period; the first-created store may own the backing store.
    const { create, sibling, test } = conformanceScaffold(harness, (queue) => queue.close({ timeoutMs: 1000 }));

    test('runs a job with its validated payload and records the result', async () => {
      const queue = await create();
      const seen: unknown[] = [];
      queue.define('work', { schema: payload }, async (job) => {
        seen.push(job.payload);
        return { doubled: job.payload.n * 2 };
      });
      await queue.start();
      const { id, created } = await queue.enqueue('work', { n: 21 });
      expect(created).toBe(true);
      await waitFor(async () => (await queue.get('work', id))?.status === 'completed', 'completion');
      const info = await queue.get('work', id);
      expect(info).toMatchObject({ id, queue: 'work', status: 'completed', attempts: 1, result: { doubled: 42 } });
      expect(seen).toEqual([{ n: 21 }]);
      expect(await queue.get('work', 'no-such-job')).toBeUndefined();
    });

    test('rejects bad payloads, undefined queues and bad options with typed errors', async () => {
      const queue = await create();
      queue.define('strict', { schema: payload });
      await expect(queue.enqueue('strict', { n: 'x' })).rejects.toSatisfy(InvalidInputError.isInstance);
      await expect(queue.enqueue('undefined-queue', { n: 1 })).rejects.toSatisfy(ConfigurationError.isInstance);
      await expect(queue.enqueue('strict', { n: 1 }, { priority: 5000 })).rejects.toSatisfy(
        InvalidInputError.isInstance,
      );
      await expect(queue.enqueue('strict', { n: 1 }, { jobId: 'bad id with spaces' })).rejects.toSatisfy(
        InvalidInputError.isInstance,
      );
      expect(() => queue.define('strict', { schema: payload })).toThrow(/already defined/);
      expect(() => queue.define('Bad Name', { schema: payload })).toThrow(/queue name/);
      await expect(queue.schedule('strict', { name: 's', cron: 'not a cron' })).rejects.toSatisfy(
        InvalidInputError.isInstance,
      );
      expect((await queue.counts('strict')).waiting).toBe(0);
    });

    test('a job id de-duplicates: the second enqueue does nothing', async () => {
      const queue = await create();
      let runs = 0;
      queue.define('dedup', { schema: payload }, async () => {
        runs += 1;
        await sleep(50);
      });
      const first = await queue.enqueue('dedup', { n: 1 }, { jobId: 'same' });
      const second = await queue.enqueue('dedup', { n: 2 }, { jobId: 'same' });
      expect(first).toEqual({ id: 'same', created: true });
      expect(second).toEqual({ id: 'same', created: false });
      await queue.start();
      await waitFor(async () => (await queue.get('dedup', 'same'))?.status === 'completed', 'completion');
      await sleep(200);
      expect(runs).toBe(1);
      expect((await queue.get('dedup', 'same'))?.payload).toEqual({ n: 1 });
    });

    test('retries with backoff, then succeeds; events report each try', async () => {
      const queue = await create();
      const events: JobEvent[] = [];
      queue.subscribe((event) => events.push(event));
      const times: number[] = [];
      queue.define(
        'flaky',
        { schema: payload, attempts: 3, backoff: { type: 'exponential', delayMs: 100 } },
        async (job) => {
          times.push(Date.now());
          if (job.attempt < 3) throw new Error(`try ${job.attempt} failed`);
          return 'ok';
        },
      );
      await queue.start();
      const { id } = await queue.enqueue('flaky', { n: 1 });
      await waitFor(async () => (await queue.get('flaky', id))?.status === 'completed', 'completion');
      expect(times).toHaveLength(3);
      expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(90);
      expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(190);
      expect(events.filter((event) => event.type === 'retrying').map((event) => event.jobId)).toEqual([id, id]);
      expect(events.some((event) => event.type === 'completed' && event.jobId === id)).toBe(true);
    });

    test('a job that fails every try ends failed with its error', async () => {
      const queue = await create();
      queue.define('doomed', { schema: payload, attempts: 2, backoff: { type: 'fixed', delayMs: 20 } }, () =>
        Promise.reject(new Error('always broken')),
      );
      await queue.start();
      const { id } = await queue.enqueue('doomed', { n: 1 });
      await waitFor(async () => (await queue.get('doomed', id))?.status === 'failed', 'failure');
      const info = await queue.get('doomed', id);
      expect(info?.attempts).toBe(2);
      expect(info?.error?.message).toContain('always broken');
      expect((await queue.counts('doomed')).failed).toBe(1);
    });

    test('a delayed job waits; higher priority runs first', async () => {
      const queue = await create();
      const order: number[] = [];
      const started: Record<number, number> = {};
      queue.define('ordered', { schema: payload }, async (job) => {
        order.push(job.payload.n);
        started[job.payload.n] = Date.now();
      });
      const enqueuedAt = Date.now();
      await queue.enqueue('ordered', { n: 99 }, { delayMs: 600 });
      await queue.enqueue('ordered', { n: 1 }, { priority: 1 });
      await queue.enqueue('ordered', { n: 2 }, { priority: 500 });
      await queue.enqueue('ordered', { n: 3 }, { priority: 100 });
      expect((await queue.counts('ordered')).delayed).toBe(1);
      await queue.start();
      await waitFor(() => order.length === 4, 'all four jobs');
      expect(order).toEqual([2, 3, 1, 99]);
      expect(started[99]! - enqueuedAt).toBeGreaterThanOrEqual(590);
    });

    test('concurrency bounds the jobs running at once in one process', async () => {
      const queue = await create();
      let running = 0;
      let peak = 0;
      queue.define('parallel', { schema: payload, concurrency: 3 }, async () => {
        running += 1;
        peak = Math.max(peak, running);
        await sleep(100);
        running -= 1;
      });
      for (let n = 0; n < 9; n += 1) await queue.enqueue('parallel', { n });
      await queue.start();
      await waitFor(async () => (await queue.counts('parallel')).completed === 9, 'nine completions');
      expect(peak).toBe(3);
    });

    test('progress reaches subscribers and get()', async () => {
      const queue = await create();
      const progress: unknown[] = [];
      queue.subscribe((event) => {
        if (event.type === 'progress') progress.push(event.progress);
      });
      queue.define('progressive', { schema: payload }, async (job) => {
        await job.progress(50);
        await job.progress({ step: 'done', pct: 100 });
      });
      await queue.start();
      const { id } = await queue.enqueue('progressive', { n: 1 });
      await waitFor(async () => (await queue.get('progressive', id))?.status === 'completed', 'completion');
      expect(progress).toEqual([50, { step: 'done', pct: 100 }]);
      expect((await queue.get('progressive', id))?.progress).toEqual({ step: 'done', pct: 100 });
    });

    test('cancel: a waiting job never runs, a running job sees its signal', async () => {
      const queue = await create();
      const ran: number[] = [];
      let aborted = false;
      queue.define('cancellable', { schema: payload }, async (job) => {
        ran.push(job.payload.n);
        if (job.payload.n === 1) {
          await waitFor(() => job.signal.aborted, 'the abort signal');
          aborted = true;
          throw new Error('stopped');
        }
      });
      const waiting = await queue.enqueue('cancellable', { n: 2 }, { delayMs: 60_000 });
      expect(await queue.cancel('cancellable', waiting.id)).toBe(true);
      expect((await queue.get('cancellable', waiting.id))?.status).toBe('cancelled');
      await queue.start();
      const active = await queue.enqueue('cancellable', { n: 1 });
      await waitFor(() => ran.includes(1), 'the job to start');
      expect(await queue.cancel('cancellable', active.id)).toBe(true);
      await waitFor(async () => (await queue.get('cancellable', active.id))?.status === 'cancelled', 'cancelled');
      expect(aborted).toBe(true);
      expect(ran).toEqual([1]);
      expect(await queue.cancel('cancellable', 'no-such-job')).toBe(false);
    });

    test('an interval schedule fires repeatedly and stops when removed', async () => {
      const queue = await create();
      const fired: number[] = [];
      queue.define('ticker', { schema: payload }, async (job) => {
        fired.push(job.payload.n);
      });
      await queue.schedule('ticker', { name: 'every-half-second', everyMs: 500, payload: { n: 7 } });
      await queue.start();
      await waitFor(() => fired.length >= 2, 'two ticks', 10_000);
      expect(await queue.unschedule('ticker', 'every-half-second')).toBe(true);
      await sleep(700);
      const count = fired.length;
      await sleep(1200);
      expect(fired.length).toBe(count);
      expect(fired.every((n) => n === 7)).toBe(true);
      expect(await queue.unschedule('ticker', 'every-half-second')).toBe(false);
    });

    test('close waits for a running job to finish', async () => {
      const queue = await create();
      let finished = false;
      queue.define('slow', { schema: payload }, async () => {
        await sleep(400);
        finished = true;
      });
      await queue.start();
      const { id } = await queue.enqueue('slow', { n: 1 });
      await waitFor(async () => (await queue.get('slow', id))?.status === 'active', 'the job to start');
      await queue.close({ timeoutMs: 5000 });
      expect(finished).toBe(true);
    });

    describe('two instances on the same store', () => {
      test(
        'a de-duplicated job runs once across replicas',
        async () => {
          const a = await create();
          const b = await sibling(a);
          let runs = 0;
          for (const queue of [a, b]) {
            queue.define('once', { schema: payload }, async () => {
              runs += 1;
              await sleep(30);
            });
          }
          await Promise.all([a.start(), b.start()]);
          const results = await Promise.all(
            Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? a : b).enqueue('once', { n: i }, { jobId: 'single' })),
          );
          expect(results.filter((result) => result.created).length).toBeGreaterThanOrEqual(1);
          await waitFor(async () => (await a.get('once', 'single'))?.status === 'completed', 'completion');
          await sleep(300);
          expect(runs).toBe(1);
        },
        { needsSibling: true },
      );

      test(
        'every job runs exactly once across two workers',
        async () => {
          const a = await create();
          const b = await sibling(a);
          const runs = new Map<number, number>();
          for (const queue of [a, b]) {
            queue.define('shared', { schema: payload, concurrency: 4 }, async (job) => {
              runs.set(job.payload.n, (runs.get(job.payload.n) ?? 0) + 1);
              await sleep(5);
            });
          }
          for (let n = 0; n < 60; n += 1) await (n % 2 === 0 ? a : b).enqueue('shared', { n });
          await Promise.all([a.start(), b.start()]);
          await waitFor(async () => (await a.counts('shared')).completed === 60, 'sixty completions');
          expect([...runs.values()].every((count) => count === 1)).toBe(true);
          expect(runs.size).toBe(60);
        },
        { needsSibling: true },
      );

      test(
        'a schedule fires once per tick across replicas',
        async () => {
          const a = await create();
          const b = await sibling(a);
          const ticks: number[] = [];
          for (const queue of [a, b]) {
            queue.define('cron-like', { schema: payload }, async (job) => {
              ticks.push(job.payload.n);
            });
          }
          await a.schedule('cron-like', { name: 'shared-tick', everyMs: 500, payload: { n: 1 } });
          await b.schedule('cron-like', { name: 'shared-tick', everyMs: 500, payload: { n: 1 } });
          await Promise.all([a.start(), b.start()]);
          const started = Date.now();
          await sleep(2600);
          await a.unschedule('cron-like', 'shared-tick');
          const elapsed = Date.now() - started;
          // One run per 500 ms tick: never two replicas firing the same tick.
          expect(ticks.length).toBeGreaterThanOrEqual(3);
          expect(ticks.length).toBeLessThanOrEqual(Math.ceil(elapsed / 500) + 1);
        },
        { needsSibling: true },
      );
    });
  });
}
