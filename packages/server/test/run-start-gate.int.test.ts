/**
 * A burst of chat messages beyond `startConcurrency`: the real agent on PGlite, the real
 * confirmation service and run manager. A start (the session and run rows, `run.started`
 * stored) holds one of the turns; a run waiting for its model does not. The test holds the
 * statements that store run events until it lets them through, and a model that holds each
 * call: at most that many runs are in their start at once, the rest wait their turn in order,
 * a run waiting for its model frees its turn, and every run completes: none fails or is lost.
 */
import { HumanMessage, type BaseMessage } from '@langchain/core/messages';
import { createConfirmationService, createMemoryAuditSink, createSecretRedactor } from '@aurora-ops/core';
import { createAgent, createScriptedChatModel } from '@aurora-ops/core/agent';
import { createMcpHost } from '@aurora-ops/core/mcp-host';
import { createPgliteDatabase } from '@aurora-ops/core/storage/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryEventBus } from '../src/chat/event-bus.js';
import { withHeldStatements } from './support/held-statements.js';
import { operator, until } from './support/wait.js';
import { createRunManager, type RunManager } from '../src/chat/run-manager.js';

describe('run starts beyond startConcurrency wait their turn', () => {
  const store = createPgliteDatabase({ vector: false });
  /** While held, each statement storing run events waits until the test lets it through. */
  const valve = withHeldStatements(store, (sql) => sql.includes('insert into aurora_run_events'));
  const { database } = valve;
  const host = createMcpHost();
  /** The message of each model call, in call order, and the releases of the calls still held. */
  const asked: string[] = [];
  const held: (() => void)[] = [];
  let runs: RunManager;
  let closed = false;

  beforeAll(async () => {
    const model = createScriptedChatModel({
      repeatLast: true,
      turns: [
        async (messages: readonly BaseMessage[]) => {
          const last = [...messages].reverse().find((message) => HumanMessage.isInstance(message));
          const text = typeof last?.content === 'string' ? last.content : '';
          asked.push(text);
          await new Promise<void>((release) => held.push(release));
          return { text: `answered ${text}` };
        },
      ],
    });
    const confirmations = createConfirmationService({
      database,
      key: 'gate-test-key-0123456789abcdef0123456789abcdef',
      audit: createMemoryAuditSink(),
    });
    const agent = createAgent({
      model,
      modelName: 'scripted:gate',
      host,
      confirmations,
      database,
      redactor: createSecretRedactor(),
    });
    runs = createRunManager({ agent, database, confirmations, bus: createMemoryEventBus(), startConcurrency: 2 });
    await runs.migrate();
  });
  afterAll(async () => {
    valve.letThrough();
    for (const release of held) release();
    if (!closed) await runs?.close();
    await host.close();
    await store.close();
  });

  it('admits two starts at a time, in order; a run waiting for its model frees its turn; all six complete', async () => {
    const messages = ['m0', 'm1', 'm2', 'm3', 'm4', 'm5'];
    const queued: string[] = [];
    valve.hold();
    const sent = messages.map((text) =>
      runs.send(operator, { text }, { onQueued: (ahead) => queued.push(`${text} behind ${ahead}`) }),
    );
    // The first two are in their start until their run.started is stored: the others wait
    // for a turn (no model call, no run row yet, no failure).
    await until(() => valve.held() > 0 && asked.length === 2, 'the first two starts');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(asked).toEqual(['m0', 'm1']);
    expect(runs.waitingToStart()).toBe(4);
    // Each waiting sender heard so at once, with its place (the WebSocket's `run.queued`).
    expect(queued).toEqual(['m2 behind 0', 'm3 behind 1', 'm4 behind 2', 'm5 behind 3']);

    // Stored, the starts free their turns while every model call is still unanswered: a run
    // waiting for its model (a provider's time to first token) holds no turn.
    valve.letThrough();
    await until(() => asked.length === messages.length, 'every model call', 10_000);
    expect(asked).toEqual(messages);
    expect(held).toHaveLength(messages.length);
    expect(runs.waitingToStart()).toBe(0);

    for (const release of held.splice(0)) release();
    const started = await Promise.all(sent);
    await until(() => runs.active() === 0, 'the runs to end');
    for (const { runId } of started) {
      const events = await runs.events(operator, runId);
      expect(events.at(-1)).toMatchObject({ type: 'run.finished', status: 'completed' });
    }
  }, 60_000);

  it('a start still waiting when the server closes is refused with UNAVAILABLE, not left hanging', async () => {
    asked.length = 0;
    valve.hold();
    const sent = ['w0', 'w1', 'w2'].map((text) => runs.send(operator, { text }));
    await until(() => valve.held() > 0 && runs.waitingToStart() === 1, 'two starts in and one waiting');
    const closing = runs.close();
    closed = true;
    await expect(sent[2]).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: expect.stringContaining('shutting down'),
    });
    valve.letThrough();
    for (const release of held.splice(0)) release();
    await closing;
    // The two admitted runs were started (they have ids); only the waiting one was refused.
    await expect(Promise.all(sent.slice(0, 2))).resolves.toHaveLength(2);
  }, 60_000);
});
