/**
 * The REST API over real HTTP: auth, org isolation on every route, typed errors for bad
 * input, limits, the OpenAPI document, health, readiness and metrics.
 */
import { request as httpRequest } from 'node:http';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECRET, startHarness, type Harness } from './support/server-harness.js';

let harness: Harness;
let otherRunId: string;
let otherSessionId: string;
let otherConfirmationId: string;
let otherKeyId: string;
let otherUserId: string;

beforeAll(async () => {
  // `plain`: a plugin with a read tool but no declared connection test.
  const plain = () => {
    const server = new McpServer({ name: 'plain', version: '1.0.0' });
    server.registerTool('whoami', { description: 'Who am I.', annotations: { readOnlyHint: true } }, () => ({
      content: [{ type: 'text', text: 'me' }],
    }));
    return server;
  };
  harness = await startHarness({
    env: { AURORA_RATE_LIMIT_PER_MINUTE: '400' },
    plugins: [{ name: 'plain', transport: { kind: 'in-process', server: plain } }],
  });
  // Another org's data: a paused run with a pending confirmation, a connector, an API key, a policy.
  const other = harness.users.otherOperator;
  const started = await harness.api('/api/v1/chat', { token: other.token, body: { text: 'delete i-theirs' } });
  otherRunId = started.body.runId;
  otherSessionId = started.body.sessionId;
  for (let attempt = 0; attempt < 100 && !otherConfirmationId; attempt++) {
    const pending = await harness.api(`/api/v1/confirmations?runId=${otherRunId}`, { token: other.token });
    otherConfirmationId = pending.body.confirmations?.[0]?.id;
    if (!otherConfirmationId) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const admin = harness.users.otherAdmin.token;
  await harness.api('/api/v1/connectors/aws', {
    method: 'PUT',
    token: admin,
    body: { name: 'prod', credentials: { access_key_id: 'AKIAOTHER', secret_access_key: SECRET } },
  });
  otherKeyId = (await harness.api('/api/v1/api-keys', { token: admin, body: { name: 'ci' } })).body.id;
  otherUserId = harness.users.otherOperator.userId;
  await harness.api('/api/v1/policies', {
    method: 'PUT',
    token: admin,
    body: { rules: [{ tool: 'ops__*', action: 'deny' }] },
  });
}, 120_000);
afterAll(async () => {
  await harness?.close();
});

describe('authentication', () => {
  it('rejects missing, forged and wrong credentials with typed 401s', async () => {
    expect((await harness.api('/api/v1/me')).status).toBe(401);
    const forged = await harness.api('/api/v1/me', { token: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.bad' });
    expect(forged.status).toBe(401);
    expect(forged.body.error.code).toBe('UNAUTHENTICATED');
    expect((await harness.api('/api/v1/me', { token: 'aurk_not-a-key' })).status).toBe(401);
    const wrong = await harness.api('/api/v1/auth/login', {
      body: { email: 'ada@example.com', password: 'nope nope nope' },
    });
    expect(wrong.status).toBe(401);
    const unknown = await harness.api('/api/v1/auth/login', {
      body: { email: 'nobody@example.com', password: 'nope nope nope' },
    });
    expect(unknown.body.error.message).toBe(wrong.body.error.message);
  });

  it("API keys work, carry at most their creator's role, are listed without the key and can be revoked", async () => {
    const created = await harness.api('/api/v1/api-keys', {
      token: harness.users.operator.token,
      body: { name: 'automation' },
    });
    expect(created.status).toBe(201);
    expect(created.body.key).toMatch(/^aurk_/);
    const me = await harness.api('/api/v1/me', { token: created.body.key });
    expect(me.body).toMatchObject({ role: 'operator', via: 'api-key', org: 'default' });
    const escalate = await harness.api('/api/v1/api-keys', {
      token: harness.users.operator.token,
      body: { name: 'x', role: 'admin' },
    });
    expect(escalate.status).toBe(403);
    const listed = await harness.api('/api/v1/api-keys', { token: harness.users.operator.token });
    expect(JSON.stringify(listed.body)).not.toContain(created.body.key);
    expect(
      (
        await harness.api(`/api/v1/api-keys/${created.body.id}`, {
          method: 'DELETE',
          token: harness.users.operator.token,
        })
      ).status,
    ).toBe(200);
    expect((await harness.api('/api/v1/me', { token: created.body.key })).status).toBe(401);
  });

  it("the first admin's one-time login works once", async () => {
    const token = harness.server.runtime.firstLogin?.token;
    expect(token).toMatch(/^aurl_/);
    const first = await harness.api('/api/v1/auth/one-time', { body: { token } });
    expect(first.status).toBe(200);
    expect(first.body.user.role).toBe('admin');
    expect((await harness.api('/api/v1/auth/one-time', { body: { token } })).status).toBe(401);
  });
});

describe("org isolation: another org's ids are not found, on every route", () => {
  const cases: [string, string, unknown?][] = [
    ['GET', '/api/v1/runs/{run}'],
    ['GET', '/api/v1/runs/{run}/events'],
    ['GET', '/api/v1/runs/{run}/stream'],
    ['POST', '/api/v1/runs/{run}/cancel'],
    ['GET', '/api/v1/sessions/{session}/messages'],
    ['POST', '/api/v1/confirmations/{confirmation}', { decision: 'approve' }],
    ['DELETE', '/api/v1/api-keys/{key}'],
    ['PATCH', '/api/v1/users/{user}', { role: 'viewer' }],
    ['POST', '/api/v1/chat', { sessionId: '{session}', text: 'hi' }],
  ];
  it.each(cases)('%s %s', async (method, template, body) => {
    const fill = (text: string) =>
      text
        .replace('{run}', otherRunId)
        .replace('{session}', otherSessionId)
        .replace('{confirmation}', otherConfirmationId)
        .replace('{key}', otherKeyId)
        .replace('{user}', otherUserId);
    const response = await harness.api(fill(template), {
      method,
      token: harness.users.admin.token,
      ...(body === undefined ? {} : { body: JSON.parse(fill(JSON.stringify(body))) }),
    });
    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe('NOT_FOUND');
  });

  it("lists never show another org's rows, and the other org's run is untouched", async () => {
    const token = harness.users.admin.token;
    const everything = JSON.stringify([
      (await harness.api('/api/v1/sessions', { token })).body,
      (await harness.api('/api/v1/confirmations', { token })).body,
      (await harness.api('/api/v1/connectors', { token })).body,
      (await harness.api('/api/v1/api-keys', { token })).body,
      (await harness.api('/api/v1/users', { token })).body,
      (await harness.api('/api/v1/policies', { token })).body,
      (await harness.api('/api/v1/audit', { token })).body,
      (await harness.api('/api/v1/usage?by=session', { token })).body,
    ]);
    for (const foreign of [
      otherRunId,
      otherSessionId,
      otherConfirmationId,
      otherKeyId,
      otherUserId,
      'AKIAOTHER',
      'otto@other',
      'ops__*',
    ]) {
      expect(everything).not.toContain(foreign);
    }
    const theirs = await harness.api(`/api/v1/runs/${otherRunId}`, { token: harness.users.otherOperator.token });
    expect(theirs.body.status).toBe('paused');
    expect(harness.calls.deleted).not.toContain('i-theirs');
  });
});

describe('roles', () => {
  it('viewers and operators cannot use admin routes; operators cannot approve for another org', async () => {
    for (const [method, path, body] of [
      ['GET', '/api/v1/users'],
      ['POST', '/api/v1/users', { email: 'x@example.com', role: 'admin' }],
      ['PUT', '/api/v1/policies', { rules: [] }],
      ['GET', '/api/v1/audit'],
      ['PUT', '/api/v1/connectors/aws', { name: 'x', credentials: { a: 'b' } }],
      ['POST', '/api/v1/plugins/ops/restart'],
    ] as [string, string, unknown?][]) {
      for (const user of [harness.users.viewer, harness.users.operator]) {
        const response = await harness.api(path, { method, token: user.token, ...(body ? { body } : {}) });
        expect(response.status, `${user.role} ${method} ${path}`).toBe(403);
        expect(response.body.error.code).toBe('FORBIDDEN');
      }
    }
  });
});

describe('bad input', () => {
  it('malformed JSON, wrong types, unknown routes and oversized bodies get typed errors', async () => {
    const token = harness.users.operator.token;
    const malformed = await harness.api('/api/v1/chat', { token, raw: '{"text": ' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe('INVALID_INPUT');
    const wrong = await harness.api('/api/v1/chat', { token, body: { text: 42 } });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.details.fields).toContain('text');
    const missing = await harness.api('/api/v1/auth/login', { body: {} });
    expect(missing.body.error.code).toBe('INVALID_INPUT');
    const route = await harness.api('/api/v1/nothing-here', { token });
    expect(route.status).toBe(404);
    expect(route.body.error.code).toBe('NOT_FOUND');
    // The server answers 413 before reading the body; node:http (unlike fetch) reads that early answer.
    const big = await new Promise<{ status: number; body: any }>((resolve, reject) => {
      const request = httpRequest(`${harness.url}/api/v1/chat`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'content-length': 2 * 1024 * 1024 + 11,
        },
      });
      request.on('response', (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) }));
      });
      request.on('error', (error) =>
        error.message.includes('EPIPE') || error.message.includes('ECONNRESET') ? undefined : reject(error),
      );
      request.end(JSON.stringify({ text: 'x'.repeat(2 * 1024 * 1024) }));
    });
    expect(big.status).toBe(413);
    expect(big.body.error.code).toBe('PAYLOAD_TOO_LARGE');
    const regex = await harness.api('/api/v1/policies', {
      method: 'PUT',
      token: harness.users.admin.token,
      body: { rules: [{ tool: '*', when: { id: '(' } }] },
    });
    expect(regex.status).toBe(400);
  });
});

describe('connectors', () => {
  it('stores credentials as a secret reference; the values never come back, in any response or log', async () => {
    const token = harness.users.admin.token;
    const saved = await harness.api('/api/v1/connectors/aws', {
      method: 'PUT',
      token,
      body: { name: 'staging', credentials: { access_key_id: 'AKIAEXAMPLE', secret_access_key: SECRET } },
    });
    expect(saved.status).toBe(200);
    expect(saved.body.reference).toBe('local:orgs/{org}/connectors/aws');
    const listed = await harness.api('/api/v1/connectors', { token });
    const audit = await harness.api('/api/v1/audit', { token });
    expect(JSON.stringify([saved.body, listed.body, audit.body])).not.toContain(SECRET);
    const stored = await harness.server.runtime.stores.secrets.get('orgs/default/connectors/aws');
    expect(stored.secret_access_key).toBe(SECRET);
    const rows = await harness.server.runtime.stores.database.query('select * from aurora_connectors');
    expect(JSON.stringify(rows.rows)).not.toContain(SECRET);
  });
});

describe('connector test, usage and audit', () => {
  it("tests a connector by calling the tool the plugin declares as its connection test, for the caller's org", async () => {
    const token = harness.users.operator.token;
    const tested = await harness.api('/api/v1/connectors/ops/test', { method: 'POST', token });
    expect(tested.status).toBe(200);
    expect(tested.body).toEqual({ ok: true, tool: 'ops__whoami', message: 'Connected.' });
    const none = await harness.api('/api/v1/connectors/nothing/test', { method: 'POST', token });
    expect(none.body).toEqual({ ok: false, message: 'No running plugin "nothing".' });
    // A plugin whose read tool is named like one but is not declared: told how to declare one.
    const undeclared = await harness.api('/api/v1/connectors/plain/test', { method: 'POST', token });
    expect(undeclared.body.ok).toBe(false);
    expect(undeclared.body.message).toContain('declares no connection test');
    expect(
      (await harness.api('/api/v1/connectors/ops/test', { method: 'POST', token: harness.users.viewer.token })).status,
    ).toBe(403);
  });

  it("usage sums the org's model calls; the audit log records decisions and connector changes", async () => {
    const run = await harness.api('/api/v1/chat', {
      token: harness.users.operator.token,
      body: { text: 'hello usage' },
    });
    for (let attempt = 0; attempt < 100; attempt++) {
      const state = await harness.api(`/api/v1/runs/${run.body.runId}`, { token: harness.users.operator.token });
      if (state.body.status === 'completed') break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const usage = await harness.api('/api/v1/usage?by=model', { token: harness.users.viewer.token });
    expect(usage.status).toBe(200);
    const calls = usage.body.rows.reduce((sum: number, row: { calls: number }) => sum + row.calls, 0);
    expect(calls).toBeGreaterThan(0);
    const other = await harness.api('/api/v1/usage?by=model', { token: harness.users.otherAdmin.token });
    expect(other.body.rows.reduce((sum: number, row: { calls: number }) => sum + row.calls, 0)).toBeGreaterThan(0);
    const audit = await harness.api('/api/v1/audit?limit=1000', { token: harness.users.otherAdmin.token });
    const actions = audit.body.entries.map((entry: { action: string }) => entry.action);
    expect(actions).toEqual(expect.arrayContaining(['confirmation.requested', 'connector.saved', 'policy.updated']));
    expect(audit.body.entries.every((entry: { org: string }) => entry.org === 'other')).toBe(true);
    expect((await harness.api('/api/v1/usage?by=nothing', { token: harness.users.viewer.token })).status).toBe(400);
  });
});

describe('operations endpoints', () => {
  it('health, ready (each store and plugin checked), metrics and the OpenAPI docs', async () => {
    expect((await harness.api('/health')).body.status).toBe('ok');
    const ready = await harness.api('/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.stores.map((store: { name: string }) => store.name.split(' ')[0])).toEqual([
      'database',
      'objects',
      'secrets',
      'cache',
      'queue',
    ]);
    expect(ready.body.plugins).toEqual([
      expect.objectContaining({ name: 'ops', ok: true }),
      expect.objectContaining({ name: 'plain', ok: true }),
    ]);
    const metrics = await harness.api('/metrics');
    expect(metrics.body).toContain('aurora_http_requests_total{method="GET",route="/health",status="200"}');
    expect(metrics.body).toContain('aurora_plugin_ready{plugin="ops"} 1');
    const openapi = await harness.api('/openapi.json');
    expect(openapi.body.openapi).toBe('3.1.0');
    for (const path of [
      '/api/v1/chat',
      '/api/v1/confirmations/{id}',
      '/api/v1/plugins',
      '/api/v1/policies',
      '/api/v1/usage',
      '/api/v1/audit',
      '/api/v1/users',
      '/api/v1/api-keys',
      '/api/v1/connectors/{kind}',
    ]) {
      expect(Object.keys(openapi.body.paths), path).toContain(path);
    }
    const docs = await harness.api('/docs');
    expect(docs.body).toContain('swagger-ui-bundle.js');
    expect((await harness.api('/docs/assets/swagger-ui-bundle.js')).status).toBe(200);
  });

  it('the root tells where everything is: JSON for clients, a page for browsers; every link answers', async () => {
    const index = await harness.api('/');
    expect(index.status).toBe(200);
    expect(index.body).toMatchObject({ name: 'Aurora', version: expect.any(String) });
    const { links } = index.body as { links: Record<string, string> };
    expect(Object.keys(links).sort()).toEqual(
      ['api', 'docs', 'health', 'mcp', 'metrics', 'openapi', 'ready', 'websocket'].sort(),
    );
    for (const key of ['docs', 'openapi', 'health', 'ready', 'metrics']) {
      expect((await harness.api(links[key]!)).status, key).toBe(200);
    }
    // The MCP endpoint is there and wants a token, as the page says.
    expect((await harness.api(links.mcp!, { method: 'POST', body: {} })).status).toBe(401);
    const page = await fetch(`${harness.url}/`, { headers: { accept: 'text/html,application/xhtml+xml' } });
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    expect(html).toContain('<a href="/docs">/docs</a>');
    expect(html).toContain('<a href="/ready">/ready</a>');
    expect(html).toContain(`Aurora ${index.body.version as string}`);
  });

  it('plugins are listed with their health; an admin can restart one', async () => {
    const listed = await harness.api('/api/v1/plugins', { token: harness.users.viewer.token });
    expect(listed.body.plugins[0]).toMatchObject({ name: 'ops', state: 'ready', enabled: true });
    const restarted = await harness.api('/api/v1/plugins/ops/restart', {
      method: 'POST',
      token: harness.users.admin.token,
    });
    expect(restarted.status).toBe(200);
    expect(restarted.body.state).toBe('ready');
    expect(
      (await harness.api('/api/v1/plugins/nope/restart', { method: 'POST', token: harness.users.admin.token })).status,
    ).toBe(404);
  });
});

describe('rate limits', () => {
  it('login attempts from one address are limited, with Retry-After', async () => {
    let last;
    for (let attempt = 0; attempt < 12; attempt++) {
      last = await harness.api('/api/v1/auth/login', {
        body: { email: 'ada@example.com', password: 'guessing guess' },
      });
      if (last.status === 429) break;
    }
    expect(last?.status).toBe(429);
    expect(last?.body.error.code).toBe('RATE_LIMITED');
    expect(Number(last?.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
