import { validateRunEventsByDefault } from '../agent/env-agent.js';
import { AuroraError } from '../errors/aurora-error.js';
import { InvalidInputError } from '../errors/errors.js';
import { noopLogger, type Logger, type Redacting } from '../logging/logger.js';
import { runEventSchema, type RunEvent, type RunEventBody } from './run-event.js';

export interface RunEventStreamOptions {
  readonly runId: string;
  readonly sessionId: string;
  /** Every event passes through it before anyone sees it (the secret resolver's redactor in production). */
  readonly redactor: Redacting;
  /** Check each event against `runEventSchema`. Default: on unless `NODE_ENV=production`. */
  readonly validate?: boolean;
  /** Events kept for `since(seq)` replays (0: none). Default 2 000. */
  readonly bufferSize?: number;
  /** The first event's `seq` is `startSeq + 1` (a resumed run continues its numbering). Default 0. */
  readonly startSeq?: number;
  /**
   * Called with every event after redaction, synchronously and in order, as it is emitted (the
   * server persists and fans out across replicas). Several are called in turn; what one throws
   * or rejects with is logged and does not keep the others from their event.
   */
  readonly sink?: RunEventSink | readonly RunEventSink[];
  readonly logger?: Logger;
  /** Clock for `at` (tests). */
  readonly now?: () => Date;
}

export type RunEventSink = (event: RunEvent) => void | Promise<void>;

interface Subscriber {
  readonly queue: RunEvent[];
  wake: (() => void) | undefined;
  done: boolean;
}

/**
 * One run's event stream: stamps `runId`, `sessionId`, `seq` (1, 2, …) and `at` on each body,
 * redacts it, validates it, keeps the last `bufferSize` events for reconnecting clients and
 * fans it out to every subscriber (async iterators) and the optional sink.
 */
export class RunEventStream {
  readonly runId: string;
  readonly sessionId: string;
  private readonly redactor: Redacting;
  private readonly validate: boolean;
  private readonly bufferSize: number;
  private readonly sinks: readonly RunEventSink[];
  private readonly logger: Logger;
  private readonly now: () => Date;
  private readonly buffer: RunEvent[] = [];
  private readonly subscribers = new Set<Subscriber>();
  private readonly pendingSinks = new Set<Promise<void>>();
  private seq: number;
  private isClosed = false;

  constructor(options: RunEventStreamOptions) {
    if (!options.runId || !options.sessionId) {
      throw new InvalidInputError({ message: 'A run event stream needs a runId and a sessionId.' });
    }
    this.runId = options.runId;
    this.sessionId = options.sessionId;
    this.redactor = options.redactor;
    this.validate = options.validate ?? validateRunEventsByDefault();
    this.bufferSize = Math.max(0, Math.floor(options.bufferSize ?? 2000));
    this.seq = options.startSeq ?? 0;
    this.sinks = options.sink === undefined ? [] : typeof options.sink === 'function' ? [options.sink] : options.sink;
    this.logger = options.logger ?? noopLogger;
    this.now = options.now ?? (() => new Date());
  }

  /** The `seq` of the last event emitted (0 before the first). */
  get lastSeq(): number {
    return this.seq;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** Stamps, redacts, validates and publishes one event; returns it as subscribers see it. */
  emit(body: RunEventBody): RunEvent {
    if (this.isClosed) {
      throw new AuroraError('INTERNAL', { message: 'Run event stream is closed.', details: { runId: this.runId } });
    }
    // A token's only free text is its text: redacted directly instead of walking a copy of the
    // event (most events of a run are tokens).
    const event: RunEvent =
      body.type === 'token.streamed'
        ? {
            type: body.type,
            text: this.redactor.redact(body.text),
            runId: this.runId,
            sessionId: this.sessionId,
            seq: this.seq + 1,
            at: this.now().toISOString(),
          }
        : this.redactor.redactDeep({
            ...body,
            runId: this.runId,
            sessionId: this.sessionId,
            seq: this.seq + 1,
            at: this.now().toISOString(),
          });
    if (this.validate) {
      const parsed = runEventSchema.safeParse(event);
      if (!parsed.success) {
        throw new AuroraError('INTERNAL', {
          message: `Run event "${event.type}" does not match the event schema.`,
          details: { type: event.type, issues: parsed.error.issues.map((issue) => issue.path.join('.')) },
        });
      }
    }
    this.seq += 1;
    if (this.bufferSize > 0) {
      this.buffer.push(event);
      // Trimmed in halves, not one event at a time: a long run's every token would otherwise
      // shift the whole buffer.
      if (this.buffer.length >= 2 * this.bufferSize) this.buffer.splice(0, this.buffer.length - this.bufferSize);
    }
    for (const subscriber of this.subscribers) {
      subscriber.queue.push(event);
      const wake = subscriber.wake;
      subscriber.wake = undefined;
      wake?.();
    }
    for (const sink of this.sinks) this.deliver(sink, event);
    return event;
  }

  /** Buffered events with `seq` greater than `seq`, oldest first (older ones may have left the buffer). */
  since(seq: number): RunEvent[] {
    const kept = this.buffer.length > this.bufferSize ? this.buffer.slice(-this.bufferSize) : this.buffer;
    return kept.filter((event) => event.seq > seq);
  }

  /**
   * Every event from now on (and, with `since`, the buffered ones after it), until the
   * stream closes or `signal` aborts. With `complete`, a subscription whose `since` reaches
   * back past the oldest buffered event fails with `EXPIRED` instead of starting with a gap.
   */
  subscribe(
    options: { readonly since?: number; readonly signal?: AbortSignal; readonly complete?: boolean } = {},
  ): AsyncIterableIterator<RunEvent> {
    const { since } = options;
    const replayed = since === undefined ? [] : this.buffer.filter((event) => event.seq > since);
    if (options.complete && since !== undefined && since < this.seq && replayed[0]?.seq !== since + 1) {
      throw new AuroraError('EXPIRED', {
        message: `Events after seq ${since} have left the run's buffer; read them from storage.`,
        details: { runId: this.runId, since, oldest: this.buffer[0]?.seq ?? null },
      });
    }
    const subscriber: Subscriber = { queue: replayed, wake: undefined, done: this.isClosed };
    if (!this.isClosed) this.subscribers.add(subscriber);
    const finish = (): void => {
      subscriber.done = true;
      this.subscribers.delete(subscriber);
      const wake = subscriber.wake;
      subscriber.wake = undefined;
      wake?.();
    };
    options.signal?.addEventListener('abort', finish, { once: true });
    const iterator: AsyncIterableIterator<RunEvent> = {
      next: async (): Promise<IteratorResult<RunEvent>> => {
        for (;;) {
          const event = subscriber.queue.shift();
          if (event) return { value: event, done: false };
          if (subscriber.done || options.signal?.aborted) {
            finish();
            return { value: undefined, done: true };
          }
          await new Promise<void>((resolve) => {
            subscriber.wake = resolve;
          });
        }
      },
      return: (): Promise<IteratorResult<RunEvent>> => {
        subscriber.queue.length = 0;
        finish();
        return Promise.resolve({ value: undefined, done: true });
      },
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    return iterator;
  }

  /** Ends every subscription (after they drain) and waits for pending sink calls. */
  async close(): Promise<void> {
    if (!this.isClosed) {
      this.isClosed = true;
      for (const subscriber of this.subscribers) {
        subscriber.done = true;
        const wake = subscriber.wake;
        subscriber.wake = undefined;
        wake?.();
      }
      this.subscribers.clear();
    }
    await Promise.all([...this.pendingSinks]);
  }

  private deliver(sink: RunEventSink, event: RunEvent): void {
    try {
      const result = sink(event);
      if (result && typeof result.then === 'function') {
        const pending = result
          .catch((error: unknown) => this.sinkFailed(event, error))
          .finally(() => this.pendingSinks.delete(pending));
        this.pendingSinks.add(pending);
      }
    } catch (error) {
      this.sinkFailed(event, error);
    }
  }

  private sinkFailed(event: RunEvent, error: unknown): void {
    this.logger.warn('run event sink failed', {
      runId: this.runId,
      seq: event.seq,
      error: this.redactor.redact(error instanceof Error ? error.message : String(error)),
    });
  }
}

/** A stream for one run; see `RunEventStream`. */
export function createRunEventStream(options: RunEventStreamOptions): RunEventStream {
  return new RunEventStream(options);
}
