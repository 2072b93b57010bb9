import { InvalidInputError, NotFoundError } from '@aurora-ops/core';
import { OpenAPIHono, createRoute, z, type RouteConfig } from '@hono/zod-openapi';
import type { Principal } from '../auth/auth-store.js';
import type { Runtime } from '../runtime.js';
import { authenticate, requireRole, type AppEnv } from './auth-middleware.js';
import { UnauthenticatedError } from './http-errors.js';
import * as s from './schemas.js';

const json = <T extends z.ZodType>(schema: T) => ({ content: { 'application/json': { schema } } });
const errors = {
  400: { description: 'Invalid input', ...json(s.errorSchema) },
  401: { description: 'Not signed in', ...json(s.errorSchema) },
  403: { description: 'Not allowed', ...json(s.errorSchema) },
  404: { description: 'Not found (or not in your org)', ...json(s.errorSchema) },
  429: { description: 'Rate limited', ...json(s.errorSchema) },
} as const;
const ok = <T extends z.ZodType>(schema: T, description = 'OK') => ({ 200: { description, ...json(schema) }, ...errors });
const secured = [{ bearer: [] as string[] }];

function route<const R extends Omit<RouteConfig, 'security'>>(config: R) {
  return createRoute({ ...config, security: secured });
}

const publicUser = (user: { id: string; org: string; email: string; role: s.RoleValue; createdAt: string; disabled: boolean }) => ({
  id: user.id,
  org: user.org,
  email: user.email,
  role: user.role,
  createdAt: user.createdAt,
  disabled: user.disabled,
});

async function issueSession(runtime: Runtime, principal: Principal | undefined) {
  if (!principal) throw new UnauthenticatedError('Wrong email or password, or the one-time login was used or expired.');
  const { token, expiresAt } = await runtime.sessions.sign({ org: principal.org, userId: principal.userId });
  const user = await runtime.auth.getUser(principal.org, principal.userId);
  return { token, expiresAt, user: publicUser(user) };
}

/** The REST API under `/api/v1`: every route but login needs a bearer token and works inside the caller's org only. */
export function apiRoutes(runtime: Runtime, limits: { login: import('hono').MiddlewareHandler<AppEnv>; user: import('hono').MiddlewareHandler<AppEnv> }) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  // --- auth (public) ---
  app.use('/auth/login', limits.login);
  app.use('/auth/one-time', limits.login);
  app.openapi(
    createRoute({
      method: 'post',
      path: '/auth/login',
      tags: ['auth'],
      summary: 'Sign in with email and password; returns a session token (JWT).',
      request: { body: { ...json(s.loginBody), required: true } },
      responses: ok(s.sessionTokenSchema),
    }),
    async (c) => {
      const body = c.req.valid('json');
      return c.json(await issueSession(runtime, await runtime.auth.verifyPassword(body.email, body.password)), 200);
    },
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/auth/one-time',
      tags: ['auth'],
      summary: 'Exchange a one-time login (printed at first start) for a session token.',
      request: { body: { ...json(s.oneTimeLoginBody), required: true } },
      responses: ok(s.sessionTokenSchema),
    }),
    async (c) =>
      c.json(await issueSession(runtime, await runtime.auth.consumeOneTimeToken('login', c.req.valid('json').token)), 200),
  );

  // --- everything else needs a principal ---
  app.use('*', authenticate(runtime));
  app.use('*', limits.user);

  app.openapi(route({ method: 'get', path: '/me', tags: ['auth'], summary: 'Who am I.', responses: ok(s.principalSchema) }), (c) =>
    c.json(c.get('principal'), 200),
  );
  app.openapi(
    route({
      method: 'post',
      path: '/auth/ws-token',
      tags: ['chat'],
      summary: 'A single-use token (60 s) to open the chat WebSocket: /api/v1/ws?token=…',
      responses: ok(s.wsTokenSchema),
    }),
    async (c) => {
      const principal = c.get('principal');
      const token = await runtime.auth.issueOneTimeToken('websocket', principal, 60_000);
      return c.json({ token, expiresInSeconds: 60, url: `/api/v1/ws?token=${token}` }, 200);
    },
  );

  // --- chat ---
  app.openapi(
    route({
      method: 'get',
      path: '/sessions',
      tags: ['chat'],
      summary: "The org's chat sessions, newest first.",
      responses: ok(z.object({ sessions: z.array(s.sessionSchema) })),
    }),
    async (c) => {
      const { rows } = await runtime.stores.database.query<{
        id: string;
        created_at: Date | string;
        last_run_at: Date | string | null;
        runs: number | string;
      }>(
        `select s.id, s.created_at, max(r.created_at) as last_run_at, count(r.id) as runs
           from aurora_agent_sessions s left join aurora_agent_runs r on r.session_id = s.id
          where s.org = $1 group by s.id, s.created_at order by coalesce(max(r.created_at), s.created_at) desc limit 200`,
        [c.get('principal').org],
      );
      return c.json(
        {
          sessions: rows.map((row) => ({
            id: row.id,
            createdAt: new Date(row.created_at).toISOString(),
            lastRunAt: row.last_run_at ? new Date(row.last_run_at).toISOString() : null,
            runs: Number(row.runs),
          })),
        },
        200,
      );
    },
  );
  app.openapi(
    route({
      method: 'get',
      path: '/sessions/{id}/messages',
      tags: ['chat'],
      summary: "A session's messages.",
      request: { params: s.idParam },
      responses: ok(s.historySchema),
    }),
    async (c) => {
      const messages = await runtime.agent.history(c.get('principal').org, c.req.valid('param').id);
      return c.json({ messages: messages.map((message) => ({ ...message, toolCalls: message.toolCalls?.map((call) => ({ ...call })) })) }, 200);
    },
  );
  app.openapi(
    route({
      method: 'post',
      path: '/chat',
      tags: ['chat'],
      summary: 'Send a message: starts a run (operator). Follow it over the WebSocket or GET /runs/{id}/stream (SSE).',
      request: { body: { ...json(s.chatBody), required: true } },
      responses: { 202: { description: 'Run started', ...json(s.runRefSchema) }, ...errors },
    }),
    async (c) => c.json(await runtime.runs.send(c.get('principal'), c.req.valid('json')), 202),
  );
  app.openapi(
    route({ method: 'get', path: '/runs/{id}', tags: ['chat'], summary: 'A run.', request: { params: s.idParam }, responses: ok(s.runSchema) }),
    async (c) => c.json(await runtime.runs.runOf(c.get('principal'), c.req.valid('param').id), 200),
  );
  app.openapi(
    route({
      method: 'get',
      path: '/runs/{id}/events',
      tags: ['chat'],
      summary: 'Stored events of a run after a sequence number.',
      request: { params: s.idParam, query: z.object({ afterSeq: z.coerce.number().int().nonnegative().default(0) }) },
      responses: ok(s.eventsSchema),
    }),
    async (c) => {
      const events = await runtime.runs.events(c.get('principal'), c.req.valid('param').id, c.req.valid('query').afterSeq);
      return c.json({ events: events as unknown as Record<string, unknown>[] }, 200);
    },
  );
  app.openapi(
    route({
      method: 'post',
      path: '/runs/{id}/cancel',
      tags: ['chat'],
      summary: 'Cancel a run (operator).',
      request: { params: s.idParam },
      responses: ok(z.object({ cancelled: z.boolean() })),
    }),
    async (c) => {
      await runtime.runs.cancel(c.get('principal'), c.req.valid('param').id);
      return c.json({ cancelled: true }, 200);
    },
  );
  app.openapi(
    route({
      method: 'get',
      path: '/confirmations',
      tags: ['approvals'],
      summary: 'Pending confirmations of the org (or of one run).',
      request: { query: z.object({ runId: z.string().max(200).optional() }) },
      responses: ok(z.object({ confirmations: z.array(s.confirmationSchema) })),
    }),
    async (c) => {
      const pending = await runtime.confirmations.listPending(c.get('principal').org, c.req.valid('query').runId);
      return c.json(
        {
          confirmations: pending.map((item) => ({
            id: item.id,
            runId: item.runId,
            tool: item.tool,
            risk: item.risk,
            summary: item.summary,
            state: item.state,
            expiresAt: item.expiresAt.toISOString(),
          })),
        },
        200,
      );
    },
  );
  app.openapi(
    route({
      method: 'post',
      path: '/confirmations/{id}',
      tags: ['approvals'],
      summary: 'Approve or reject a pending call (operator of the same org). The run resumes when nothing is pending.',
      request: { params: s.idParam, body: { ...json(s.decisionBody), required: true } },
      responses: ok(z.object({ runId: z.string(), resumed: z.boolean() })),
    }),
    async (c) =>
      c.json(await runtime.runs.respond(c.get('principal'), { confirmationId: c.req.valid('param').id, ...c.req.valid('json') }), 200),
  );

  // --- plugins ---
  const pluginView = (name?: string) => {
    const list = runtime.plugins.status().filter((plugin) => name === undefined || plugin.name === name);
    return list.map((plugin) => ({
      name: plugin.name,
      state: plugin.state,
      transport: plugin.transport,
      enabled: plugin.enabled,
      toolCount: plugin.toolCount,
      crashes: plugin.crashes,
      restarts: plugin.restarts,
      dependsOn: [...plugin.dependsOn],
      ...(plugin.lastError ? { lastError: { ...plugin.lastError } } : {}),
      ...(plugin.stderrTail ? { stderrTail: [...plugin.stderrTail] } : {}),
      ...(plugin.lastPingMs === undefined ? {} : { lastPingMs: plugin.lastPingMs }),
      ...(plugin.pid === undefined ? {} : { pid: plugin.pid }),
    }));
  };
  app.openapi(
    route({ method: 'get', path: '/plugins', tags: ['plugins'], summary: 'Plugins and their health.', responses: ok(z.object({ plugins: z.array(s.pluginSchema) })) }),
    (c) => c.json({ plugins: pluginView() }, 200),
  );
  for (const action of ['restart', 'enable', 'disable'] as const) {
    app.use(`/plugins/:name/${action}`, requireRole('admin'));
    app.openapi(
      route({
        method: 'post',
        path: `/plugins/{name}/${action}`,
        tags: ['plugins'],
        summary: `${action[0]?.toUpperCase()}${action.slice(1)} a plugin (admin).`,
        request: { params: s.nameParam },
        responses: ok(s.pluginSchema),
      }),
      async (c) => {
        const { name } = c.req.valid('param');
        runtime.plugins.get(name);
        await runtime.plugins[action](name);
        const [view] = pluginView(name);
        if (!view) throw new NotFoundError({ message: 'No such plugin.', details: { resource: 'plugin' } });
        return c.json(view, 200);
      },
    );
  }

  // --- policies ---
  app.openapi(
    route({ method: 'get', path: '/policies', tags: ['policies'], summary: "The org's tool policy rules.", responses: ok(s.policyBody) }),
    async (c) => c.json({ rules: await runtime.orgs.policy(c.get('principal').org) }, 200),
  );
  app.use('/policies', async (c, next) => (c.req.method === 'PUT' ? requireRole('admin')(c, next) : next()));
  app.openapi(
    route({
      method: 'put',
      path: '/policies',
      tags: ['policies'],
      summary: 'Replace the policy rules (admin): risk overrides, allow, deny, confirm.',
      request: { body: { ...json(s.policyBody), required: true } },
      responses: ok(s.policyBody),
    }),
    async (c) => {
      const principal = c.get('principal');
      const { rules } = c.req.valid('json');
      for (const [index, rule] of rules.entries()) {
        for (const [field, pattern] of Object.entries(rule.when ?? {})) {
          try {
            new RegExp(pattern);
          } catch {
            throw new InvalidInputError({ message: `rules[${index}].when.${field} is not a valid regular expression.` });
          }
        }
      }
      await runtime.orgs.setPolicy(principal.org, rules, principal.userId);
      await runtime.audit.write({ at: new Date(), org: principal.org, action: 'policy.updated', actor: principal.userId, details: { rules: rules.length } });
      return c.json({ rules }, 200);
    },
  );

  // --- connectors ---
  const connectorPath = (kind: string) => `orgs/{org}/connectors/${kind}`;
  const scheme = () => (runtime.stores.describe.secrets === 'vault' ? 'vault' : 'local');
  app.openapi(
    route({ method: 'get', path: '/connectors', tags: ['connectors'], summary: "The org's connectors (credentials are never returned).", responses: ok(z.object({ connectors: z.array(s.connectorSchema) })) }),
    async (c) => {
      const connectors = await runtime.orgs.listConnectors(c.get('principal').org);
      return c.json({ connectors: connectors.map(({ org: _org, ...rest }) => rest) }, 200);
    },
  );
  app.use('/connectors/:kind', async (c, next) => (c.req.method === 'GET' ? next() : requireRole('admin')(c, next)));
  app.openapi(
    route({
      method: 'put',
      path: '/connectors/{kind}',
      tags: ['connectors'],
      summary: 'Store credentials for a kind (aws, gcp, azure, …) as a secret; plugins of that kind use them for this org (admin).',
      request: { params: s.kindParam, body: { ...json(s.connectorBody), required: true } },
      responses: ok(s.connectorSchema),
    }),
    async (c) => {
      const principal = c.get('principal');
      const { kind } = c.req.valid('param');
      const body = c.req.valid('json');
      const path = connectorPath(kind).replace('{org}', principal.org);
      await runtime.stores.secrets.put(path, body.credentials);
      runtime.stores.resolver.invalidate(`${scheme()}:${connectorPath(kind)}`, { org: principal.org });
      const connector = await runtime.orgs.saveConnector({
        org: principal.org,
        kind,
        name: body.name,
        reference: `${scheme()}:${connectorPath(kind)}`,
        by: principal.userId,
      });
      await runtime.audit.write({ at: new Date(), org: principal.org, action: 'connector.saved', actor: principal.userId, details: { kind } });
      const { org: _org, ...rest } = connector;
      return c.json(rest, 200);
    },
  );
  app.openapi(
    route({
      method: 'delete',
      path: '/connectors/{kind}',
      tags: ['connectors'],
      summary: 'Delete a connector and its stored credentials (admin).',
      request: { params: s.kindParam },
      responses: ok(z.object({ deleted: z.boolean() })),
    }),
    async (c) => {
      const principal = c.get('principal');
      const { kind } = c.req.valid('param');
      const connector = (await runtime.orgs.listConnectors(principal.org)).find((item) => item.kind === kind);
      if (!connector) throw new NotFoundError({ message: 'No such connector in this org.', details: { resource: 'connector' } });
      await runtime.orgs.deleteConnector(principal.org, connector.id);
      await runtime.stores.secrets.delete(connectorPath(kind).replace('{org}', principal.org)).catch(() => undefined);
      runtime.stores.resolver.invalidate(connector.reference, { org: principal.org });
      return c.json({ deleted: true }, 200);
    },
  );
  app.use('/connectors/:kind/test', requireRole('operator'));
  app.openapi(
    route({
      method: 'post',
      path: '/connectors/{kind}/test',
      tags: ['connectors'],
      summary: "Test a connector: calls the plugin's identity tool with the org's credentials.",
      request: { params: s.kindParam },
      responses: ok(z.object({ ok: z.boolean(), tool: z.string().optional(), message: z.string() })),
    }),
    async (c) => {
      const principal = c.get('principal');
      const { kind } = c.req.valid('param');
      const probe = runtime.host
        .listTools()
        .find((tool) => tool.plugin === kind && tool.risk === 'read' && /identity|caller|whoami|projects_list|subscriptions_list|list_projects|list_subscriptions/.test(tool.toolName));
      if (!probe) return c.json({ ok: false, message: `No running plugin "${kind}" with an identity tool to test with.` }, 200);
      const outcome = await runtime.host.callTool(probe.name, {}, { org: principal.org, user: principal.userId, timeoutMs: 30_000 });
      return c.json(
        { ok: !outcome.isError, tool: probe.name, message: outcome.isError ? (outcome.error?.message ?? outcome.text.slice(0, 500)) : 'Connected.' },
        200,
      );
    },
  );

  // --- usage and audit ---
  app.openapi(
    route({ method: 'get', path: '/usage', tags: ['usage'], summary: 'Model usage and cost, grouped.', request: { query: s.usageQuery }, responses: ok(s.usageSchema) }),
    async (c) => {
      const query = c.req.valid('query');
      const rows = await runtime.usage.summary({
        org: c.get('principal').org,
        by: query.by,
        ...(query.since ? { since: new Date(query.since) } : {}),
      });
      return c.json({ rows: rows.map((row) => ({ key: row.key, calls: row.calls, inputTokens: row.inputTokens, outputTokens: row.outputTokens, costUsd: row.cost, unpricedCalls: row.unpricedCalls })) }, 200);
    },
  );
  app.use('/audit', requireRole('admin'));
  app.openapi(
    route({
      method: 'get',
      path: '/audit',
      tags: ['audit'],
      summary: "The org's audit log, newest first (admin).",
      request: { query: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100), before: z.string().max(200).optional() }) },
      responses: ok(z.object({ entries: z.array(z.record(z.string(), z.unknown())) })),
    }),
    async (c) => {
      const query = c.req.valid('query');
      const entries = await runtime.audit.list(c.get('principal').org, { limit: query.limit, ...(query.before ? { before: query.before } : {}) });
      return c.json({ entries: entries.map((entry) => JSON.parse(JSON.stringify(entry)) as Record<string, unknown>) }, 200);
    },
  );

  // --- users and API keys ---
  app.use('/users', requireRole('admin'));
  app.use('/users/*', requireRole('admin'));
  app.openapi(
    route({ method: 'get', path: '/users', tags: ['users'], summary: "The org's users (admin).", responses: ok(z.object({ users: z.array(s.userSchema) })) }),
    async (c) => c.json({ users: (await runtime.auth.listUsers(c.get('principal').org)).map(publicUser) }, 200),
  );
  app.openapi(
    route({
      method: 'post',
      path: '/users',
      tags: ['users'],
      summary: 'Add a user to the org (admin).',
      request: { body: { ...json(s.createUserBody), required: true } },
      responses: { 201: { description: 'Created', ...json(s.userSchema) }, ...errors },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const user = await runtime.auth.createUser({ org: c.get('principal').org, email: body.email, role: body.role, ...(body.password ? { password: body.password } : {}) });
      return c.json(publicUser(user), 201);
    },
  );
  app.openapi(
    route({
      method: 'patch',
      path: '/users/{id}',
      tags: ['users'],
      summary: "Change a user's role, password or disabled flag (admin).",
      request: { params: s.idParam, body: { ...json(s.updateUserBody), required: true } },
      responses: ok(s.userSchema),
    }),
    async (c) => c.json(publicUser(await runtime.auth.updateUser(c.get('principal').org, c.req.valid('param').id, c.req.valid('json'))), 200),
  );
  app.openapi(
    route({ method: 'get', path: '/api-keys', tags: ['users'], summary: "The org's API keys (never the keys themselves).", responses: ok(z.object({ apiKeys: z.array(s.apiKeySchema) })) }),
    async (c) => {
      const keys = await runtime.auth.listApiKeys(c.get('principal').org);
      return c.json({ apiKeys: keys.map(({ org: _org, userId: _user, ...rest }) => rest) }, 200);
    },
  );
  app.openapi(
    route({
      method: 'post',
      path: '/api-keys',
      tags: ['users'],
      summary: 'Create an API key for automation; the key is shown once.',
      request: { body: { ...json(s.createApiKeyBody), required: true } },
      responses: { 201: { description: 'Created', ...json(s.apiKeySchema.extend({ key: z.string() })) }, ...errors },
    }),
    async (c) => {
      const { key, apiKey } = await runtime.auth.createApiKey(c.get('principal'), c.req.valid('json'));
      const { org: _org, userId: _user, ...rest } = apiKey;
      return c.json({ ...rest, key }, 201);
    },
  );
  app.openapi(
    route({ method: 'delete', path: '/api-keys/{id}', tags: ['users'], summary: 'Revoke an API key.', request: { params: s.idParam }, responses: ok(z.object({ revoked: z.boolean() })) }),
    async (c) => {
      await runtime.auth.revokeApiKey(c.get('principal').org, c.req.valid('param').id);
      return c.json({ revoked: true }, 200);
    },
  );
  return app;
}

/** zod-openapi's validation failures as typed INVALID_INPUT errors naming the fields (never echoing values). */
export function validationHook(result: { success: boolean; error?: { issues: readonly { path: readonly PropertyKey[]; message: string }[] }; target?: string }): void {
  if (result.success || !result.error) return;
  const fields = [...new Set(result.error.issues.map((issue) => issue.path.map(String).join('.') || '(body)'))];
  throw new InvalidInputError({
    message: `Invalid ${result.target ?? 'request'}: ${result.error.issues
      .slice(0, 5)
      .map((issue) => `${issue.path.map(String).join('.') || '(body)'}: ${issue.message}`)
      .join('; ')}.`,
    details: { fields, target: result.target ?? 'request' },
  });
}
