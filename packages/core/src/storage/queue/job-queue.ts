/**
 * The JobQueue specification (types only): background work (RCA runs, discovery, KB
 * ingestion) and repeatable schedules. At-least-once delivery: a job whose worker dies is
 * retried after its lease expires, and a job completes at most once (the completion of a
 * worker that lost its lease is refused). Handlers should therefore be idempotent.
 */
import type { SerializedAuroraError } from '../../errors/aurora-error.js';

export type JobStatus = 'waiting' | 'delayed' | 'active' | 'completed' | 'failed' | 'cancelled';

/** Anything with a zod-style `parse` (zod schemas fit). A failure is an `InvalidInputError`. */
export interface PayloadSchema<P> {
  parse(input: unknown): P;
}

export interface Backoff {
  readonly type: 'exponential' | 'fixed';
  /** First delay; exponential doubles it each retry. */
  readonly delayMs: number;
}

export interface QueueDefinition<P> {
  /** Validates payloads on enqueue and again before the handler runs. */
  readonly schema: PayloadSchema<P>;
  /** Jobs of this queue run at once in one process. Default 1. */
  readonly concurrency?: number;
  /** Total tries, first one included. Default 3. */
  readonly attempts?: number;
  /** Default exponential from 1 000 ms. */
  readonly backoff?: Backoff;
}

export interface JobContext<P> {
  readonly id: string;
  readonly queue: string;
  readonly payload: P;
  /** 1 on the first try. */
  readonly attempt: number;
  /** Aborted on cancellation and on a shutdown that cannot wait for the job. */
  readonly signal: AbortSignal;
  /** Reports progress (0–100 or a small JSON object) to subscribers and `get()`. */
  progress(value: number | Readonly<Record<string, unknown>>): Promise<void>;
}

export type JobHandler<P> = (job: JobContext<P>) => Promise<unknown>;

export interface EnqueueOptions {
  /** De-duplication key: while a job with this id exists, enqueueing it again does nothing. */
  readonly jobId?: string;
  readonly delayMs?: number;
  /** 0–1000, higher runs first. Default 0. */
  readonly priority?: number;
  /** Overrides the queue's `attempts`. */
  readonly attempts?: number;
}

export interface EnqueueResult {
  readonly id: string;
  /** False when a job with the same id already existed (the payload was not replaced). */
  readonly created: boolean;
}

/** A repeatable job: exactly one of `cron` or `everyMs`. Fires once per tick across replicas. */
export interface Schedule {
  /** Unique within the queue. */
  readonly name: string;
  /** Five- or six-field cron expression. */
  readonly cron?: string;
  readonly everyMs?: number;
  /** IANA zone for `cron` (default UTC). */
  readonly timezone?: string;
  readonly payload?: unknown;
}

export interface JobInfo {
  readonly id: string;
  readonly queue: string;
  readonly status: JobStatus;
  /** Tries started so far. */
  readonly attempts: number;
  readonly payload: unknown;
  readonly progress?: number | Readonly<Record<string, unknown>>;
  readonly result?: unknown;
  readonly error?: Pick<SerializedAuroraError, 'code' | 'message'>;
  readonly createdAt: Date;
  readonly finishedAt?: Date;
}

export type JobEvent =
  | { readonly type: 'active'; readonly queue: string; readonly jobId: string; readonly attempt: number }
  | {
      readonly type: 'progress';
      readonly queue: string;
      readonly jobId: string;
      readonly progress: number | Readonly<Record<string, unknown>>;
    }
  | { readonly type: 'completed'; readonly queue: string; readonly jobId: string; readonly attempt: number }
  | {
      readonly type: 'failed' | 'retrying';
      readonly queue: string;
      readonly jobId: string;
      readonly attempt: number;
      readonly error: Pick<SerializedAuroraError, 'code' | 'message'>;
    }
  | { readonly type: 'cancelled'; readonly queue: string; readonly jobId: string };

export interface JobQueueCapabilities {
  /** Jobs survive a restart of every process. */
  readonly durable: boolean;
  /** Several processes may share the queue. */
  readonly distributed: boolean;
}

export interface CloseOptions {
  /** How long to wait for running jobs; then they are aborted and returned to the queue. Default 10 000 ms. */
  readonly timeoutMs?: number;
}

export interface JobQueue {
  readonly specificationVersion: 'v1';
  readonly capabilities: JobQueueCapabilities;
  /**
   * Declares a queue: its payload schema and options, and in worker processes its handler.
   * Queue names match `[a-z][a-z0-9-]{0,62}`. Defining a queue twice is a `ConfigurationError`.
   */
  define<P>(queue: string, definition: QueueDefinition<P>, handler?: JobHandler<P>): void;
  /** Validates and stores a job. An undefined queue is a `ConfigurationError`. */
  enqueue(queue: string, payload: unknown, options?: EnqueueOptions): Promise<EnqueueResult>;
  /** Creates or replaces a schedule. */
  schedule(queue: string, schedule: Schedule): Promise<void>;
  /** True when a schedule was removed. */
  unschedule(queue: string, name: string): Promise<boolean>;
  /**
   * Waiting and delayed jobs are cancelled at once; an active job's `signal` is aborted
   * wherever it runs and it ends `cancelled`. False when no unfinished job has this id.
   */
  cancel(queue: string, jobId: string): Promise<boolean>;
  get(queue: string, jobId: string): Promise<JobInfo | undefined>;
  /** Jobs per status (queue depth for metrics). */
  counts(queue: string): Promise<Readonly<Record<JobStatus, number>>>;
  /** Events of jobs run by this process's workers. Returns an unsubscribe function. */
  subscribe(listener: (event: JobEvent) => void): () => void;
  /** Starts processing every queue defined with a handler (and firing schedules). */
  start(): Promise<void>;
  /** Stops taking jobs; waits for running ones up to `timeoutMs`, then returns them to the queue. */
  close(options?: CloseOptions): Promise<void>;
}
