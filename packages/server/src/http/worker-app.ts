import { Hono } from 'hono';
import type { Runtime } from '../runtime.js';
import { VERSION } from '../version.js';

/** What a worker-only process serves: liveness, readiness (stores and plugins) and metrics, nothing else. */
export function createWorkerApp(runtime: Runtime): Hono {
  const app = new Hono();
  app.get('/health', (c) => c.json({ status: 'ok', role: 'worker', version: VERSION }));
  app.get('/ready', async (c) => {
    const stores = await runtime.stores.check();
    const plugins = runtime.plugins.ready();
    const ok = stores.every((store) => store.ok) && plugins.ok;
    return c.json({ status: ok ? 'ready' : 'not-ready', stores, plugins: plugins.plugins }, ok ? 200 : 503);
  });
  app.get('/metrics', async (c) => {
    c.header('Content-Type', runtime.metrics.registry.contentType);
    return c.body(await runtime.metrics.registry.metrics());
  });
  app.notFound((c) =>
    c.json(
      { error: { code: 'NOT_FOUND', message: 'A worker serves only /health, /ready and /metrics.', retryable: false } },
      404,
    ),
  );
  return app;
}
