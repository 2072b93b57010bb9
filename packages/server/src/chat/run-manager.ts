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
import type { EventBus } from './event-bus.js';
import { createEventWriter } from './event-writer.js';

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
];

export type RunListener = (event: RunEvent) => void;

export interface RunManagerMetrics {
  runStarted?(): void;
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
    },
  ): Promise<{ runId: string; sessionId: string }>;
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
   * Runs in their start at once in this process (default 16). A run's start (session and run
   * rows, the first checkpoint) is the database-heavy part of it; a burst of starts beyond the
   * pool only queues on it and can time out there, so later starts wait here instead, in order,
   * until an earlier run has begun to answer.
   */
  readonly startConcurrency?: number;
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
  const writer = createEventWriter({ database, ...(logger ? { logger } : {}) });
  const starting = createGate(options.startConcurrency ?? 16);
  let migrated: Promise<unknown> | undefined;
  const ready = () => (migrated ??= database.migrate(CHAT_MIGRATIONS, { namespace: 'server-chat' }));

  const unsubscribeBus = bus.subscribe((message) => {
    if (message.kind === 'event') {
      const event = message.event as RunEvent;
      for (const listener of listeners.get(message.runId) ?? []) listener(event);
    } else if (message.kind === 'cancel' && held.has(message.runId)) {
      agent.cancel(message.org, message.runId).catch((error: unknown) => {
        logger?.warn('chat: cancel failed', { runId: message.runId, error: (error as Error).message });
      });
    }
  });

  /** Stores and publishes each event of an invocation until it ends; `started` once it answers. */
  const pump = (org: string, handle: RunHandle, started: () => void): void => {
    held.add(handle.runId);
    metrics?.runStarted?.();
    // Observed at once: a run that fails before its events end must not become an unhandled rejection.
    handle.done.catch(() => undefined);
    const work = (async () => {
      try {
        for await (const event of handle.events) {
          if (event.type !== 'run.started') started();
          writer.add(org, handle.runId, event);
          // Tokens go out at once and are stored with the next batch; other events are stored first.
          if (event.type !== 'token.streamed') await writer.flushNow();
          await bus.publish({ kind: 'event', org, runId: handle.runId, event });
          if (event.type === 'run.finished') metrics?.runFinished?.(event.status);
        }
        await handle.done;
      } catch (error) {
        logger?.error('chat: run failed', { runId: handle.runId, error: (error as Error).message });
      } finally {
        started();
        await writer.flushNow();
        held.delete(handle.runId);
      }
    })();
    pumps.add(work);
    void work.finally(() => pumps.delete(work));
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
    const { rows } = await database.query<{ event: RunEvent | string }>(
      'select event from aurora_run_events where org = $1 and run_id = $2 and seq > $3 order by seq',
      [org, runId, afterSeq],
    );
    return rows.map((row) =>
      typeof row.event === 'string' ? (parseJson(row.event, 'A stored event') as RunEvent) : row.event,
    );
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
      let handle: RunHandle;
      try {
        handle = await agent.run({
          org: principal.org,
          user: principal.userId,
          ...(input.sessionId ? { sessionId: input.sessionId } : {}),
          message: input.text,
        });
      } catch (error) {
        started();
        throw error;
      }
      pump(principal.org, handle, started);
      return { runId: handle.runId, sessionId: handle.sessionId };
    },
    async cancel(principal, runId) {
      await ready();
      if (!hasRole(principal.role, 'operator'))
        throw new ForbiddenError({ message: 'Only an operator can cancel a run.' });
      await runRow(principal.org, runId);
      await agent.cancel(principal.org, runId);
      await bus.publish({ kind: 'cancel', org: principal.org, runId });
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
      const pending = await confirmations.listPending(principal.org, runId);
      const run = await runRow(principal.org, runId);
      if (pending.length > 0 || held.has(runId) || TERMINAL.has(run.status)) return { runId, resumed: false };
      const started = await starting.acquire();
      let handle: RunHandle;
      try {
        handle = await agent.resume({
          org: principal.org,
          runId,
          ...(decided.token ? { tokens: { [input.confirmationId]: decided.token } } : {}),
        });
      } catch (error) {
        started();
        throw error;
      }
      pump(principal.org, handle, started);
      return { runId, resumed: true };
    },
    async subscribe(principal, runId, afterSeq, listener) {
      await ready();
      await runRow(principal.org, runId);
      let last = afterSeq;
      let replaying = true;
      const buffered: RunEvent[] = [];
      const deliver = (event: RunEvent) => {
        if (event.seq <= last) return;
        last = event.seq;
        listener(event);
      };
      const live: RunListener = (event) => (replaying ? buffered.push(event) : deliver(event));
      let set = listeners.get(runId);
      if (!set) listeners.set(runId, (set = new Set()));
      set.add(live);
      for (const event of await storedEvents(principal.org, runId, afterSeq)) deliver(event);
      replaying = false;
      for (const event of buffered.sort((a, b) => a.seq - b.seq)) deliver(event);
      return () => {
        set.delete(live);
        if (set.size === 0) listeners.delete(runId);
      };
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
      starting.close();
      unsubscribeBus();
      await agent.close();
      await Promise.allSettled([...pumps]);
      await writer.close();
    },
  };
}
