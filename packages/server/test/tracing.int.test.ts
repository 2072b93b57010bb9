/**
 * OpenTelemetry: with OTEL_EXPORTER_OTLP_ENDPOINT set, HTTP requests and tool calls are
 * exported over OTLP/HTTP to a local collector (a plain HTTP server recording the requests).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SECRET, startHarness, type Harness } from './support/server-harness.js';

let harness: Harness;
let collector: Server;
const exports: { path: string; contentType: string; body: string }[] = [];

beforeAll(async () => {
  collector = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('latin1')));
    request.on('end', () => {
      exports.push({ path: request.url ?? '', contentType: request.headers['content-type'] ?? '', body });
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  const { port } = collector.address() as AddressInfo;
  harness = await startHarness({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}` } });
}, 120_000);
afterAll(async () => {
  await harness?.close();
  await new Promise((resolve) => collector?.close(resolve));
});

it('exports a server span per request (named by route) and a span per tool call, without arguments or secrets', async () => {
  expect((await harness.api('/health')).status).toBe(200);
  const client = await harness.connect(harness.users.operator);
  client.send({ type: 'message.send', text: `status please, the password is ${SECRET}` });
  const accepted = await client.waitFor((m) => m.type === 'run.accepted');
  await client.waitFor((m) => m.type === 'run.finished' && m.runId === accepted.runId);
  await harness.server.runtime.tracing?.flush();
  const sent = exports.filter((item) => item.path === '/v1/traces');
  expect(sent.length).toBeGreaterThan(0);
  const text = sent.map((item) => item.body).join('\n');
  expect(text).toContain('GET /health');
  expect(text).toContain('POST /api/v1/auth/ws-token');
  expect(text).toContain('tool ops__get_status');
  expect(text).toContain(accepted.runId);
  expect(text).not.toContain(SECRET);
  expect(text).not.toContain('"service":"api"');
});

it('the built package loads the OpenTelemetry SDK only when tracing starts', async () => {
  const { execFile } = await import('node:child_process');
  const { promisify } = await import('node:util');
  const { resolve } = await import('node:path');
  const { pathToFileURL } = await import('node:url');
  const entry = pathToFileURL(resolve(import.meta.dirname, '../dist/index.js')).href;
  // CommonJS modules imported from ESM are in require.cache: count the SDK's, before and after.
  const script = `
    import { createRequire } from 'node:module';
    const sdk = () => Object.keys(createRequire(import.meta.url).cache).filter((key) => key.includes('@opentelemetry/sdk-trace')).length;
    const { startTracing } = await import(${JSON.stringify(entry)});
    const before = sdk();
    const tracing = await startTracing({ endpoint: 'http://127.0.0.1:9' });
    const after = sdk();
    await tracing.shutdown().catch(() => undefined);
    console.log(JSON.stringify({ before, after }));`;
  const { stdout: output } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script]);
  const { before, after } = JSON.parse(output.trim().split('\n').at(-1)!) as { before: number; after: number };
  expect(before).toBe(0);
  expect(after).toBeGreaterThan(0);
});
