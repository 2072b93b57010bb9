/**
 * A confirmation answered while its run is still finishing its pause here: the real agent on
 * PGlite, the real confirmation service, run manager and in-process plugin. The test holds the
 * statement that stores the paused run's `run.finished`, so the run stays held in the run
 * manager; the operator answers meanwhile (as a fast approver or an automated one does under
 * load). Once the statement is let through, the run resumes, once, and the tool runs once.
 */
import { createConfirmationService, createMemoryAuditSink, createSecretRedactor } from '@aurora-ops/core';
import { createAgent } from '@aurora-ops/core/agent';
import { createMcpHost } from '@aurora-ops/core/mcp-host';
import type { ConfirmationService } from '@aurora-ops/core';
import { createPgliteDatabase } from '@aurora-ops/core/storage/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryEventBus } from '../src/chat/event-bus.js';
import { createRunManager, type RunManager } from '../src/chat/run-manager.js';
import { opsPlugin, scriptedModel, type Calls } from './support/server-harness.js';
import { withHeldStatements } from './support/held-statements.js';
import { operator, until } from './support/wait.js';

describe('a decision that arrives while the run is finishing its pause', () => {
  const store = createPgliteDatabase({ vector: false });
  /** While held, a statement storing a `run.finished` event waits until the test lets it through. */
  const valve = withHeldStatements(
    store,
    (sql, params) => sql.includes('insert into aurora_run_events') && params?.includes('run.finished') === true,
  );
  const { database } = valve;
  const host = createMcpHost();
  const calls: Calls = { deleted: [], status: 0 };
  let runs: RunManager;
  let confirmations: ConfirmationService;

  beforeAll(async () => {
    await host.connect({ name: 'ops', transport: { kind: 'in-process', server: opsPlugin(calls)() } });
    confirmations = createConfirmationService({
      database,
      key: 'pause-test-key-0123456789abcdef0123456789abcdef',
      audit: createMemoryAuditSink(),
    });
    const agent = createAgent({
      model: scriptedModel(),
      modelName: 'scripted:pause',
      host,
      confirmations,
      database,
      redactor: createSecretRedactor(),
    });
    runs = createRunManager({ agent, database, confirmations, bus: createMemoryEventBus() });
    await runs.migrate();
  });
  afterAll(async () => {
    valve.letThrough();
    await runs?.close();
    await host.close();
    await store.close();
  });

  for (const decision of ['approve', 'reject'] as const) {
    it(`${decision}: the run resumes once its pause is stored, and the tool runs ${decision === 'approve' ? 'once' : 'never'}`, async () => {
      calls.deleted.length = 0;
      valve.hold();
      const target = `i-${decision}`;
      const { runId } = await runs.send(operator, { text: `delete ${target}` });
      // The run has paused (its confirmation is stored) and is held here, storing its pause.
      await until(() => valve.held() > 0, 'the paused run storing its run.finished');
      expect(runs.active()).toBe(1);
      const [pending] = await confirmations.listPending(operator.org, runId);
      expect(pending).toBeDefined();

      const answered = await runs.respond(operator, { confirmationId: pending!.id, decision });
      // Not resumed yet: the run is still held here.
      expect(answered).toEqual({ runId, resumed: false });
      expect(calls.deleted).toEqual([]);

      valve.letThrough();
      await until(
        async () => {
          const events = await runs.events(operator, runId);
          const finished = events.filter((event) => event.type === 'run.finished');
          return finished.length === 2 && runs.active() === 0;
        },
        'the resumed run to finish',
        10_000,
      );
      const events = await runs.events(operator, runId);
      const finished = events.filter((event) => event.type === 'run.finished');
      expect(finished).toMatchObject([{ status: 'paused' }, { status: 'completed' }]);
      // Started, then resumed once: a second resume would start it a third time.
      expect(events.filter((event) => event.type === 'run.started')).toHaveLength(2);
      expect(calls.deleted).toEqual(decision === 'approve' ? [target] : []);
    }, 30_000);
  }
});
