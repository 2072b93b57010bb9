/**
 * The run manager's takeover, on PGlite with the real agent: a run left `running` by a process
 * that is gone (its holder has no lease) is resumed by a process that takes runs over and
 * finishes; a process with `takeOver: false` keeps its lease but leaves the run alone; a run
 * with nothing to resume it from is cancelled rather than left running. The kill -9 and
 * SIGTERM paths through real processes are in restart.int.test.ts.
 */
import { HumanMessage, type BaseMessage } from '@langchain/core/messages';
import {
  createConfirmationService,
  createMemoryAuditSink,
  createSecretRedactor,
  type Database,
} from '@aurora-ops/core';
import { createAgent, createScriptedChatModel } from '@aurora-ops/core/agent';
import { createMcpHost } from '@aurora-ops/core/mcp-host';
import { createPgliteDatabase } from '@aurora-ops/core/storage/pglite';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryEventBus } from '../src/chat/event-bus.js';
import { createRunManager, type RunManager } from '../src/chat/run-manager.js';
import { operator, until } from './support/wait.js';

const LEASE_MS = 300;
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

function startProcess(database: Database, options: { instance: string; takeOver?: boolean }) {
  const host = createMcpHost();
  const model = createScriptedChatModel({
    repeatLast: true,
    turns: [
      (messages: readonly BaseMessage[]) => {
        const last = [...messages].reverse().find((message) => HumanMessage.isInstance(message));
        return { text: `answered ${last?.text ?? ''}` };
      },
    ],
  });
  const confirmations = createConfirmationService({
    database,
    key: 'takeover-test-key-0123456789abcdef0123456789abcdef',
    audit: createMemoryAuditSink(),
  });
  const agent = createAgent({
    model,
    modelName: 'scripted:takeover',
    host,
    confirmations,
    database,
    redactor: createSecretRedactor(),
    instance: options.instance,
  });
  let recovered = 0;
  const runs: RunManager = createRunManager({
    agent,
    database,
    confirmations,
    bus: createMemoryEventBus(),
    instance: options.instance,
    leaseMs: LEASE_MS,
    ...(options.takeOver === undefined ? {} : { takeOver: options.takeOver }),
    metrics: { runRecovered: () => (recovered += 1) },
  });
  closers.push(async () => {
    await runs.close();
    await host.close();
  });
  return { agent, runs, recovered: () => recovered };
}

/** A run row as a process that died before its first checkpoint leaves it. */
async function orphan(database: Database, runId: string, input: string | null): Promise<void> {
  await database.query('insert into aurora_agent_sessions (id, org) values ($1, $2)', [`session-${runId}`, 'acme']);
  await database.query(
    `insert into aurora_agent_runs (id, org, session_id, user_id, model, status, input, holder)
     values ($1, 'acme', $2, 'olive', 'scripted:takeover', 'running', $3, 'a-process-that-is-gone')`,
    [runId, `session-${runId}`, input],
  );
}

const statusOf = async (database: Database, runId: string): Promise<{ status: string; holder: string }> => {
  const { rows } = await database.query<{ status: string; holder: string }>(
    'select status, holder from aurora_agent_runs where id = $1',
    [runId],
  );
  return rows[0]!;
};

describe('runs left running by a process that is gone', () => {
  it('a process with takeOver: false leaves them; one that takes runs over finishes them', async () => {
    const database = createPgliteDatabase({ vector: false });
    closers.push(() => database.close());
    const worker = startProcess(database, { instance: 'worker', takeOver: false });
    await worker.runs.migrate();
    await worker.agent.cancel('acme', 'none').catch(() => undefined); // the agent's tables
    await orphan(database, 'run-1', 'is checkout healthy?');
    // Three lease periods: the worker renews its own lease but takes nothing over.
    await new Promise((resolve) => setTimeout(resolve, 3 * LEASE_MS));
    expect(await statusOf(database, 'run-1')).toEqual({ status: 'running', holder: 'a-process-that-is-gone' });
    expect(worker.recovered()).toBe(0);

    const server = startProcess(database, { instance: 'server' });
    await server.runs.migrate();
    await until(async () => (await statusOf(database, 'run-1')).status === 'completed', 'the run taken over');
    expect((await statusOf(database, 'run-1')).holder).toBe('server');
    expect(server.recovered()).toBe(1);
    const events = await server.runs.events(operator, 'run-1');
    expect(events[0]).toMatchObject({ type: 'run.started', resumed: true, seq: 1_001 });
    expect(events.find((event) => event.type === 'message.completed')).toMatchObject({
      text: 'answered is checkout healthy?',
    });
  });

  it('a run with nothing to resume it from is cancelled, not left running', async () => {
    const database = createPgliteDatabase({ vector: false });
    closers.push(() => database.close());
    const server = startProcess(database, { instance: 'server' });
    await server.agent.cancel('acme', 'none').catch(() => undefined);
    // No checkpoint and no stored message (a run recorded before runs kept their message).
    await orphan(database, 'run-2', null);
    await server.runs.migrate();
    await until(async () => (await statusOf(database, 'run-2')).status === 'cancelled', 'the run cancelled');
    expect(server.recovered()).toBe(0);
  });
});
