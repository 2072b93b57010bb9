import type { Tracing, TracingOptions } from './tracing.js';

/**
 * Starts OpenTelemetry tracing (see `Tracing`). The SDK and the OTLP exporter are loaded on the
 * first call, not with `@aurora-ops/server`: they take about 90 ms and 20 MB, which a process
 * that exports no traces should not pay.
 */
export async function startTracing(options: TracingOptions): Promise<Tracing> {
  const { startTracing: start } = await import('./tracing.js');
  return start(options);
}
