import { DelayedError, Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import { AuroraError } from '../../errors/aurora-error.js';
import { ConfigurationError, ConnectionLostError } from '../../errors/errors.js';
import { parseJson } from '../../internal/json.js';
import { noopLogger, type Logger } from '../../logging/logger.js';
import type {
  CloseOptions,
  EnqueueOptions,
  JobHandler,
  JobInfo,
  JobQueue,
  JobStatus,
  QueueDefinition,
  Schedule,
} from '../queue/job-queue.js';
import {
  DEFAULT_BACKOFF,
  JOB_STATUSES,
  assertDefinition,
  assertEnqueueOptions,
  assertJobId,
  assertQueueName,
  assertSchedule,
  createEventHub,
  describeFailure,
  validatePayload,
} from '../queue/queue-common.js';

export interface BullmqJobQueueOptions {
  /** `redis://…` URL, or ioredis options. */
  readonly connection: string | RedisOptions;
  /** Redis key prefix. Default `aurora`. */
  readonly prefix?: string;
  /** A worker's lease on a job; a dead worker's job is retried after it. Default 30 000 ms. */
  readonly lockDurationMs?: number;
  /** How often workers look for jobs whose lease expired. Default 30 000 ms. */
  readonly stalledIntervalMs?: number;
  /** Finished jobs kept for `get()` and de-duplication. Default 24 h / 10 000 per queue. */
  readonly keepFinished?: { readonly ageSeconds: number; readonly count: number };
  /** Scrubs failure messages before they are stored or emitted (pass the secret redactor's). */
  readonly redact?: (text: string) => string;
  readonly logger?: Logger;
}

interface Defined {
  readonly definition: QueueDefinition<unknown>;
  readonly handler?: JobHandler<unknown>;
}

const CANCELLED = 'aurora:cancelled';

function toConnectionError(error: unknown): Error {
  if (AuroraError.isInstance(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (
    /ECONNREFUSED|ENOTFOUND|ETIMEDOUT|Connection is closed|Stream isn't writeable|enableOfflineQueue/i.test(message)
  ) {
    return new ConnectionLostError({ message: `Redis is unreachable (${message}).`, cause: error });
  }
  return AuroraError.from(error, 'UPSTREAM_ERROR');
}

/**
 * JobQueue on Redis through BullMQ. Schedules use BullMQ job schedulers (one job per tick
 * across replicas); cancellation of a running job reaches its worker through Redis pub/sub.
 */
export function createBullmqJobQueue(options: BullmqJobQueueOptions): JobQueue {
  const logger = options.logger ?? noopLogger;
  const prefix = options.prefix ?? 'aurora';
  const redact = options.redact ?? ((text: string) => text);
  const keep = options.keepFinished ?? { ageSeconds: 86_400, count: 10_000 };
  const base: RedisOptions =
    typeof options.connection === 'string' ? parseRedisUrl(options.connection) : { ...options.connection };
  // Producer commands fail fast when Redis is down instead of queueing forever.
  const producer = new Redis({ ...base, maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: true });
  let workerConnection: Redis | undefined;
  producer.on('error', (error: Error) => logger.debug('bullmq producer connection error', { error: error.message }));
  const hub = createEventHub();
  const defined = new Map<string, Defined>();
  const queues = new Map<string, Queue>();
  const workers = new Map<string, Worker>();
  const shuttingDown = new Set<string>();
  let subscriber: Redis | undefined;
  let connecting: Promise<void> | undefined;
  const cancelChannel = `${prefix}:aurora:cancel`;
  const tombstone = (queue: string, jobId: string): string => `${prefix}:${queue}:aurora-cancelled:${jobId}`;

  const connected = (): Promise<void> => {
    if (producer.status === 'ready') return Promise.resolve();
    connecting ??= producer.connect().catch((error: unknown) => {
      connecting = undefined;
      producer.disconnect();
      throw toConnectionError(error);
    });
    return connecting;
  };

  const definitionOf = (queue: string): Defined => {
    assertQueueName(queue);
    const entry = defined.get(queue);
    if (entry === undefined) {
      throw new ConfigurationError({ message: `Queue "${queue}" is not defined.`, details: { queue } });
    }
    return entry;
  };

  const queueOf = (queue: string): Queue => {
    let instance = queues.get(queue);
    if (instance === undefined) {
      instance = new Queue(queue, { connection: producer, prefix });
      instance.on('error', (error: Error) => logger.debug('bullmq queue error', { queue, error: error.message }));
      queues.set(queue, instance);
    }
    return instance;
  };

  // Per-job retention, shared by every enqueue (BullMQ copies what it stores).
  const removeOnComplete = { age: keep.ageSeconds, count: keep.count };
  const removeOnFail = { age: keep.ageSeconds, count: keep.count };

  const run = async <T>(work: () => Promise<T>): Promise<T> => {
    await connected();
    try {
      return await work();
    } catch (error) {
      throw toConnectionError(error);
    }
  };

  const processor =
    (queue: string, entry: Defined) =>
    async (job: Job, token?: string, signal?: AbortSignal): Promise<unknown> => {
      const attempt = job.attemptsStarted > 0 ? job.attemptsStarted : job.attemptsMade + 1;
      hub.emit({ type: 'active', queue, jobId: job.id ?? '', attempt });
      let payload: unknown;
      try {
        payload = validatePayload(queue, entry.definition.schema, job.data);
      } catch (error) {
        throw new UnrecoverableError((error as Error).message);
      }
      // BullMQ makes one AbortController per job for a processor that takes a signal (this
      // one does); cancellation and shutdown abort it. No second controller is needed.
      const jobSignal = signal ?? new AbortController().signal;
      try {
        return await entry.handler!({
          id: job.id ?? '',
          queue,
          payload,
          attempt,
          signal: jobSignal,
          progress: async (value) => {
            await job.updateProgress(value);
            hub.emit({ type: 'progress', queue, jobId: job.id ?? '', progress: value });
          },
        });
      } catch (error) {
        if (!jobSignal.aborted) throw error;
        if (shuttingDown.has(queue) && token !== undefined) {
          // Shutdown: hand the job back without spending an attempt.
          await job.moveToDelayed(Date.now(), token);
          throw new DelayedError();
        }
        throw new UnrecoverableError(CANCELLED);
      } finally {
        if (jobSignal.aborted && !shuttingDown.has(queue)) {
          hub.emit({ type: 'cancelled', queue, jobId: job.id ?? '' });
        }
      }
    };

  const startWorker = (queue: string, entry: Defined): void => {
    workerConnection ??= new Redis({ ...base, maxRetriesPerRequest: null });
    const worker = new Worker(queue, processor(queue, entry), {
      connection: workerConnection,
      prefix,
      concurrency: entry.definition.concurrency ?? 1,
      lockDuration: options.lockDurationMs ?? 30_000,
      stalledInterval: options.stalledIntervalMs ?? 30_000,
      maxStalledCount: entry.definition.attempts ?? 3,
    });
    worker.on('error', (error: Error) => logger.warn('bullmq worker error', { queue, error: error.message }));
    worker.on('completed', (job: Job) =>
      hub.emit({ type: 'completed', queue, jobId: job.id ?? '', attempt: job.attemptsMade }),
    );
    worker.on('failed', (job: Job | undefined, error: Error) => {
      if (job === undefined || error.message === CANCELLED || error instanceof DelayedError) return;
      const failure = describeFailure(error, redact);
      const final = job.attemptsMade >= (job.opts.attempts ?? 1) || error instanceof UnrecoverableError;
      hub.emit({
        type: final ? 'failed' : 'retrying',
        queue,
        jobId: job.id ?? '',
        attempt: job.attemptsMade,
        error: failure,
      });
    });
    workers.set(queue, worker);
  };

  const statusOf = async (job: Job): Promise<JobStatus> => {
    const state = await job.getState();
    if (state === 'failed' && job.failedReason === CANCELLED) return 'cancelled';
    if (state === 'prioritized' || state === 'waiting-children' || state === 'unknown') return 'waiting';
    return state;
  };

  return {
    specificationVersion: 'v1',
    capabilities: { durable: true, distributed: true },
    define(queue, definition, handler) {
      assertDefinition(queue, definition);
      if (defined.has(queue)) {
        throw new ConfigurationError({ message: `Queue "${queue}" is already defined.`, details: { queue } });
      }
      defined.set(queue, {
        definition: definition,
        ...(handler === undefined ? {} : { handler: handler as JobHandler<unknown> }),
      });
    },
    async enqueue(queue, payload, enqueueOptions: EnqueueOptions = {}) {
      const { definition } = definitionOf(queue);
      assertEnqueueOptions(enqueueOptions);
      const data = validatePayload(queue, definition.schema, payload);
      const backoff = definition.backoff ?? DEFAULT_BACKOFF;
      const { jobId, delayMs } = enqueueOptions;
      if (producer.status !== 'ready') await connected();
      try {
        const instance = queueOf(queue);
        if (jobId !== undefined) {
          if ((await instance.getJob(jobId)) !== undefined) return { id: jobId, created: false };
          await producer.del(tombstone(queue, jobId));
        }
        const job = await instance.add(queue, data, {
          ...(jobId === undefined ? {} : { jobId }),
          ...(delayMs === undefined || delayMs === 0 ? {} : { delay: delayMs }),
          // BullMQ: lower runs first; Aurora: higher runs first.
          priority: 1001 - (enqueueOptions.priority ?? 0),
          attempts: enqueueOptions.attempts ?? definition.attempts ?? 3,
          backoff: { type: backoff.type, delay: backoff.delayMs },
          removeOnComplete,
          removeOnFail,
        });
        return { id: job.id ?? '', created: true };
      } catch (error) {
        throw toConnectionError(error);
      }
    },
    async schedule(queue, schedule: Schedule) {
      const { definition } = definitionOf(queue);
      assertSchedule(schedule);
      const data = validatePayload(queue, definition.schema, schedule.payload);
      await run(() =>
        queueOf(queue).upsertJobScheduler(
          schedule.name,
          schedule.cron !== undefined
            ? { pattern: schedule.cron, tz: schedule.timezone ?? 'UTC' }
            : { every: schedule.everyMs ?? 0 },
          { name: queue, data, opts: { attempts: definition.attempts ?? 3 } },
        ),
      );
    },
    unschedule(queue, name) {
      definitionOf(queue);
      return run(() => queueOf(queue).removeJobScheduler(name));
    },
    async cancel(queue, jobId) {
      definitionOf(queue);
      assertJobId(jobId);
      return run(async () => {
        const job = await queueOf(queue).getJob(jobId);
        if (job === undefined) return false;
        const state = await job.getState();
        if (state === 'completed' || state === 'failed') return false;
        if (state !== 'active') {
          try {
            await job.remove();
            // A tombstone, so get() reports the job cancelled rather than unknown.
            await producer.set(tombstone(queue, jobId), '1', 'EX', keep.ageSeconds);
            hub.emit({ type: 'cancelled', queue, jobId });
            return true;
          } catch {
            // Picked up meanwhile (the job is locked): cancel it where it runs.
          }
        }
        await producer.publish(cancelChannel, JSON.stringify({ queue, jobId }));
        return true;
      });
    },
    async get(queue, jobId): Promise<JobInfo | undefined> {
      definitionOf(queue);
      assertJobId(jobId);
      return run(async () => {
        const job = await queueOf(queue).getJob(jobId);
        if (job === undefined) {
          if ((await producer.exists(tombstone(queue, jobId))) === 0) return undefined;
          return { id: jobId, queue, status: 'cancelled', attempts: 0, payload: undefined, createdAt: new Date(0) };
        }
        const status = await statusOf(job);
        const progress = job.progress as JobInfo['progress'];
        return {
          id: jobId,
          queue,
          status,
          attempts: job.attemptsStarted > 0 ? job.attemptsStarted : job.attemptsMade,
          payload: job.data as unknown,
          ...(progress === 0 || progress === undefined ? {} : { progress }),
          ...(status === 'completed' ? { result: job.returnvalue as unknown } : {}),
          ...(status === 'failed' ? { error: { code: 'INTERNAL', message: redact(job.failedReason) } } : {}),
          createdAt: new Date(job.timestamp),
          ...(job.finishedOn === undefined ? {} : { finishedAt: new Date(job.finishedOn) }),
        };
      });
    },
    async counts(queue) {
      definitionOf(queue);
      return run(async () => {
        const raw = await queueOf(queue).getJobCounts(
          'waiting',
          'prioritized',
          'delayed',
          'active',
          'completed',
          'failed',
        );
        const out = Object.fromEntries(JOB_STATUSES.map((status) => [status, 0])) as Record<JobStatus, number>;
        out.waiting = (raw.waiting ?? 0) + (raw.prioritized ?? 0);
        out.delayed = raw.delayed ?? 0;
        out.active = raw.active ?? 0;
        out.completed = raw.completed ?? 0;
        out.failed = raw.failed ?? 0;
        return out;
      });
    },
    subscribe: (listener) => hub.subscribe(listener),
    async start() {
      await connected();
      subscriber = new Redis({ ...base, maxRetriesPerRequest: null });
      subscriber.on('error', (error: Error) => logger.debug('bullmq cancel channel error', { error: error.message }));
      await subscriber.subscribe(cancelChannel);
      subscriber.on('message', (_channel: string, message: string) => {
        const { queue, jobId } = parseJson(message, 'cancel message') as { queue: string; jobId: string };
        workers.get(queue)?.cancelJob(jobId, 'cancelled');
      });
      for (const [queue, entry] of defined) {
        if (entry.handler !== undefined && !workers.has(queue)) startWorker(queue, entry);
      }
    },
    async close(closeOptions: CloseOptions = {}) {
      const timeoutMs = closeOptions.timeoutMs ?? 10_000;
      await Promise.all(
        [...workers].map(async ([queue, worker]) => {
          const graceful = worker.close();
          const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), timeoutMs).unref());
          if ((await Promise.race([graceful, timer])) === 'timeout') {
            logger.warn('jobs still running at shutdown; returning them to the queue', { queue });
            shuttingDown.add(queue);
            worker.cancelAllJobs('shutdown');
            await Promise.race([graceful, new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
            await worker.close(true);
          }
        }),
      );
      workers.clear();
      await Promise.all([...queues.values()].map((queue) => queue.close()));
      queues.clear();
      subscriber?.disconnect();
      workerConnection?.disconnect();
      producer.disconnect();
    },
  };
}

function parseRedisUrl(url: string): RedisOptions {
  try {
    const parsed = new URL(url);
    return {
      host: parsed.hostname,
      port: parsed.port === '' ? 6379 : Number(parsed.port),
      ...(parsed.username === '' ? {} : { username: decodeURIComponent(parsed.username) }),
      ...(parsed.password === '' ? {} : { password: decodeURIComponent(parsed.password) }),
      ...(parsed.pathname.length > 1 ? { db: Number(parsed.pathname.slice(1)) } : {}),
      ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
    };
  } catch {
    throw new ConfigurationError({ message: 'The Redis URL is not a valid redis:// or rediss:// URL.' });
  }
}
