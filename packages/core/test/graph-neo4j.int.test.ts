/**
 * The Neo4j/Memgraph GraphStore through the real neo4j-driver (Bolt 5.4) against the fake
 * Bolt server in support/fake-bolt-server.ts. The fake runs no Cypher: these tests check what
 * the adapter sends (query text, parameters, transactions, schema) and how it maps what comes
 * back (records, Integer values, FAILURE codes). Cypher semantics are checked by the
 * conformance suite against a real server (graph-neo4j-conformance.int.test.ts).
 */
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import neo4j from 'neo4j-driver';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ConfigurationError,
  ConnectionLostError,
  ForbiddenError,
  InvalidInputError,
  NotFoundError,
  TimeoutError,
  UniqueViolationError,
  UpstreamError,
} from '../src/errors/errors.js';
import { createLogger, type LogRecord } from '../src/logging/logger.js';
import type { GraphStore } from '../src/storage/graph/graph-store.js';
import { createNeo4jGraphStore, type Neo4jGraphStoreConnectionSettings } from '../src/storage/neo4j/index.js';
import { startFakeBolt, type BoltAnswer, type BoltRun, type FakeBolt } from './support/fake-bolt-server.js';

const PASSWORD = 'canary-Pa55word-7f3e9c';
const T0 = 1_700_000_000_000;

type Route = readonly [pattern: string, answer: (run: BoltRun) => BoltAnswer | undefined];

/** Answers each RUN from the first route whose pattern occurs in the query text. */
const script =
  (...routes: Route[]) =>
  (run: BoltRun): BoltAnswer | undefined =>
    routes.find(([pattern]) => run.query.includes(pattern))?.[1](run);

const rows = (fields: string[], ...records: unknown[][]): BoltAnswer => ({ fields, records });
const nodeValue = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  labels: ['Service'],
  properties: JSON.stringify({ name: id }),
  lastSeenAt: BigInt(T0),
  staleSince: null,
  ...extra,
});
const edgeValue = (type: string, properties: Record<string, unknown> = {}) => ({
  type,
  properties: JSON.stringify(properties),
  lastSeenAt: BigInt(T0 + 1),
});
const present = (id: string): Route => [
  'RETURN {id: n.id',
  (run) =>
    run.parameters.id === id || id === '*' ? rows(['node'], [nodeValue(String(run.parameters.id))]) : rows(['node']),
];

let fake: FakeBolt;
const stores: GraphStore[] = [];
const logs: LogRecord[] = [];

async function open(settings: Partial<Neo4jGraphStoreConnectionSettings> = {}): Promise<GraphStore> {
  fake = await startFakeBolt({ auth: { username: 'neo4j', password: PASSWORD } });
  const store = createNeo4jGraphStore({
    url: fake.url,
    username: 'neo4j',
    password: PASSWORD,
    maxTransactionRetryTimeMs: 2000,
    logger: createLogger((record) => logs.push(record)),
    ...settings,
  });
  stores.push(store);
  return store;
}

const dataRuns = (): BoltRun[] => fake.runs.filter((run) => !/^CREATE (CONSTRAINT|INDEX)/.test(run.query));

function expectNoSecret(error: unknown): void {
  const text = [String(error), JSON.stringify(error), inspect(error, { depth: 10 }), JSON.stringify(logs)].join('\n');
  expect(text).not.toContain(PASSWORD);
}

afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
  await fake?.stop();
  logs.length = 0;
});

describe('Neo4j GraphStore over Bolt: what is sent', () => {
  it('creates the constraint and index once per store, in auto-commit, before any data query', async () => {
    const store = await open();
    fake.handler = script(present('*'));
    await Promise.all([store.getNode('acme', 'a'), store.countByLabel('acme'), store.getNode('acme', 'b')]);
    await store.countByLabel('globex');
    const schema = fake.runs.filter((run) => run.query.startsWith('CREATE'));
    expect(schema.map((run) => run.query)).toEqual([
      'CREATE CONSTRAINT aurora_graph_node_key IF NOT EXISTS FOR (n:AuroraNode) REQUIRE (n.org, n.id) IS UNIQUE',
      'CREATE INDEX aurora_graph_node_org IF NOT EXISTS FOR (n:AuroraNode) ON (n.org)',
    ]);
    expect(schema.every((run) => !run.explicit)).toBe(true);
    expect(fake.runs.slice(0, 2)).toEqual(schema);
    expect(dataRuns()).toHaveLength(4);
  });

  it('uses Memgraph schema syntax for flavor memgraph and tolerates rules that already exist', async () => {
    const store = await open({ flavor: 'memgraph' });
    fake.handler = script([
      'CREATE CONSTRAINT',
      () => ({ code: 'Memgraph.ClientError.MemgraphError.MemgraphError', message: 'Constraint already exists.' }),
    ]);
    expect(await store.countByLabel('acme')).toEqual({});
    expect(fake.runs.map((run) => run.query).slice(0, 3)).toEqual([
      'CREATE CONSTRAINT ON (n:AuroraNode) ASSERT n.org, n.id IS UNIQUE',
      'CREATE INDEX ON :AuroraNode(org)',
      'CREATE INDEX ON :AuroraNode(id)',
    ]);
  });

  it('upserts N nodes of one org as one UNWIND query, values only in parameters, sorted and de-duplicated', async () => {
    const store = await open();
    const later = new Date(T0 + 5000);
    await store.upsertNodes([
      { org: 'acme', id: 'svc-c', labels: ['Service', 'Public', 'Service'], properties: { tier: 'gold-7731' } },
      {
        org: 'acme',
        id: 'svc-a',
        labels: ['Service'],
        properties: { port: 8443, tags: ['x-4412', 'y'] },
        lastSeenAt: later,
      },
      { org: 'acme', id: 'svc-b', labels: ['Database'], properties: { nothing: null } },
      { org: 'acme', id: 'svc-c', labels: ['Service', 'Public'], properties: { tier: 'gold-7731' } },
    ]);
    const [run, ...others] = dataRuns();
    expect(others).toEqual([]);
    expect(run?.query).toMatch(/^UNWIND \$rows AS row\nMERGE \(n:AuroraNode \{org: \$org, id: row\.id\}\)/);
    expect(run?.parameters.org).toBe('acme');
    expect(run?.explicit).toBe(true);
    expect(run?.mode).toBe('w');
    expect(run?.txMetadata).toEqual({ app: 'aurora', operation: 'upsertNodes' });
    const sent = run?.parameters.rows as Record<string, unknown>[];
    expect(sent.map((row) => row.id)).toEqual(['svc-a', 'svc-b', 'svc-c']);
    expect(sent[0]).toEqual({
      id: 'svc-a',
      labels: ['Service'],
      properties: '{"port":8443,"tags":["x-4412","y"]}',
      lastSeenAt: BigInt(later.getTime()),
    });
    expect(sent[1]?.properties).toBe('{"nothing":null}');
    expect(sent[2]?.labels).toEqual(['Public', 'Service']);
    expect(typeof sent[2]?.lastSeenAt).toBe('bigint');
    for (const value of ['svc-a', 'svc-b', 'svc-c', 'gold-7731', '8443', 'x-4412', 'Public']) {
      expect(run?.query).not.toContain(value);
    }
  });

  it('sends one query per org, each with its own org parameter', async () => {
    const store = await open();
    await store.upsertNodes([
      { org: 'globex', id: 'a', labels: ['Service'], properties: {} },
      { org: 'acme', id: 'a', labels: ['Service'], properties: {} },
    ]);
    expect(dataRuns().map((run) => run.parameters.org)).toEqual(['acme', 'globex']);
  });

  it('groups edges by relationship type after checking every endpoint exists', async () => {
    const store = await open();
    fake.handler = script([
      'MERGE (a)-[r:',
      (run) => rows(['count'], [BigInt((run.parameters.rows as unknown[]).length)]),
    ]);
    await store.upsertEdges([
      { org: 'acme', from: 'web', to: 'api', type: 'DEPENDS_ON' },
      { org: 'acme', from: 'api', to: 'db', type: 'READS', properties: { port: 5432 } },
      { org: 'acme', from: 'api', to: 'cache', type: 'DEPENDS_ON' },
    ]);
    const [missing, ...writes] = dataRuns();
    expect(missing?.query).toContain('OPTIONAL MATCH (n:AuroraNode {org: $org, id: nodeId})');
    expect(missing?.parameters).toMatchObject({ org: 'acme', ids: ['api', 'cache', 'db', 'web'] });
    expect(writes.map((run) => run.query.match(/\[r:`([A-Z_]+)`\]/)?.[1])).toEqual(['DEPENDS_ON', 'READS']);
    expect(writes.every((run) => run.parameters.org === 'acme' && run.explicit)).toBe(true);
    const dependsOn = writes[0]?.parameters.rows as Record<string, unknown>[];
    expect(dependsOn.map((row) => `${String(row.from)}>${String(row.to)}`)).toEqual(['api>cache', 'web>api']);
    expect((writes[1]?.parameters.rows as Record<string, unknown>[])[0]?.properties).toBe('{"port":5432}');
    expect(new Set(fake.runs.filter((run) => run.explicit).map((run) => run.connection)).size).toBe(1);
  });

  it('an edge to a missing node is NotFoundError, nothing is merged and the transaction rolls back', async () => {
    const store = await open();
    fake.handler = script(['OPTIONAL MATCH', () => rows(['id'], ['ghost'])]);
    const error: unknown = await store
      .upsertEdges([{ org: 'acme', from: 'a', to: 'ghost', type: 'CALLS' }])
      .catch((caught: unknown) => caught);
    expect(NotFoundError.isInstance(error)).toBe(true);
    expect((error as NotFoundError).details).toEqual({ org: 'acme', ids: ['ghost'] });
    expect(dataRuns().some((run) => run.query.includes('MERGE'))).toBe(false);
    expect(fake.messages.map((message) => message.name)).toContain('ROLLBACK');
    expect(fake.messages.map((message) => message.name)).not.toContain('COMMIT');
  });

  it('a malicious label, edge type or type filter is InvalidInputError and nothing is sent', async () => {
    const store = await open();
    fake.handler = script(present('*'));
    const writes = [
      () => store.upsertNodes([{ org: 'acme', id: 'a', labels: ['Service) DETACH DELETE n //'], properties: {} }]),
      () => store.upsertEdges([{ org: 'acme', from: 'a', to: 'b', type: 'CALLS]->() MATCH (m) DETACH DELETE m //' }]),
      () => store.upsertEdges([{ org: 'acme', from: 'a', to: 'b', type: 'CALLS`]->(b) DELETE b //' }]),
      () => store.upsertNodes([{ org: 'acme', id: 'a', labels: ['S'], properties: { nested: { x: 1 } as never } }]),
    ];
    for (const attempt of writes) await expect(attempt()).rejects.toSatisfy(InvalidInputError.isInstance);
    // The driver did not even connect.
    expect(fake.messages).toEqual([]);
    const reads = [
      () => store.neighbours('acme', 'a', { types: ['X` DELETE'] }),
      () => store.paths('acme', 'a', 'b', { maxHops: '1..]->() DELETE' as never }),
    ];
    for (const attempt of reads) await expect(attempt()).rejects.toSatisfy(InvalidInputError.isInstance);
    // neighbours and paths look the nodes up first; nothing else may be sent.
    expect(dataRuns().every((run) => run.query.startsWith('MATCH (n:AuroraNode {org: $org, id: $id})'))).toBe(true);
    expect(fake.runs.some((run) => /DELETE|`X|Service\)/.test(run.query))).toBe(false);
  });

  it('puts org in the parameters of every data query', async () => {
    const store = await open();
    fake.handler = script(present('*'), ['RETURN count(', () => rows(['count'], [0n])]);
    await store.upsertNodes([{ org: 'acme', id: 'a', labels: ['S'], properties: {} }]);
    await store.neighbours('acme', 'a');
    await store.paths('acme', 'a', 'a', { maxHops: 2 });
    await store.blastRadius('acme', 'a');
    await store.markStale('acme', new Date(T0));
    await store.deleteStale('acme', new Date(T0));
    await store.countByLabel('acme');
    expect(dataRuns().length).toBeGreaterThan(10);
    for (const run of dataRuns()) {
      expect(run.parameters.org, run.query).toBe('acme');
      expect(run.query, run.query).toMatch(/AuroraNode \{org: \$org/);
    }
  });
});

describe('Neo4j GraphStore over Bolt: what comes back', () => {
  it('maps nodes, Integer dates, stale times, JSON properties and counts', async () => {
    const store = await open();
    fake.handler = script(
      [
        'RETURN {id: n.id',
        () =>
          rows(
            ['node'],
            [
              nodeValue('db', {
                labels: ['Database', 'Resource'],
                properties: JSON.stringify({ port: 5432, ratio: 0.5, tags: ['a', 'b'], none: null, on: true }),
                staleSince: BigInt(T0 + 9),
              }),
            ],
          ),
      ],
      ['UNWIND n.labels', () => rows(['label', 'count'], ['Database', 2n], ['Service', 3_000_000_000n])],
    );
    const node = await store.getNode('acme', 'db');
    expect(node).toEqual({
      id: 'db',
      org: 'acme',
      labels: ['Database', 'Resource'],
      properties: { port: 5432, ratio: 0.5, tags: ['a', 'b'], none: null, on: true },
      lastSeenAt: new Date(T0),
      staleSince: new Date(T0 + 9),
    });
    expect(await store.countByLabel('acme')).toEqual({ Database: 2, Service: 3_000_000_000 });
  });

  it('a missing node is NotFoundError', async () => {
    const store = await open();
    await expect(store.getNode('acme', 'ghost')).rejects.toSatisfy(NotFoundError.isInstance);
  });

  it('maps neighbours in both directions, ordered by type then id, with an integer limit', async () => {
    const store = await open();
    fake.handler = script(present('*'), [
      'MATCH (a:AuroraNode',
      (run) =>
        run.query.includes('-[r]->')
          ? rows(
              ['relType', 'other', 'node', 'edge'],
              ['READS', 'db', nodeValue('db'), edgeValue('READS', { port: 5432 })],
            )
          : rows(['relType', 'other', 'node', 'edge'], ['CALLS', 'web', nodeValue('web'), edgeValue('CALLS')]),
    ]);
    const found = await store.neighbours('acme', 'api', { types: ['READS', 'CALLS'], limit: 5 });
    expect(found.map((n) => [n.edge.from, n.edge.type, n.edge.to, n.node.id])).toEqual([
      ['web', 'CALLS', 'api', 'web'],
      ['api', 'READS', 'db', 'db'],
    ]);
    expect(found[1]?.edge).toEqual({
      org: 'acme',
      from: 'api',
      to: 'db',
      type: 'READS',
      properties: { port: 5432 },
      lastSeenAt: new Date(T0 + 1),
    });
    const queries = dataRuns().filter((run) => run.query.includes('type(r) IN $types'));
    expect(queries).toHaveLength(2);
    expect(queries[0]?.parameters).toMatchObject({ types: ['READS', 'CALLS'], limit: 5n });
  });

  it('maps paths, shortest first, one query per length with the bound validated', async () => {
    const store = await open();
    fake.handler = script(present('*'), [
      'MATCH p =',
      (run) => {
        if (run.query.includes('[*2..2]')) {
          return rows(
            ['ids', 'edges'],
            [
              ['cdn', 'api', 'db'],
              [edgeValue('SHORTCUT'), edgeValue('DEPENDS_ON')],
            ],
          );
        }
        if (run.query.includes('[*3..3]')) {
          return rows(
            ['ids', 'edges'],
            [
              ['cdn', 'web', 'api', 'db'],
              [edgeValue('DEPENDS_ON'), edgeValue('DEPENDS_ON'), edgeValue('DEPENDS_ON')],
            ],
          );
        }
        return rows(['ids', 'edges']);
      },
    ]);
    const paths = await store.paths('acme', 'cdn', 'db', { maxHops: 4, limit: 2 });
    expect(paths.map((p) => p.nodes.join('>'))).toEqual(['cdn>api>db', 'cdn>web>api>db']);
    expect(paths[0]?.edges.map((e) => `${e.from}-${e.type}->${e.to}`)).toEqual([
      'cdn-SHORTCUT->api',
      'api-DEPENDS_ON->db',
    ]);
    const pathRuns = dataRuns().filter((run) => run.query.startsWith('MATCH p ='));
    // Lengths 1, 2 and 3; the limit of 2 was reached, so length 4 was never asked for.
    expect(pathRuns.map((run) => run.query.match(/\[\*(\d+)\.\.\d+\]/)?.[1])).toEqual(['1', '2', '3']);
    expect(pathRuns.map((run) => run.parameters.limit)).toEqual([2n, 2n, 1n]);
    expect(pathRuns.every((run) => run.mode === 'r')).toBe(true);
  });

  it('maps the blast radius breadth first with minimum distances', async () => {
    const store = await open();
    fake.handler = script(present('*'), [
      'UNWIND $frontier',
      (run) => {
        const frontier = run.parameters.frontier as string[];
        if (frontier.includes('db')) return rows(['node'], [nodeValue('worker')], [nodeValue('api')]);
        if (frontier.includes('api')) return rows(['node'], [nodeValue('web')]);
        return rows(['node']);
      },
    ]);
    const radius = await store.blastRadius('acme', 'db', { maxHops: 3 });
    expect(radius.map((entry) => [entry.node.id, entry.distance])).toEqual([
      ['api', 1],
      ['worker', 1],
      ['web', 2],
    ]);
    const steps = dataRuns().filter((run) => run.query.startsWith('UNWIND $frontier'));
    expect(steps.map((run) => run.parameters.seen)).toEqual([
      ['db'],
      ['db', 'worker', 'api'],
      ['db', 'worker', 'api', 'web'],
    ]);
  });

  it('works on a caller-owned driver with plain-number integers, and leaves it open', async () => {
    fake = await startFakeBolt();
    fake.handler = script(['UNWIND n.labels', () => rows(['label', 'count'], ['Service', 7n])]);
    const driver = neo4j.driver(fake.url, undefined, { disableLosslessIntegers: true });
    const store = createNeo4jGraphStore({ driver, database: 'graph' });
    expect(await store.countByLabel('acme')).toEqual({ Service: 7 });
    expect(fake.runs.every((run) => run.database === 'graph')).toBe(true);
    await store.close();
    const session = driver.session();
    await session.run('RETURN 1');
    await session.close();
    expect(fake.runs.at(-1)?.query).toBe('RETURN 1');
    await driver.close();
  });
});

describe('Neo4j GraphStore over Bolt: errors', () => {
  it('wrong credentials are ForbiddenError and the password appears nowhere', async () => {
    const store = await open({ password: `${PASSWORD}-wrong` });
    const error: unknown = await store.countByLabel('acme').catch((caught: unknown) => caught);
    expect(ForbiddenError.isInstance(error)).toBe(true);
    expect((error as ForbiddenError).details).toMatchObject({ neo4jCode: 'Neo.ClientError.Security.Unauthorized' });
    expect((error as ForbiddenError).retryable).toBe(false);
    expectNoSecret(error);
  });

  it('a closed port is ConnectionLostError, retryable, without the password', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    fake = await startFakeBolt();
    const store = createNeo4jGraphStore({
      url: `bolt://127.0.0.1:${port}`,
      username: 'neo4j',
      password: PASSWORD,
      maxTransactionRetryTimeMs: 0,
      logger: createLogger((record) => logs.push(record)),
    });
    stores.push(store);
    const error: unknown = await store.getNode('acme', 'a').catch((caught: unknown) => caught);
    expect(ConnectionLostError.isInstance(error)).toBe(true);
    expect((error as ConnectionLostError).retryable).toBe(true);
    expect((error as ConnectionLostError).code).toBe('UNAVAILABLE');
    expectNoSecret(error);
  });

  it('server FAILUREs map to typed errors with the Neo4j code and never the server message', async () => {
    const store = await open();
    const quoted = "Node(7) already exists with label `AuroraNode` and properties `id` = 'customer-ssn-123'";
    const cases: [string, (error: unknown) => boolean][] = [
      ['Neo.ClientError.Schema.ConstraintValidationFailed', UniqueViolationError.isInstance],
      ['Neo.ClientError.Transaction.TransactionTimedOutClientConfiguration', TimeoutError.isInstance],
      ['Neo.ClientError.Statement.SyntaxError', UpstreamError.isInstance],
      ['Neo.ClientError.Database.DatabaseNotFound', ConfigurationError.isInstance],
    ];
    for (const [code, isExpected] of cases) {
      fake.handler = script(['UNWIND $rows', () => ({ code, message: quoted })]);
      const error: unknown = await store
        .upsertNodes([{ org: 'acme', id: 'customer-ssn-123', labels: ['S'], properties: {} }])
        .catch((caught: unknown) => caught);
      expect(isExpected(error), code).toBe(true);
      expect((error as UpstreamError).details.neo4jCode).toBe(code);
      expect(inspect(error, { depth: 10 })).not.toContain('customer-ssn-123');
      expectNoSecret(error);
    }
  });

  it('a transient FAILURE is retried by the driver and the upsert succeeds', async () => {
    const store = await open();
    let failures = 1;
    fake.handler = script([
      'UNWIND $rows',
      () =>
        failures-- > 0 ? { code: 'Neo.TransientError.Transaction.DeadlockDetected', message: 'deadlock' } : undefined,
    ]);
    await store.upsertNodes([{ org: 'acme', id: 'a', labels: ['S'], properties: {} }]);
    expect(dataRuns().filter((run) => run.query.startsWith('UNWIND $rows'))).toHaveLength(2);
  });

  it('credentials in the url are refused without echoing them', () => {
    let error: unknown;
    try {
      createNeo4jGraphStore({ url: `bolt://neo4j:${PASSWORD}@127.0.0.1:7687` });
    } catch (caught) {
      error = caught;
    }
    expect(ConfigurationError.isInstance(error)).toBe(true);
    expectNoSecret(error);
    expect(() => createNeo4jGraphStore({ url: 'http://127.0.0.1:7474' })).toThrow(/bolt/);
  });
});
