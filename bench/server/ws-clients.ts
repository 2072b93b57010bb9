/**
 * The benchmark's WebSocket clients: each gets a ws-token over HTTP, connects, and (on a
 * ramp) sends `message.send`; every `token.streamed` it receives is timed against the emit
 * time carried in its text. One implementation drives both Aurora and the raw `ws` server.
 */
import { parseTokenTime } from './token-stamp.js';
import { GOAL_P99_MS, sharedNow, sleep } from './stats.js';
import { WebSocket } from './ws-module.js';

export interface ClientOptions {
  /** Session i talks to target i mod the count (replicas behind a load balancer). */
  readonly targets: readonly { readonly url: string; readonly apiKey: string }[];
  readonly sessions: number;
  readonly tokens: number;
  readonly intervalMs: number;
  /** Server clock − our clock (ms); subtracted from each emit time. */
  readonly offsetMs: number;
  /** `message.send` of session i goes out at i × rampMs / sessions. */
  readonly rampMs: number;
  readonly connectConcurrency?: number;
}

export interface ClientResult {
  /** Relay latency of every token received (ms), sorted. */
  readonly latencies: Float64Array;
  readonly received: number;
  readonly expected: number;
  /** Token receipts per second since the first send, by second. */
  readonly perSecond: readonly number[];
  /** Median over the seconds in which every session should be streaming. */
  readonly steadyTokensPerSecond: number;
  /** Relay latency of the tokens received in those seconds (ms), sorted. */
  readonly steadyLatencies: Float64Array;
  /** p99 relay latency of the tokens received in each second since the first send (ms). */
  readonly p99PerSecond: readonly number[];
  /** How many tokens received in each second took longer than `GOAL_P99_MS`. */
  readonly overGoalPerSecond: readonly number[];
  /** Those seconds, counted from `origin`: [from, to). */
  readonly steadyWindow: { readonly from: number; readonly to: number };
  /** `sharedNow()` at the first send. */
  readonly origin: number;
  /** message.send → first token, per session (ms), sorted. */
  readonly firstToken: Float64Array;
  readonly errors: number;
  readonly errorSamples: readonly string[];
  readonly sessions: number;
  /** Sessions whose run finished with status `completed`. */
  readonly completed: number;
  readonly connectMs: number;
  /** From the first send to the last event (ms). */
  readonly streamMs: number;
  /** CPU this (client) process used while streaming, as a fraction of one core. */
  readonly clientCpu: number;
}

interface Session {
  readonly ws: WebSocket;
  sentAt: number;
  firstAt: number;
  tokens: number;
  done: boolean;
}

export async function runClients(options: ClientOptions): Promise<ClientResult> {
  const expected = options.sessions * options.tokens;
  const latencies = new Float64Array(expected);
  /** The second (since the first send) each latency was received in. */
  const receivedIn = new Uint16Array(expected);
  let received = 0;
  let errors = 0;
  const errorSamples: string[] = [];
  const perSecond: number[] = [];
  let completed = 0;
  let settled = 0;
  let lastEventAt = 0;
  let origin = 0;
  const sessions: Session[] = [];
  const failure = (text: string): void => {
    errors++;
    if (errorSamples.length < 5) errorSamples.push(text);
  };
  let closing = false;
  let allDone: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (allDone = resolve));
  const settle = (session: Session): void => {
    if (session.done) return;
    session.done = true;
    settled++;
    if (settled === options.sessions) allDone();
  };

  let opened = 0;
  const open = async (): Promise<Session> => {
    const target = options.targets[opened++ % options.targets.length]!;
    const response = await fetch(`${target.url}/api/v1/auth/ws-token`, {
      method: 'POST',
      headers: { authorization: `Bearer ${target.apiKey}` },
    });
    if (response.status !== 200) throw new Error(`ws-token: ${response.status} ${await response.text()}`);
    const ticket = (await response.json()) as { url: string };
    const ws = new WebSocket(`${target.url.replace(/^http/, 'ws')}${ticket.url}`);
    const session: Session = { ws, sentAt: 0, firstAt: 0, tokens: 0, done: false };
    ws.on('message', (data: Buffer) => {
      const now = sharedNow();
      const event = JSON.parse(data.toString('utf8')) as {
        type: string;
        text?: string;
        status?: string;
        error?: { code?: string; message?: string };
      };
      lastEventAt = now;
      if (event.type === 'token.streamed') {
        const emitted = parseTokenTime(event.text ?? '');
        if (emitted === undefined) return;
        if (session.tokens === 0) session.firstAt = now;
        session.tokens++;
        const second = Math.floor((now - origin) / 1000);
        if (received < expected) {
          latencies[received] = now - (emitted - options.offsetMs);
          receivedIn[received] = second;
        }
        received++;
        perSecond[second] = (perSecond[second] ?? 0) + 1;
      } else if (event.type === 'error') {
        failure(`${event.error?.code}: ${event.error?.message}`);
      } else if (event.type === 'run.finished') {
        if (event.status === 'completed') completed++;
        else failure(`run.finished ${event.status}`);
        settle(session);
      }
    });
    ws.on('close', () => {
      if (session.done || closing) return;
      failure('closed before run.finished');
      settle(session);
    });
    ws.on('error', (error: Error) => failure(`ws error: ${error.message}`));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return session;
  };

  const connectStarted = performance.now();
  const concurrency = options.connectConcurrency ?? 50;
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < options.sessions) {
        next++;
        sessions.push(await open());
      }
    }),
  );
  const connectMs = performance.now() - connectStarted;

  const cpuBefore = process.cpuUsage();
  origin = sharedNow();
  const started = performance.now();
  for (const [index, session] of sessions.entries()) {
    const due = started + (index * options.rampMs) / options.sessions;
    if (due > performance.now()) await sleep(due - performance.now());
    session.sentAt = sharedNow();
    session.ws.send(JSON.stringify({ type: 'message.send', text: 'stream', clientMessageId: `bench-${index}` }));
  }
  // A server that falls behind is cut off 30 s after the last token was due (the run stays ≤ 3 min).
  const budget = options.rampMs + options.tokens * options.intervalMs + 30_000;
  const timedOut = await Promise.race([finished.then(() => false), sleep(budget).then(() => true)]);
  if (timedOut)
    failure(`cut off ${budget / 1000} s after the first send with ${options.sessions - settled} runs unfinished`);
  const elapsed = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  closing = true;
  await Promise.all(
    sessions.map(
      (session) =>
        new Promise<void>((resolve) => {
          if (session.ws.readyState === WebSocket.CLOSED) return resolve();
          session.ws.once('close', () => resolve());
          session.ws.close();
          setTimeout(() => {
            session.ws.terminate();
            resolve();
          }, 2_000).unref();
        }),
    ),
  );

  const count = Math.min(received, expected);
  const recorded = latencies.subarray(0, count);
  const firstToken = Float64Array.from(sessions.filter((s) => s.firstAt > 0).map((s) => s.firstAt - s.sentAt)).sort();
  // Every session streams from (its send + one interval) to (its send + tokens × interval).
  const from = Math.ceil((options.rampMs + options.intervalMs) / 1000);
  const to = Math.floor((options.tokens * options.intervalMs) / 1000) - 1;
  const steady = perSecond.slice(from, Math.max(from, to)).map((count) => count ?? 0);
  steady.sort((a, b) => a - b);
  const steadyLatencies = recorded.filter((_, index) => receivedIn[index]! >= from && receivedIn[index]! < to).sort();
  const bySecond: number[][] = [];
  for (const [index, latency] of recorded.entries()) (bySecond[receivedIn[index]!] ??= []).push(latency);
  const overGoalPerSecond = Array.from(bySecond, (values) => (values ?? []).filter((ms) => ms > GOAL_P99_MS).length);
  const p99PerSecond = Array.from(bySecond, (values) => {
    if (!values || values.length === 0) return Number.NaN;
    values.sort((a, b) => a - b);
    return values[Math.min(values.length - 1, Math.floor(values.length * 0.99))]!;
  });
  recorded.sort();
  return {
    latencies: recorded,
    steadyLatencies,
    p99PerSecond,
    overGoalPerSecond,
    received,
    expected,
    perSecond,
    steadyTokensPerSecond: steady.length > 0 ? steady[Math.floor(steady.length / 2)]! : Number.NaN,
    steadyWindow: { from, to: Math.max(from, to) },
    origin,
    firstToken,
    errors,
    errorSamples,
    sessions: options.sessions,
    completed,
    connectMs,
    streamMs: (lastEventAt > 0 ? lastEventAt - origin : 0) || elapsed,
    clientCpu: (cpu.user + cpu.system) / 1000 / elapsed,
  };
}
