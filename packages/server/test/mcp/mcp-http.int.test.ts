/**
 * Aurora as an MCP server: the real server (in-memory PGlite, scripted model, in-process
 * `ops` plugin) serves `/mcp`, and the real MCP SDK client talks Streamable HTTP to it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/server-harness.js';
import { apiKey, connectMcp, errorCode, httpTransport, type McpTestClient } from './mcp-support.js';

let harness: Harness;
const keys = { operator: '', viewer: '', otherOperator: '' };
const open: McpTestClient[] = [];

const connect = async (credential: string | undefined, elicitation: 'accept' | 'decline' | 'none' = 'accept') => {
  const client = await connectMcp(httpTransport(harness, credential), elicitation);
  open.push(client);
  return client;
};

beforeAll(async () => {
  harness = await startHarness();
  keys.operator = await apiKey(harness, harness.users.operator, 'mcp operator');
  keys.viewer = await apiKey(harness, harness.users.viewer, 'mcp viewer');
  keys.otherOperator = await apiKey(harness, harness.users.otherOperator, 'mcp other org');
}, 120_000);
afterAll(async () => {
  for (const client of open) await client.close().catch(() => undefined);
  await harness?.close();
});

describe('authentication', () => {
  it('refuses a missing or unknown key with UNAUTHENTICATED, before any session exists', async () => {
    await expect(connectMcp(httpTransport(harness, undefined))).rejects.toMatchObject({
      code: 401,
      message: expect.stringMatching(/UNAUTHENTICATED.*Sign in first: send Authorization: Bearer/),
    });
    await expect(connectMcp(httpTransport(harness, 'aurk_not-a-real-key'))).rejects.toMatchObject({
      code: 401,
      message: expect.stringMatching(/UNAUTHENTICATED.*invalid, expired or revoked/),
    });
  });

  it('accepts a session token as the REST API does', async () => {
    const client = await connect(harness.users.viewer.token, 'none');
    const result = await client.call('list_plugins');
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent.plugins.map((plugin: { name: string }) => plugin.name)).toContain('ops');
  });

  it("a session belongs to its user: another user's key with its session id is answered 404", async () => {
    const client = await connect(keys.operator, 'none');
    const transport = client.client.transport as ReturnType<typeof httpTransport>;
    expect(transport.sessionId).toBeTruthy();
    const response = await fetch(`${harness.url}/mcp`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${keys.otherOperator}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': transport.sessionId!,
        'mcp-protocol-version': '2025-06-18',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
    });
    expect(response.status).toBe(404);
    expect(await response.text()).toContain('Session not found');
  });

  it('a revoked key stops working in an open session', async () => {
    const created = await harness.api('/api/v1/api-keys', {
      token: harness.users.operator.token,
      body: { name: 'short-lived' },
    });
    const client = await connect(created.body.key, 'none');
    expect((await client.call('list_plugins')).isError).toBeFalsy();
    await harness.api(`/api/v1/api-keys/${created.body.id}`, { method: 'DELETE', token: harness.users.operator.token });
    await expect(client.call('list_plugins')).rejects.toMatchObject({ code: 401 });
  });
});

describe('tools', () => {
  it('lists every tool with input and output schemas and risk annotations', async () => {
    const client = await connect(keys.viewer, 'none');
    const { tools } = await client.client.listTools();
    const byName = new Map(tools.map((tool) => [tool.name, tool]));
    expect([...byName.keys()].sort()).toEqual([
      'get_run',
      'list_pending_confirmations',
      'list_plugins',
      'list_sessions',
      'read_session',
      'respond_to_confirmation',
      'start_investigation',
    ]);
    for (const tool of tools) {
      expect(tool.inputSchema.type).toBe('object');
      expect(tool.outputSchema?.type).toBe('object');
      expect(tool.description?.length).toBeGreaterThan(20);
    }
    expect(byName.get('start_investigation')?.inputSchema.required).toEqual(['text']);
    expect(Object.keys(byName.get('respond_to_confirmation')?.inputSchema.properties ?? {})).toEqual([
      'confirmationId',
      'decision',
      'reason',
    ]);
    expect(byName.get('list_sessions')?.annotations).toMatchObject({ readOnlyHint: true });
    expect(byName.get('start_investigation')?.annotations).toMatchObject({
      readOnlyHint: false,
      destructiveHint: false,
    });
    expect(byName.get('respond_to_confirmation')?.annotations).toMatchObject({
      readOnlyHint: false,
      destructiveHint: true,
    });
  });

  it('bad arguments are a typed INVALID_INPUT result naming the field', async () => {
    const client = await connect(keys.viewer, 'none');
    const result = await client.call('get_run', { runId: '', waitSeconds: 9999 });
    expect(errorCode(result)).toBe('INVALID_INPUT');
    expect(JSON.stringify(result.content)).toMatch(/runId.*waitSeconds/);
  });

  it('start_investigation asks the user, starts a run as the key holder and waits for the final message; the other tools read it back', async () => {
    const client = await connect(keys.operator);
    const started = await client.call('start_investigation', { text: 'hello from mcp', waitSeconds: 30 });
    expect(started.isError).toBeFalsy();
    expect(client.asked).toHaveLength(1);
    expect(client.asked[0]?.message).toContain('hello from mcp');
    const { runId, sessionId, status, message } = started.structuredContent;
    expect(status).toBe('completed');
    expect(message).toContain('Hello operator');

    // The same run over the REST API: MCP and REST share the services.
    const run = await harness.api(`/api/v1/runs/${runId}`, { token: harness.users.operator.token });
    expect(run.body).toMatchObject({ runId, sessionId, status: 'completed' });

    const sessions = await client.call('list_sessions');
    const rest = await harness.api('/api/v1/sessions', { token: harness.users.operator.token });
    expect(sessions.structuredContent).toEqual(rest.body);
    expect(sessions.structuredContent.sessions.map((session: { id: string }) => session.id)).toContain(sessionId);

    const history = await client.call('read_session', { sessionId });
    expect(history.structuredContent.messages.map((m: { role: string; text: string }) => [m.role, m.text])).toEqual([
      ['user', 'hello from mcp'],
      ['assistant', expect.stringContaining('Hello operator')],
    ]);

    const got = await client.call('get_run', { runId });
    expect(got.structuredContent.status).toBe('completed');
    const types = got.structuredContent.events.map((event: { type: string }) => event.type);
    expect(types[0]).toBe('run.started');
    expect(types).toContain('message.completed');
    expect(types.at(-1)).toBe('run.finished');
    expect(types).not.toContain('token.streamed');
    const withTokens = await client.call('get_run', { runId, includeTokens: true, afterSeq: 1, limit: 2 });
    expect(withTokens.structuredContent.events.map((event: { seq: number }) => event.seq)).toEqual([2, 3]);
    expect(withTokens.structuredContent).toMatchObject({ lastSeq: 3, more: true });
  });

  it('a client without elicitation cannot start a run (CONFIRMATION_REQUIRED), nor can one whose user declines', async () => {
    const before = (await harness.api('/api/v1/sessions', { token: harness.users.operator.token })).body.sessions
      .length;
    const blind = await connect(keys.operator, 'none');
    const refused = await blind.call('start_investigation', { text: 'hello again' });
    expect(errorCode(refused)).toBe('CONFIRMATION_REQUIRED');
    const declining = await connect(keys.operator, 'decline');
    expect(errorCode(await declining.call('start_investigation', { text: 'hello again' }))).toBe(
      'CONFIRMATION_REJECTED',
    );
    expect(declining.asked).toHaveLength(1);
    expect((await harness.api('/api/v1/sessions', { token: harness.users.operator.token })).body.sessions).toHaveLength(
      before,
    );
  });

  it('a viewer key cannot start a run (the run manager refuses: FORBIDDEN)', async () => {
    const client = await connect(keys.viewer);
    expect(errorCode(await client.call('start_investigation', { text: 'hello' }))).toBe('FORBIDDEN');
  });
});

describe('approvals and org isolation', () => {
  it('a run pauses for a destructive call; a viewer cannot approve, another org cannot see it, the operator approves and it runs once', async () => {
    const operator = await connect(keys.operator);
    const started = await operator.call('start_investigation', { text: 'please delete i-mcp1', waitSeconds: 30 });
    const { runId, sessionId, status, pendingConfirmations } = started.structuredContent;
    expect(status).toBe('paused');
    expect(pendingConfirmations).toHaveLength(1);
    const [pending] = pendingConfirmations;
    expect(pending).toMatchObject({
      runId,
      sessionId,
      tool: 'ops__delete_instance',
      risk: 'destructive',
      arguments: { id: 'i-mcp1' },
    });
    expect(harness.calls.deleted).toEqual([]);

    // A viewer of the same org sees it but cannot decide, even with the user's consent.
    const viewer = await connect(keys.viewer);
    const listed = await viewer.call('list_pending_confirmations', { runId });
    expect(listed.structuredContent.confirmations.map((item: { id: string }) => item.id)).toEqual([pending.id]);
    const refused = await viewer.call('respond_to_confirmation', { confirmationId: pending.id, decision: 'approve' });
    expect(errorCode(refused)).toBe('FORBIDDEN');
    expect(viewer.asked).toHaveLength(1);

    // Another org's operator sees nothing of org A.
    const stranger = await connect(keys.otherOperator);
    expect((await stranger.call('list_pending_confirmations')).structuredContent.confirmations).toEqual([]);
    expect(
      errorCode(await stranger.call('respond_to_confirmation', { confirmationId: pending.id, decision: 'approve' })),
    ).toBe('NOT_FOUND');
    expect(errorCode(await stranger.call('read_session', { sessionId }))).toBe('NOT_FOUND');
    expect(errorCode(await stranger.call('get_run', { runId }))).toBe('NOT_FOUND');
    const theirs = (await stranger.call('list_sessions')).structuredContent.sessions.map(
      (session: { id: string }) => session.id,
    );
    expect(theirs).not.toContain(sessionId);
    expect(harness.calls.deleted).toEqual([]);

    // Without elicitation, even an operator is not allowed to approve (the guard asks a human first).
    const blind = await connect(keys.operator, 'none');
    expect(
      errorCode(await blind.call('respond_to_confirmation', { confirmationId: pending.id, decision: 'approve' })),
    ).toBe('CONFIRMATION_REQUIRED');

    const paused = await operator.call('get_run', { runId });
    const approved = await operator.call('respond_to_confirmation', {
      confirmationId: pending.id,
      decision: 'approve',
    });
    expect(approved.structuredContent).toEqual({ runId, resumed: true });
    expect(operator.asked.at(-1)?.message).toMatch(/destructive.*approve confirmation/);
    const finished = await operator.call('get_run', {
      runId,
      afterSeq: paused.structuredContent.lastSeq,
      waitSeconds: 30,
    });
    expect(finished.structuredContent.status).toBe('completed');
    const tool = finished.structuredContent.events.find(
      (event: { type: string }) => event.type === 'tool-call.finished',
    );
    expect(tool).toMatchObject({ tool: 'ops__delete_instance', ok: true });
    expect(harness.calls.deleted).toEqual(['i-mcp1']);
    expect((await operator.call('list_pending_confirmations', { runId })).structuredContent.confirmations).toEqual([]);
  });
});
