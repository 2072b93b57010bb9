/**
 * A local HTTP server speaking the OpenAI Chat Completions API as documented at
 * https://platform.openai.com/docs/api-reference/chat: `POST /v1/chat/completions`, JSON or,
 * with `stream: true`, server-sent `data:` chunks (`chat.completion.chunk`) ending in
 * `data: [DONE]`, tool calls streamed as `delta.tool_calls` pieces, and a last chunk with
 * `usage` and empty `choices` when `stream_options.include_usage` is set. Errors use the
 * documented `{ error: { message, type, param, code } }` body.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ScriptedToolCall {
  readonly id: string;
  readonly name: string;
  readonly arguments: Record<string, unknown>;
}

/** One scripted answer: a message, or an error status. */
export type ScriptedReply =
  | {
      readonly text?: string;
      readonly toolCalls?: readonly ScriptedToolCall[];
      readonly usage?: { readonly input: number; readonly output: number };
      /** Waits this long before answering (for timeouts and aborts). */
      readonly delayMs?: number;
    }
  | { readonly status: number; readonly message?: string; readonly retryAfter?: string };

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Record<string, unknown>;
}

export interface FakeOpenAi {
  /** Base URL including `/v1`, as `baseUrl` takes it. */
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Answers the next requests in order; with none queued, the server answers "ok". */
  enqueue(...replies: ScriptedReply[]): void;
  stop(): Promise<void>;
}

const errorTypes: Record<number, [string, string]> = {
  400: ['invalid_request_error', 'invalid_request'],
  401: ['invalid_request_error', 'invalid_api_key'],
  404: ['invalid_request_error', 'model_not_found'],
  429: ['requests', 'rate_limit_exceeded'],
  500: ['server_error', 'internal_error'],
};

async function readBody(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
}

/** Splits text into a few deltas, so a stream has more than one content chunk. */
export function pieces(text: string, size = 4): string[] {
  const out: string[] = [];
  for (let index = 0; index < text.length; index += size) out.push(text.slice(index, index + size));
  return out;
}

export async function startFakeOpenAi(): Promise<FakeOpenAi> {
  const requests: RecordedRequest[] = [];
  const queue: ScriptedReply[] = [];
  let counter = 0;

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const body = await readBody(request);
    const path = (request.url ?? '').split('?')[0] ?? '';
    requests.push({ method: request.method ?? '', path, headers: { ...request.headers }, body });
    if (request.method !== 'POST' || path !== '/v1/chat/completions') {
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: { message: `Unknown path ${path}`, type: 'invalid_request_error' } }));
      return;
    }
    const reply = queue.shift() ?? { text: 'ok' };
    if ('delayMs' in reply && reply.delayMs !== undefined) {
      // A slow provider: answers late, or never if the client has gone.
      await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
      if (response.destroyed || request.socket.destroyed) return;
    }
    if ('status' in reply) {
      const [type, code] = errorTypes[reply.status] ?? ['server_error', 'error'];
      // A worst-case provider: the error quotes the Authorization header it received.
      const message = reply.message ?? `Request failed; received ${String(request.headers.authorization)}`;
      response.writeHead(reply.status, {
        'content-type': 'application/json',
        ...(reply.retryAfter === undefined ? {} : { 'retry-after': reply.retryAfter }),
      });
      response.end(JSON.stringify({ error: { message, type, param: null, code } }));
      return;
    }
    counter += 1;
    const id = `chatcmpl-fake${counter}`;
    const created = Math.floor(Date.now() / 1000);
    const model = typeof body.model === 'string' ? body.model : 'unknown';
    const usage = reply.usage ?? { input: 10, output: 5 };
    const usageBody = {
      prompt_tokens: usage.input,
      completion_tokens: usage.output,
      total_tokens: usage.input + usage.output,
    };
    const toolCalls = reply.toolCalls ?? [];
    const finish = toolCalls.length > 0 ? 'tool_calls' : 'stop';

    if (body.stream !== true) {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({
          id,
          object: 'chat.completion',
          created,
          model,
          choices: [
            {
              index: 0,
              message: {
                role: 'assistant',
                content: reply.text ?? null,
                refusal: null,
                ...(toolCalls.length === 0
                  ? {}
                  : {
                      tool_calls: toolCalls.map((call) => ({
                        id: call.id,
                        type: 'function',
                        function: { name: call.name, arguments: JSON.stringify(call.arguments) },
                      })),
                    }),
              },
              logprobs: null,
              finish_reason: finish,
            },
          ],
          usage: usageBody,
        }),
      );
      return;
    }

    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const chunk = (choices: unknown[], extra: Record<string, unknown> = {}): void => {
      response.write(
        `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices, ...extra })}\n\n`,
      );
    };
    const delta = (value: Record<string, unknown>, finishReason: string | null = null): unknown => ({
      index: 0,
      delta: value,
      logprobs: null,
      finish_reason: finishReason,
    });
    chunk([delta({ role: 'assistant', content: '', refusal: null })]);
    for (const piece of pieces(reply.text ?? '')) chunk([delta({ content: piece })]);
    toolCalls.forEach((call, index) => {
      chunk([
        delta({
          tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }],
        }),
      ]);
      for (const piece of pieces(JSON.stringify(call.arguments), 7))
        chunk([delta({ tool_calls: [{ index, function: { arguments: piece } }] })]);
    });
    chunk([delta({}, finish)]);
    const streamOptions = body.stream_options as { include_usage?: boolean } | undefined;
    if (streamOptions?.include_usage === true) chunk([], { usage: usageBody });
    response.end('data: [DONE]\n\n');
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      response.writeHead(500).end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
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
