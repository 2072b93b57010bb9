/**
 * Starts the real server (HTTP + WebSocket on a free port) on an in-memory PGlite with an
 * in-process test plugin `ops` and a scripted model, and signs in users of two orgs.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AIMessage, HumanMessage, ToolMessage, type BaseMessage } from '@langchain/core/messages';
import { createScriptedChatModel } from '@aurora-ops/core/agent';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import WebSocket from 'ws';
import { z } from 'zod';
import { loadConfig } from '../../src/config/config.js';
import type { SupervisedPlugin } from '../../src/plugins/index.js';
import { startServer, type AuroraServer } from '../../src/server.js';
import type { Role } from '../../src/auth/auth-store.js';

export const SECRET = 'canary-Vx93-database-password';

export interface Calls {
  deleted: string[];
  status: number;
}

/** The in-process test plugin: a read tool, a destructive tool, and a tool whose output holds a secret. */
export function opsPlugin(calls: Calls) {
  return () => {
    const server = new McpServer({ name: 'ops', version: '1.0.0' });
    server.registerTool(
      'get_status',
      {
        description: 'Status of a service.',
        inputSchema: { service: z.string() },
        annotations: { readOnlyHint: true },
      },
      (args) => {
        calls.status++;
        return { content: [{ type: 'text', text: `service ${args.service} is degraded` }] };
      },
    );
    server.registerTool(
      'whoami',
      {
        description: 'Who the plugin is called for.',
        inputSchema: {},
        annotations: { readOnlyHint: true },
        _meta: { 'aurora/connectionTest': true },
      },
      (_args, extra) => ({ content: [{ type: 'text', text: `org ${String(extra._meta?.['aurora/org'])}` }] }),
    );
    server.registerTool(
      'delete_instance',
      { description: 'Deletes an instance.', inputSchema: { id: z.string() }, annotations: { destructiveHint: true } },
      (args) => {
        calls.deleted.push(args.id);
        return { content: [{ type: 'text', text: `deleted ${args.id}` }] };
      },
    );
    return server;
  };
}

const lastOf = (messages: readonly BaseMessage[]) => messages[messages.length - 1];

/** The model's script, chosen by the last message: "delete X" asks for the destructive tool, "slow" talks slowly. */
export function scriptedModel() {
  return createScriptedChatModel({
    repeatLast: true,
    turns: [
      (messages) => {
        const last = lastOf(messages);
        if (ToolMessage.isInstance(last)) return { text: `Done: ${last.text}.` };
        const text = HumanMessage.isInstance(last) ? last.text : '';
        const target = /delete (\S+)/.exec(text)?.[1];
        if (target) return { toolCalls: [{ name: 'ops__delete_instance', args: { id: target } }] };
        if (text.includes('status')) return { toolCalls: [{ name: 'ops__get_status', args: { service: 'api' } }] };
        if (text.includes('which pid')) return { toolCalls: [{ name: 'std__whoami', args: {} }] };
        if (text.includes('slow')) return { text: 'thinking slowly about this', delayMs: 3_000 };
        if (AIMessage.isInstance(last)) return { text: 'ok' };
        return { text: 'Hello operator, the checkout service looks healthy from here.' };
      },
    ],
  });
}

export interface Session {
  readonly token: string;
  readonly userId: string;
  readonly org: string;
  readonly role: Role;
}

export interface Harness {
  readonly server: AuroraServer;
  readonly url: string;
  readonly calls: Calls;
  readonly users: Record<'admin' | 'operator' | 'viewer' | 'otherOperator' | 'otherAdmin', Session>;
  api(
    path: string,
    init?: { method?: string; token?: string; body?: unknown; raw?: string; headers?: Record<string, string> },
  ): Promise<{ status: number; body: any; headers: Headers }>;
  connect(session: Session): Promise<Client>;
  close(): Promise<void>;
}

export interface Client {
  readonly ws: WebSocket;
  readonly received: any[];
  send(message: unknown): void;
  sendRaw(frame: string | Buffer): void;
  /** Resolves with the first received message (from now or already received after `from`) matching. */
  waitFor(predicate: (message: any) => boolean, timeoutMs?: number): Promise<any>;
  close(): Promise<void>;
}

export async function startHarness(
  options: { env?: Record<string, string>; dataDir?: string; plugins?: readonly SupervisedPlugin[] } = {},
): Promise<Harness> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'aurora-server-')));
  const config = loadConfig({ AURORA_DATA_DIR: dataDir, AURORA_PORT: '0', AURORA_LOG_LEVEL: 'error', ...options.env });
  const calls: Calls = { deleted: [], status: 0 };
  const server = await startServer(config, {
    model: scriptedModel(),
    inMemoryDatabase: options.dataDir === undefined,
    vectors: false,
    log: () => undefined,
    extraPlugins: [
      { name: 'ops', transport: { kind: 'in-process', server: opsPlugin(calls) } },
      ...(options.plugins ?? []),
    ],
  });
  server.runtime.stores.redactor.learn(SECRET);
  const { auth } = server.runtime;
  await auth.createOrg('other', 'Other Org').catch(() => undefined);
  const password = 'correct horse battery staple';
  const make = async (org: string, email: string, role: Role) => {
    await auth.createUser({ org, email, role, password }).catch(() => undefined);
    return email;
  };
  const emails = {
    admin: await make('default', 'ada@example.com', 'admin'),
    operator: await make('default', 'olive@example.com', 'operator'),
    viewer: await make('default', 'vic@example.com', 'viewer'),
    otherOperator: await make('other', 'otto@other.example', 'operator'),
    otherAdmin: await make('other', 'oda@other.example', 'admin'),
  };

  const api: Harness['api'] = async (path, init = {}) => {
    const response = await fetch(`${server.url}${path}`, {
      method: init.method ?? (init.body === undefined && init.raw === undefined ? 'GET' : 'POST'),
      headers: {
        ...(init.body !== undefined || init.raw !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
        ...init.headers,
      },
      ...(init.raw !== undefined
        ? { body: init.raw }
        : init.body !== undefined
          ? { body: JSON.stringify(init.body) }
          : {}),
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON (metrics, docs)
    }
    return { status: response.status, body, headers: response.headers };
  };
  const login = async (email: string): Promise<Session> => {
    const response = await api('/api/v1/auth/login', { body: { email, password } });
    if (response.status !== 200) throw new Error(`login ${email}: ${response.status} ${JSON.stringify(response.body)}`);
    return {
      token: response.body.token,
      userId: response.body.user.id,
      org: response.body.user.org,
      role: response.body.user.role,
    };
  };
  const users = {
    admin: await login(emails.admin),
    operator: await login(emails.operator),
    viewer: await login(emails.viewer),
    otherOperator: await login(emails.otherOperator),
    otherAdmin: await login(emails.otherAdmin),
  };
  const clients: Client[] = [];

  const connect = async (session: Session): Promise<Client> => {
    const ticket = await api('/api/v1/auth/ws-token', { method: 'POST', token: session.token });
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}${ticket.body.url}`);
    const received: any[] = [];
    const waiters = new Set<{ predicate: (message: any) => boolean; resolve: (message: any) => void }>();
    ws.on('message', (data) => {
      const message = JSON.parse((data as Buffer).toString('utf8'));
      received.push(message);
      for (const waiter of waiters) {
        if (waiter.predicate(message)) {
          waiters.delete(waiter);
          waiter.resolve(message);
        }
      }
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const client: Client = {
      ws,
      received,
      send: (message) => ws.send(JSON.stringify(message)),
      sendRaw: (frame) => ws.send(frame),
      waitFor(predicate, timeoutMs = 15_000) {
        const found = received.find(predicate);
        if (found) return Promise.resolve(found);
        return new Promise((resolve, reject) => {
          const waiter = { predicate, resolve };
          waiters.add(waiter);
          setTimeout(() => {
            if (waiters.delete(waiter))
              reject(new Error(`timed out; received: ${JSON.stringify(received.map((m) => m.type))}`));
          }, timeoutMs).unref();
        });
      },
      close: () =>
        new Promise<void>((resolve) => {
          if (ws.readyState === ws.CLOSED) return resolve();
          ws.once('close', () => resolve());
          ws.close();
        }),
    };
    clients.push(client);
    return client;
  };

  return {
    server,
    url: server.url,
    calls,
    users,
    api,
    connect,
    async close() {
      for (const client of clients) await client.close();
      await server.close();
      if (options.dataDir === undefined) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
