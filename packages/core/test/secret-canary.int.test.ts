/**
 * The secret invariant, tested: a resolved secret value (a random canary) appears in no log
 * line, event, database row or error produced by the storage adapters — even when the
 * adapters are handed the canary as a password or token and made to fail with it.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  AuroraError,
  createDatabaseJobQueue,
  createLocalSecretStore,
  createLogger,
  createRedactingLogger,
  createSecretResolver,
  type JobEvent,
  type LogRecord,
  type SecretResolver,
} from '../src/index.js';
import { createPostgresDatabase } from '../src/storage/postgres/index.js';
import { createVaultSecretStore } from '../src/storage/vault/index.js';
import { waitFor } from '../src/testing/index.js';
import { startFakeVault, type FakeVault } from './support/fake-vault-server.js';
import { createThrowawayDatabase, type ThrowawayDatabase } from './support/postgres.js';

const canary = `canary-${randomBytes(16).toString('hex')}`;
const encodings = [canary, Buffer.from(canary).toString('base64'), encodeURIComponent(canary)];

/** Everything an operator could see of an error: message, stack, JSON, and the inspected cause chain. */
function visible(error: unknown): string {
  const parts = [String(error), inspect(error, { depth: 6 })];
  if (AuroraError.isInstance(error)) parts.push(JSON.stringify(error.toJSON()), JSON.stringify(error.toStreamEvent()));
  return parts.join('\n');
}

function expectClean(text: string, where: string): void {
  for (const form of encodings)
    expect(text.includes(form), `${where} holds the canary (${form.slice(0, 12)}…)`).toBe(false);
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (error: unknown) => error,
  );
}

describe('no resolved secret leaks', () => {
  let directory: string;
  let vault: FakeVault;
  let throwaway: ThrowawayDatabase;
  let resolver: SecretResolver;
  const records: LogRecord[] = [];
  const logger = (): ReturnType<typeof createRedactingLogger> =>
    createRedactingLogger(
      createLogger((record) => records.push(record)),
      resolver.redactor,
    );

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'aurora-canary-'));
    vault = await startFakeVault();
    throwaway = await createThrowawayDatabase();
    const local = createLocalSecretStore({ directory });
    const vaultStore = createVaultSecretStore({ endpoint: vault.url, auth: { token: vault.rootToken } });
    await local.put('orgs/acme/db', { password: canary });
    await vaultStore.put('aurora/orgs/acme/api', { token: canary });
    resolver = createSecretResolver({ stores: { local, vault: vaultStore } });
    expect(await resolver.resolve('local:orgs/{org}/db#password', { org: 'acme' })).toBe(canary);
    expect(await resolver.resolve('vault:aurora/orgs/{org}/api#token', { org: 'acme' })).toBe(canary);
  });

  afterAll(async () => {
    await vault?.stop();
    await throwaway?.drop();
    await rm(directory, { recursive: true, force: true });
  });

  it('the database adapter does not echo a password from its connection string', async () => {
    const unreachable = createPostgresDatabase({
      connectionString: `postgres://postgres:${canary}@127.0.0.1:1/postgres`,
      connectionTimeoutMs: 2000,
      logger: logger(),
    });
    expectClean(visible(await failure(unreachable.ping())), 'connection error');
    await unreachable.close();
    const url = new URL(throwaway.url);
    url.username = `role_${canary.slice(-8)}`;
    url.password = canary;
    const wrongRole = createPostgresDatabase({ connectionString: url.toString(), logger: logger() });
    expectClean(visible(await failure(wrongRole.ping())), 'authentication error');
    await wrongRole.close();
  });

  it('a unique violation on a secret-bearing value does not quote the row', async () => {
    const database = createPostgresDatabase({ connectionString: throwaway.url, logger: logger() });
    await database.query('create table canary_rows (token text primary key)');
    await database.query('insert into canary_rows values ($1)', [canary]);
    const error = await failure(database.query('insert into canary_rows values ($1)', [canary]));
    expect(AuroraError.isInstance(error)).toBe(true);
    expectClean(String(error), 'unique violation message');
    expectClean(JSON.stringify((error as AuroraError).toJSON()), 'unique violation JSON');
    await database.query('drop table canary_rows');
    await database.close();
  });

  it('the Vault adapter does not echo a token it was given', async () => {
    const denied = createVaultSecretStore({ endpoint: vault.url, auth: { token: canary }, retries: 0 });
    expectClean(visible(await failure(denied.get('aurora/orgs/acme/api'))), 'vault 403');
    const unreachable = createVaultSecretStore({ endpoint: 'http://127.0.0.1:1', auth: { token: canary }, retries: 0 });
    expectClean(visible(await failure(unreachable.get('x'))), 'vault unreachable');
  });

  it('job failures, events and rows are scrubbed, and so are log lines', async () => {
    const database = createPostgresDatabase({ connectionString: throwaway.url });
    const queue = createDatabaseJobQueue({
      database,
      pollIntervalMs: 50,
      redact: (text) => resolver.redactor.redact(text),
      logger: logger(),
    });
    const events: JobEvent[] = [];
    queue.subscribe((event) => events.push(event));
    queue.define('leaky', { schema: z.object({ ref: z.string() }), attempts: 1 }, async (job) => {
      const secret = await resolver.resolve(job.payload.ref, { org: 'acme' });
      throw new Error(`upstream said: bad credential ${secret} (base64 ${Buffer.from(secret).toString('base64')})`);
    });
    await queue.start();
    const { id } = await queue.enqueue('leaky', { ref: 'local:orgs/{org}/db#password' });
    await waitFor(async () => (await queue.get('leaky', id))?.status === 'failed', 'the job to fail');
    const info = await queue.get('leaky', id);
    expect(info?.error?.message).toContain('[REDACTED]');
    expectClean(JSON.stringify(info), 'job info');
    expectClean(JSON.stringify(events), 'job events');
    await queue.close();

    logger().error('tool failed', {
      error: `token=${canary}`,
      nested: { url: `https://x/?k=${encodeURIComponent(canary)}` },
    });
    expect(records.length).toBeGreaterThan(0);
    expectClean(JSON.stringify(records), 'log records');

    // Every row of every table in the database.
    const tables = await database.query<{ table_name: string }>(
      `select table_name from information_schema.tables where table_schema = 'public'`,
    );
    expect(tables.rows.map((row) => row.table_name)).toContain('aurora_jobs');
    for (const { table_name: table } of tables.rows) {
      const { rows } = await database.query(`select t::text as row from "${table}" t`);
      expectClean(JSON.stringify(rows), `table ${table}`);
    }
    await database.close();
  });
});
