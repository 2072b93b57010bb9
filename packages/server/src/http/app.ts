import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { AuroraError, type RunEvent } from '@aurora-ops/core';
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { routePath } from 'hono/route';
import { streamSSE } from 'hono/streaming';
import { mountMcp } from '../mcp/mount-mcp.js';
import type { Runtime } from '../runtime.js';
import { VERSION } from '../version.js';
import { apiRoutes, validationHook } from './api-routes.js';
import { authenticate, clientIp, type AppEnv } from './auth-middleware.js';
import { errorResponse, toAuroraError } from './http-errors.js';

function rateLimit(runtime: Runtime, scope: 'ip' | 'user' | 'login', points: number): MiddlewareHandler<AppEnv> {
  const limiter = runtime.stores.rateLimiter({ points, durationMs: 60_000, keyPrefix: scope });
  return async (c, next) => {
    const key = scope === 'user' ? `${c.get('principal').org}/${c.get('principal').userId}` : c.get('clientIp');
    const decision = await limiter.consume(key);
    c.header('RateLimit-Limit', String(decision.limit));
    c.header('RateLimit-Remaining', String(decision.remaining));
    if (!decision.allowed) {
      runtime.metrics.rateLimited.inc({ scope });
      throw new AuroraError('RATE_LIMITED', {
        message: `Too many requests (${scope} limit ${points}/min); retry in ${Math.ceil(decision.retryAfterMs / 1000)} s.`,
        details: { scope, retryAfterMs: decision.retryAfterMs },
      });
    }
    await next();
  };
}

const swaggerDirectory = () => dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

const DOCS_HTML = `<!doctype html><html><head><meta charset="utf-8"><title>Aurora API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head><body><div id="ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script>window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#ui', persistAuthorization: true });</script>
</body></html>`;

const escapeHtml = (text: string) =>
  text.replace(/[&<>"]/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[char] ?? char);

/**
 * What `GET /` lists: each entry's path, and what the page says of it (`api` is in the JSON only).
 * `code`: shown, not linked (it needs a token).
 */
const index = (mcpPath: string) =>
  [
    { key: 'docs', path: '/docs', what: 'API reference (OpenAPI, try requests with a token)' },
    { key: 'openapi', path: '/openapi.json', what: 'OpenAPI 3.1 description' },
    { key: 'api', path: '/api/v1' },
    {
      key: 'websocket',
      path: '/api/v1/ws?token=…',
      what: 'chat stream (token from POST /api/v1/auth/ws-token)',
      code: true,
    },
    { key: 'mcp', path: mcpPath, what: 'Aurora as an MCP server (Streamable HTTP, bearer token)', code: true },
    { key: 'health', path: '/health', what: 'liveness' },
    { key: 'ready', path: '/ready', what: 'each store and plugin checked' },
    { key: 'metrics', path: '/metrics', what: 'Prometheus metrics' },
  ] as const satisfies readonly { key: string; path: string; what?: string; code?: boolean }[];

function indexHtml(entries: ReturnType<typeof index>): string {
  const items = entries
    .map((entry) => {
      if (!('what' in entry)) return '';
      const href = escapeHtml(entry.path);
      const shown = 'code' in entry ? `<code>${href}</code>` : `<a href="${href}">${href}</a>`;
      return `<li>${shown}: ${escapeHtml(entry.what)}</li>`;
    })
    .join('');
  return `<!doctype html><html><head><meta charset="utf-8"><title>Aurora ${escapeHtml(VERSION)}</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:46rem;margin:3rem auto;padding:0 1rem}code{font-size:90%}</style>
</head><body><h1>Aurora ${escapeHtml(VERSION)}</h1>
<p>Agents for cloud operations and incident root-cause analysis. Log in with <code>POST /api/v1/auth/login</code>
(or the one-time login the first start printed), then chat over the REST API or the WebSocket.</p>
<ul>${items}</ul></body></html>`;
}

/** The whole HTTP surface (without the WebSocket, which `attachWebSocket` adds to the Node server). */
export function createApp(runtime: Runtime) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const { config, metrics } = runtime;

  app.onError((error, c) => {
    const typed = toAuroraError(error);
    if (typed.code === 'INTERNAL')
      runtime.logger.error('http: unhandled error', {
        path: c.req.path,
        error: error.stack ?? String(error),
      });
    return errorResponse(c, typed);
  });
  app.notFound((c) =>
    errorResponse(
      c,
      toAuroraError(new AuroraError('NOT_FOUND', { message: `No route ${c.req.method} ${c.req.path}.` })),
    ),
  );

  if (runtime.tracing) app.use('*', runtime.tracing.middleware());
  app.use('*', async (c, next) => {
    const started = performance.now();
    await next();
    const route = routePath(c as Context) || 'unmatched';
    metrics.httpRequests.inc({ method: c.req.method, route, status: String(c.res.status) });
    metrics.httpDuration.observe({ method: c.req.method, route }, (performance.now() - started) / 1000);
  });
  app.use('*', async (c, next) => {
    await next();
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'no-referrer');
  });
  if (config.corsOrigins.length > 0) app.use('/api/*', cors({ origin: [...config.corsOrigins], credentials: true }));
  app.use('*', clientIp(runtime));
  app.use(
    '/api/*',
    bodyLimit({
      maxSize: config.maxBodyBytes,
      onError: () => {
        throw new AuroraError('PAYLOAD_TOO_LARGE', {
          message: `The request body exceeds ${config.maxBodyBytes} bytes.`,
          details: { limit: config.maxBodyBytes },
        });
      },
    }),
  );
  app.use('/api/*', rateLimit(runtime, 'ip', config.rateLimit.perIpPerMinute));

  app.get('/health', (c) => c.json({ status: 'ok', version: VERSION }));
  app.get('/ready', async (c) => {
    const [stores, plugins] = await Promise.all([runtime.stores.check(), Promise.resolve(runtime.plugins.ready())]);
    const ok = stores.every((store) => store.ok) && plugins.ok;
    return c.json({ status: ok ? 'ready' : 'not-ready', stores, plugins: plugins.plugins }, ok ? 200 : 503);
  });
  app.get('/metrics', async (c) => {
    c.header('Content-Type', metrics.registry.contentType);
    return c.body(await metrics.registry.metrics());
  });

  // SSE: the same events as the WebSocket, for one run, replayed from `afterSeq` (or Last-Event-ID).
  app.get('/api/v1/runs/:id/stream', authenticate(runtime), async (c) => {
    const principal = c.get('principal');
    const runId = c.req.param('id');
    const afterSeq = Number(c.req.header('last-event-id') ?? c.req.query('afterSeq') ?? 0) || 0;
    await runtime.runs.runOf(principal, runId);
    return streamSSE(c, async (stream) => {
      const queue: RunEvent[] = [];
      let wake: (() => void) | undefined;
      const unsubscribe = await runtime.runs.subscribe(principal, runId, afterSeq, (event) => {
        queue.push(event);
        wake?.();
      });
      let open = true;
      stream.onAbort(() => {
        open = false;
        wake?.();
      });
      try {
        while (open) {
          const event = queue.shift();
          if (!event) {
            await new Promise<void>((resolve) => {
              wake = resolve;
              setTimeout(resolve, 15_000).unref();
            });
            wake = undefined;
            if (queue.length === 0 && open) await stream.write(': keep-alive\n\n');
            continue;
          }
          await stream.writeSSE({ id: String(event.seq), event: event.type, data: JSON.stringify(event) });
          if (event.type === 'run.finished' && event.status !== 'paused') break;
        }
      } finally {
        unsubscribe();
      }
    });
  });

  const mcp = mountMcp(app, runtime);
  app.route(
    '/api/v1',
    apiRoutes(runtime, {
      login: rateLimit(runtime, 'login', 10),
      user: rateLimit(runtime, 'user', config.rateLimit.perUserPerMinute),
    }),
  );

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'A session token from POST /api/v1/auth/login, or an API key (aurk_…).',
  });
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Aurora API',
      version: VERSION,
      description:
        'REST API of the Aurora server. Chat streams over the WebSocket at /api/v1/ws?token=… (token from POST /api/v1/auth/ws-token) ' +
        'or as server-sent events at GET /api/v1/runs/{id}/stream; both carry the event schema of @aurora-ops/core.',
    },
  });
  // What a person opening the address the server prints finds: where everything is.
  app.get('/', (c) => {
    const entries = index(mcp.path);
    if (c.req.header('accept')?.includes('text/html')) return c.html(indexHtml(entries));
    const links = Object.fromEntries(entries.map((entry) => [entry.key, entry.path]));
    return c.json({ name: 'Aurora', version: VERSION, links });
  });
  app.get('/docs', (c) => c.html(DOCS_HTML));
  app.get('/docs/assets/:file{swagger-ui\\.css|swagger-ui-bundle\\.js}', async (c) => {
    const file = c.req.param('file');
    const body = await readFile(join(swaggerDirectory(), file));
    c.header('Content-Type', file.endsWith('.css') ? 'text/css' : 'text/javascript');
    c.header('Cache-Control', 'public, max-age=86400');
    return c.body(body);
  });
  return Object.assign(app, { mcp });
}
