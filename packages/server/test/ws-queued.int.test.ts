/**
 * A burst over the real WebSocket with AURORA_MAX_STARTING_RUNS=1: while one run is in its
 * start (the scripted model waits 3 s before its first token), a second `message.send` is
 * answered `run.queued` at once, then `run.accepted` when its turn comes, and completes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './support/server-harness.js';

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness({ env: { AURORA_MAX_STARTING_RUNS: '1' } });
}, 120_000);
afterAll(async () => {
  await harness?.close();
});

describe('run starts beyond AURORA_MAX_STARTING_RUNS over the WebSocket', () => {
  it('answers run.queued at once, then run.accepted, and the run completes', async () => {
    const client = await harness.connect(harness.users.operator);
    client.send({ type: 'message.send', text: 'slow please', clientMessageId: 'first' });
    const first = await client.waitFor((m) => m.type === 'run.accepted' && m.clientMessageId === 'first');
    client.send({ type: 'message.send', text: 'hello', clientMessageId: 'second' });
    const queued = await client.waitFor((m) => m.type === 'run.queued' && m.clientMessageId === 'second');
    expect(queued).toEqual({ type: 'run.queued', ahead: 0, clientMessageId: 'second' });
    // Told before the first run has produced anything: the queue answer does not wait for a turn.
    expect(client.received.some((m) => m.type === 'token.streamed' && m.runId === first.runId)).toBe(false);

    const second = await client.waitFor((m) => m.type === 'run.accepted' && m.clientMessageId === 'second', 15_000);
    const done = await client.waitFor((m) => m.type === 'run.finished' && m.runId === second.runId, 15_000);
    expect(done.status).toBe('completed');
    // Its turn came once the first run had begun to answer.
    const firstToken = client.received.findIndex((m) => m.type === 'token.streamed' && m.runId === first.runId);
    const secondAccepted = client.received.indexOf(second);
    expect(firstToken).toBeGreaterThanOrEqual(0);
    expect(firstToken).toBeLessThan(secondAccepted);
    await client.close();
  }, 60_000);
});
