import { InvalidInputError } from '@aurora-ops/core';
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import type { Principal } from '../auth/auth-store.js';
import type { Runtime } from '../runtime.js';
import { authenticate, type AppEnv } from './auth-middleware.js';
import { UnauthenticatedError } from './http-errors.js';
import { adminRoutes } from './admin-routes.js';
import { errors, json, ok, publicUser, route } from './route-helpers.js';
import * as s from './schemas.js';

async function issueSession(runtime: Runtime, principal: Principal | undefined) {
  if (!principal) throw new UnauthenticatedError('Wrong email or password, or the one-time login was used or expired.');
  const { token, expiresAt } = await runtime.sessions.sign({ org: principal.org, userId: principal.userId });
  const user = await runtime.auth.getUser(principal.org, principal.userId);
  return { token, expiresAt, user: publicUser(user) };
}

/** The REST API under `/api/v1`: every route but login needs a bearer token and works inside the caller's org only. */
export function apiRoutes(
  runtime: Runtime,
  limits: { login: MiddlewareHandler<AppEnv>; user: MiddlewareHandler<AppEnv> },
) {
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
      c.json(
        await issueSession(runtime, await runtime.auth.consumeOneTimeToken('login', c.req.valid('json').token)),
        200,
      ),
  );

  // --- everything else needs a principal ---
  app.use('*', authenticate(runtime));
  app.use('*', limits.user);

  app.openapi(
    route({ method: 'get', path: '/me', tags: ['auth'], summary: 'Who am I.', responses: ok(s.principalSchema) }),
    (c) => c.json(c.get('principal'), 200),
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
      return c.json(
        {
          messages: messages.map((message) => ({
            ...message,
            toolCalls: message.toolCalls?.map((call) => ({ ...call })),
          })),
        },
        200,
      );
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
    route({
      method: 'get',
      path: '/runs/{id}',
      tags: ['chat'],
      summary: 'A run.',
      request: { params: s.idParam },
      responses: ok(s.runSchema),
    }),
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
      const events = await runtime.runs.events(
        c.get('principal'),
        c.req.valid('param').id,
        c.req.valid('query').afterSeq,
      );
      return c.json({ events }, 200);
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
      c.json(
        await runtime.runs.respond(c.get('principal'), {
          confirmationId: c.req.valid('param').id,
          ...c.req.valid('json'),
        }),
        200,
      ),
  );

  adminRoutes(app, runtime);
  return app;
}

/** zod-openapi's validation failures as typed INVALID_INPUT errors naming the fields (never echoing values). */
export function validationHook(result: {
  success: boolean;
  error?: { issues: readonly { path: readonly PropertyKey[]; message: string }[] };
  target?: string;
}): void {
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
