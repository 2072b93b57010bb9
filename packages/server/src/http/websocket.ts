import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  AuroraError,
  MAX_CLIENT_MESSAGE_CHARS,
  parseClientMessage,
  type ClientMessage,
  type ErrorStreamEvent,
  type RunEvent,
} from '@aurora-ops/core';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Principal } from '../auth/auth-store.js';
import type { Runtime } from '../runtime.js';
import { toAuroraError } from './http-errors.js';

/** What the server sends besides run events: acknowledgements of client messages. */
export type ServerAck =
  /** The message waits for its turn to start (a burst beyond AURORA_MAX_STARTING_RUNS); `run.accepted` follows. */
  | { type: 'run.queued'; ahead: number; clientMessageId?: string }
  | { type: 'run.accepted'; runId: string; sessionId: string; clientMessageId?: string }
  | { type: 'confirmation.accepted'; confirmationId: string; runId: string; resumed: boolean }
  | { type: 'run.cancel-requested'; runId: string };

const PATH = '/api/v1/ws';
/** A queued frame waits at most this long once other frames follow it (see `flush`). */
const MAX_FRAME_WAIT_MS = 2;

/**
 * The chat WebSocket at `/api/v1/ws?token=…`: the token is single-use (POST /api/v1/auth/ws-token),
 * frames are core's client messages, and everything the server sends is a run event of core's
 * schema or an acknowledgement. A bad frame gets a typed `error` event; the connection stays open.
 */
export function attachWebSocket(
  server: Server,
  runtime: Runtime,
): { close(): Promise<void>; readonly sessions: () => number } {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CLIENT_MESSAGE_CHARS * 4 });
  const reject = (socket: Duplex, status: number, text: string) => {
    socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  };

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== PATH) return reject(socket, 404, 'Not Found');
    const token = url.searchParams.get('token');
    if (!token) return reject(socket, 401, 'Unauthorized');
    runtime.auth
      .consumeOneTimeToken('websocket', token)
      .then((principal) => {
        if (!principal) return reject(socket, 401, 'Unauthorized');
        wss.handleUpgrade(request, socket, head, (ws) => serve(ws, principal));
      })
      .catch(() => reject(socket, 503, 'Service Unavailable'));
  };
  server.on('upgrade', onUpgrade);

  /**
   * Frames go out together once the event loop's current phase is done (setImmediate), in the
   * order they were sent. Tokens of many runs become due in the same turn (their timers, a
   * batch of model chunks); written back to back, one wake-up of a reader (a proxy, or clients
   * on this host) serves several frames, where one write at a time woke it for each. In a
   * turn longer than MAX_FRAME_WAIT_MS, a frame sent after that flushes the ones before it.
   */
  let outbox: [WebSocket, string][] = [];
  /** When the first frame of the outbox was queued. */
  let oldest = 0;
  const flush = () => {
    const frames = outbox;
    outbox = [];
    for (const [ws, text] of frames) if (ws.readyState === ws.OPEN) ws.send(text);
  };

  const serve = (ws: WebSocket, principal: Principal) => {
    runtime.metrics.wsSessions.inc();
    const subscriptions = new Map<string, () => void>();
    const send = (payload: RunEvent | ErrorStreamEvent | ServerAck) => {
      if (ws.readyState !== ws.OPEN) return;
      if (outbox.length === 0) {
        oldest = performance.now();
        setImmediate(flush);
      } else if (performance.now() - oldest > MAX_FRAME_WAIT_MS) {
        // A long turn (a burst of run starts, a large replay): what waited goes out now.
        flush();
        oldest = performance.now();
      }
      outbox.push([ws, JSON.stringify(payload)]);
    };
    const follow = async (runId: string, afterSeq: number) => {
      subscriptions.get(runId)?.();
      subscriptions.set(runId, await runtime.runs.subscribe(principal, runId, afterSeq, send));
    };
    const handle = async (message: ClientMessage) => {
      switch (message.type) {
        case 'message.send': {
          const clientMessageId = message.clientMessageId ? { clientMessageId: message.clientMessageId } : {};
          // The run's events are followed from its first (no stored events to read back) and
          // held until `run.accepted` has gone out, so that the client hears of the run first.
          let early: RunEvent[] | undefined = [];
          const { unsubscribe, ...started } = await runtime.runs.send(
            principal,
            { text: message.text, ...(message.sessionId ? { sessionId: message.sessionId } : {}) },
            {
              onQueued: (ahead) => send({ type: 'run.queued', ahead, ...clientMessageId }),
              onEvent: (event) => (early ? early.push(event) : send(event)),
            },
          );
          if (ws.readyState !== ws.OPEN) {
            // Closed while the run started: the close handler has already let go of the rest.
            unsubscribe?.();
            return;
          }
          subscriptions.get(started.runId)?.();
          if (unsubscribe) subscriptions.set(started.runId, unsubscribe);
          send({ type: 'run.accepted', ...started, ...clientMessageId });
          const held = early;
          early = undefined;
          for (const event of held) send(event);
          return;
        }
        case 'run.resume':
          await follow(message.runId, message.afterSeq ?? 0);
          return;
        case 'run.cancel':
          await runtime.runs.cancel(principal, message.runId);
          send({ type: 'run.cancel-requested', runId: message.runId });
          return;
        case 'confirmation.respond': {
          const result = await runtime.runs.respond(principal, {
            confirmationId: message.confirmationId,
            decision: message.decision,
            ...(message.reason ? { reason: message.reason } : {}),
          });
          if (!subscriptions.has(result.runId)) await follow(result.runId, 0);
          send({ type: 'confirmation.accepted', confirmationId: message.confirmationId, ...result });
          return;
        }
      }
    };
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        send(new AuroraError('INVALID_INPUT', { message: 'Send text frames of JSON, not binary.' }).toStreamEvent());
        return;
      }
      const text = Array.isArray(data)
        ? Buffer.concat(data).toString('utf8')
        : Buffer.from(data as ArrayBuffer).toString('utf8');
      const parsed = parseClientMessage(text);
      if (!parsed.ok) {
        send(parsed.error);
        return;
      }
      handle(parsed.message).catch((error: unknown) => {
        const typed = toAuroraError(error);
        if (typed.code === 'INTERNAL') runtime.logger.error('ws: message failed', { error: String(error) });
        send(typed.toStreamEvent());
      });
    });
    ws.on('close', () => {
      runtime.metrics.wsSessions.dec();
      for (const unsubscribe of subscriptions.values()) unsubscribe();
      subscriptions.clear();
    });
    ws.on('error', () => ws.terminate());
  };

  return {
    sessions: () => wss.clients.size,
    async close() {
      server.off('upgrade', onUpgrade);
      flush(); // what was sent before the close goes out before it
      for (const client of wss.clients) client.close(1001, 'server shutting down');
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
