import {
  auth,
  bookmarkManager as createBookmarkManager,
  driver as createDriver,
  int,
  session as accessModes,
  type Driver,
  type ManagedTransaction,
} from 'neo4j-driver';
import { ConfigurationError, NotFoundError, UniqueViolationError } from '../../errors/errors.js';
import { noopLogger, type Logger } from '../../logging/logger.js';
import type { BlastRadiusEntry, EdgeInput, GraphPath, GraphStore, Neighbour, NodeInput } from '../graph/graph-store.js';
import {
  assertEdgeInput,
  assertHops,
  assertId,
  assertNodeInput,
  dedupe,
  EDGE_TYPE,
  edgeKey,
  invalid,
  nodeKey,
} from '../graph/graph-validation.js';
import * as cypher from './neo4j-cypher.js';
import { toGraphError } from './neo4j-errors.js';
import { toEdge, toNode, toNumber, toStrings } from './neo4j-records.js';

export type { GraphFlavor } from './neo4j-cypher.js';

interface CommonSettings {
  /** `neo4j` (default, Neo4j 5) or `memgraph`: where the Cypher differs (schema statements). */
  readonly flavor?: cypher.GraphFlavor;
  /** The database to use; the server's default (home) database when absent. */
  readonly database?: string;
  readonly logger?: Logger;
  /** Rows per `UNWIND` query. Default 1 000. */
  readonly batchSize?: number;
  /** Server-side timeout of each transaction, in milliseconds. Default: the server's. */
  readonly transactionTimeoutMs?: number;
}

/** A driver the caller owns (not closed by `close()`). */
export interface Neo4jGraphStoreDriverSettings extends CommonSettings {
  readonly driver: Driver;
}

/** Connection options: the store creates, owns and closes its driver. */
export interface Neo4jGraphStoreConnectionSettings extends CommonSettings {
  /** `bolt://host:7687`, `neo4j+s://…` (host and port appear in error messages); credentials go in `username`/`password`, never in the URL. */
  readonly url: string;
  readonly username?: string;
  /** The resolved secret; it never appears in an error, a log line or details. */
  readonly password?: string;
  /** How long the driver retries a transaction on transient errors. Default 30 000 ms. */
  readonly maxTransactionRetryTimeMs?: number;
  /** TCP connect timeout. Default 30 000 ms. */
  readonly connectionTimeoutMs?: number;
}

export type Neo4jGraphStoreSettings = Neo4jGraphStoreDriverSettings | Neo4jGraphStoreConnectionSettings;

const SCHEMES = new Set(['bolt:', 'bolt+s:', 'bolt+ssc:', 'neo4j:', 'neo4j+s:', 'neo4j+ssc:']);
/** Neo4j codes (and Memgraph's message) for a schema rule another store created first. */
const ALREADY_EXISTS = /EquivalentSchemaRuleAlreadyExists|ConstraintAlreadyExists|IndexAlreadyExists/;

function connect(settings: Neo4jGraphStoreConnectionSettings): { driver: Driver; address: string } {
  let url: URL;
  try {
    url = new URL(settings.url);
  } catch {
    throw new ConfigurationError({ message: 'The graph url is not a URL.', details: { setting: 'url' } });
  }
  if (!SCHEMES.has(url.protocol)) {
    throw new ConfigurationError({
      message: 'The graph url uses bolt://, bolt+s://, neo4j:// or neo4j+s://.',
      details: { setting: 'url' },
    });
  }
  if (url.username !== '' || url.password !== '') {
    throw new ConfigurationError({
      message: 'Give the graph credentials as username and password, not in the url.',
      details: { setting: 'url' },
    });
  }
  const address = `${url.hostname}:${url.port === '' ? '7687' : url.port}`;
  try {
    const token = settings.username === undefined ? undefined : auth.basic(settings.username, settings.password ?? '');
    const driver = createDriver(settings.url, token, {
      userAgent: 'aurora-ops-core',
      ...(settings.maxTransactionRetryTimeMs === undefined
        ? {}
        : { maxTransactionRetryTime: settings.maxTransactionRetryTimeMs }),
      ...(settings.connectionTimeoutMs === undefined ? {} : { connectionTimeout: settings.connectionTimeoutMs }),
    });
    return { driver, address };
  } catch {
    throw new ConfigurationError({ message: 'The graph driver rejected its settings.', details: { setting: 'url' } });
  }
}

function groupBy<T>(rows: readonly T[], key: (row: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const group = groups.get(key(row));
    if (group === undefined) groups.set(key(row), [row]);
    else group.push(row);
  }
  return groups;
}

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function compareIds(a: readonly string[], b: readonly string[]): number {
  for (let index = 0; index < Math.min(a.length, b.length); index += 1) {
    const order = compareText(a[index]!, b[index]!);
    if (order !== 0) return order;
  }
  return a.length - b.length;
}

function assertLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw invalid('limit is 1–10 000.', 'limit');
}

function assertDate(value: unknown, what: string): number {
  const time = value instanceof Date ? value.getTime() : Number.NaN;
  if (Number.isNaN(time)) throw invalid(`${what} is a valid date.`, what);
  return time;
}

/**
 * The GraphStore on Neo4j 5 or Memgraph through `neo4j-driver` (Bolt). Nodes are
 * `:AuroraNode {org, id}` under a uniqueness constraint created once per store; edges are
 * relationships of their own type. Writes are batched `UNWIND $rows` queries (one per org and
 * batch, and per relationship type), sorted by key, in one managed transaction per call that
 * the driver retries on transient errors. Every query takes `org` as a parameter.
 */
export function createNeo4jGraphStore(settings: Neo4jGraphStoreSettings): GraphStore {
  const flavor = settings.flavor ?? 'neo4j';
  if (flavor !== 'neo4j' && flavor !== 'memgraph') {
    throw new ConfigurationError({ message: 'flavor is "neo4j" or "memgraph".', details: { setting: 'flavor' } });
  }
  const batchSize = settings.batchSize ?? 1000;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new ConfigurationError({ message: 'batchSize is a positive integer.', details: { setting: 'batchSize' } });
  }
  const logger = (settings.logger ?? noopLogger).child({ component: 'neo4j-graph-store', flavor });
  const owned = !('driver' in settings);
  const { driver, address } =
    'driver' in settings ? { driver: settings.driver, address: 'caller-supplied driver' } : connect(settings);
  const bookmarkManager = createBookmarkManager();
  const database = settings.database;
  const timeout = settings.transactionTimeoutMs;
  let schema: Promise<void> | undefined;
  let closed = false;

  const openSession = (mode: 'READ' | 'WRITE') =>
    driver.session({
      ...(database === undefined ? {} : { database }),
      defaultAccessMode: mode === 'READ' ? accessModes.READ : accessModes.WRITE,
      bookmarkManager,
    });

  const fail = (error: unknown, operation: string): Error => {
    const typed = toGraphError(error, operation, address);
    if (typed !== error) logger.warn('graph operation failed', { operation, code: (typed as { code?: string }).code });
    return typed;
  };

  const createSchema = async (): Promise<void> => {
    const session = openSession('WRITE');
    try {
      for (const statement of cypher.schemaStatements(flavor)) {
        try {
          await session.run(statement);
        } catch (error) {
          const { code, message } = error as { code?: unknown; message?: unknown };
          const exists =
            (typeof code === 'string' && ALREADY_EXISTS.test(code)) ||
            (flavor === 'memgraph' && typeof message === 'string' && /already exists/i.test(message));
          if (!exists) throw error;
        }
      }
      logger.debug('graph schema ready', { address });
    } catch (error) {
      throw fail(error, 'schema');
    } finally {
      await session.close().catch(() => undefined);
    }
  };

  const ready = (): Promise<void> => {
    if (closed) return Promise.reject(new ConfigurationError({ message: 'The graph store is closed.', details: {} }));
    schema ??= createSchema().catch((error: unknown) => {
      schema = undefined;
      throw error;
    });
    return schema;
  };

  const transaction = async <T>(
    mode: 'READ' | 'WRITE',
    operation: string,
    work: (tx: ManagedTransaction) => Promise<T>,
  ): Promise<T> => {
    await ready();
    const session = openSession(mode);
    const config = { metadata: { app: 'aurora', operation }, ...(timeout === undefined ? {} : { timeout }) };
    try {
      return await (mode === 'READ' ? session.executeRead(work, config) : session.executeWrite(work, config));
    } catch (error) {
      throw fail(error, operation);
    } finally {
      await session.close().catch(() => undefined);
    }
  };

  /** MERGE under a uniqueness constraint can lose a race on Memgraph; a retry then matches. */
  const withUniqueRetry = async (run: () => Promise<void>): Promise<void> => {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await run();
      } catch (error) {
        if (!UniqueViolationError.isInstance(error) || attempt >= 3) throw error;
      }
    }
  };

  const getNode = async (org: string, id: string) => {
    assertId(org, 'org');
    assertId(id, 'id');
    const result = await transaction('READ', 'getNode', (tx) => tx.run(cypher.GET_NODE, { org, id }));
    const [record] = result.records;
    if (record === undefined)
      throw new NotFoundError({ message: `No node "${id}" in org "${org}".`, details: { org, id } });
    return toNode(org, record.get('node'));
  };

  const batches = function* <T>(rows: readonly T[]): Generator<T[]> {
    for (let index = 0; index < rows.length; index += batchSize) yield rows.slice(index, index + batchSize);
  };

  const upsertNodes = async (nodes: readonly NodeInput[]): Promise<void> => {
    for (const node of nodes) assertNodeInput(node);
    if (nodes.length === 0) return;
    const now = Date.now();
    const byOrg = groupBy(dedupe(nodes, nodeKey), (node) => node.org);
    await withUniqueRetry(() =>
      transaction('WRITE', 'upsertNodes', async (tx) => {
        for (const [org, group] of byOrg) {
          for (const batch of batches(group)) {
            const rows = batch.map((node) => ({
              id: node.id,
              labels: [...new Set(node.labels)].sort(),
              properties: JSON.stringify(node.properties),
              lastSeenAt: int(node.lastSeenAt === undefined ? now : new Date(node.lastSeenAt).getTime()),
            }));
            await tx.run(cypher.UPSERT_NODES, { org, rows });
          }
        }
      }),
    );
  };

  const upsertEdges = async (edges: readonly EdgeInput[]): Promise<void> => {
    for (const edge of edges) assertEdgeInput(edge);
    if (edges.length === 0) return;
    const now = Date.now();
    const byOrg = groupBy(dedupe(edges, edgeKey), (edge) => edge.org);
    await transaction('WRITE', 'upsertEdges', async (tx) => {
      for (const [org, group] of byOrg) {
        const ids = [...new Set(group.flatMap((edge) => [edge.from, edge.to]))].sort(compareText);
        const missing = await tx.run(cypher.MISSING_NODES, { org, ids });
        const absent = missing.records.map((record) => String(record.get('id')));
        if (absent.length > 0) {
          throw new NotFoundError({
            message: `An edge names a node that does not exist: org "${org}", id "${absent[0]}".`,
            details: { org, ids: absent },
          });
        }
      }
      for (const [org, group] of byOrg) {
        const byType = [...groupBy(group, (edge) => edge.type)].sort(([a], [b]) => compareText(a, b));
        for (const [type, typed] of byType) {
          for (const batch of batches(typed)) {
            const rows = batch.map((edge) => ({
              from: edge.from,
              to: edge.to,
              properties: JSON.stringify(edge.properties ?? {}),
              lastSeenAt: int(edge.lastSeenAt === undefined ? now : new Date(edge.lastSeenAt).getTime()),
            }));
            const result = await tx.run(cypher.upsertEdges(type), { org, rows });
            const written = toNumber(result.records[0]?.get('count') ?? 0, 'count');
            if (written !== rows.length) {
              throw new NotFoundError({
                message: `An edge names a node that was deleted meanwhile in org "${org}".`,
                details: { org, type },
              });
            }
          }
        }
      }
    });
  };

  return {
    specificationVersion: 'v1',
    capabilities: { concurrentWriters: true },
    upsertNodes,
    upsertEdges,
    getNode,
    async neighbours(org, id, options = {}) {
      await getNode(org, id);
      const direction = options.direction ?? 'both';
      if (!['out', 'in', 'both'].includes(direction)) throw invalid('direction is out, in or both.', 'direction');
      const limit = options.limit ?? 100;
      assertLimit(limit);
      const types = options.types === undefined ? null : [...options.types];
      if (types !== null && !types.every((type) => typeof type === 'string' && EDGE_TYPE.test(type))) {
        throw invalid('An edge type matches [A-Z][A-Z0-9_]{0,63}.', 'type');
      }
      const sides = (['out', 'in'] as const).filter((side) => direction === 'both' || direction === side);
      const found = await transaction('READ', 'neighbours', async (tx) => {
        const all: Neighbour[] = [];
        for (const side of sides) {
          const result = await tx.run(cypher.neighbours(side), { org, id, types, limit: int(limit) });
          for (const record of result.records) {
            const node = toNode(org, record.get('node'));
            const [from, to] = side === 'out' ? [id, node.id] : [node.id, id];
            all.push({ node, edge: toEdge(org, from, to, record.get('edge')) });
          }
        }
        return all;
      });
      found.sort((a, b) => compareText(a.edge.type, b.edge.type) || compareText(a.node.id, b.node.id));
      return found.slice(0, limit);
    },
    async paths(org, from, to, options = {}) {
      await getNode(org, from);
      await getNode(org, to);
      const maxHops = assertHops(options.maxHops, 6);
      const limit = options.limit ?? 10;
      assertLimit(limit);
      return transaction('READ', 'paths', async (tx) => {
        const paths: GraphPath[] = [];
        for (let hops = 1; hops <= maxHops && paths.length < limit; hops += 1) {
          const result = await tx.run(cypher.pathsOfLength(hops), {
            org,
            from,
            to,
            separator: '\u0001',
            limit: int(limit - paths.length),
          });
          const found = result.records.map((record): GraphPath => {
            const ids = toStrings(record.get('ids'), 'path');
            const edges = record.get('edges') as unknown[];
            return { nodes: ids, edges: edges.map((edge, index) => toEdge(org, ids[index]!, ids[index + 1]!, edge)) };
          });
          paths.push(...found.sort((a, b) => compareIds(a.nodes, b.nodes)));
        }
        return paths;
      });
    },
    async blastRadius(org, id, options = {}) {
      await getNode(org, id);
      const maxHops = assertHops(options.maxHops, 3);
      const entries = await transaction('READ', 'blastRadius', async (tx) => {
        const found: BlastRadiusEntry[] = [];
        const seen = [id];
        let frontier = [id];
        for (let distance = 1; distance <= maxHops && frontier.length > 0; distance += 1) {
          const result = await tx.run(cypher.DEPENDENTS, { org, frontier, seen });
          const step = result.records.map((record) => toNode(org, record.get('node')));
          for (const node of step) found.push({ node, distance });
          frontier = step.map((node) => node.id);
          seen.push(...frontier);
        }
        return found;
      });
      return entries.sort((a, b) => a.distance - b.distance || compareText(a.node.id, b.node.id));
    },
    async markStale(org, notSeenSince) {
      assertId(org, 'org');
      const cutoff = int(assertDate(notSeenSince, 'notSeenSince'));
      return transaction('WRITE', 'markStale', async (tx) => {
        const now = int(Date.now());
        await tx.run(cypher.MARK_STALE_EDGES, { org, cutoff, now });
        const result = await tx.run(cypher.MARK_STALE_NODES, { org, cutoff, now });
        return toNumber(result.records[0]?.get('count') ?? 0, 'count');
      });
    },
    async deleteStale(org, staleBefore) {
      assertId(org, 'org');
      const before = int(assertDate(staleBefore, 'staleBefore'));
      return transaction('WRITE', 'deleteStale', async (tx) => {
        await tx.run(cypher.DELETE_STALE_EDGES, { org, before });
        const counted = await tx.run(cypher.COUNT_STALE_NODES, { org, before });
        await tx.run(cypher.DELETE_STALE_NODES, { org, before });
        return toNumber(counted.records[0]?.get('count') ?? 0, 'count');
      });
    },
    async countByLabel(org) {
      assertId(org, 'org');
      const result = await transaction('READ', 'countByLabel', (tx) => tx.run(cypher.COUNT_BY_LABEL, { org }));
      return Object.fromEntries(
        result.records.map((record) => [String(record.get('label')), toNumber(record.get('count'), 'count')]),
      );
    },
    async close() {
      if (closed) return;
      closed = true;
      if (owned) await driver.close();
    },
  };
}
