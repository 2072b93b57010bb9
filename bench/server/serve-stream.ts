/**
 * Child process of the streaming benchmark. `aurora`: the real server (HTTP + WebSocket) with
 * the benchmark's stream model, an operator and an API key made directly through
 * `runtime.auth`; `raw`: a bare `ws` server that streams the same timestamped token events,
 * shaped like Aurora's, on the same schedule, with no agent behind it. Both answer
 * `POST /api/v1/auth/ws-token` so that one client drives either.
 *
 * IPC: sends `{type:'ready', url, apiKey}`; answers `{type:'clock'}` with its shared clock
 * (for the offset estimate); on `{type:'close'}` shuts down and exits 0 (so `--cpu-prof`
 * writes its profile).
 *
 * Usage (forked by ws-streaming.ts): `serve-stream.ts <aurora|raw> <tokens> <intervalMs> <dataDir> [postgresUrl]`.
 */
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Session } from 'node:inspector/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';
import type { StatementCount } from './query-counter.js';
import { sharedNow } from './stats.js';
import { stampToken } from './token-stamp.js';
import { WebSocketServer, type WebSocket } from './ws-module.js';

const [mode, tokensArg, intervalArg, dataDir, postgresUrl] = process.argv.slice(2);
const tokens = Number(tokensArg);
const intervalMs = Number(intervalArg);
if ((mode !== 'aurora' && mode !== 'raw') || !Number.isInteger(tokens) || !(intervalMs > 0) || dataDir === undefined) {
  throw new Error('usage: serve-stream.ts <aurora|raw> <tokens> <intervalMs> <dataDir> [postgresUrl]');
}
const send = (message: Record<string, unknown>): void => void process.send?.(message);

let errorLogs = 0;
let statements: () => StatementCount[] = () => [];
let close: () => Promise<void>;

if (mode === 'aurora') {
  // Loaded only here, so that the raw server's process holds none of Aurora. The built
  // server, as `aurora start` and the image run it (tsx's transform of the sources differs:
  // it names every closure it creates, a property definition each time).
  const { loadConfig, startServer } = await import('../../packages/server/dist/index.js');
  const { StreamModel } = await import('./stream-model.js');
  const config = loadConfig({
    AURORA_DATA_DIR: dataDir,
    AURORA_PORT: '0',
    AURORA_LOG_LEVEL: 'error',
    // One client address and one user open all the sessions: lift the per-minute limits.
    AURORA_RATE_LIMIT_PER_MINUTE: '10000000',
    AURORA_RATE_LIMIT_PER_IP_PER_MINUTE: '10000000',
    ...(postgresUrl ? { AURORA_DATABASE_URL: postgresUrl } : {}),
    // The pacing of run starts and step ends, when the bench is run with them set.
    ...Object.fromEntries(
      ['AURORA_MAX_STARTING_RUNS', 'AURORA_STEP_ENDS_PER_TURN'].flatMap((name) =>
        process.env[name] ? [[name, process.env[name]]] : [],
      ),
    ),
    // Replicas (--replicas): Redis for the event bus, queue, cache and rate limits, as deployed.
    ...(process.env.BENCH_REDIS_URL
      ? {
          AURORA_REDIS_URL: process.env.BENCH_REDIS_URL,
          AURORA_REDIS_PREFIX: process.env.BENCH_REDIS_PREFIX ?? 'bench',
        }
      : {}),
  });
  // As `aurora start` does (V8's baseline compiler for PGlite), before PGlite is loaded.
  const { pgliteCompilerFlag } = await import('../../packages/server/src/stores/pglite-compiler.js');
  const flag = pgliteCompilerFlag(config);
  if (flag) (await import('node:v8')).setFlagsFromString(flag);
  const server = await startServer(config, {
    model: new StreamModel({ tokens, intervalMs }),
    // Debian's PostgreSQL 15 has no pgvector (PGlite has it): no vector store on PostgreSQL here.
    ...(postgresUrl ? { vectors: false } : {}),
    log: (record) => {
      if (record.level !== 'error') return;
      errorLogs++;
      if (errorLogs <= 5) process.stderr.write(`${JSON.stringify(record)}\n`);
    },
  });
  if (process.env.BENCH_COUNT_QUERIES === '1') {
    const { countQueries } = await import('./query-counter.js');
    statements = countQueries(server.runtime.stores.database);
  }
  await server.runtime.stores.queue.start();
  const { auth } = server.runtime;
  const user = await auth.createUser({ org: 'default', email: `bench-${randomUUID()}@example.com`, role: 'operator' });
  const principal = await auth.principalFor('default', user.id);
  if (!principal) throw new Error('the benchmark operator has no principal');
  const { key } = await auth.createApiKey(principal, { name: 'bench' });
  close = () => server.close();
  heapProbes();
  send({ type: 'ready', url: server.url, apiKey: key });
} else {
  const timers = new Map<WebSocket, NodeJS.Timeout>();
  const http = createServer((request: IncomingMessage, response: ServerResponse) => {
    request.resume();
    if (request.method === 'POST' && request.url === '/api/v1/auth/ws-token') {
      const token = randomUUID();
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ token, expiresInSeconds: 60, url: `/api/v1/ws?token=${token}` }));
      return;
    }
    response.writeHead(404).end();
  });
  const wss = new WebSocketServer({ server: http, path: '/api/v1/ws' });
  const stream = (ws: WebSocket): void => {
    const runId = randomUUID();
    const sessionId = randomUUID();
    const event = (seq: number, body: Record<string, unknown>) =>
      JSON.stringify({ ...body, runId, sessionId, seq, at: new Date().toISOString() });
    ws.send(JSON.stringify({ type: 'run.accepted', runId, sessionId }));
    const started = performance.now();
    let index = 0;
    const tick = (): void => {
      index++;
      if (ws.readyState !== ws.OPEN) return;
      ws.send(
        event(index, {
          type: 'token.streamed',
          text: stampToken(performance.timeOrigin + started + index * intervalMs),
        }),
      );
      if (index >= tokens) {
        timers.delete(ws);
        ws.send(event(index + 1, { type: 'run.finished', status: 'completed' }));
        return;
      }
      timers.set(ws, setTimeout(tick, started + (index + 1) * intervalMs - performance.now()));
    };
    timers.set(ws, setTimeout(tick, intervalMs));
  };
  wss.on('connection', (ws) => {
    ws.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString('utf8')) as { type?: string };
      if (message.type === 'message.send') stream(ws);
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const address = http.address() as AddressInfo;
  close = async () => {
    for (const timer of timers.values()) clearTimeout(timer);
    for (const client of wss.clients) client.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
    await new Promise<void>((resolve) => http.close(() => resolve()));
  };
  send({ type: 'ready', url: `http://127.0.0.1:${address.port}`, apiKey: 'raw' });
}

/**
 * What the heap holds and what it allocates, on request (Aurora only; the times count from
 * `ready`): `BENCH_HEAP_SNAPSHOTS_MS=9000,15000` writes a heap snapshot at each time (a full GC
 * first; the server pauses seconds for each); `BENCH_ALLOC_SAMPLE_MS=8000,14000` runs V8's
 * sampling heap profiler between the two times, objects collected since included, so the
 * profile says what was allocated where. The files' paths are printed.
 */
function heapProbes(): void {
  const file = (name: string) => join(tmpdir(), `aurora-bench-${process.pid}-${name}`);
  const snapshots = process.env.BENCH_HEAP_SNAPSHOTS_MS?.split(',').filter(Boolean).map(Number) ?? [];
  for (const [index, ms] of snapshots.entries())
    setTimeout(() => process.stdout.write(`heap snapshot: ${writeHeapSnapshot(file(`${index}.heapsnapshot`))}\n`), ms);
  const [from, to] = process.env.BENCH_ALLOC_SAMPLE_MS?.split(',').map(Number) ?? [];
  if (from !== undefined && to !== undefined && to > from) {
    const session = new Session();
    session.connect();
    const sampling = {
      samplingInterval: 8192,
      includeObjectsCollectedByMajorGC: true,
      // BENCH_ALLOC_SURVIVORS=1: only what outlived a scavenge (what gets promoted).
      includeObjectsCollectedByMinorGC: process.env.BENCH_ALLOC_SURVIVORS !== '1',
    };
    setTimeout(() => void session.post('HeapProfiler.startSampling', sampling), from);
    setTimeout(() => {
      void (async () => {
        const { profile } = await session.post('HeapProfiler.stopSampling');
        const path = file('allocations.heapprofile');
        await writeFile(path, JSON.stringify(profile));
        process.stdout.write(`allocation profile: ${path}\n`);
      })();
    }, to);
  }
}

process.on('message', (message: { type?: string; t0?: number }) => {
  if (message.type === 'clock') send({ type: 'clock', t0: message.t0, t: sharedNow() });
  if (message.type === 'stats') send({ type: 'stats', errorLogs, statements: statements().slice(0, 30) });
  if (message.type === 'close') {
    void close()
      .catch((error: unknown) => process.stderr.write(`close failed: ${String(error)}\n`))
      .finally(() => process.exit(0));
  }
});
