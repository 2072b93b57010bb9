/**
 * A burst over the real WebSocket with AURORA_MAX_STARTING_RUNS=1: two `message.send` frames
 * sent back to back. The second arrives while the first run is in its start (its session and
 * run rows, `run.started` being stored), so it is answered `run.queued` at once and
 * `run.accepted` when the first start is stored. The first run's model waits 3 s before its
 * first token ("slow please"): that wait holds no turn, so the second run is accepted, streams
 * and completes before the first has said anything.
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
  it('answers run.queued at once, then run.accepted once the start before it is stored; both complete', async () => {
    const client = await harness.connect(harness.users.operator);
    client.send({ type: 'message.send', text: 'slow please', clientMessageId: 'first' });
    client.send({ type: 'message.send', text: 'hello', clientMessageId: 'second' });
    const queued = await client.waitFor((m) => m.type === 'run.queued' && m.clientMessageId === 'second');
    expect(queued).toEqual({ type: 'run.queued', ahead: 0, clientMessageId: 'second' });
    const first = await client.waitFor((m) => m.type === 'run.accepted' && m.clientMessageId === 'first');
    const second = await client.waitFor((m) => m.type === 'run.accepted' && m.clientMessageId === 'second', 15_000);
    const done = await client.waitFor((m) => m.type === 'run.finished' && m.runId === second.runId, 15_000);
    expect(done.status).toBe('completed');
    // The first run's wait for its model held no turn: the second streamed and finished first.
    const firstToken = client.received.findIndex((m) => m.type === 'token.streamed' && m.runId === first.runId);
    expect(firstToken === -1 || firstToken > client.received.indexOf(done)).toBe(true);
    const firstDone = await client.waitFor((m) => m.type === 'run.finished' && m.runId === first.runId, 15_000);
    expect(firstDone.status).toBe('completed');
    await client.close();
  }, 60_000);
});
