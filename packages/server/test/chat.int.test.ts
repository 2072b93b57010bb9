/**
 * End to end over real HTTP and WebSocket: the server on an in-memory PGlite, the scripted
 * model, and an in-process MCP plugin through the real host and confirmation service.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECRET, startHarness, type Harness } from './support/server-harness.js';

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
}, 120_000);
afterAll(async () => {
  await harness?.close();
});

const finished = (runId: string) => (message: any) => message.type === 'run.finished' && message.runId === runId;

describe('chat over the WebSocket', () => {
  it('streams tokens, then the final message and run.finished, all in the core event schema', async () => {
    const client = await harness.connect(harness.users.operator);
    client.send({ type: 'message.send', text: 'hello', clientMessageId: 'c1' });
    const accepted = await client.waitFor((m) => m.type === 'run.accepted' && m.clientMessageId === 'c1');
    const done = await client.waitFor(finished(accepted.runId));
    expect(done.status).toBe('completed');
    const events = client.received.filter((m) => m.runId === accepted.runId);
    const tokens = events.filter((m) => m.type === 'token.streamed');
    expect(tokens.length).toBeGreaterThan(1);
    expect(tokens.map((m) => m.text).join('')).toContain('Hello operator');
    // The client hears of the run first, then every event from seq 1, in order, once.
    expect(events[0]).toBe(accepted);
    const seqs = events.filter((m) => typeof m.seq === 'number').map((m) => m.seq);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, index) => index + 1));
    expect(events.find((m) => m.type === 'message.completed')?.text).toContain('Hello operator');
  });

  it('a destructive tool waits for approval: a viewer is refused, an operator of the org approves, the tool runs once', async () => {
    const operator = await harness.connect(harness.users.operator);
    operator.send({ type: 'message.send', text: 'please delete i-0abc' });
    const accepted = await operator.waitFor((m) => m.type === 'run.accepted');
    const requested = await operator.waitFor((m) => m.type === 'confirmation.requested' && m.runId === accepted.runId);
    expect(requested.tool).toBe('ops__delete_instance');
    expect(requested.arguments).toEqual({ id: 'i-0abc' });
    expect(requested.risk).toBe('destructive');
    await operator.waitFor((m) => finished(accepted.runId)(m) && m.status === 'paused');
    expect(harness.calls.deleted).toEqual([]);

    // A viewer of the same org cannot decide.
    const viewer = await harness.connect(harness.users.viewer);
    viewer.send({ type: 'confirmation.respond', confirmationId: requested.confirmationId, decision: 'approve' });
    const refused = await viewer.waitFor((m) => m.type === 'error');
    expect(refused.error.code).toBe('FORBIDDEN');
    // An operator of another org cannot see it.
    const stranger = await harness.connect(harness.users.otherOperator);
    stranger.send({ type: 'confirmation.respond', confirmationId: requested.confirmationId, decision: 'approve' });
    expect((await stranger.waitFor((m) => m.type === 'error')).error.code).toBe('NOT_FOUND');
    expect(harness.calls.deleted).toEqual([]);

    operator.send({ type: 'confirmation.respond', confirmationId: requested.confirmationId, decision: 'approve' });
    const ack = await operator.waitFor((m) => m.type === 'confirmation.accepted');
    expect(ack.resumed).toBe(true);
    const done = await operator.waitFor((m) => finished(accepted.runId)(m) && m.status === 'completed');
    expect(done.status).toBe('completed');
    expect(harness.calls.deleted).toEqual(['i-0abc']);
    expect(operator.received.some((m) => m.type === 'confirmation.resolved' && m.decision === 'approved')).toBe(true);

    // Approving again does nothing more.
    operator.send({ type: 'confirmation.respond', confirmationId: requested.confirmationId, decision: 'approve' });
    await operator.waitFor((m) => m.type === 'error' && m.error.code === 'CONFLICT');
    expect(harness.calls.deleted).toEqual(['i-0abc']);
  });

  it('a rejection resumes the run without running the tool', async () => {
    const before = harness.calls.deleted.length;
    const operator = await harness.connect(harness.users.operator);
    operator.send({ type: 'message.send', text: 'delete i-keep' });
    const requested = await operator.waitFor((m) => m.type === 'confirmation.requested');
    operator.send({
      type: 'confirmation.respond',
      confirmationId: requested.confirmationId,
      decision: 'reject',
      reason: 'not now',
    });
    await operator.waitFor((m) => finished(requested.runId)(m) && m.status !== 'paused');
    expect(harness.calls.deleted.length).toBe(before);
  });

  it('cancel stops a running run', async () => {
    const operator = await harness.connect(harness.users.operator);
    operator.send({ type: 'message.send', text: 'slow answer please' });
    const accepted = await operator.waitFor((m) => m.type === 'run.accepted');
    await operator.waitFor((m) => m.type === 'run.started' && m.runId === accepted.runId);
    operator.send({ type: 'run.cancel', runId: accepted.runId });
    const done = await operator.waitFor(finished(accepted.runId));
    expect(done.status).toBe('cancelled');
  });

  it('a client that reconnects resumes after the last seq it saw, without gaps or duplicates', async () => {
    const first = await harness.connect(harness.users.operator);
    first.send({ type: 'message.send', text: 'status of api' });
    const accepted = await first.waitFor((m) => m.type === 'run.accepted');
    await first.waitFor(finished(accepted.runId));
    const all = first.received.filter((m) => m.runId === accepted.runId && typeof m.seq === 'number');
    const cut = all[2].seq;
    await first.close();

    const second = await harness.connect(harness.users.operator);
    second.send({ type: 'run.resume', runId: accepted.runId, afterSeq: cut });
    await second.waitFor(finished(accepted.runId));
    const replayed = second.received.filter((m) => m.runId === accepted.runId).map((m) => m.seq);
    expect(replayed).toEqual(all.filter((m) => m.seq > cut).map((m) => m.seq));

    // Another org cannot follow it.
    const stranger = await harness.connect(harness.users.otherOperator);
    stranger.send({ type: 'run.resume', runId: accepted.runId });
    expect((await stranger.waitFor((m) => m.type === 'error')).error.code).toBe('NOT_FOUND');
  });

  it('malformed, unknown, binary and oversized frames get typed errors and the connection stays usable', async () => {
    const client = await harness.connect(harness.users.operator);
    client.sendRaw('{not json');
    client.sendRaw(JSON.stringify({ type: 'drop.tables', secret: SECRET }));
    client.sendRaw(JSON.stringify({ type: 'message.send' }));
    client.sendRaw(Buffer.from([1, 2, 3]));
    client.sendRaw(JSON.stringify({ type: 'message.send', text: 'x'.repeat(300_000) }));
    await client.waitFor(() => client.received.filter((m) => m.type === 'error').length >= 5);
    const errors = client.received.filter((m) => m.type === 'error');
    expect(errors.map((m) => m.error.code).sort()).toEqual([
      'INVALID_INPUT',
      'INVALID_INPUT',
      'INVALID_INPUT',
      'INVALID_INPUT',
      'PAYLOAD_TOO_LARGE',
    ]);
    expect(JSON.stringify(errors)).not.toContain(SECRET);
    expect(JSON.stringify(errors)).not.toContain('drop.tables');
    client.send({ type: 'message.send', text: 'hello again' });
    const accepted = await client.waitFor((m) => m.type === 'run.accepted');
    expect((await client.waitFor(finished(accepted.runId))).status).toBe('completed');
  });

  it('refuses a WebSocket without a token, with a bad token, and a token used twice', async () => {
    const { default: WebSocket } = await import('ws');
    const status = (url: string) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(url);
        ws.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
        ws.on('open', () => {
          ws.close();
          resolve(101);
        });
        ws.on('error', () => undefined);
      });
    const base = harness.url.replace('http', 'ws');
    expect(await status(`${base}/api/v1/ws`)).toBe(401);
    expect(await status(`${base}/api/v1/ws?token=aurw_forged`)).toBe(401);
    const ticket = await harness.api('/api/v1/auth/ws-token', { method: 'POST', token: harness.users.viewer.token });
    expect(await status(`${base}${ticket.body.url}`)).toBe(101);
    expect(await status(`${base}${ticket.body.url}`)).toBe(401);
  });

  it('a viewer can read but not start a run', async () => {
    const viewer = await harness.connect(harness.users.viewer);
    viewer.send({ type: 'message.send', text: 'hello' });
    expect((await viewer.waitFor((m) => m.type === 'error')).error.code).toBe('FORBIDDEN');
  });

  it("an operator's API key of role viewer opens a viewer's WebSocket: it can neither start a run nor approve", async () => {
    const key = await harness.api('/api/v1/api-keys', {
      token: harness.users.operator.token,
      body: { name: 'read-only', role: 'viewer' },
    });
    expect(key.status).toBe(201);
    const readOnly = await harness.connect({ ...harness.users.operator, token: key.body.key, role: 'viewer' });
    readOnly.send({ type: 'message.send', text: 'hello' });
    expect((await readOnly.waitFor((m) => m.type === 'error')).error.code).toBe('FORBIDDEN');

    const operator = await harness.connect(harness.users.operator);
    operator.send({ type: 'message.send', text: 'please delete i-0key' });
    const accepted = await operator.waitFor((m) => m.type === 'run.accepted');
    const requested = await operator.waitFor((m) => m.type === 'confirmation.requested' && m.runId === accepted.runId);
    const before = harness.calls.deleted.length;
    const approver = await harness.connect({ ...harness.users.operator, token: key.body.key, role: 'viewer' });
    approver.send({ type: 'confirmation.respond', confirmationId: requested.confirmationId, decision: 'approve' });
    expect((await approver.waitFor((m) => m.type === 'error')).error.code).toBe('FORBIDDEN');
    operator.send({ type: 'confirmation.respond', confirmationId: requested.confirmationId, decision: 'reject' });
    await operator.waitFor((m) => finished(accepted.runId)(m) && m.status === 'completed');
    expect(harness.calls.deleted).toHaveLength(before);
  });
});

describe('the same stream over SSE', () => {
  it('replays a run as server-sent events with ids, and honours Last-Event-ID', async () => {
    const started = await harness.api('/api/v1/chat', {
      token: harness.users.operator.token,
      body: { text: 'hello sse' },
    });
    expect(started.status).toBe(202);
    const { runId } = started.body;
    const read = async (headers: Record<string, string> = {}) => {
      const response = await fetch(`${harness.url}/api/v1/runs/${runId}/stream`, {
        headers: { authorization: `Bearer ${harness.users.operator.token}`, ...headers },
      });
      expect(response.headers.get('content-type')).toContain('text/event-stream');
      return response.text();
    };
    const text = await read();
    const ids = [...text.matchAll(/^id: (\d+)$/gm)].map((match) => Number(match[1]));
    expect(text).toContain('event: run.finished');
    expect(ids.length).toBeGreaterThan(3);
    const resumed = await read({ 'last-event-id': String(ids[1]) });
    expect([...resumed.matchAll(/^id: (\d+)$/gm)].map((match) => Number(match[1]))).toEqual(ids.slice(2));
    const stranger = await fetch(`${harness.url}/api/v1/runs/${runId}/stream`, {
      headers: { authorization: `Bearer ${harness.users.otherOperator.token}` },
    });
    expect(stranger.status).toBe(404);
  });
});
