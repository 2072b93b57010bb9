/**
 * A small Bolt server on 127.0.0.1 for tests of the Neo4j adapter through the real
 * `neo4j-driver`: no Neo4j or Memgraph runs on this machine. It speaks the protocol the driver
 * negotiates (https://neo4j.com/docs/bolt/current/bolt/): the 0x6060B017 handshake with
 * version 5.4 picked from the driver's proposals, chunked messages, PackStream values, and
 * the messages HELLO, LOGON, LOGOFF, BEGIN, RUN, PULL, DISCARD, COMMIT, ROLLBACK, RESET,
 * ROUTE, TELEMETRY and GOODBYE, answered with SUCCESS, RECORD, FAILURE or IGNORED. It does
 * not run Cypher: it records every RUN (query, parameters, database, transaction metadata)
 * and answers through the test's handler, with records or a FAILURE with a Neo4j code.
 */
import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { pack, Structure, unpack } from './packstream.js';

const MAGIC = 0x6060b017;
const VERSION = { major: 5, minor: 4 };

const SIGNATURES: Record<number, string> = {
  0x01: 'HELLO',
  0x02: 'GOODBYE',
  0x0f: 'RESET',
  0x10: 'RUN',
  0x11: 'BEGIN',
  0x12: 'COMMIT',
  0x13: 'ROLLBACK',
  0x2f: 'DISCARD',
  0x3f: 'PULL',
  0x54: 'TELEMETRY',
  0x66: 'ROUTE',
  0x6a: 'LOGON',
  0x6b: 'LOGOFF',
};
const SUCCESS = 0x70;
const RECORD = 0x71;
const IGNORED = 0x7e;
const FAILURE = 0x7f;

export interface BoltRun {
  readonly query: string;
  /** Integers as `bigint`, floats as `number`. */
  readonly parameters: Record<string, unknown>;
  readonly database: string | null;
  readonly mode: 'r' | 'w';
  readonly txMetadata: Record<string, unknown> | null;
  /** Inside BEGIN … COMMIT (a managed or explicit transaction), or auto-commit. */
  readonly explicit: boolean;
  readonly connection: number;
}

export interface BoltFailure {
  readonly code: string;
  readonly message: string;
}

/** Records are rows of values in `fields` order; integers as `bigint`. */
export type BoltAnswer = { readonly fields: readonly string[]; readonly records: readonly unknown[][] } | BoltFailure;

export type BoltHandler = (run: BoltRun) => BoltAnswer | undefined;

export interface FakeBoltMessage {
  readonly connection: number;
  readonly name: string;
  readonly fields: readonly unknown[];
}

export interface FakeBolt {
  /** `bolt://127.0.0.1:<port>` */
  readonly url: string;
  readonly runs: BoltRun[];
  /** Every message received, in order (LOGON credentials included: it is a test). */
  readonly messages: FakeBoltMessage[];
  handler: BoltHandler;
  stop(): Promise<void>;
}

export interface FakeBoltOptions {
  readonly handler?: BoltHandler;
  /** Credentials LOGON must carry (scheme basic); anything else is Unauthorized. */
  readonly auth?: { readonly username: string; readonly password: string };
}

function frame(signature: number, fields: readonly unknown[]): Buffer {
  const body = pack(new Structure(signature, [...fields]));
  const parts: Buffer[] = [];
  for (let offset = 0; offset < body.length; offset += 0xffff) {
    const chunk = body.subarray(offset, offset + 0xffff);
    const header = Buffer.alloc(2);
    header.writeUInt16BE(chunk.length);
    parts.push(header, chunk);
  }
  parts.push(Buffer.from([0, 0]));
  return Buffer.concat(parts);
}

/** The version the driver offers that we speak: proposals are `range << 16 | minor << 8 | major`. */
function negotiate(handshake: Buffer): number {
  for (let index = 0; index < 4; index += 1) {
    const proposal = handshake.readUInt32BE(4 + index * 4);
    const major = proposal & 0xff;
    const minor = (proposal >> 8) & 0xff;
    const range = (proposal >> 16) & 0xff;
    if (major === VERSION.major && minor >= VERSION.minor && minor - range <= VERSION.minor) {
      return (VERSION.minor << 8) | VERSION.major;
    }
  }
  return 0;
}

export async function startFakeBolt(options: FakeBoltOptions = {}): Promise<FakeBolt> {
  const runs: BoltRun[] = [];
  const messages: FakeBoltMessage[] = [];
  const sockets = new Set<Socket>();
  let connections = 0;
  const fake = {
    runs,
    messages,
    handler: options.handler ?? ((): BoltAnswer | undefined => undefined),
  };

  const serve = (socket: Socket): void => {
    const connection = (connections += 1);
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let buffer = Buffer.alloc(0);
    let shaken = false;
    let message: Buffer[] = [];
    let failed = false;
    let transaction: { database: string | null; mode: 'r' | 'w'; metadata: Record<string, unknown> | null } | null =
      null;
    let pending: { fields: readonly string[]; records: unknown[][]; mode: 'r' | 'w' } | null = null;
    let bookmark = 0;

    const send = (signature: number, ...fields: unknown[]): void => {
      if (!socket.destroyed) socket.write(frame(signature, fields));
    };

    const handle = (signature: number, fields: unknown[]): void => {
      const name = SIGNATURES[signature] ?? `0x${signature.toString(16)}`;
      messages.push({ connection, name, fields });
      if (name === 'GOODBYE') {
        socket.end();
        return;
      }
      if (name === 'RESET') {
        failed = false;
        transaction = null;
        pending = null;
        send(SUCCESS, {});
        return;
      }
      if (failed) {
        send(IGNORED);
        return;
      }
      const extra = (fields[0] ?? {}) as Record<string, unknown>;
      switch (name) {
        case 'HELLO':
          send(SUCCESS, { server: 'Neo4j/5.26.0', connection_id: `bolt-${connection}`, hints: {} });
          return;
        case 'LOGON': {
          const expected = options.auth;
          const ok =
            expected === undefined ||
            (extra.scheme === 'basic' &&
              extra.principal === expected.username &&
              extra.credentials === expected.password);
          if (ok) send(SUCCESS, {});
          else {
            failed = true;
            send(FAILURE, {
              code: 'Neo.ClientError.Security.Unauthorized',
              message: 'The client is unauthorized due to authentication failure.',
            });
          }
          return;
        }
        case 'LOGOFF':
        case 'TELEMETRY':
          send(SUCCESS, {});
          return;
        case 'ROUTE': {
          const address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
          const servers = ['WRITE', 'READ', 'ROUTE'].map((role) => ({ addresses: [address], role }));
          send(SUCCESS, { rt: { ttl: 300n, db: 'neo4j', servers } });
          return;
        }
        case 'BEGIN':
          transaction = {
            database: typeof extra.db === 'string' ? extra.db : null,
            mode: extra.mode === 'r' ? 'r' : 'w',
            metadata: (extra.tx_metadata as Record<string, unknown> | undefined) ?? null,
          };
          send(SUCCESS, {});
          return;
        case 'RUN': {
          const runExtra = (fields[2] ?? {}) as Record<string, unknown>;
          const run: BoltRun = {
            query: String(fields[0]),
            parameters: (fields[1] ?? {}) as Record<string, unknown>,
            database: transaction?.database ?? (typeof runExtra.db === 'string' ? runExtra.db : null),
            mode: transaction?.mode ?? (runExtra.mode === 'r' ? 'r' : 'w'),
            txMetadata: transaction?.metadata ?? (runExtra.tx_metadata as Record<string, unknown> | undefined) ?? null,
            explicit: transaction !== null,
            connection,
          };
          runs.push(run);
          const answer = fake.handler(run) ?? { fields: [], records: [] };
          if ('code' in answer) {
            failed = true;
            send(FAILURE, { code: answer.code, message: answer.message });
            return;
          }
          pending = { fields: answer.fields, records: answer.records.map((row) => [...row]), mode: run.mode };
          send(SUCCESS, { fields: [...answer.fields], t_first: 0n, ...(transaction === null ? {} : { qid: 0n }) });
          return;
        }
        case 'PULL':
        case 'DISCARD': {
          const n = typeof extra.n === 'bigint' ? Number(extra.n) : -1;
          const rows = pending?.records ?? [];
          const take = n < 0 ? rows.length : Math.min(n, rows.length);
          if (name === 'PULL') for (const row of rows.slice(0, take)) send(RECORD, row);
          const rest = name === 'PULL' ? rows.slice(take) : [];
          if (pending !== null) pending.records = rest;
          if (rest.length > 0) {
            send(SUCCESS, { has_more: true });
            return;
          }
          const mode = pending?.mode ?? 'r';
          pending = null;
          send(SUCCESS, {
            type: mode,
            t_last: 0n,
            db: 'neo4j',
            ...(transaction === null ? { bookmark: `FB:fake-${connection}-${(bookmark += 1)}` } : {}),
          });
          return;
        }
        case 'COMMIT':
          transaction = null;
          send(SUCCESS, { bookmark: `FB:fake-${connection}-${(bookmark += 1)}` });
          return;
        case 'ROLLBACK':
          transaction = null;
          send(SUCCESS, {});
          return;
        default:
          failed = true;
          send(FAILURE, { code: 'Neo.ClientError.Request.Invalid', message: `The fake does not speak ${name}.` });
      }
    };

    socket.on('data', (data: Buffer) => {
      buffer = Buffer.concat([buffer, data]);
      if (!shaken) {
        if (buffer.length < 20) return;
        if (buffer.readUInt32BE(0) !== MAGIC) {
          socket.destroy();
          return;
        }
        const version = negotiate(buffer);
        const reply = Buffer.alloc(4);
        reply.writeUInt32BE(version);
        socket.write(reply);
        if (version === 0) {
          socket.end();
          return;
        }
        shaken = true;
        buffer = buffer.subarray(20);
      }
      while (buffer.length >= 2) {
        const size = buffer.readUInt16BE(0);
        if (buffer.length < 2 + size) return;
        const chunk = buffer.subarray(2, 2 + size);
        buffer = buffer.subarray(2 + size);
        if (size > 0) {
          message.push(chunk);
          continue;
        }
        if (message.length === 0) continue; // a NOOP keep-alive
        const body = Buffer.concat(message);
        message = [];
        const { value } = unpack(body);
        if (!(value instanceof Structure)) {
          socket.destroy();
          return;
        }
        handle(value.tag, value.fields);
      }
    });
  };

  const server = createServer(serve);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(fake, {
    url: `bolt://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  });
}
