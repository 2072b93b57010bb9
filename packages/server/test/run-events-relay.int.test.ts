/**
 * How the run manager relays a run's events (the real agent on PGlite, the scripted model, the
 * in-memory bus): every listener gets every event once, in order, from `run.started`; a
 * listener that throws is logged and keeps neither the other listeners nor the run from
 * their events.
 */
import {
  createConfirmationService,
  createLogger,
  createMemoryAuditSink,
  createSecretRedactor,
  type LogRecord,
  type RunEvent,
} from '@aurora-ops/core';
import { createAgent, createScriptedChatModel } from '@aurora-ops/core/agent';
import { createMcpHost } from '@aurora-ops/core/mcp-host';
import { createPgliteDatabase } from '@aurora-ops/core/storage/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryEventBus } from '../src/chat/event-bus.js';
import { createRunManager, type RunManager } from '../src/chat/run-manager.js';
import { operator, until } from './support/wait.js';

describe('run events relayed by the run manager', () => {
  const database = createPgliteDatabase({ vector: false });
  const host = createMcpHost();
  const records: LogRecord[] = [];
  let runs: RunManager;

  beforeAll(async () => {
    const confirmations = createConfirmationService({
      database,
      key: 'relay-test-key-0123456789abcdef0123456789abcdef',
      audit: createMemoryAuditSink(),
    });
    const agent = createAgent({
      model: createScriptedChatModel({ repeatLast: true, turns: [{ text: 'one two three four five six seven' }] }),
      modelName: 'scripted:relay',
      host,
      confirmations,
      database,
      redactor: createSecretRedactor(),
      eventBuffer: 0,
    });
    runs = createRunManager({
      agent,
      database,
      confirmations,
      bus: createMemoryEventBus(),
      logger: createLogger((record) => records.push(record)),
    });
    await runs.migrate();
  });
  afterAll(async () => {
    await runs?.close();
    await host.close();
    await database.close();
  });

  it('a throwing listener is logged; the other listener and the stored events have every event in order', async () => {
    let thrown = 0;
    const steady: RunEvent[] = [];
    const { runId, unsubscribe } = await runs.send(
      operator,
      { text: 'count to seven' },
      {
        onEvent: () => {
          thrown++;
          throw new Error('socket gone');
        },
      },
    );
    const stop = await runs.subscribe(operator, runId, 0, (event) => steady.push(event));
    await until(() => steady.some((event) => event.type === 'run.finished'), 'the run to finish');
    stop();
    unsubscribe?.();
    expect(steady.map((event) => event.seq)).toEqual(steady.map((_, index) => index + 1));
    expect(steady[0]?.type).toBe('run.started');
    expect(steady.at(-1)).toMatchObject({ type: 'run.finished', status: 'completed' });
    expect(
      steady
        .filter((event) => event.type === 'token.streamed')
        .map((event) => (event as { text: string }).text)
        .join(''),
    ).toBe('one two three four five six seven');
    // The throwing listener heard every event too, each failure logged, none stopping the run.
    expect(thrown).toBe(steady.length);
    expect(records.filter((record) => record.message === 'chat: a run event listener failed')).toHaveLength(thrown);
    expect((await runs.events(operator, runId)).map((event) => event.seq)).toEqual(steady.map((event) => event.seq));
  });
});
