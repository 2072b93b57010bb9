/**
 * A real process killed with SIGKILL while its run waits for an approval: the approval is
 * given while no agent process is alive, a new process resumes the run, and the destructive
 * call runs exactly once (counted in a file the tool appends to, across processes). A second
 * resume does not run it again. PostgreSQL, and PGlite reopened from its data directory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createMemoryAuditSink } from '../src/confirmation/audit-sink.js';
import { createConfirmationService } from '../src/confirmation/confirmation-service.js';
import type { Database } from '../src/storage/database/database.js';
import { createPgliteDatabase } from '../src/storage/pglite/index.js';
import { createPostgresDatabase } from '../src/storage/postgres/index.js';
import { createThrowawayDatabase, postgresAvailable } from './support/postgres.js';

const root = new URL('../../../', import.meta.url).pathname;
const script = new URL('./support/agent-worker.ts', import.meta.url).pathname;
const KILL_TEST_KEY = 'kill-test-key-0123456789abcdef0123456789abcdef';
const children: ChildProcess[] = [];
const cleanups: (() => Promise<void>)[] = [];

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** Starts the worker and resolves with its first stdout line, parsed, and the process. */
function startAgent(env: Record<string, string>): Promise<{ child: ChildProcess; line: Record<string, unknown> }> {
  // `--import tsx` keeps the agent in this one process, so SIGKILL reaches it (the tsx CLI forks).
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const newline = stdout.indexOf('\n');
      if (newline >= 0) resolve({ child, line: JSON.parse(stdout.slice(0, newline)) as Record<string, unknown> });
    });
    child.on('exit', (code) => reject(new Error(`agent process exited with ${code}: ${stderr.slice(-2000)}`)));
  });
}

const executions = async (file: string): Promise<string[]> =>
  (await readFile(file, 'utf8').catch(() => '')).split('\n').filter(Boolean);

async function killWhilePending(target: string, openDatabase: () => Database): Promise<void> {
  const directory = await mkdtemp(join(tmpdir(), 'aurora-agent-kill-'));
  cleanups.push(() => rm(directory, { recursive: true, force: true }));
  const calls = join(directory, 'calls.txt');
  const env = { AGENT_DB: target, AGENT_CALLS: calls, AGENT_KEY: KILL_TEST_KEY };

  const first = await startAgent({ ...env, AGENT_MODE: 'start' });
  expect(first.line).toMatchObject({ status: 'paused', confirmationId: expect.any(String) as string });
  first.child.kill('SIGKILL');
  await new Promise((resolve) => first.child.once('exit', resolve));
  expect(await executions(calls)).toEqual([]);

  // The operator approves while no agent process is alive.
  const database = openDatabase();
  const confirmations = createConfirmationService({ database, key: KILL_TEST_KEY, audit: createMemoryAuditSink() });
  const decision = await confirmations.decide({
    org: 'acme',
    confirmationId: first.line.confirmationId as string,
    decision: 'approve',
    principal: { id: 'olive', org: 'acme', roles: ['operator'] },
  });
  expect(decision.confirmation.state).toBe('approved');
  await database.close();

  const resumed = await startAgent({ ...env, AGENT_MODE: 'resume', AGENT_RUN: first.line.runId as string });
  expect(resumed.line).toEqual({ status: 'completed', text: 'after restart: deleted i-kill' });
  await new Promise((resolve) => resumed.child.once('exit', resolve));
  const once = await executions(calls);
  expect(once).toHaveLength(1);
  expect(once[0]).toMatch(/^\d+ i-kill$/);

  // Resuming the finished run again runs nothing.
  const again = startAgent({ ...env, AGENT_MODE: 'resume', AGENT_RUN: first.line.runId as string });
  await again.then(
    ({ child }) => new Promise((resolve) => child.once('exit', resolve)),
    () => undefined,
  );
  expect(await executions(calls)).toEqual(once);
}

const serverUp = await postgresAvailable();

describe('agent process killed while a confirmation is pending', () => {
  it.skipIf(!serverUp)(
    `PostgreSQL: restart, approve, the call runs once${serverUp ? '' : ' (skipped: no PostgreSQL at AURORA_TEST_POSTGRES_URL)'}`,
    async () => {
      const throwaway = await createThrowawayDatabase();
      cleanups.push(() => throwaway.drop());
      await killWhilePending(throwaway.url, () => createPostgresDatabase({ connectionString: throwaway.url }));
    },
  );

  it('PGlite (data directory reopened): restart, approve, the call runs once', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'aurora-agent-kill-pglite-'));
    cleanups.push(() => rm(directory, { recursive: true, force: true }));
    await killWhilePending(directory, () => createPgliteDatabase({ dataDir: directory, vector: false }));
  });
});
