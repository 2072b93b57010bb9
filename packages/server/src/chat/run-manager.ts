import {
  AuroraError,
  ForbiddenError,
  NotFoundError,
  type ConfirmationService,
  type Database,
  type Logger,
  type Migration,
  type RunEvent,
} from '@aurora-ops/core';
import type { Agent, RunHandle } from '@aurora-ops/core/agent';
import { parseJson } from '@aurora-ops/core/internal';
import { hasRole, type Principal } from '../auth/auth-store.js';
import { DEFAULT_MAX_STARTING_RUNS } from '../config/config.js';
import type { EventBus } from './event-bus.js';
import { createEventWriter, expandStoredEvents } from './event-writer.js';

/**
 * Runs as the server sees them: started from a chat message, their events stored (so a
 * client that reconnects replays what it missed) and fanned out through the event bus (so a
 * client connected to another replica sees them), confirmations answered by an operator of
 * the run's org, and cancellation wherever the run is held.
 */
export const CHAT_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'run events',
    up: `
      create table aurora_run_events (
        org text not null,
        run_id text not null,
        seq integer not null,
        type text not null,
        event jsonb not null,
        created_at timestamptz not null default now(),
        primary key (run_id, seq)
      );
      create index aurora_run_events_org on aurora_run_events (org, run_id);`,
  },
  {
    // A run's consecutive tokens are stored as one row (see event-writer.ts), and events as
    // JSON text: the database never looks inside them, so it need not parse them.
    version: 2,
    name: 'token ranges',
    up: `
      alter table aurora_run_events add column last_seq integer;
      alter table aurora_run_events add constraint aurora_run_events_range check (last_seq is null or last_seq > seq);
      alter table aurora_run_events alter column event type text using event::text;`,
  },
  {
    // Each server process renews its row while it lives; a `running` run whose holder
    // (aurora_agent_runs.holder) has no live row is resumed by another process.
    version: 3,
    name: 'instances',
    up: `
      create table aurora_instances (
        id text primary key,
        expires_at timestamptz not null
      );`,
  },
];

/**
 * A run taken over from a stopped process continues its events this far above the last one
 * stored: the stopped process may have published up to one batch of tokens it never stored,
 * and a listener that saw them must not take the new events for ones it already has.
 */
const TAKEOVER_SEQ_MARGIN = 1_000;

export type RunListener = (event: RunEvent) => void;

export interface RunManagerMetrics {
  runStarted?(): void;
  /** A run left running by a stopped process was taken over here. */
  runRecovered?(): void;
  runFinished?(status: string): void;
  approval?(decision: 'approve' | 'reject'): void;
}

export interface RunManager {
  migrate(): Promise<void>;
  /** Starts a run for a chat message; its events go to subscribers of the run. */
  send(
    principal: Principal,
    input: { sessionId?: string; text: string },
    options?: {
      /** Called once if the run must wait for its turn to start, with how many wait before it. */
      onQueued?: (ahead: number) => void;
      /**
       * Receives every event of the run from its first, as `subscribe` would, without reading
       * stored events back: it is attached before the run's first event. Stop it with the
       * result's `unsubscribe`.
       */
      onEvent?: RunListener;
    },
  ): Promise<{ runId: string; sessionId: string; unsubscribe?: () => void }>;
  cancel(principal: Principal, runId: string): Promise<void>;
  /** An operator (or admin) of the run's org approves or rejects; the run resumes once nothing is pending. */
  respond(
    principal: Principal,
    input: { confirmationId: string; decision: 'approve' | 'reject'; reason?: string },
  ): Promise<{ runId: string; resumed: boolean }>;
  /** Replays stored events with `seq > afterSeq`, then live ones, in order, without duplicates. */
  subscribe(principal: Principal, runId: string, afterSeq: number, listener: RunListener): Promise<() => void>;
  /** Stored events of a run (REST, SSE replay). */
  events(principal: Principal, runId: string, afterSeq?: number): Promise<RunEvent[]>;
  /** The run's org and status, or NotFound (also for another org's run). */
  runOf(principal: Principal, runId: string): Promise<{ runId: string; sessionId: string; status: string }>;
  /** Runs in flight in this process. */
  active(): number;
  /** Runs waiting for their turn to start (`startConcurrency`). */
  waitingToStart(): number;
  close(): Promise<void>;
}

export interface RunManagerOptions {
  readonly agent: Agent;
  readonly database: Database;
  readonly confirmations: ConfirmationService;
  readonly bus: EventBus;
  readonly logger?: Logger;
  readonly metrics?: RunManagerMetrics;
  /**
   * Runs in their start at once in this process (default `DEFAULT_MAX_STARTING_RUNS`, 64). A
   * run's start (session and run rows, `run.started` stored) is the database-heavy part of it;
   * a burst of starts beyond the pool only queues on it and can time out there, so later starts
   * wait here instead, in order, until an earlier start is stored. A run waiting for its model's
   * first token holds no turn.
   */
  readonly startConcurrency?: number;
  /** Between batches of stored tokens (default 250 ms); other events are stored at once. */
  readonly eventFlushMs?: number;
  /**
   * How long a subscriber waits for tokens another replica has published but not yet stored
   * (default 2 s; see `subscribe`).
   */
  readonly replayGapWaitMs?: number;
  /**
   * This process's id, the agent's `instance` (the holder of the runs it starts). With it, the
   * process keeps a lease (its row in aurora_instances, renewed every `leaseMs / 3`) and every
   * `leaseMs` takes over the runs left `running` by a process whose lease has expired: a
   * replica killed mid-run, or this deployment's previous process. Without it, nothing is
   * taken over.
   */
  readonly instance?: string;
  /** How long a process's lease lasts without renewal (default 30 s). */
  readonly leaseMs?: number;
  /**
   * No other process can use this database (PGlite in a data directory): every run left
   * `running` is its previous process's, taken over at start without waiting for that
   * process's lease to expire.
   */
  readonly soleProcess?: boolean;
  /**
   * Take over runs of stopped processes (default true). Off, the process still keeps its lease
   * (its own runs are not taken from it) but takes nothing over: `aurora worker`, `aurora doctor`.
   */
  readonly takeOver?: boolean;
}

/**
 * Admits up to `limit` holders; `acquire` resolves, in order, with an idempotent release.
 * `close` refuses the waiting and later callers with `UNAVAILABLE`.
 */
function createGate(limit: number): {
  acquire(onQueued?: (ahead: number) => void): Promise<() => void>;
  waiting(): number;
  close(): void;
} {
  let inside = 0;
  let closed = false;
  const queue: { admit: () => void; refuse: (error: Error) => void }[] = [];
  const shuttingDown = () =>
    new AuroraError('UNAVAILABLE', { message: 'The server is shutting down; the run was not started.' });
  const release = (): void => {
    const next = queue.shift();
    if (next) next.admit();
    else inside--;
  };
  return {
    acquire(onQueued) {
      const admitted = new Promise<void>((admit, refuse) => {
        if (closed) refuse(shuttingDown());
        else if (inside < limit) {
          inside++;
          admit();
        } else {
          queue.push({ admit, refuse });
          onQueued?.(queue.length - 1);
        }
      });
      return admitted.then(() => {
        let released = false;
        return () => {
          if (released) return;
          released = true;
          release();
        };
      });
    },
    waiting: () => queue.length,
    close() {
      closed = true;
      for (const waiter of queue.splice(0)) waiter.refuse(shuttingDown());
    },
  };
}

const TERMINAL = new Set(['completed', 'cancelled', 'failed', 'budget-exceeded', 'loop-detected']);

export function createRunManager(options: RunManagerOptions): RunManager {
  const { agent, database, confirmations, bus, logger, metrics } = options;
  const listeners = new Map<string, Set<RunListener>>();
  const pumps = new Set<Promise<void>>();
  const held = new Set<string>();
  /**
   * Runs decided on while still held here (their pause not yet over: an approver answered as
   * soon as the request arrived): resumed once they leave `held`, with the decisions' tokens.
   */
  const resumeOnRelease = new Map<string, { org: string; tokens: Record<string, string> }>();
  const writer = createEventWriter({
    database,
    ...(logger ? { logger } : {}),
    ...(options.eventFlushMs === undefined ? {} : { intervalMs: options.eventFlushMs }),
  });
  const gapWaitMs = options.replayGapWaitMs ?? 2_000;
  const starting = createGate(options.startConcurrency ?? DEFAULT_MAX_STARTING_RUNS);
  const { instance } = options;
  const leaseMs = options.leaseMs ?? 30_000;
  const timers: NodeJS.Timeout[] = [];
  let closed = false;
  let migrated: Promise<unknown> | undefined;
  const ready = () =>
    (migrated ??= database.migrate(CHAT_MIGRATIONS, { namespace: 'server-chat' }).then(async () => {
      if (instance === undefined) return;
      // Renewed before any run of this process exists, so no other process takes one over.
      await renew();
      timers.push(
        setInterval(
          () => void renew().catch((error: unknown) => warn('chat: renewing the lease failed', error)),
          leaseMs / 3,
        ),
      );
      if (options.takeOver !== false) {
        timers.push(setInterval(() => void takeOver(false), leaseMs));
        void takeOver(options.soleProcess === true);
      }
      for (const timer of timers) timer.unref();
    }));
  const warn = (message: string, error: unknown, fields: Record<string, unknown> = {}) =>
    logger?.warn(message, { ...fields, error: (error as Error).message });
  const renew = async (): Promise<void> => {
    await database.query(
      `insert into aurora_instances (id, expires_at) values ($1, now() + make_interval(secs => $2))
       on conflict (id) do update set expires_at = excluded.expires_at`,
      [instance, leaseMs / 1000],
    );
  };

  /**
   * Claims the runs left `running` by processes whose lease has expired (one statement: the
   * holder changes only where it was still a stopped process's, so two processes never claim
   * the same run) and resumes each from its last checkpoint, its events continuing above the
   * last one stored.
   */
  let sweeping = false;
  const takeOver = async (anyHolder = false): Promise<void> => {
    if (sweeping || closed) return;
    sweeping = true;
    try {
      const { rows } = await database.query<{ id: string; org: string }>(
        `update aurora_agent_runs r set holder = $1, updated_at = now(),
           last_seq = greatest(r.last_seq,
             coalesce((select max(coalesce(e.last_seq, e.seq)) from aurora_run_events e where e.run_id = r.id), 0)) + $2
         where r.id in (
           select c.id from aurora_agent_runs c
           where c.status = 'running' and c.holder is not null and c.holder <> $1
             and ($3 or not exists (select 1 from aurora_instances i where i.id = c.holder and i.expires_at > now()))
           order by c.updated_at
           limit 100
           for update skip locked)
         returning r.id, r.org`,
        [instance, TAKEOVER_SEQ_MARGIN, anyHolder],
      );
      for (const run of rows) await resumeTakenOver(run.org, run.id);
    } catch (error) {
      warn('chat: taking over runs of stopped processes failed', error);
    } finally {
      sweeping = false;
    }
  };
  const resumeTakenOver = async (org: string, runId: string): Promise<void> => {
    let started: () => void;
    try {
      started = await starting.acquire();
    } catch {
      return; // closing: the run stays claimed by this process, whose lease ends with it
    }
    try {
      const pump = createPump(org, started);
      const handle = await agent.resume({ org, runId, onEvent: pump.onEvent });
      logger?.info('chat: resumed a run left running by a stopped process', { runId });
      metrics?.runRecovered?.();
      pump.start(handle);
    } catch (error) {
      started();
      if (AuroraError.isInstance(error) && error.code === 'CONFLICT') {
        // Nothing to resume it from (no checkpoint, no stored message, or a newer run in its
        // session): end it rather than leave it running forever.
        warn('chat: a run left by a stopped process cannot be resumed; it is cancelled', error, { runId });
        await agent.cancel(org, runId).catch(() => undefined);
        return;
      }
      // Anything else (the database, say) may pass: let go of it, under a holder no process has,
      // so that the next check (here or on another replica) tries again.
      warn('chat: resuming a run left by a stopped process failed; it will be tried again', error, { runId });
      await database
        .query('update aurora_agent_runs set holder = $2 where id = $1 and holder = $3', [
          runId,
          `released-by:${instance}`,
          instance,
        ])
        .catch(() => undefined);
    }
  };

  const unsubscribeBus = bus.subscribe((message) => {
    if (message.kind === 'event') {
      const event = message.event as RunEvent;
      for (const listener of listeners.get(message.runId) ?? []) {
        try {
          listener(event);
        } catch (error) {
          // One listener (a socket's, say) that throws keeps no other from the event.
          warn('chat: a run event listener failed', error, { runId: message.runId, seq: event.seq });
        }
      }
    } else if (message.kind === 'cancel' && held.has(message.runId)) {
      agent.cancel(message.org, message.runId).catch((error: unknown) => {
        logger?.warn('chat: cancel failed', { runId: message.runId, error: (error as Error).message });
      });
    }
  });

  /**
   * Hears a run's events from the other replicas while someone here listens to it and this
   * process does not hold it (the run's own events reach local listeners without the bus).
   */
  const following = new Map<string, () => void>();
  const follow = (runId: string): void => {
    const wanted = listeners.has(runId) && !held.has(runId);
    const unfollow = following.get(runId);
    if (wanted && !unfollow) following.set(runId, bus.follow(runId));
    else if (!wanted && unfollow) {
      following.delete(runId);
      unfollow();
    }
  };

  /**
   * Stores and publishes each event of an invocation as the agent emits it (its `onEvent`),
   * without a turn of the event loop per event: a token goes out at once and is stored with
   * the next batch; any other event is stored first, and the events after it wait behind it so
   * that the order holds. The events emitted before `start` (the first, before `run` returns)
   * wait for it. `started` once the run answers, or ends.
   */
  const createPump = (org: string, started: () => void) => {
    /** Events not handed on yet: before `start`, and behind an event being stored. */
    let waiting: RunEvent[] | undefined = [];
    let storing: Promise<void> | undefined;
    const publish = (event: RunEvent): void => {
      if (event.type === 'run.finished') metrics?.runFinished?.(event.status);
      // Each local listener is called in its own try (see the bus subscription above).
      bus.publish({ kind: 'event', org, runId: event.runId, event });
    };
    /** Hands on the waiting events in order, storing each non-token one before it goes out. */
    const drain = async (): Promise<void> => {
      for (let event = waiting?.shift(); event; event = waiting?.shift()) {
        if (event.type !== 'token.streamed') await writer.flush(event.runId);
        publish(event);
        // The start's statements (session, run row, this event) are done: the next run may
        // start while this one waits for its model.
        if (event.type === 'run.started') started();
      }
      waiting = undefined;
    };
    const startDraining = (): void => {
      const current = drain();
      storing = current;
      const clear = (): void => {
        if (storing === current) storing = undefined;
      };
      void current.then(clear, clear);
    };
    const hear = (event: RunEvent): void => {
      writer.add(org, event.runId, event);
      if (waiting) waiting.push(event);
      else if (event.type === 'token.streamed') publish(event);
      else {
        waiting = [event];
        startDraining();
      }
    };
    return {
      onEvent: hear,
      /** `beforeFirst` runs once the run is held here, before any of its events is handed on. */
      start(handle: RunHandle, beforeFirst?: () => void): void {
        const { runId } = handle;
        held.add(runId);
        follow(runId);
        metrics?.runStarted?.();
        beforeFirst?.();
        startDraining();
        const work = handle.done
          .then(
            () => undefined,
            (error: unknown) => logger?.error('chat: run failed', { runId, error: (error as Error).message }),
          )
          // Every event was heard before `done` settled; those still waiting go out first.
          .then(async () => {
            while (storing) await storing.catch(() => undefined);
          })
          .finally(async () => {
            started();
            // Stored before the run leaves `held` (a replay then reads the store alone), with the
            // other runs ending in this turn.
            await writer.flush(runId);
            held.delete(runId);
            follow(runId);
            const wanted = resumeOnRelease.get(runId);
            resumeOnRelease.delete(runId);
            if (wanted) {
              await resumeIfReady(wanted.org, runId, wanted.tokens).catch((error: unknown) =>
                logger?.error('chat: could not resume a run decided on during its pause', {
                  runId,
                  error: (error as Error).message,
                }),
              );
            }
          });
        pumps.add(work);
        void work.finally(() => pumps.delete(work));
      },
    };
  };

  /** Resumes a paused run whose confirmations are all decided; false when it cannot go on yet. */
  const resumeIfReady = async (org: string, runId: string, tokens: Record<string, string>): Promise<boolean> => {
    const pending = await confirmations.listPending(org, runId);
    const run = await runRow(org, runId);
    if (pending.length > 0 || held.has(runId) || TERMINAL.has(run.status)) return false;
    const started = await starting.acquire();
    const pump = createPump(org, started);
    let handle: RunHandle;
    try {
      handle = await agent.resume({
        org,
        runId,
        ...(Object.keys(tokens).length > 0 ? { tokens } : {}),
        onEvent: pump.onEvent,
      });
    } catch (error) {
      started();
      throw error;
    }
    pump.start(handle);
    return true;
  };

  const runRow = async (org: string, runId: string) => {
    const { rows } = await database.query<{ id: string; session_id: string; status: string }>(
      'select id, session_id, status from aurora_agent_runs where org = $1 and id = $2',
      [org, runId],
    );
    const row = rows[0];
    if (!row) throw new NotFoundError({ message: 'No such run in this org.', details: { resource: 'run' } });
    return { runId: row.id, sessionId: row.session_id, status: row.status };
  };

  const storedEvents = async (org: string, runId: string, afterSeq: number): Promise<RunEvent[]> => {
    const { rows } = await database.query<{ event: string }>(
      'select event from aurora_run_events where org = $1 and run_id = $2 and coalesce(last_seq, seq) > $3 order by seq',
      [org, runId, afterSeq],
    );
    return rows.flatMap((row) => expandStoredEvents(parseJson(row.event, 'A stored event'), afterSeq));
  };

  /**
   * Delivers a run's events to `listener` in order, each once, from `afterSeq` on: stored ones
   * first when `replayFirst`, then live ones. Tokens go out before they are stored (with the
   * next batch), so a listener can see a live event whose predecessors it has neither seen
   * nor found stored: before its replay, or when it joins while another replica holds the
   * run. Then the stored events are read until they reach the live ones: those this process
   * holds are stored first; another replica's arrive within its batch interval, so the read is
   * repeated for a while.
   */
  const attach = (
    org: string,
    runId: string,
    afterSeq: number,
    listener: RunListener,
    replayFirst: boolean,
  ): { replayed: Promise<void>; stop: () => void } => {
    let last = afterSeq;
    let closed = false;
    /** Live events held while stored ones are read; undefined when delivering directly. */
    let buffered: RunEvent[] | undefined = replayFirst ? [] : undefined;
    const deliver = (event: RunEvent) => {
      if (event.seq <= last || closed) return;
      last = event.seq;
      listener(event);
    };
    const firstBuffered = () =>
      (buffered ?? []).reduce((first, event) => Math.min(first, event.seq), Number.POSITIVE_INFINITY);
    const replay = async (): Promise<void> => {
      if (held.has(runId)) await writer.flushNow(runId);
      const read = async () => {
        for (const event of await storedEvents(org, runId, last)) deliver(event);
      };
      await read();
      const gap = () => buffered!.length > 0 && firstBuffered() > last + 1;
      for (const deadline = Date.now() + gapWaitMs; gap() && !closed && Date.now() < deadline;) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        await read();
      }
      if (gap() && !closed)
        logger?.warn('chat: a replay misses events that were never stored', {
          runId,
          after: last,
          next: firstBuffered(),
        });
      const waiting = buffered!.sort((a, b) => a.seq - b.seq);
      buffered = undefined;
      for (const event of waiting) deliver(event);
    };
    const repair = (): void => {
      replay().catch((error: unknown) => {
        logger?.warn('chat: reading stored events failed', { runId, error: (error as Error).message });
        const waiting = (buffered ?? []).sort((a, b) => a.seq - b.seq);
        buffered = undefined;
        for (const event of waiting) deliver(event);
      });
    };
    const live: RunListener = (event) => {
      if (buffered) buffered.push(event);
      else if (event.seq > last + 1) {
        buffered = [event];
        repair();
      } else deliver(event);
    };
    let set = listeners.get(runId);
    if (!set) listeners.set(runId, (set = new Set()));
    set.add(live);
    follow(runId);
    const stop = (): void => {
      if (closed) return;
      closed = true;
      set.delete(live);
      if (set.size === 0) listeners.delete(runId);
      follow(runId);
    };
    return { replayed: replayFirst ? replay() : Promise.resolve(), stop };
  };

  return {
    async migrate() {
      await ready();
    },
    async send(principal, input, sendOptions) {
      await ready();
      if (!hasRole(principal.role, 'operator')) {
        throw new ForbiddenError({ message: 'Viewers can read sessions but not start runs.' });
      }
      const started = await starting.acquire(sendOptions?.onQueued);
      const pump = createPump(principal.org, started);
      let handle: RunHandle;
      try {
        handle = await agent.run({
          org: principal.org,
          user: principal.userId,
          ...(input.sessionId ? { sessionId: input.sessionId } : {}),
          message: input.text,
          onEvent: pump.onEvent,
        });
      } catch (error) {
        started();
        throw error;
      }
      // Attached before the pump hands on the run's first event, so this listener misses none.
      let attached: ReturnType<typeof attach> | undefined;
      const { onEvent } = sendOptions ?? {};
      pump.start(
        handle,
        onEvent ? () => (attached = attach(principal.org, handle.runId, 0, onEvent, false)) : undefined,
      );
      return {
        runId: handle.runId,
        sessionId: handle.sessionId,
        ...(attached ? { unsubscribe: attached.stop } : {}),
      };
    },
    async cancel(principal, runId) {
      await ready();
      if (!hasRole(principal.role, 'operator'))
        throw new ForbiddenError({ message: 'Only an operator can cancel a run.' });
      await runRow(principal.org, runId);
      await agent.cancel(principal.org, runId);
      bus.publish({ kind: 'cancel', org: principal.org, runId });
    },
    async respond(principal, input) {
      await ready();
      const decided = await confirmations.decide({
        org: principal.org,
        confirmationId: input.confirmationId,
        decision: input.decision,
        principal: { id: principal.userId, org: principal.org, roles: [principal.role], kind: principal.via },
        ...(input.reason ? { reason: input.reason } : {}),
      });
      metrics?.approval?.(input.decision);
      const runId = decided.confirmation.runId;
      const tokens = decided.token ? { [input.confirmationId]: decided.token } : {};
      if (held.has(runId)) {
        // Still finishing its pause here: resumed when it is released, if nothing is pending.
        const wanted = resumeOnRelease.get(runId) ?? { org: principal.org, tokens: {} };
        Object.assign(wanted.tokens, tokens);
        resumeOnRelease.set(runId, wanted);
        return { runId, resumed: false };
      }
      return { runId, resumed: await resumeIfReady(principal.org, runId, tokens) };
    },
    async subscribe(principal, runId, afterSeq, listener) {
      await ready();
      await runRow(principal.org, runId);
      const attached = attach(principal.org, runId, afterSeq, listener, true);
      try {
        await attached.replayed;
      } catch (error) {
        attached.stop();
        throw error;
      }
      return attached.stop;
    },
    async events(principal, runId, afterSeq = 0) {
      await ready();
      await runRow(principal.org, runId);
      return storedEvents(principal.org, runId, afterSeq);
    },
    async runOf(principal, runId) {
      await ready();
      return runRow(principal.org, runId);
    },
    active: () => held.size,
    waitingToStart: () => starting.waiting(),
    async close() {
      closed = true;
      for (const timer of timers) clearInterval(timer);
      starting.close();
      unsubscribeBus();
      // With a lease, runs in flight are handed over: the lease ends below, and another
      // replica (or this deployment's next process) takes them over.
      await agent.close({ handOver: instance !== undefined });
      await Promise.allSettled([...pumps]);
      await writer.close();
      if (instance !== undefined && migrated) {
        await database
          .query('delete from aurora_instances where id = $1', [instance])
          .catch((error: unknown) => warn('chat: ending the lease failed', error));
      }
    },
  };
}
