/**
 * A local HTTP server speaking Anthropic's Messages API as documented at
 * https://docs.anthropic.com/en/api/messages and .../messages-streaming: `POST /v1/messages`,
 * a JSON `message`, or with `stream: true` the SSE events `message_start`,
 * `content_block_start` / `content_block_delta` (`text_delta`, `input_json_delta`) /
 * `content_block_stop`, `message_delta` (stop reason, output usage) and `message_stop`.
 * Errors use the documented `{ type: 'error', error: { type, message } }` body.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pieces, type RecordedRequest, type ScriptedReply } from './fake-openai-server.js';

export interface FakeAnthropic {
  /** Base URL without `/v1`, as `ChatAnthropic`'s `anthropicApiUrl` takes it. */
  readonly url: string;
  readonly requests: RecordedRequest[];
  enqueue(...replies: ScriptedReply[]): void;
  stop(): Promise<void>;
}

const errorTypes: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

async function readBody(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
}

export async function startFakeAnthropic(): Promise<FakeAnthropic> {
  const requests: RecordedRequest[] = [];
  const queue: ScriptedReply[] = [];
  let counter = 0;

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const body = await readBody(request);
    const path = (request.url ?? '').split('?')[0] ?? '';
    requests.push({ method: request.method ?? '', path, headers: { ...request.headers }, body });
    if (request.method !== 'POST' || path !== '/v1/messages') {
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ type: 'error', error: { type: 'not_found_error', message: `Unknown ${path}` } }));
      return;
    }
    const reply = queue.shift() ?? { text: 'ok' };
    if ('delayMs' in reply && reply.delayMs !== undefined) {
      // A slow provider: answers late, or never if the client has gone.
      await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
      if (response.destroyed || request.socket.destroyed) return;
    }
    if ('status' in reply) {
      // A worst-case provider: the error quotes the key it received.
      const message = reply.message ?? `invalid request; x-api-key was ${String(request.headers['x-api-key'])}`;
      response.writeHead(reply.status, {
        'content-type': 'application/json',
        'request-id': `req_fake${counter}`,
        ...(reply.retryAfter === undefined ? {} : { 'retry-after': reply.retryAfter }),
      });
      response.end(
        JSON.stringify({ type: 'error', error: { type: errorTypes[reply.status] ?? 'api_error', message } }),
      );
      return;
    }
    counter += 1;
    const id = `msg_fake${counter}`;
    const model = typeof body.model === 'string' ? body.model : 'unknown';
    const usage = reply.usage ?? { input: 10, output: 5 };
    const toolCalls = reply.toolCalls ?? [];
    const stopReason = toolCalls.length > 0 ? 'tool_use' : 'end_turn';
    const content = [
      ...(reply.text === undefined ? [] : [{ type: 'text', text: reply.text }]),
      ...toolCalls.map((call) => ({ type: 'tool_use', id: call.id, name: call.name, input: call.arguments })),
    ];

    if (body.stream !== true) {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({
          id,
          type: 'message',
          role: 'assistant',
          model,
          content,
          stop_reason: stopReason,
          stop_sequence: null,
          usage: { input_tokens: usage.input, output_tokens: usage.output },
        }),
      );
      return;
    }

    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const event = (type: string, data: Record<string, unknown>): void => {
      response.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
    };
    event('message_start', {
      message: {
        id,
        type: 'message',
        role: 'assistant',
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: usage.input, output_tokens: 1 },
      },
    });
    event('ping', {});
    let index = 0;
    if (reply.text !== undefined) {
      event('content_block_start', { index, content_block: { type: 'text', text: '' } });
      for (const piece of pieces(reply.text))
        event('content_block_delta', { index, delta: { type: 'text_delta', text: piece } });
      event('content_block_stop', { index });
      index += 1;
    }
    for (const call of toolCalls) {
      event('content_block_start', {
        index,
        content_block: { type: 'tool_use', id: call.id, name: call.name, input: {} },
      });
      for (const piece of pieces(JSON.stringify(call.arguments), 7))
        event('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: piece } });
      event('content_block_stop', { index });
      index += 1;
    }
    event('message_delta', {
      delta: { stop_reason: stopReason, stop_sequence: null },
      usage: { output_tokens: usage.output },
    });
    event('message_stop', {});
    response.end();
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      response.writeHead(500).end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    enqueue: (...replies) => {
      queue.push(...replies);
    },
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
