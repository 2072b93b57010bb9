/** Validation and arithmetic shared by every JobQueue adapter. */
import { CronExpressionParser } from 'cron-parser';
import { AuroraError, type SerializedAuroraError } from '../../errors/aurora-error.js';
import { ConfigurationError, InvalidInputError } from '../../errors/errors.js';
import type {
  Backoff,
  EnqueueOptions,
  JobEvent,
  JobStatus,
  PayloadSchema,
  QueueDefinition,
  Schedule,
} from './job-queue.js';

const QUEUE_NAME = /^[a-z][a-z0-9-]{0,62}$/;
const JOB_ID = /^[A-Za-z0-9_.:@=+-]{1,200}$/;

export const JOB_STATUSES: readonly JobStatus[] = ['waiting', 'delayed', 'active', 'completed', 'failed', 'cancelled'];

export const DEFAULT_BACKOFF: Backoff = { type: 'exponential', delayMs: 1000 };

export function assertQueueName(queue: string): void {
  if (typeof queue !== 'string' || !QUEUE_NAME.test(queue)) {
    throw new InvalidInputError({
      message: 'A queue name matches [a-z][a-z0-9-]{0,62}.',
      details: { reason: 'queue name' },
    });
  }
}

export function assertJobId(jobId: string): void {
  if (typeof jobId !== 'string' || !JOB_ID.test(jobId)) {
    throw new InvalidInputError({
      message: 'A job id matches [A-Za-z0-9_.:@=+-]{1,200}.',
      details: { reason: 'job id' },
    });
  }
}

/** Runs the schema; a failure is an `InvalidInputError` listing the issues' paths and messages. */
export function validatePayload<P>(queue: string, schema: PayloadSchema<P>, payload: unknown): P {
  try {
    return schema.parse(payload);
  } catch (error) {
    const issues = (error as { issues?: { path?: readonly PropertyKey[]; message?: string }[] }).issues;
    const summary = Array.isArray(issues)
      ? issues
          .slice(0, 5)
          .map((issue) => `${(issue.path ?? []).map(String).join('.') || '(root)'}: ${issue.message ?? 'invalid'}`)
          .join('; ')
      : 'the schema rejected it';
    throw new InvalidInputError({
      message: `Invalid payload for queue "${queue}": ${summary}.`,
      details: { queue },
    });
  }
}

export function assertDefinition(queue: string, definition: QueueDefinition<unknown>): void {
  assertQueueName(queue);
  if (typeof definition?.schema?.parse !== 'function') {
    throw new ConfigurationError({ message: `Queue "${queue}" needs a schema with parse().`, details: { queue } });
  }
  const { concurrency = 1, attempts = 3, backoff = DEFAULT_BACKOFF } = definition;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 1000) {
    throw new ConfigurationError({ message: `Queue "${queue}": concurrency is 1–1000.`, details: { queue } });
  }
  if (!Number.isInteger(attempts) || attempts < 1 || attempts > 100) {
    throw new ConfigurationError({ message: `Queue "${queue}": attempts is 1–100.`, details: { queue } });
  }
  if (!(backoff.delayMs >= 0) || (backoff.type !== 'exponential' && backoff.type !== 'fixed')) {
    throw new ConfigurationError({ message: `Queue "${queue}": invalid backoff.`, details: { queue } });
  }
}

export function assertEnqueueOptions(options: EnqueueOptions): void {
  if (options.jobId !== undefined) assertJobId(options.jobId);
  const { delayMs = 0, priority = 0, attempts = 1 } = options;
  if (!Number.isFinite(delayMs) || delayMs < 0) {
    throw new InvalidInputError({ message: 'delayMs is a non-negative number.', details: { reason: 'delayMs' } });
  }
  if (!Number.isInteger(priority) || priority < 0 || priority > 1000) {
    throw new InvalidInputError({ message: 'priority is an integer 0–1000.', details: { reason: 'priority' } });
  }
  if (!Number.isInteger(attempts) || attempts < 1 || attempts > 100) {
    throw new InvalidInputError({ message: 'attempts is an integer 1–100.', details: { reason: 'attempts' } });
  }
}

/** Delay before try `attempt + 1`, after try `attempt` (1-based) failed. */
export function backoffDelay(backoff: Backoff, attempt: number): number {
  return backoff.type === 'fixed' ? backoff.delayMs : backoff.delayMs * 2 ** Math.max(0, attempt - 1);
}

/** Checks a schedule and returns the first fire time after `from`. */
export function assertSchedule(schedule: Schedule): void {
  if (typeof schedule?.name !== 'string' || !JOB_ID.test(schedule.name)) {
    throw new InvalidInputError({ message: 'A schedule name matches [A-Za-z0-9_.:@=+-]{1,200}.' });
  }
  if ((schedule.cron === undefined) === (schedule.everyMs === undefined)) {
    throw new InvalidInputError({
      message: `Schedule "${schedule.name}": give exactly one of cron or everyMs.`,
      details: { schedule: schedule.name },
    });
  }
  if (schedule.everyMs !== undefined && (!Number.isInteger(schedule.everyMs) || schedule.everyMs < 100)) {
    throw new InvalidInputError({
      message: `Schedule "${schedule.name}": everyMs is an integer of at least 100.`,
      details: { schedule: schedule.name },
    });
  }
  if (schedule.cron !== undefined) nextFireTime(schedule, new Date());
}

/** The first tick strictly after `after`. */
export function nextFireTime(schedule: Schedule, after: Date): Date {
  if (schedule.everyMs !== undefined) {
    // Aligned to the epoch, so every replica computes the same ticks.
    return new Date((Math.floor(after.getTime() / schedule.everyMs) + 1) * schedule.everyMs);
  }
  try {
    return CronExpressionParser.parse(schedule.cron ?? '', {
      currentDate: after,
      tz: schedule.timezone ?? 'UTC',
    })
      .next()
      .toDate();
  } catch (error) {
    throw new InvalidInputError({
      message: `Schedule "${schedule.name}": invalid cron expression or time zone (${(error as Error).message}).`,
      details: { schedule: schedule.name },
    });
  }
}

/** The safe form of a handler's failure for storage and events. */
export function describeFailure(
  error: unknown,
  redact: (text: string) => string,
): Pick<SerializedAuroraError, 'code' | 'message'> {
  const typed = AuroraError.isInstance(error) ? error : undefined;
  const message = error instanceof Error ? error.message : String(error);
  return { code: typed?.code ?? 'INTERNAL', message: redact(message).slice(0, 2000) };
}

/** Fans events out to listeners; a throwing listener does not break the queue. */
export function createEventHub(): {
  emit(event: JobEvent): void;
  subscribe(listener: (event: JobEvent) => void): () => void;
} {
  const listeners = new Set<(event: JobEvent) => void>();
  return {
    emit(event) {
      for (const listener of listeners) {
        try {
          listener(event);
        } catch {
          // A listener's bug must not fail the job.
        }
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
