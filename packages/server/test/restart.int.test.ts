/**
 * `kill -9` while an approval is pending, then a new process on the same PostgreSQL: the
 * approval is answered after the restart, the run resumes from its checkpoint and the
 * destructive tool runs exactly once. `kill -9` while a run is answering, then a new process
 * (PostgreSQL, and PGlite reopened from its data directory): the new process takes the run
 * over once the dead one's lease has expired and finishes it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { createThrowawayDatabase, postgresAvailable, type ThrowawayDatabase } from '@aurora-ops/core/testing/postgres';

const up = await postgresAvailable();
const root = resolve(import.meta.dirname, '../../..');
const script = resolve(import.meta.dirname, 'support/serve-child.ts');

function start(
  env: Record<string, string>,
): Promise<{ child: ChildProcess; url: string; firstLogin?: { token: string } }> {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (line) => resolve({ child, ...JSON.parse(line) }));
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${stderr.slice(-2000)}`)));
  });
}

const api = async (url: string, path: string, token: string, body?: unknown) => {
  const response = await fetch(`${url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: await response.json() };
};

async function until<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let attempt = 0; attempt < 300; attempt++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function login(url: string, oneTime: string | undefined): Promise<string> {
  const response = await fetch(`${url}/api/v1/auth/one-time`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: oneTime }),
  });
  return ((await response.json()) as { token: string }).token;
}

interface StoredEvent {
  readonly seq: number;
  readonly type: string;
  readonly resumed?: boolean;
  readonly text?: string;
  readonly status?: string;
}

/** Stops the server while its run waits for the model; a new process takes the run over. */
async function stopWhileAnswering(
  env: Record<string, string>,
  children: ChildProcess[],
  signal: 'SIGKILL' | 'SIGTERM',
): Promise<void> {
  const first = await start(env);
  children.push(first.child);
  const token = await login(first.url, first.firstLogin?.token);
  // "slow": the scripted model waits 3 s before it answers.
  const started = await api(first.url, '/api/v1/chat', token, { text: 'answer slow' });
  expect(started.status).toBe(202);
  const runId = started.body.runId as string;
  await until(async () => {
    const events = await api(first.url, `/api/v1/runs/${runId}/events`, token);
    return events.body.events?.length > 0 ? true : undefined;
  }, 'the run to start');
  first.child.kill(signal);
  await new Promise((resolve) => first.child.once('exit', resolve));

  const second = await start(env);
  children.push(second.child);
  const status = await until(async () => {
    const run = await api(second.url, `/api/v1/runs/${runId}`, token);
    return run.body.status === 'running' ? undefined : (run.body.status as string);
  }, 'the run to be taken over and finish');
  expect(status).toBe('completed');
  const events = (await api(second.url, `/api/v1/runs/${runId}/events`, token)).body.events as StoredEvent[];
  const seqs = events.map((event) => event.seq);
  expect(seqs).toEqual([...new Set(seqs)].sort((a, b) => a - b));
  const starts = events.filter((event) => event.type === 'run.started');
  expect(starts.map((event) => event.resumed ?? false)).toEqual([false, true]);
  const after = events.slice(events.indexOf(starts[1]!));
  expect(
    after
      .filter((event) => event.type === 'token.streamed')
      .map((event) => event.text)
      .join(''),
  ).toBe('thinking slowly about this');
  expect(after.at(-1)).toMatchObject({ type: 'run.finished', status: 'completed' });
  const metrics = await (await fetch(`${second.url}/metrics`)).text();
  expect(metrics).toMatch(/^aurora_runs_recovered_total 1$/m);
  second.child.kill('SIGTERM');
  await new Promise((resolve) => second.child.once('exit', resolve));
}

describe('a run answering when its process stops', () => {
  const children: ChildProcess[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    for (const cleanup of cleanups) await cleanup();
  });
  const environment = async (leaseSeconds: number): Promise<Record<string, string>> => {
    const directory = await mkdtemp(join(tmpdir(), 'aurora-takeover-'));
    cleanups.push(() => rm(directory, { recursive: true, force: true }));
    return {
      AURORA_DATA_DIR: directory,
      AURORA_PORT: '0',
      AURORA_LOG_LEVEL: 'error',
      AURORA_RUN_LEASE_SECONDS: String(leaseSeconds),
    };
  };

  it.skipIf(!up)(
    `PostgreSQL: the next process takes the run over and finishes it${up ? '' : ' (skipped: no PostgreSQL at AURORA_TEST_POSTGRES_URL)'}`,
    async () => {
      const throwaway = await createThrowawayDatabase();
      cleanups.push(() => throwaway.drop());
      // Another replica could still hold the run: it is taken over once the lease (1 s) expires.
      await stopWhileAnswering({ ...(await environment(1)), AURORA_DATABASE_URL: throwaway.url }, children, 'SIGKILL');
    },
  );

  it('PGlite (data directory reopened): the next process takes the run over at start and finishes it', async () => {
    // Only one process opens a PGlite data directory: its runs are taken over at start, long
    // before the dead process's lease (10 minutes) expires.
    await stopWhileAnswering(await environment(600), children, 'SIGKILL');
  });

  it.skipIf(!up)(
    `PostgreSQL, SIGTERM: the stopping process hands the run over, the next takes it at once${up ? '' : ' (skipped: no PostgreSQL at AURORA_TEST_POSTGRES_URL)'}`,
    async () => {
      const throwaway = await createThrowawayDatabase();
      cleanups.push(() => throwaway.drop());
      // A lease of 10 minutes: only a lease ended by the stopping process lets the next one
      // take the run over before the test times out.
      await stopWhileAnswering(
        { ...(await environment(600)), AURORA_DATABASE_URL: throwaway.url },
        children,
        'SIGTERM',
      );
    },
  );
});

describe.skipIf(!up)(
  `restart after kill -9${up ? '' : ' (skipped: no PostgreSQL at AURORA_TEST_POSTGRES_URL)'}`,
  () => {
    let database: ThrowawayDatabase | undefined;
    let directory = '';
    const children: ChildProcess[] = [];
    afterAll(async () => {
      for (const child of children) child.kill('SIGKILL');
      await database?.drop();
      if (directory) await rm(directory, { recursive: true, force: true });
    });

    it('a pending approval survives kill -9; approved after the restart, the tool runs once', async () => {
      database = await createThrowawayDatabase();
      directory = await mkdtemp(join(tmpdir(), 'aurora-restart-'));
      const callsFile = join(directory, 'calls.txt');
      await writeFile(callsFile, '');
      const env = {
        AURORA_DATABASE_URL: database.url,
        AURORA_DATA_DIR: directory,
        AURORA_PORT: '0',
        AURORA_LOG_LEVEL: 'error',
        AURORA_TEST_CALLS_FILE: callsFile,
      };

      const first = await start(env);
      children.push(first.child);
      expect(first.firstLogin?.token).toMatch(/^aurl_/);
      const login = await fetch(`${first.url}/api/v1/auth/one-time`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token: first.firstLogin?.token }),
      });
      const { token } = (await login.json()) as { token: string };
      const started = await api(first.url, '/api/v1/chat', token, { text: 'delete i-crash' });
      expect(started.status).toBe(202);
      const confirmation = await until(async () => {
        const pending = await api(first.url, `/api/v1/confirmations?runId=${started.body.runId}`, token);
        return pending.body.confirmations?.[0] as { id: string } | undefined;
      }, 'the confirmation');
      await until(async () => {
        const run = await api(first.url, `/api/v1/runs/${started.body.runId}`, token);
        return run.body.status === 'paused' ? true : undefined;
      }, 'the paused run');

      first.child.kill('SIGKILL');
      await new Promise((resolve) => first.child.once('exit', resolve));
      expect(await readFile(callsFile, 'utf8')).toBe('');

      const second = await start(env);
      children.push(second.child);
      expect(second.firstLogin).toBeUndefined();
      const approved = await api(second.url, `/api/v1/confirmations/${confirmation.id}`, token, {
        decision: 'approve',
      });
      expect(approved.status).toBe(200);
      expect(approved.body.resumed).toBe(true);
      const status = await until(async () => {
        const run = await api(second.url, `/api/v1/runs/${started.body.runId}`, token);
        return run.body.status === 'paused' || run.body.status === 'running' ? undefined : (run.body.status as string);
      }, 'the run to finish');
      expect(status).toBe('completed');
      const again = await api(second.url, `/api/v1/confirmations/${confirmation.id}`, token, { decision: 'approve' });
      expect(again.status).toBe(409);
      expect(await readFile(callsFile, 'utf8')).toBe('i-crash\n');
      const events = await api(second.url, `/api/v1/runs/${started.body.runId}/events`, token);
      const seqs = events.body.events.map((event: { seq: number }) => event.seq);
      expect(seqs).toEqual([...new Set<number>(seqs)].sort((a, b) => a - b));
      second.child.kill('SIGTERM');
    });
  },
);
