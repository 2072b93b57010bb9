import { InvalidInputError, NotFoundError } from '@aurora-ops/core';
import { AURORA_META } from '@aurora-ops/core/plugin-sdk';
import { z, type OpenAPIHono } from '@hono/zod-openapi';
import type { Runtime } from '../runtime.js';
import { requireRole, requireRoleFor, type AppEnv } from './auth-middleware.js';
import { errors, json, ok, publicUser, route } from './route-helpers.js';
import * as s from './schemas.js';

/** The org's administration routes: plugins, policies, connectors, usage, audit, users and API keys. */
export function adminRoutes(app: OpenAPIHono<AppEnv>, runtime: Runtime): void {
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
    route({
      method: 'get',
      path: '/plugins',
      tags: ['plugins'],
      summary: 'Plugins and their health.',
      responses: ok(z.object({ plugins: z.array(s.pluginSchema) })),
    }),
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
    route({
      method: 'get',
      path: '/policies',
      tags: ['policies'],
      summary: "The org's tool policy rules.",
      responses: ok(s.policyBody),
    }),
    async (c) => c.json({ rules: await runtime.orgs.policy(c.get('principal').org) }, 200),
  );
  app.use('/policies', requireRoleFor(['PUT'], 'admin'));
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
            throw new InvalidInputError({
              message: `rules[${index}].when.${field} is not a valid regular expression.`,
            });
          }
        }
      }
      await runtime.orgs.setPolicy(principal.org, rules, principal.userId);
      await runtime.audit.write({
        at: new Date(),
        org: principal.org,
        action: 'policy.updated',
        actor: principal.userId,
        details: { rules: rules.length },
      });
      return c.json({ rules }, 200);
    },
  );

  // --- connectors ---
  const connectorPath = (kind: string) => `orgs/{org}/connectors/${kind}`;
  const scheme = () => (runtime.stores.describe.secrets === 'vault' ? 'vault' : 'local');
  app.openapi(
    route({
      method: 'get',
      path: '/connectors',
      tags: ['connectors'],
      summary: "The org's connectors (credentials are never returned).",
      responses: ok(z.object({ connectors: z.array(s.connectorSchema) })),
    }),
    async (c) => {
      const connectors = await runtime.orgs.listConnectors(c.get('principal').org);
      return c.json({ connectors: connectors.map(({ org: _org, ...rest }) => rest) }, 200);
    },
  );
  app.use('/connectors/:kind', requireRoleFor(['PUT', 'DELETE'], 'admin'));
  app.openapi(
    route({
      method: 'put',
      path: '/connectors/{kind}',
      tags: ['connectors'],
      summary:
        'Store credentials for a kind (aws, gcp, azure, …) as a secret; plugins of that kind use them for this org (admin).',
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
      await runtime.audit.write({
        at: new Date(),
        org: principal.org,
        action: 'connector.saved',
        actor: principal.userId,
        details: { kind },
      });
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
      if (!connector)
        throw new NotFoundError({ message: 'No such connector in this org.', details: { resource: 'connector' } });
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
      summary:
        "Test a connector: calls the tool the plugin declares as its connection test, with the org's credentials.",
      request: { params: s.kindParam },
      responses: ok(z.object({ ok: z.boolean(), tool: z.string().optional(), message: z.string() })),
    }),
    async (c) => {
      const principal = c.get('principal');
      const { kind } = c.req.valid('param');
      const tools = runtime.host.listTools().filter((tool) => tool.plugin === kind);
      // The plugin's own word (`connectionTest` in the plugin SDK), and only a read tool: the
      // test runs without approval.
      const probe = tools.find((tool) => tool.meta?.[AURORA_META.connectionTest] === true && tool.risk === 'read');
      if (!probe) {
        const message =
          tools.length === 0
            ? `No running plugin "${kind}".`
            : `Plugin "${kind}" declares no connection test: a read tool with \`_meta["${AURORA_META.connectionTest}"]: true\` (\`connectionTest: true\` in the plugin SDK).`;
        return c.json({ ok: false, message }, 200);
      }
      const outcome = await runtime.host.callTool(
        probe.name,
        {},
        { org: principal.org, user: principal.userId, timeoutMs: 30_000 },
      );
      return c.json(
        {
          ok: !outcome.isError,
          tool: probe.name,
          message: outcome.isError ? (outcome.error?.message ?? outcome.text.slice(0, 500)) : 'Connected.',
        },
        200,
      );
    },
  );

  // --- usage and audit ---
  app.openapi(
    route({
      method: 'get',
      path: '/usage',
      tags: ['usage'],
      summary: 'Model usage and cost, grouped.',
      request: { query: s.usageQuery },
      responses: ok(s.usageSchema),
    }),
    async (c) => {
      const query = c.req.valid('query');
      const rows = await runtime.usage.summary({
        org: c.get('principal').org,
        by: query.by,
        ...(query.since ? { since: new Date(query.since) } : {}),
      });
      return c.json(
        {
          rows: rows.map((row) => ({
            key: row.key,
            calls: row.calls,
            inputTokens: row.inputTokens,
            outputTokens: row.outputTokens,
            costUsd: row.cost,
            unpricedCalls: row.unpricedCalls,
          })),
        },
        200,
      );
    },
  );
  app.use('/audit', requireRole('admin'));
  app.openapi(
    route({
      method: 'get',
      path: '/audit',
      tags: ['audit'],
      summary: "The org's audit log, newest first (admin).",
      request: {
        query: z.object({
          limit: z.coerce.number().int().min(1).max(1000).default(100),
          before: z.string().max(200).optional(),
        }),
      },
      responses: ok(z.object({ entries: z.array(z.record(z.string(), z.unknown())) })),
    }),
    async (c) => {
      const query = c.req.valid('query');
      const entries = await runtime.audit.list(c.get('principal').org, {
        limit: query.limit,
        ...(query.before ? { before: query.before } : {}),
      });
      return c.json({ entries: entries.map((entry) => ({ ...entry, at: entry.at.toISOString() })) }, 200);
    },
  );

  // --- users and API keys ---
  app.use('/users', requireRole('admin'));
  app.use('/users/*', requireRole('admin'));
  app.openapi(
    route({
      method: 'get',
      path: '/users',
      tags: ['users'],
      summary: "The org's users (admin).",
      responses: ok(z.object({ users: z.array(s.userSchema) })),
    }),
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
      const user = await runtime.auth.createUser({
        org: c.get('principal').org,
        email: body.email,
        role: body.role,
        ...(body.password ? { password: body.password } : {}),
      });
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
    async (c) =>
      c.json(
        publicUser(await runtime.auth.updateUser(c.get('principal').org, c.req.valid('param').id, c.req.valid('json'))),
        200,
      ),
  );
  app.openapi(
    route({
      method: 'get',
      path: '/api-keys',
      tags: ['users'],
      summary: "The org's API keys (never the keys themselves).",
      responses: ok(z.object({ apiKeys: z.array(s.apiKeySchema) })),
    }),
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
    route({
      method: 'delete',
      path: '/api-keys/{id}',
      tags: ['users'],
      summary: 'Revoke an API key.',
      request: { params: s.idParam },
      responses: ok(z.object({ revoked: z.boolean() })),
    }),
    async (c) => {
      await runtime.auth.revokeApiKey(c.get('principal').org, c.req.valid('param').id);
      return c.json({ revoked: true }, 200);
    },
  );
}
