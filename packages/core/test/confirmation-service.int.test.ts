/** The confirmation protocol on PostgreSQL (two pools = two replicas) and on PGlite. */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabaseAuditSink, type ReadableAuditSink } from '../src/confirmation/audit-sink.js';
import type { ConfirmationService, PendingCall, Principal } from '../src/confirmation/confirmation.js';
import { ConfirmationConflictError, ConfirmationExpiredError } from '../src/confirmation/confirmation-errors.js';
import {
  createConfirmationService,
  type ConfirmationServiceOptions,
} from '../src/confirmation/confirmation-service.js';
import { ForbiddenError, NotFoundError } from '../src/errors/errors.js';
import { createLogger, type LogRecord } from '../src/logging/logger.js';
import type { Database } from '../src/storage/database/database.js';
import { createPgliteDatabase } from '../src/storage/pglite/index.js';
import { createPostgresDatabase } from '../src/storage/postgres/index.js';
import { createThrowawayDatabase, postgresAvailable, type ThrowawayDatabase } from './support/postgres.js';

const KEY = 'an-hmac-key-of-at-least-32-bytes-for-tests';
const operator: Principal = { id: 'alice', org: 'acme', roles: ['operator'], kind: 'user' };

interface Backend {
  /** Two Database handles on the same data: two pools on PostgreSQL, the same object on PGlite. */
  readonly first: Database;
  readonly second: Database;
  close(): Promise<void>;
}

const backends: Record<string, { available: () => Promise<boolean>; open: () => Promise<Backend> }> = {
  PostgreSQL: {
    available: postgresAvailable,
    async open() {
      const throwaway: ThrowawayDatabase = await createThrowawayDatabase();
      const first = createPostgresDatabase({ connectionString: throwaway.url });
      const second = createPostgresDatabase({ connectionString: throwaway.url });
      return {
        first,
        second,
        async close() {
          await first.close();
          await second.close();
          await throwaway.drop();
        },
      };
    },
  },
  PGlite: {
    available: () => Promise.resolve(true),
    open() {
      const database = createPgliteDatabase({ vector: false });
      return Promise.resolve({ first: database, second: database, close: () => database.close() });
    },
  },
};

const reachable = await backends.PostgreSQL!.available();

for (const [name, backend] of Object.entries(backends)) {
  const skip = name === 'PostgreSQL' && !reachable;
  describe.skipIf(skip)(
    `confirmation service on ${name}${skip ? ' (skipped: PostgreSQL is not reachable)' : ''}`,
    () => {
      let opened: Backend;
      let audit: ReadableAuditSink;
      let clock = new Date('2026-01-01T00:00:00Z');
      const make = (options: Partial<ConfirmationServiceOptions> = {}, database?: Database): ConfirmationService =>
        createConfirmationService({
          database: database ?? opened.first,
          key: KEY,
          audit,
          now: () => clock,
          ...options,
        });
      let service: ConfirmationService;
      const tokens: string[] = [];

      const call = (overrides: Partial<PendingCall> = {}): PendingCall => ({
        org: 'acme',
        runId: `run-${randomUUID()}`,
        sessionId: 'session-1',
        user: 'bob',
        toolCallId: `call-${randomUUID()}`,
        tool: 'aws__ec2_stop_instances',
        plugin: 'aws',
        arguments: { instanceIds: ['i-0abc'], region: 'eu-west-1', options: { force: false } },
        risk: 'destructive',
        summary: 'Stop instance i-0abc in eu-west-1',
        reason: 'risk',
        ...overrides,
      });

      const approve = async (
        target: ConfirmationService,
        id: string,
        principal: Principal = operator,
      ): Promise<string> => {
        const decision = await target.decide({ org: 'acme', confirmationId: id, decision: 'approve', principal });
        expect(decision.token).toBeDefined();
        tokens.push(decision.token!);
        return decision.token!;
      };

      const actions = async (confirmationId: string): Promise<string[]> =>
        (await audit.list('acme', { limit: 1000 }))
          .filter((entry) => entry.confirmationId === confirmationId)
          .map((entry) => entry.action)
          .reverse();

      beforeAll(async () => {
        opened = await backend.open();
        audit = createDatabaseAuditSink({ database: opened.first });
        service = make();
      });
      afterAll(async () => {
        await opened?.close();
      });

      it('approve → claim runs exactly once; a replayed claim returns the stored result', async () => {
        const pending = await service.request(call());
        expect(pending.state).toBe('pending');
        expect(pending.expiresAt.getTime() - pending.createdAt.getTime()).toBe(15 * 60_000);
        expect(await service.claim(pending)).toMatchObject({ outcome: 'pending' });
        const token = await approve(service, pending.id);
        expect(token.startsWith(`${pending.id}.`)).toBe(true);
        const first = await service.claim(pending, { token });
        expect(first.outcome).toBe('run');
        expect(first.confirmation?.state).toBe('executing');
        await service.complete('acme', pending.id, 'stopped i-0abc');
        for (const replay of [await service.claim(pending, { token }), await service.claim(pending)]) {
          expect(replay).toMatchObject({ outcome: 'already-executed', result: 'stopped i-0abc' });
        }
        expect((await service.get('acme', pending.id)).state).toBe('executed');
        expect(await actions(pending.id)).toEqual(['confirmation.requested', 'confirmation.approved', 'tool.executed']);
      });

      it('request is idempotent on (run, tool call); a different call for the same id is a CONFLICT', async () => {
        const original = call();
        const first = await service.request(original);
        const again = await service.request({ ...original, arguments: { ...original.arguments } });
        expect(again.id).toBe(first.id);
        const reordered = { options: { force: false }, region: 'eu-west-1', instanceIds: ['i-0abc'] };
        expect((await service.request({ ...original, arguments: reordered })).id).toBe(first.id);
        const conflict = await service
          .request({ ...original, arguments: { ...original.arguments, region: 'us-east-1' } })
          .catch((error: unknown) => error);
        expect(ConfirmationConflictError.isInstance(conflict)).toBe(true);
        expect((conflict as ConfirmationConflictError).code).toBe('CONFLICT');
        expect(JSON.stringify(conflict)).not.toContain('us-east-1');
        expect(await actions(first.id)).toEqual(['confirmation.requested']);
      });

      it('refuses a call that differs from the approved one (arguments, tool, run, tool call id)', async () => {
        const original = call();
        const pending = await service.request(original);
        const token = await approve(service, pending.id);
        const altered = [
          { ...original, arguments: { ...original.arguments, instanceIds: ['i-0abc', 'i-0def'] } },
          { ...original, arguments: { ...original.arguments, options: { force: true } } },
          { ...original, tool: 'aws__ec2_terminate_instances' },
          { ...original, runId: 'run-other' },
          { ...original, toolCallId: 'call-other' },
        ];
        for (const variant of altered) {
          const withToken = await service.claim(variant, { token });
          expect(withToken.outcome).toBe('mismatch');
          expect(JSON.stringify(withToken)).not.toContain(token);
          expect((await service.claim(variant)).outcome).toBe('mismatch');
        }
        expect((await service.get('acme', pending.id)).state).toBe('approved');
        const refused = (await audit.list('acme', { limit: 1000 })).filter(
          (entry) => entry.action === 'tool.refused' && entry.runId === original.runId,
        );
        expect(refused.length).toBeGreaterThanOrEqual(3);
        expect((await service.claim(original, { token })).outcome).toBe('run');
      });

      it('a claimed call that never completed is interrupted, never run twice', async () => {
        const pending = await service.request(call());
        const token = await approve(service, pending.id);
        expect((await service.claim(pending, { token })).outcome).toBe('run');
        const again = await service.claim(pending, { token });
        expect(again.outcome).toBe('interrupted');
        await expect(service.complete('acme', pending.id, 'x')).resolves.toBeUndefined();
        await expect(service.complete('acme', pending.id, 'x')).rejects.toSatisfy(ConfirmationConflictError.isInstance);
      });

      it('expiry: decide fails with EXPIRED and marks the row; claim says expired; expire() sweeps', async () => {
        const pending = await service.request(call());
        clock = new Date(clock.getTime() + 15 * 60_000 + 1);
        const error = await service
          .decide({ org: 'acme', confirmationId: pending.id, decision: 'approve', principal: operator })
          .catch((caught: unknown) => caught);
        expect(ConfirmationExpiredError.isInstance(error)).toBe(true);
        expect((error as ConfirmationExpiredError).code).toBe('EXPIRED');
        expect((await service.get('acme', pending.id)).state).toBe('expired');
        expect(await service.claim(pending)).toMatchObject({ outcome: 'expired' });

        const late = await service.request(call());
        const swept = await service.request(call());
        clock = new Date(clock.getTime() + 15 * 60_000 + 1);
        expect(await service.claim(late)).toMatchObject({ outcome: 'expired' });
        expect(await service.expire(clock)).toBeGreaterThanOrEqual(1);
        expect((await service.get('acme', swept.id)).state).toBe('expired');
        expect(await service.expire(clock)).toBe(0);
        expect(await actions(pending.id)).toEqual(['confirmation.requested', 'confirmation.expired']);
      });

      it('reject → the claim says rejected with the reason', async () => {
        const pending = await service.request(call());
        const decision = await service.decide({
          org: 'acme',
          confirmationId: pending.id,
          decision: 'reject',
          principal: operator,
          reason: 'not during the freeze',
        });
        expect(decision.token).toBeUndefined();
        expect(decision.confirmation).toMatchObject({
          state: 'rejected',
          decidedBy: 'alice',
          decisionReason: 'not during the freeze',
        });
        expect(await service.claim(pending)).toMatchObject({ outcome: 'rejected', reason: 'not during the freeze' });
        await expect(
          service.decide({ org: 'acme', confirmationId: pending.id, decision: 'approve', principal: operator }),
        ).rejects.toSatisfy(ConfirmationConflictError.isInstance);
        expect(await actions(pending.id)).toEqual(['confirmation.requested', 'confirmation.rejected']);
      });

      it('a viewer is refused (and audited); another org gets NotFoundError', async () => {
        const pending = await service.request(call());
        const viewer: Principal = { id: 'victor', org: 'acme', roles: ['viewer'] };
        await expect(
          service.decide({ org: 'acme', confirmationId: pending.id, decision: 'approve', principal: viewer }),
        ).rejects.toSatisfy(ForbiddenError.isInstance);
        const outsider: Principal = { id: 'eve', org: 'evil', roles: ['admin'] };
        for (const org of ['evil']) {
          await expect(
            service.decide({ org, confirmationId: pending.id, decision: 'approve', principal: outsider }),
          ).rejects.toSatisfy(NotFoundError.isInstance);
          await expect(service.get(org, pending.id)).rejects.toSatisfy(NotFoundError.isInstance);
          await expect(service.get(org, 'cnf_does-not-exist')).rejects.toThrow('No such confirmation in this org.');
          await expect(service.complete(org, pending.id, 'x')).rejects.toSatisfy(NotFoundError.isInstance);
          expect(await service.listPending(org)).toEqual([]);
        }
        // An admin of another org naming this org is still refused by the default authorize.
        await expect(
          service.decide({ org: 'acme', confirmationId: pending.id, decision: 'approve', principal: outsider }),
        ).rejects.toSatisfy(ForbiddenError.isInstance);
        expect((await service.get('acme', pending.id)).state).toBe('pending');
        const denied = (await audit.list('acme', { limit: 1000 })).filter(
          (entry) => entry.confirmationId === pending.id && entry.action === 'confirmation.denied',
        );
        expect(denied.map((entry) => entry.actor).sort()).toEqual(['eve', 'victor']);
        const admin: Principal = { id: 'ada', org: 'acme', roles: ['admin'] };
        await approve(service, pending.id, admin);
      });

      it('a custom authorize replaces the default', async () => {
        const strict = make({ authorize: (principal) => principal.id === 'root' });
        const pending = await strict.request(call());
        await expect(
          strict.decide({ org: 'acme', confirmationId: pending.id, decision: 'approve', principal: operator }),
        ).rejects.toSatisfy(ForbiddenError.isInstance);
        await approve(strict, pending.id, { id: 'root', org: 'acme', roles: [] });
      });

      it('two service instances deciding concurrently: exactly one wins', async () => {
        const other = make({}, opened.second);
        for (let attempt = 0; attempt < 10; attempt += 1) {
          const pending = await service.request(call());
          const results = await Promise.allSettled([
            service.decide({ org: 'acme', confirmationId: pending.id, decision: 'approve', principal: operator }),
            other.decide({
              org: 'acme',
              confirmationId: pending.id,
              decision: 'reject',
              principal: { ...operator, id: 'carol' },
            }),
          ]);
          const won = results.filter((result) => result.status === 'fulfilled');
          const lost = results.filter((result) => result.status === 'rejected');
          expect(won).toHaveLength(1);
          expect(lost).toHaveLength(1);
          expect(ConfirmationConflictError.isInstance((lost[0] as PromiseRejectedResult).reason)).toBe(true);
          const stored = await service.get('acme', pending.id);
          const winner = (won[0] as PromiseFulfilledResult<{ confirmation: { state: string } }>).value;
          expect(stored.state).toBe(winner.confirmation.state);
          const decided = (await actions(pending.id)).filter((action) => action !== 'confirmation.requested');
          expect(decided).toEqual([`confirmation.${stored.state}`]);
          const token = (winner as { token?: string }).token;
          if (token !== undefined) tokens.push(token);
        }
      });

      it('concurrent claimers (20 tries): exactly one run each time', async () => {
        const other = make({}, opened.second);
        for (let attempt = 0; attempt < 20; attempt += 1) {
          const pending = await service.request(call());
          const token = await approve(service, pending.id);
          const outcomes = await Promise.all([
            service.claim(pending, { token }),
            other.claim(pending, { token }),
            other.claim(pending),
          ]);
          expect(outcomes.filter((outcome) => outcome.outcome === 'run')).toHaveLength(1);
          expect(outcomes.filter((outcome) => outcome.outcome === 'interrupted')).toHaveLength(2);
        }
      });

      it('a tampered or foreign token is refused; requireToken refuses a claim without one', async () => {
        const strict = make({ requireToken: true });
        const pending = await strict.request(call());
        const token = await approve(strict, pending.id);
        const mac = token.slice(pending.id.length + 1);
        const tampered = [
          `${pending.id}.${mac[0] === 'A' ? 'B' : 'A'}${mac.slice(1)}`,
          `${pending.id}.${mac.slice(0, -1)}`,
          'garbage',
          `cnf_other.${mac}`,
        ];
        for (const bad of tampered) expect((await strict.claim(pending, { token: bad })).outcome).toBe('mismatch');
        const foreign = await strict.request(call());
        const foreignToken = await approve(strict, foreign.id);
        expect((await strict.claim(pending, { token: foreignToken })).outcome).toBe('mismatch');
        const without = await strict.claim(pending);
        expect(without).toMatchObject({
          outcome: 'mismatch',
          reason: 'An approval token is required to run this call.',
        });
        expect((await strict.get('acme', pending.id)).state).toBe('approved');
        expect((await strict.claim(pending, { token })).outcome).toBe('run');
        // Without requireToken a claim may omit the token, but a wrong one is still refused.
        const lenient = await service.request(call());
        const lenientToken = await approve(service, lenient.id);
        expect((await service.claim(lenient, { token: lenientToken.slice(0, -2) })).outcome).toBe('mismatch');
        expect((await service.claim(lenient)).outcome).toBe('run');
      });

      it('cancelRun cancels the run’s pending and approved confirmations only', async () => {
        const runId = `run-${randomUUID()}`;
        const waiting = await service.request(call({ runId }));
        const approved = await service.request(call({ runId }));
        await approve(service, approved.id);
        const elsewhere = await service.request(call());
        expect((await service.listPending('acme', runId)).map((item) => item.id)).toEqual([waiting.id]);
        expect(await service.cancelRun('acme', runId, 'user pressed stop')).toBe(2);
        expect(await service.cancelRun('evil', elsewhere.runId)).toBe(0);
        expect(await service.claim(waiting)).toMatchObject({ outcome: 'cancelled', reason: 'user pressed stop' });
        expect((await service.claim(approved)).outcome).toBe('cancelled');
        expect((await service.get('acme', elsewhere.id)).state).toBe('pending');
        expect(await service.listPending('acme', runId)).toEqual([]);
        expect(await actions(waiting.id)).toEqual(['confirmation.requested', 'confirmation.cancelled']);
      });

      it('a failing audit sink is logged (without values) and does not undo or fail the decision', async () => {
        const lines: LogRecord[] = [];
        const broken = make({
          audit: { write: () => Promise.reject(new Error('disk full')) },
          logger: createLogger((line) => lines.push(line)),
        });
        const pending = await broken.request(call());
        const decision = await broken.decide({
          org: 'acme',
          confirmationId: pending.id,
          decision: 'approve',
          principal: operator,
        });
        tokens.push(decision.token!);
        expect(decision.confirmation.state).toBe('approved');
        const failures = lines.filter((line) => line.message === 'confirmation: audit write failed');
        expect(failures.map((line) => line.fields.action)).toEqual(['confirmation.requested', 'confirmation.approved']);
        expect(JSON.stringify(lines)).not.toContain(decision.token!);
        expect(JSON.stringify(lines)).not.toContain('i-0abc');
      });

      it('audit rows carry hashes, summaries and actors, never raw arguments; no row holds a token', async () => {
        const secretValue = `s3cr3t-${randomUUID()}`;
        const pending = await service.request(call({ arguments: { password: secretValue, user: 'db' } }));
        const token = await approve(service, pending.id);
        expect((await service.claim(pending, { token })).outcome).toBe('run');
        await service.complete('acme', pending.id, 'rotated');
        const entries = (await audit.list('acme', { limit: 1000 })).filter(
          (entry) => entry.confirmationId === pending.id,
        );
        expect(entries.map((entry) => entry.action).reverse()).toEqual([
          'confirmation.requested',
          'confirmation.approved',
          'tool.executed',
        ]);
        expect(entries.find((entry) => entry.action === 'confirmation.approved')).toMatchObject({
          actor: 'alice',
          tool: 'aws__ec2_stop_instances',
          runId: pending.runId,
          details: { binding: pending.binding },
        });
        expect(JSON.stringify(entries)).not.toContain(secretValue);

        const page = await audit.list('acme', { limit: 2 });
        const next = await audit.list('acme', { limit: 2, before: page[1]!.id });
        expect(Number(next[0]!.id)).toBeLessThan(Number(page[1]!.id));
        expect(await audit.list('nobody')).toEqual([]);

        expect(tokens.length).toBeGreaterThan(20);
        for (const table of ['aurora_confirmations', 'aurora_audit_log']) {
          const { rows } = await opened.first.query(`select * from ${table}`);
          const dump = JSON.stringify(rows);
          for (const raw of tokens) expect(dump).not.toContain(raw);
          expect(rows.length).toBeGreaterThan(20);
        }
      });
    },
  );
}
