import { SpanKind, SpanStatusCode, type Span, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { RunEvent } from '@aurora-ops/core';
import type { Context, MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import { VERSION } from '../version.js';

/**
 * OpenTelemetry traces, on when `OTEL_EXPORTER_OTLP_ENDPOINT` is set: one server span per HTTP
 * request and one span per tool call, exported over OTLP/HTTP. Span attributes never carry
 * arguments or results (they may hold secrets); only names, ids, outcomes and durations.
 */
export interface Tracing {
  readonly tracer: Tracer;
  middleware(): MiddlewareHandler;
  /** Feed the agent's events: tool calls become spans. */
  onRunEvent(event: RunEvent): void;
  /** Exports what is buffered. */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

export interface TracingOptions {
  /** The OTLP/HTTP endpoint (`OTEL_EXPORTER_OTLP_ENDPOINT`); spans go to `<endpoint>/v1/traces`. */
  readonly endpoint: string;
  readonly serviceName?: string;
  readonly role?: string;
}

export function startTracing(options: TracingOptions): Tracing {
  const url = `${options.endpoint.replace(/\/+$/, '')}/v1/traces`;
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      'service.name': options.serviceName ?? 'aurora',
      'service.version': VERSION,
      ...(options.role ? { 'aurora.role': options.role } : {}),
    }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url }), { scheduledDelayMillis: 1000 })],
  });
  const tracer = provider.getTracer('@aurora-ops/server', VERSION);
  const toolSpans = new Map<string, Span>();
  return {
    tracer,
    middleware() {
      return async (c, next) => {
        await tracer.startActiveSpan(`${c.req.method} ${c.req.path}`, { kind: SpanKind.SERVER }, async (span) => {
          try {
            await next();
          } finally {
            const route = routePath(c as Context);
            span.updateName(`${c.req.method} ${route}`);
            span.setAttributes({
              'http.request.method': c.req.method,
              'http.route': route,
              'http.response.status_code': c.res.status,
            });
            if (c.res.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
            span.end();
          }
        });
      };
    },
    onRunEvent(event) {
      if (event.type === 'tool-call.started') {
        const span = tracer.startSpan(`tool ${event.tool}`, {
          kind: SpanKind.CLIENT,
          attributes: {
            'aurora.run_id': event.runId,
            'aurora.tool': event.tool,
            'aurora.tool_call_id': event.toolCallId,
          },
        });
        toolSpans.set(event.toolCallId, span);
      } else if (event.type === 'tool-call.finished') {
        const span = toolSpans.get(event.toolCallId);
        if (!span) return;
        toolSpans.delete(event.toolCallId);
        span.setAttribute('aurora.tool_ok', event.ok);
        if (!event.ok) span.setStatus({ code: SpanStatusCode.ERROR, message: event.error?.code ?? 'tool error' });
        span.end();
      }
    },
    async flush() {
      await provider.forceFlush();
    },
    async shutdown() {
      for (const span of toolSpans.values()) span.end();
      toolSpans.clear();
      await provider.shutdown();
    },
  };
}
