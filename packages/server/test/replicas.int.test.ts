/**
 * Two server replicas on one PostgreSQL and one Redis: a confirmation requested on replica A
 * is approved on replica B, B resumes the run, and the client connected to A sees it finish;
 * a run that outlasts the lease stays with the live replica that holds it.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.js';
import { startServer, type AuroraServer } from '../src/server.js';
import { createThrowawayDatabase, postgresAvailable, type ThrowawayDatabase } from '@aurora-ops/core/testing/postgres';
import { opsPlugin, scriptedModel, type Calls } from './support/server-harness.js';

const REDIS_URL = process.env.AURORA_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const redisUp = await (async () => {
  const client = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 2000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
    return true;
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
})();
const pgUp = await postgresAvailable();
const skip = !pgUp
  ? 'no PostgreSQL at AURORA_TEST_POSTGRES_URL'
  : !redisUp
    ? 'no Redis at AURORA_TEST_REDIS_URL'
    : undefined;

describe.skipIf(skip !== undefined)(`two replicas on PostgreSQL + Redis${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let database: ThrowawayDatabase;
  const servers: AuroraServer[] = [];
  const directories: string[] = [];
  const calls: Calls = { deleted: [], status: 0 };
  let token = '';

  beforeAll(async () => {
    database = await createThrowawayDatabase();
    const env = {
      AURORA_DATABASE_URL: database.url,
      AURORA_REDIS_URL: REDIS_URL,
      AURORA_REDIS_PREFIX: `aurora-test-${randomBytes(4).toString('hex')}`,
      AURORA_SECRET_KEY: randomBytes(32).toString('base64url'),
      AURORA_PORT: '0',
      // Leases renewed every 333 ms and checked every second: a run that lasts longer shows
      // that a live replica's runs are never taken over.
      AURORA_RUN_LEASE_SECONDS: '1',
    };
    for (let replica = 0; replica < 2; replica++) {
      const directory = await mkdtemp(join(tmpdir(), 'aurora-replica-'));
      directories.push(directory);
      servers.push(
        await startServer(loadConfig({ ...env, AURORA_DATA_DIR: directory }), {
          model: scriptedModel(),
          vectors: false,
          log: () => undefined,
          extraPlugins: [{ name: 'ops', transport: { kind: 'in-process', server: opsPlugin(calls) } }],
        }),
      );
    }
    const [a] = servers;
    await a!.runtime.auth.createUser({
      org: 'default',
      email: 'olive@example.com',
      role: 'operator',
      password: 'correct horse battery staple',
    });
    const login = await fetch(`${a!.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'olive@example.com', password: 'correct horse battery staple' }),
    });
    token = ((await login.json()) as { token: string }).token;
  }, 120_000);

  afterAll(async () => {
    for (const server of servers) await server.close();
    await database?.drop();
    for (const directory of directories) await rm(directory, { recursive: true, force: true });
  });

  it('only one first admin is created for both replicas', () => {
    expect(servers.filter((server) => server.runtime.firstLogin !== undefined)).toHaveLength(1);
  });

  it('a confirmation requested on A is approved on B; the client on A sees the run finish; the tool runs once', async () => {
    const [a, b] = servers as [AuroraServer, AuroraServer];
    const ticket = await fetch(`${a.url}/api/v1/auth/ws-token`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    const { url } = (await ticket.json()) as { url: string };
    const ws = new WebSocket(`${a.url.replace('http', 'ws')}${url}`);
    const received: any[] = [];
    const waiting = new Set<{ test: (message: any) => boolean; resolve: (message: any) => void }>();
    ws.on('message', (data) => {
      const message = JSON.parse((data as Buffer).toString('utf8'));
      received.push(message);
      for (const waiter of waiting) {
        if (waiter.test(message)) {
          waiting.delete(waiter);
          waiter.resolve(message);
        }
      }
    });
    const waitFor = (test: (message: any) => boolean) =>
      received.find(test) ?? new Promise<any>((resolve) => waiting.add({ test, resolve }));
    await new Promise((resolve) => ws.once('open', resolve));
    ws.send(JSON.stringify({ type: 'message.send', text: 'delete i-replica' }));
    const requested = await waitFor((m) => m.type === 'confirmation.requested');
    await waitFor((m) => m.type === 'run.finished' && m.status === 'paused');

    const approved = await fetch(`${b.url}/api/v1/confirmations/${requested.confirmationId}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ decision: 'approve' }),
    });
    expect(approved.status).toBe(200);
    expect(((await approved.json()) as { resumed: boolean }).resumed).toBe(true);
    const done = await waitFor((m) => m.type === 'run.finished' && m.status !== 'paused');
    expect(done.status).toBe('completed');
    expect(calls.deleted).toEqual(['i-replica']);
    const seqs = received.filter((m) => m.runId === requested.runId && typeof m.seq === 'number').map((m) => m.seq);
    expect(seqs).toEqual([...new Set(seqs)].sort((x, y) => x - y));
    ws.close();
  });

  it('a run three times longer than the lease stays with the live replica that holds it', async () => {
    const [a, b] = servers as [AuroraServer, AuroraServer];
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    // "slow": the scripted model waits 3 s, three of B's checks for runs to take over.
    const started = await fetch(`${a.url}/api/v1/chat`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ text: 'slow, and stay where you are' }),
    });
    const { runId } = (await started.json()) as { runId: string };
    let status = 'running';
    for (let attempt = 0; attempt < 100 && status === 'running'; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const run = await fetch(`${b.url}/api/v1/runs/${runId}`, { headers });
      status = ((await run.json()) as { status: string }).status;
    }
    expect(status).toBe('completed');
    const events = await fetch(`${b.url}/api/v1/runs/${runId}/events`, { headers });
    const stored = ((await events.json()) as { events: { type: string }[] }).events;
    expect(stored.filter((event) => event.type === 'run.started')).toHaveLength(1);
    for (const server of [a, b]) {
      expect(await (await fetch(`${server.url}/metrics`)).text()).toMatch(/^aurora_runs_recovered_total 0$/m);
    }
  });

  it('a cancel sent to B stops a run held by A', async () => {
    const [a, b] = servers as [AuroraServer, AuroraServer];
    const started = await fetch(`${a.url}/api/v1/chat`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'slow please' }),
    });
    const { runId } = (await started.json()) as { runId: string };
    await new Promise((resolve) => setTimeout(resolve, 300));
    const cancelled = await fetch(`${b.url}/api/v1/runs/${runId}/cancel`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(cancelled.status).toBe(200);
    let status = '';
    for (let attempt = 0; attempt < 100 && (status === '' || status === 'running'); attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const run = await fetch(`${a.url}/api/v1/runs/${runId}`, { headers: { authorization: `Bearer ${token}` } });
      status = ((await run.json()) as { status: string }).status;
    }
    expect(status).toBe('cancelled');
  });
});
