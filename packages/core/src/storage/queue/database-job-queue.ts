import { randomUUID } from 'node:crypto';
import { ConfigurationError } from '../../errors/errors.js';
import { noopLogger, type Logger } from '../../logging/logger.js';
import type { Database, Migration } from '../database/database.js';
import type {
  CloseOptions,
  EnqueueOptions,
  JobHandler,
  JobInfo,
  JobQueue,
  JobStatus,
  QueueDefinition,
  Schedule,
} from './job-queue.js';
import {
  DEFAULT_BACKOFF,
  JOB_STATUSES,
  assertDefinition,
  assertEnqueueOptions,
  assertJobId,
  assertQueueName,
  assertSchedule,
  backoffDelay,
  createEventHub,
  describeFailure,
  nextFireTime,
  validatePayload,
} from './queue-common.js';

export interface DatabaseJobQueueOptions {
  /** PostgreSQL or PGlite: the queue's tables live here (migration namespace `core-queue`). */
  readonly database: Database;
  /** How often idle workers and the scheduler look for work. Default 250 ms. */
  readonly pollIntervalMs?: number;
  /** A worker's lease on a job; a dead worker's job runs again after it. Default 30 000 ms. */
  readonly leaseMs?: number;
  /** Finished jobs are kept this long (for `get()` and de-duplication). Default 24 h. */
  readonly keepFinishedMs?: number;
  /** Scrubs failure messages before they are stored or emitted. */
  readonly redact?: (text: string) => string;
  readonly logger?: Logger;
}

export const QUEUE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'jobs and schedules',
    up: `
      create table aurora_jobs (
        queue text not null,
        id text not null,
        payload jsonb not null,
        status text not null,
        priority int not null default 0,
        attempts int not null default 0,
        max_attempts int not null,
        backoff_type text not null,
        backoff_ms int not null,
        run_at timestamptz not null,
        locked_by text,
        locked_until timestamptz,
        cancel_requested boolean not null default false,
        progress jsonb,
        result jsonb,
        error jsonb,
        created_at timestamptz not null default now(),
        finished_at timestamptz,
        primary key (queue, id)
      );
      create index aurora_jobs_ready on aurora_jobs (queue, priority desc, run_at) where status in ('waiting', 'active');
      create index aurora_jobs_finished on aurora_jobs (finished_at) where finished_at is not null;
      create table aurora_job_schedules (
        queue text not null,
        name text not null,
        cron text,
        every_ms bigint,
        timezone text,
        payload jsonb,
        next_run_at timestamptz not null,
        primary key (queue, name)
      );`,
  },
];

interface JobRow {
  readonly queue: string;
  readonly id: string;
  readonly payload: unknown;
  readonly status: string;
  readonly attempts: number;
  readonly max_attempts: number;
  readonly backoff_type: 'exponential' | 'fixed';
  readonly backoff_ms: number;
  readonly run_at: Date;
  readonly cancel_requested: boolean;
  readonly progress: JobInfo['progress'] | null;
  readonly result: unknown;
  readonly error: JobInfo['error'] | null;
  readonly created_at: Date;
  readonly finished_at: Date | null;
  readonly [column: string]: unknown;
}

interface Running {
  readonly controller: AbortController;
  readonly attempt: number;
  reason?: 'cancel' | 'shutdown' | 'lease';
  readonly done: Promise<void>;
}

const json = (value: unknown): string => JSON.stringify(value ?? null);

/**
 * The embedded JobQueue: jobs in the Database (PGlite or PostgreSQL), claimed with
 * `FOR UPDATE SKIP LOCKED` under a lease renewed by heartbeats. A job whose worker died
 * runs again once its lease expires; a worker that lost its lease cannot complete the job
 * (every state change is fenced on worker id and attempt). Schedules advance with a
 * compare-and-set on their next tick, so one replica fires each tick.
 */
export function createDatabaseJobQueue(options: DatabaseJobQueueOptions): JobQueue {
  const { database } = options;
  const logger = options.logger ?? noopLogger;
  const pollIntervalMs = options.pollIntervalMs ?? 250;
  const leaseMs = options.leaseMs ?? 30_000;
  const keepFinishedMs = options.keepFinishedMs ?? 86_400_000;
  const redact = options.redact ?? ((text: string) => text);
  const workerId = `worker-${randomUUID()}`;
  const hub = createEventHub();
  const defined = new Map<string, { definition: QueueDefinition<unknown>; handler?: JobHandler<unknown> }>();
  const running = new Map<string, Running>();
  const timers = new Set<NodeJS.Timeout>();
  let migrated: Promise<void> | undefined;
  let started = false;
  let closing = false;

  const ready = (): Promise<void> => {
    migrated ??= database.migrate(QUEUE_MIGRATIONS, { namespace: 'core-queue' }).then(() => undefined);
    migrated.catch(() => {
      migrated = undefined;
    });
    return migrated;
  };

  const definitionOf = (queue: string): { definition: QueueDefinition<unknown>; handler?: JobHandler<unknown> } => {
    assertQueueName(queue);
    const entry = defined.get(queue);
    if (entry === undefined) {
      throw new ConfigurationError({ message: `Queue "${queue}" is not defined.`, details: { queue } });
    }
    return entry;
  };

  /** Updates the job only while this worker still holds it at this attempt. */
  const fenced = async (
    queue: string,
    id: string,
    attempt: number,
    set: string,
    params: unknown[],
  ): Promise<boolean> => {
    const result = await database.query(
      `update aurora_jobs set ${set}
        where queue = $1 and id = $2 and locked_by = $3 and attempts = $4 and status = 'active'`,
      [queue, id, workerId, attempt, ...params],
    );
    return result.rowCount === 1;
  };

  const execute = async (row: JobRow): Promise<void> => {
    const { queue, id, attempts: attempt } = row;
    const entry = defined.get(queue);
    const key = `${queue}\u0000${id}`;
    const current = running.get(key);
    if (entry?.handler === undefined || current === undefined) return;
    hub.emit({ type: 'active', queue, jobId: id, attempt });
    const { controller } = current;
    try {
      const payload = validatePayload(queue, entry.definition.schema, row.payload);
      const result = await entry.handler({
        id,
        queue,
        payload,
        attempt,
        signal: controller.signal,
        progress: async (value) => {
          await fenced(queue, id, attempt, 'progress = $5::jsonb', [json(value)]);
          hub.emit({ type: 'progress', queue, jobId: id, progress: value });
        },
      });
      if (current.reason === 'cancel') throw new Error('cancelled');
      if (
        await fenced(
          queue,
          id,
          attempt,
          `status = 'completed', result = $5::jsonb, finished_at = now(), locked_by = null, locked_until = null`,
          [json(result)],
        )
      ) {
        hub.emit({ type: 'completed', queue, jobId: id, attempt });
      } else {
        logger.warn('job finished after its lease was lost; not marked completed', { queue, id, attempt });
      }
    } catch (error) {
      if (current.reason === 'cancel') {
        await fenced(
          queue,
          id,
          attempt,
          `status = 'cancelled', finished_at = now(), locked_by = null, locked_until = null`,
          [],
        );
        hub.emit({ type: 'cancelled', queue, jobId: id });
        return;
      }
      if (current.reason === 'shutdown') {
        // Returned without spending the attempt.
        await fenced(
          queue,
          id,
          attempt,
          `status = 'waiting', attempts = attempts - 1, run_at = now(), locked_by = null, locked_until = null`,
          [],
        );
        return;
      }
      if (current.reason === 'lease') return;
      const failure = describeFailure(error, redact);
      const invalid = failure.code === 'INVALID_INPUT';
      if (!invalid && attempt < row.max_attempts) {
        const delay = backoffDelay({ type: row.backoff_type, delayMs: row.backoff_ms }, attempt);
        await fenced(
          queue,
          id,
          attempt,
          `status = 'waiting', run_at = now() + make_interval(secs => $5::float8 / 1000), error = $6::jsonb, locked_by = null, locked_until = null`,
          [delay, json(failure)],
        );
        hub.emit({ type: 'retrying', queue, jobId: id, attempt, error: failure });
      } else {
        await fenced(
          queue,
          id,
          attempt,
          `status = 'failed', error = $5::jsonb, finished_at = now(), locked_by = null, locked_until = null`,
          [json(failure)],
        );
        hub.emit({ type: 'failed', queue, jobId: id, attempt, error: failure });
      }
    }
  };

  const claim = async (queue: string, limit: number): Promise<JobRow[]> => {
    const { rows } = await database.query<JobRow>(
      `with next as (
         select queue, id from aurora_jobs
          where queue = $1
            and ((status = 'waiting' and run_at <= now()) or (status = 'active' and locked_until < now()))
          order by priority desc, run_at, created_at
          limit $2
          for update skip locked)
       update aurora_jobs j
          set status = 'active', locked_by = $3, attempts = j.attempts + 1,
              locked_until = now() + make_interval(secs => $4::float8 / 1000)
         from next where j.queue = next.queue and j.id = next.id
       returning j.*`,
      [queue, limit, workerId, leaseMs],
    );
    const runnable: JobRow[] = [];
    for (const row of rows) {
      if (row.cancel_requested) {
        await fenced(
          row.queue,
          row.id,
          row.attempts,
          `status = 'cancelled', finished_at = now(), locked_by = null, locked_until = null`,
          [],
        );
        hub.emit({ type: 'cancelled', queue: row.queue, jobId: row.id });
      } else if (row.attempts > row.max_attempts) {
        // Its workers kept dying: the lease expired on the last allowed try.
        const failure = { code: 'INTERNAL' as const, message: 'The job was abandoned by its worker on every try.' };
        await fenced(
          row.queue,
          row.id,
          row.attempts,
          `status = 'failed', error = $5::jsonb, finished_at = now(), locked_by = null, locked_until = null`,
          [json(failure)],
        );
        hub.emit({ type: 'failed', queue: row.queue, jobId: row.id, attempt: row.attempts - 1, error: failure });
      } else {
        runnable.push(row);
      }
    }
    return runnable;
  };

  /** One poll per queue at a time (else two polls both see free slots and over-claim). */
  const polling = new Map<string, Promise<void>>();
  const again = new Set<string>();
  const pollQueue = (queue: string): Promise<void> => {
    const inFlight = polling.get(queue);
    if (inFlight !== undefined) {
      again.add(queue);
      return inFlight;
    }
    const run = claimAndRun(queue).finally(() => {
      polling.delete(queue);
      if (again.delete(queue) && !closing) void pollQueue(queue).catch(() => undefined);
    });
    polling.set(queue, run);
    return run;
  };

  const claimAndRun = async (queue: string): Promise<void> => {
    const entry = defined.get(queue);
    if (entry === undefined || closing) return;
    const concurrency = entry.definition.concurrency ?? 1;
    const busy = [...running.keys()].filter((key) => key.startsWith(`${queue}\u0000`)).length;
    if (busy >= concurrency) return;
    for (const row of await claim(queue, concurrency - busy)) {
      const key = `${queue}\u0000${row.id}`;
      const controller = new AbortController();
      const slot: { current?: Running } = {};
      const done = Promise.resolve()
        .then(() => execute(row))
        .catch((error: unknown) => logger.error('job bookkeeping failed', { queue, id: row.id, error: String(error) }))
        .finally(() => {
          running.delete(key);
          // A freed slot: look for more work at once.
          if (!closing) void pollQueue(queue).catch(() => undefined);
        });
      slot.current = { controller, attempt: row.attempts, done };
      running.set(key, slot.current);
    }
  };

  const heartbeat = async (): Promise<void> => {
    for (const [key, job] of running) {
      const [queue = '', id = ''] = key.split('\u0000');
      const { rows } = await database.query<{ cancel_requested: boolean }>(
        `update aurora_jobs set locked_until = now() + make_interval(secs => $5::float8 / 1000)
          where queue = $1 and id = $2 and locked_by = $3 and attempts = $4 and status = 'active'
          returning cancel_requested`,
        [queue, id, workerId, job.attempt, leaseMs],
      );
      const [row] = rows;
      if (row === undefined) {
        job.reason ??= 'lease';
        job.controller.abort(new Error('lease lost'));
      } else if (row.cancel_requested) {
        job.reason ??= 'cancel';
        job.controller.abort(new Error('cancelled'));
      }
    }
  };

  const fireSchedules = async (): Promise<void> => {
    const queues = [...defined.keys()];
    if (queues.length === 0) return;
    const { rows } = await database.query<{
      queue: string;
      name: string;
      cron: string | null;
      every_ms: string | number | null;
      timezone: string | null;
      payload: unknown;
      next_run_at: Date;
    }>(`select * from aurora_job_schedules where queue = any($1::text[]) and next_run_at <= now()`, [queues]);
    for (const row of rows) {
      const schedule: Schedule = {
        name: row.name,
        ...(row.cron === null ? {} : { cron: row.cron }),
        ...(row.every_ms === null ? {} : { everyMs: Number(row.every_ms) }),
        ...(row.timezone === null ? {} : { timezone: row.timezone }),
      };
      const due = new Date(row.next_run_at);
      // Missed ticks (downtime) collapse into one run; the next tick is in the future.
      const next = nextFireTime(schedule, new Date(Math.max(Date.now(), due.getTime())));
      const won = await database.query(
        `update aurora_job_schedules set next_run_at = $3 where queue = $1 and name = $2 and next_run_at = $4`,
        [row.queue, row.name, next, due],
      );
      if (won.rowCount === 1) {
        await enqueue(row.queue, row.payload, { jobId: `${row.name}:${due.getTime()}` });
      }
    }
  };

  const loop = (name: string, intervalMs: number, tick: () => Promise<void>): void => {
    const run = (): void => {
      if (closing) return;
      tick()
        .catch((error: unknown) => logger.warn(`job queue ${name} failed; retrying`, { error: String(error) }))
        .finally(() => {
          if (closing) return;
          const timer = setTimeout(() => {
            timers.delete(timer);
            run();
          }, intervalMs);
          timers.add(timer);
        });
    };
    run();
  };

  const enqueue = async (queue: string, payload: unknown, enqueueOptions: EnqueueOptions = {}) => {
    const { definition } = definitionOf(queue);
    assertEnqueueOptions(enqueueOptions);
    const data = validatePayload(queue, definition.schema, payload);
    await ready();
    const id = enqueueOptions.jobId ?? randomUUID();
    const backoff = definition.backoff ?? DEFAULT_BACKOFF;
    const result = await database.query(
      `insert into aurora_jobs (queue, id, payload, status, priority, max_attempts, backoff_type, backoff_ms, run_at)
       values ($1, $2, $3::jsonb, 'waiting', $4, $5, $6, $7, now() + make_interval(secs => $8::float8 / 1000))
       on conflict (queue, id) do nothing`,
      [
        queue,
        id,
        json(data),
        enqueueOptions.priority ?? 0,
        enqueueOptions.attempts ?? definition.attempts ?? 3,
        backoff.type,
        backoff.delayMs,
        enqueueOptions.delayMs ?? 0,
      ],
    );
    return { id, created: result.rowCount === 1 };
  };

  return {
    specificationVersion: 'v1',
    capabilities: { durable: true, distributed: database.capabilities.concurrentConnections },
    define(queue, definition, handler) {
      assertDefinition(queue, definition);
      if (defined.has(queue)) {
        throw new ConfigurationError({ message: `Queue "${queue}" is already defined.`, details: { queue } });
      }
      defined.set(queue, {
        definition: definition,
        ...(handler === undefined ? {} : { handler: handler as JobHandler<unknown> }),
      });
      if (started && handler !== undefined) loop(`poll ${queue}`, pollIntervalMs, () => pollQueue(queue));
    },
    enqueue,
    async schedule(queue, schedule) {
      const { definition } = definitionOf(queue);
      assertSchedule(schedule);
      const data = validatePayload(queue, definition.schema, schedule.payload);
      await ready();
      await database.query(
        `insert into aurora_job_schedules (queue, name, cron, every_ms, timezone, payload, next_run_at)
         values ($1, $2, $3, $4, $5, $6::jsonb, $7)
         on conflict (queue, name) do update set cron = $3, every_ms = $4, timezone = $5, payload = $6::jsonb,
           next_run_at = case when aurora_job_schedules.cron is not distinct from $3
                               and aurora_job_schedules.every_ms is not distinct from $4
                              then aurora_job_schedules.next_run_at else $7 end`,
        [
          queue,
          schedule.name,
          schedule.cron ?? null,
          schedule.everyMs ?? null,
          schedule.timezone ?? null,
          json(data),
          nextFireTime(schedule, new Date()),
        ],
      );
    },
    async unschedule(queue, name) {
      definitionOf(queue);
      await ready();
      const result = await database.query(`delete from aurora_job_schedules where queue = $1 and name = $2`, [
        queue,
        name,
      ]);
      return result.rowCount === 1;
    },
    async cancel(queue, jobId) {
      definitionOf(queue);
      assertJobId(jobId);
      await ready();
      const waiting = await database.query(
        `update aurora_jobs set status = 'cancelled', finished_at = now()
          where queue = $1 and id = $2 and status = 'waiting'`,
        [queue, jobId],
      );
      if (waiting.rowCount === 1) {
        hub.emit({ type: 'cancelled', queue, jobId });
        return true;
      }
      const active = await database.query(
        `update aurora_jobs set cancel_requested = true where queue = $1 and id = $2 and status = 'active'`,
        [queue, jobId],
      );
      const local = running.get(`${queue}\u0000${jobId}`);
      if (local !== undefined) {
        local.reason ??= 'cancel';
        local.controller.abort(new Error('cancelled'));
      }
      // Elsewhere, the worker's next heartbeat delivers it.
      return active.rowCount === 1;
    },
    async get(queue, jobId) {
      definitionOf(queue);
      assertJobId(jobId);
      await ready();
      const { rows } = await database.query<JobRow & { due: boolean }>(
        `select *, run_at > now() as due from aurora_jobs where queue = $1 and id = $2`,
        [queue, jobId],
      );
      const [row] = rows;
      if (row === undefined) return undefined;
      const status = (row.status === 'waiting' && row.due ? 'delayed' : row.status) as JobStatus;
      return {
        id: row.id,
        queue,
        status,
        attempts: row.attempts,
        payload: row.payload,
        ...(row.progress === null ? {} : { progress: row.progress }),
        ...(status === 'completed' ? { result: row.result } : {}),
        ...(row.error === null || status !== 'failed' ? {} : { error: row.error }),
        createdAt: new Date(row.created_at),
        ...(row.finished_at === null ? {} : { finishedAt: new Date(row.finished_at) }),
      };
    },
    async counts(queue) {
      definitionOf(queue);
      await ready();
      const { rows } = await database.query<{ status: string; count: string | number }>(
        `select case when status = 'waiting' and run_at > now() then 'delayed' else status end as status,
                count(*) as count
           from aurora_jobs where queue = $1 group by 1`,
        [queue],
      );
      const out = Object.fromEntries(JOB_STATUSES.map((status) => [status, 0])) as Record<JobStatus, number>;
      for (const row of rows) out[row.status as JobStatus] = Number(row.count);
      return out;
    },
    subscribe: (listener) => hub.subscribe(listener),
    async start() {
      await ready();
      if (started) return;
      started = true;
      for (const [queue, entry] of defined) {
        if (entry.handler !== undefined) loop(`poll ${queue}`, pollIntervalMs, () => pollQueue(queue));
      }
      loop('schedules', pollIntervalMs, fireSchedules);
      loop('heartbeat', Math.max(50, Math.floor(leaseMs / 3)), heartbeat);
      loop('cleanup', 60_000, async () => {
        await database.query(
          `delete from aurora_jobs where finished_at < now() - make_interval(secs => $1::float8 / 1000)`,
          [keepFinishedMs],
        );
      });
    },
    async close(closeOptions: CloseOptions = {}) {
      closing = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      const inFlight = [...running.values()];
      const all = Promise.all(inFlight.map((job) => job.done));
      const timeout = new Promise<'timeout'>((resolve) =>
        setTimeout(() => resolve('timeout'), closeOptions.timeoutMs ?? 10_000).unref(),
      );
      if ((await Promise.race([all, timeout])) === 'timeout') {
        logger.warn('jobs still running at shutdown; returning them to the queue', { count: running.size });
        for (const job of running.values()) {
          job.reason ??= 'shutdown';
          job.controller.abort(new Error('shutdown'));
        }
        await Promise.race([all, new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
      }
    },
  };
}
