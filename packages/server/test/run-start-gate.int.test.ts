/**
 * A burst of chat messages beyond `startConcurrency`: the real agent on PGlite, the real
 * confirmation service and run manager, a model that holds each call until the test lets it
 * answer. At most that many runs are in their start at once, the rest wait their turn in
 * order, and every run completes: none fails or is lost.
 */
import { HumanMessage, type BaseMessage } from '@langchain/core/messages';
import { createConfirmationService, createMemoryAuditSink, createSecretRedactor } from '@aurora-ops/core';
import { createAgent, createScriptedChatModel } from '@aurora-ops/core/agent';
import { createMcpHost } from '@aurora-ops/core/mcp-host';
import { createPgliteDatabase } from '@aurora-ops/core/storage/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryEventBus } from '../src/chat/event-bus.js';
import { operator, until } from './support/wait.js';
import { createRunManager, type RunManager } from '../src/chat/run-manager.js';

describe('run starts beyond startConcurrency wait their turn', () => {
  const database = createPgliteDatabase({ vector: false });
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
    for (const release of held) release();
    if (!closed) await runs?.close();
    await host.close();
    await database.close();
  });

  it('admits two at a time, in order, and completes all six', async () => {
    const messages = ['m0', 'm1', 'm2', 'm3', 'm4', 'm5'];
    const queued: string[] = [];
    const sent = messages.map((text) =>
      runs.send(operator, { text }, { onQueued: (ahead) => queued.push(`${text} behind ${ahead}`) }),
    );
    await until(() => asked.length === 2, 'the first two model calls');
    // The others wait for a turn: no model call, no run row yet, no failure.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(asked).toEqual(['m0', 'm1']);
    expect(runs.waitingToStart()).toBe(4);
    // Each waiting sender heard so at once, with its place (the WebSocket's `run.queued`).
    expect(queued).toEqual(['m2 behind 0', 'm3 behind 1', 'm4 behind 2', 'm5 behind 3']);

    // Each answer frees one turn, and the next message in order takes it.
    held.shift()?.();
    await until(() => asked.length === 3, 'the third model call');
    expect(asked[2]).toBe('m2');
    expect(runs.waitingToStart()).toBe(3);
    while (asked.length < messages.length || held.length > 0) {
      held.shift()?.();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(asked).toEqual(messages);
    expect(runs.waitingToStart()).toBe(0);

    const started = await Promise.all(sent);
    for (const { runId } of started) {
      await until(() => runs.active() === 0, 'the runs to end');
      const events = await runs.events(operator, runId);
      expect(events.at(-1)).toMatchObject({ type: 'run.finished', status: 'completed' });
    }
  }, 60_000);

  it('a start still waiting when the server closes is refused with UNAVAILABLE, not left hanging', async () => {
    asked.length = 0;
    const sent = ['w0', 'w1', 'w2'].map((text) => runs.send(operator, { text }));
    await until(() => asked.length === 2 && runs.waitingToStart() === 1, 'two runs held and one waiting');
    const closing = runs.close();
    closed = true;
    await expect(sent[2]).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: expect.stringContaining('shutting down'),
    });
    for (const release of held.splice(0)) release();
    await closing;
    // The two admitted runs were started (they have ids); only the waiting one was refused.
    await expect(Promise.all(sent.slice(0, 2))).resolves.toHaveLength(2);
  }, 60_000);
});
