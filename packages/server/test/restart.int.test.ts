/**
 * `kill -9` while an approval is pending, then a new process on the same PostgreSQL: the
 * approval is answered after the restart, the run resumes from its checkpoint and the
 * destructive tool runs exactly once.
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
