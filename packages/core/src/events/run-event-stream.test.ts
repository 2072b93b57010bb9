import { describe, expect, it } from 'vitest';
import { AuroraError } from '../errors/aurora-error.js';
import { createLogger, type LogRecord } from '../logging/logger.js';
import { createSecretRedactor } from '../secrets/redactor.js';
import type { RunEvent } from './run-event.js';
import { createRunEventStream } from './run-event-stream.js';

const CANARY = 'canary-secret-7Hq2pX9w';

function makeStream(overrides: Partial<Parameters<typeof createRunEventStream>[0]> = {}) {
  const redactor = createSecretRedactor();
  redactor.learn(CANARY);
  return createRunEventStream({ runId: 'run-1', sessionId: 'session-1', redactor, validate: true, ...overrides });
}

async function take(iterator: AsyncIterator<RunEvent>, count: number): Promise<RunEvent[]> {
  const out: RunEvent[] = [];
  for (let i = 0; i < count; i += 1) {
    const next = await iterator.next();
    if (next.done) break;
    out.push(next.value);
  }
  return out;
}

describe('RunEventStream', () => {
  it('stamps run, session, seq 1, 2, … and at', () => {
    const stream = makeStream({ now: () => new Date('2026-01-01T00:00:00Z') });
    const first = stream.emit({ type: 'token.streamed', text: 'a' });
    const second = stream.emit({ type: 'token.streamed', text: 'b' });
    expect(first).toEqual({
      type: 'token.streamed',
      text: 'a',
      runId: 'run-1',
      sessionId: 'session-1',
      seq: 1,
      at: '2026-01-01T00:00:00.000Z',
    });
    expect(second.seq).toBe(2);
    expect(stream.lastSeq).toBe(2);
  });

  it('continues numbering from startSeq', () => {
    const stream = makeStream({ startSeq: 41 });
    expect(stream.emit({ type: 'token.streamed', text: 'x' }).seq).toBe(42);
  });

  it('redacts every event before subscribers, the buffer and the sink see it', async () => {
    const sunk: RunEvent[] = [];
    const stream = makeStream({ sink: (event) => void sunk.push(event) });
    const iterator = stream.subscribe();
    stream.emit({ type: 'message.completed', text: `the key is ${CANARY}` });
    stream.emit({
      type: 'tool-call.started',
      toolCallId: 't1',
      tool: 'aws__get',
      plugin: 'aws',
      arguments: { token: CANARY, nested: { list: [CANARY] } },
      risk: 'read',
    });
    const seen = await take(iterator, 2);
    for (const event of [...seen, ...sunk, ...stream.since(0)]) {
      expect(JSON.stringify(event)).not.toContain(CANARY);
    }
    expect(seen[0]).toMatchObject({ text: 'the key is [REDACTED]' });
    expect(sunk).toHaveLength(2);
  });

  it('rejects an event that does not match the schema, without advancing seq', () => {
    const stream = makeStream();
    const bad = { type: 'token.streamed', text: 42 } as unknown as Parameters<typeof stream.emit>[0];
    expect(() => stream.emit(bad)).toThrow(AuroraError);
    expect(stream.lastSeq).toBe(0);
    expect(stream.emit({ type: 'token.streamed', text: 'ok' }).seq).toBe(1);
  });

  it('fans out to several subscribers and ends them on close', async () => {
    const stream = makeStream();
    const a = stream.subscribe();
    const b = stream.subscribe();
    stream.emit({ type: 'token.streamed', text: '1' });
    stream.emit({ type: 'token.streamed', text: '2' });
    await stream.close();
    const all = async (iterator: AsyncIterableIterator<RunEvent>) => {
      const out: string[] = [];
      for await (const event of iterator) if (event.type === 'token.streamed') out.push(event.text);
      return out;
    };
    expect(await all(a)).toEqual(['1', '2']);
    expect(await all(b)).toEqual(['1', '2']);
    expect(() => stream.emit({ type: 'token.streamed', text: 'late' })).toThrow(AuroraError);
  });

  it('replays from the bounded buffer for a reconnecting client, then continues live', async () => {
    const stream = makeStream({ bufferSize: 3 });
    for (let i = 1; i <= 5; i += 1) stream.emit({ type: 'token.streamed', text: String(i) });
    expect(stream.since(0).map((event) => event.seq)).toEqual([3, 4, 5]);
    expect(stream.since(4).map((event) => event.seq)).toEqual([5]);
    const resumed = stream.subscribe({ since: 3 });
    stream.emit({ type: 'token.streamed', text: '6' });
    expect((await take(resumed, 3)).map((event) => event.seq)).toEqual([4, 5, 6]);
    // Past twice the size (trimmed in halves), still exactly the last three.
    for (let i = 7; i <= 20; i += 1) stream.emit({ type: 'token.streamed', text: String(i) });
    expect(stream.since(0).map((event) => event.seq)).toEqual([18, 19, 20]);
  });

  it('an aborted subscription ends; a failing sink is logged, not thrown', async () => {
    const records: LogRecord[] = [];
    const stream = makeStream({
      sink: () => Promise.reject(new Error(`sink down ${CANARY}`)),
      logger: createLogger((record) => records.push(record)),
    });
    const controller = new AbortController();
    const iterator = stream.subscribe({ signal: controller.signal });
    const pending = iterator.next();
    controller.abort();
    expect((await pending).done).toBe(true);
    stream.emit({ type: 'token.streamed', text: 'x' });
    await stream.close();
    expect(records.map((record) => record.message)).toEqual(['run event sink failed']);
    expect(JSON.stringify(records)).not.toContain(CANARY);
  });

  it('calls several sinks in turn, synchronously; one that throws keeps no other from its event', () => {
    const records: LogRecord[] = [];
    const seen: string[] = [];
    const stream = makeStream({
      sink: [
        (event) => {
          seen.push(`a${event.seq}`);
          throw new Error('first sink down');
        },
        (event) => void seen.push(`b${event.seq}`),
      ],
      logger: createLogger((record) => records.push(record)),
    });
    stream.emit({ type: 'token.streamed', text: 'x' });
    stream.emit({ type: 'token.streamed', text: 'y' });
    expect(seen).toEqual(['a1', 'b1', 'a2', 'b2']);
    expect(records.map((record) => record.message)).toEqual(['run event sink failed', 'run event sink failed']);
  });

  it('a complete subscription replays from its seq, or fails with EXPIRED once the buffer has dropped it', async () => {
    const stream = makeStream({ bufferSize: 3, startSeq: 10 });
    for (let i = 1; i <= 5; i += 1) stream.emit({ type: 'token.streamed', text: String(i) });
    // 11…15 are all still buffered (trimmed at twice the size).
    const late = stream.subscribe({ since: 10, complete: true });
    expect((await take(late, 5)).map((event) => event.seq)).toEqual([11, 12, 13, 14, 15]);
    stream.emit({ type: 'token.streamed', text: '6' }); // 16: trimmed to 14…16
    expect((await take(late, 1)).map((event) => event.seq)).toEqual([16]);
    let error: unknown;
    try {
      stream.subscribe({ since: 10, complete: true });
    } catch (caught) {
      error = caught;
    }
    expect(AuroraError.isInstance(error) && error.code).toBe('EXPIRED');
    // Without `complete`, the same subscription starts at what is left.
    expect((await take(stream.subscribe({ since: 10 }), 3)).map((event) => event.seq)).toEqual([14, 15, 16]);
    // Nothing emitted after `since` yet: nothing missing.
    expect(() => stream.subscribe({ since: 16, complete: true })).not.toThrow();
  });
});
