import { NotFoundError } from '../../errors/errors.js';
import type { Database, Migration, Queryable } from '../database/database.js';
import type {
  BlastRadiusEntry,
  EdgeInput,
  GraphEdge,
  GraphNode,
  GraphPath,
  GraphStore,
  Neighbour,
  NeighbourOptions,
  NodeInput,
  Properties,
} from './graph-store.js';
import {
  assertEdgeInput,
  assertHops,
  assertId,
  assertNodeInput,
  dedupe,
  edgeKey,
  invalid,
  nodeKey,
} from './graph-validation.js';

export interface TablesGraphStoreOptions {
  /** PostgreSQL or PGlite; the tables come from the migration namespace `core-graph`. */
  readonly database: Database;
  /** Rows per upsert statement. Default 5 000. */
  readonly batchSize?: number;
}

export const GRAPH_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'nodes and edges',
    up: `
      create table aurora_graph_nodes (
        org text not null,
        id text not null,
        labels text[] not null,
        properties jsonb not null,
        last_seen_at timestamptz not null,
        stale_since timestamptz,
        primary key (org, id)
      );
      create index aurora_graph_nodes_labels on aurora_graph_nodes using gin (labels);
      create table aurora_graph_edges (
        org text not null,
        from_id text not null,
        type text not null,
        to_id text not null,
        properties jsonb not null,
        last_seen_at timestamptz not null,
        stale_since timestamptz,
        primary key (org, from_id, type, to_id),
        foreign key (org, from_id) references aurora_graph_nodes (org, id) on delete cascade,
        foreign key (org, to_id) references aurora_graph_nodes (org, id) on delete cascade
      );
      create index aurora_graph_edges_to on aurora_graph_edges (org, to_id);`,
  },
];

interface NodeRow {
  readonly org: string;
  readonly id: string;
  readonly labels: string[];
  readonly properties: Properties;
  readonly last_seen_at: Date | string;
  readonly stale_since: Date | string | null;
  readonly [column: string]: unknown;
}

interface EdgeRow {
  readonly org: string;
  readonly from_id: string;
  readonly type: string;
  readonly to_id: string;
  readonly properties: Properties;
  readonly last_seen_at: Date | string;
  readonly [column: string]: unknown;
}

const toNode = (row: NodeRow): GraphNode => ({
  id: row.id,
  org: row.org,
  labels: row.labels,
  properties: row.properties,
  lastSeenAt: new Date(row.last_seen_at),
  staleSince: row.stale_since === null ? null : new Date(row.stale_since),
});

const toEdge = (row: EdgeRow): GraphEdge => ({
  org: row.org,
  from: row.from_id,
  to: row.to_id,
  type: row.type,
  properties: row.properties,
  lastSeenAt: new Date(row.last_seen_at),
});

/**
 * The embedded GraphStore: two tables on the Database (PGlite or PostgreSQL). Upserts are
 * batched `INSERT … SELECT FROM jsonb_to_recordset … ON CONFLICT DO UPDATE`, sorted by key so
 * concurrent writers converge without deadlocks; traversals are recursive CTEs bounded by
 * `maxHops`. Every statement filters by org.
 */
export function createTablesGraphStore(options: TablesGraphStoreOptions): GraphStore {
  const { database } = options;
  const batchSize = options.batchSize ?? 5000;
  let migrated: Promise<unknown> | undefined;
  const ready = async (): Promise<void> => {
    migrated ??= database.migrate(GRAPH_MIGRATIONS, { namespace: 'core-graph' });
    try {
      await migrated;
    } catch (error) {
      migrated = undefined;
      throw error;
    }
  };

  const upsertNodeBatch = (tx: Queryable, rows: readonly NodeInput[], now: string): Promise<unknown> =>
    tx.query(
      `insert into aurora_graph_nodes (org, id, labels, properties, last_seen_at, stale_since)
       select r.org, r.id, r.labels, r.properties, r.last_seen_at, null
         from jsonb_to_recordset($1::jsonb) as r(org text, id text, labels text[], properties jsonb, last_seen_at timestamptz)
       on conflict (org, id) do update set
         labels = excluded.labels,
         properties = excluded.properties,
         last_seen_at = greatest(aurora_graph_nodes.last_seen_at, excluded.last_seen_at),
         stale_since = null`,
      [
        JSON.stringify(
          rows.map((row) => ({
            org: row.org,
            id: row.id,
            labels: [...new Set(row.labels)].sort(),
            properties: row.properties,
            last_seen_at: (row.lastSeenAt ?? new Date(now)).toISOString(),
          })),
        ),
      ],
    );

  const upsertEdgeBatch = async (tx: Queryable, rows: readonly EdgeInput[], now: string): Promise<void> => {
    const payload = JSON.stringify(
      rows.map((row) => ({
        org: row.org,
        from_id: row.from,
        type: row.type,
        to_id: row.to,
        properties: row.properties ?? {},
        last_seen_at: (row.lastSeenAt ?? new Date(now)).toISOString(),
      })),
    );
    const missing = await tx.query<{ org: string; id: string }>(
      `select e.org, e.id
         from (select distinct r.org, x.id
                 from jsonb_to_recordset($1::jsonb) as r(org text, from_id text, to_id text),
                      unnest(array[r.from_id, r.to_id]) as x(id)) e
         left join aurora_graph_nodes n on n.org = e.org and n.id = e.id
        where n.id is null
        limit 5`,
      [payload],
    );
    if (missing.rows.length > 0) {
      const first = missing.rows[0];
      throw new NotFoundError({
        message: `An edge names a node that does not exist: org "${first?.org}", id "${first?.id}".`,
        details: { org: first?.org ?? '', ids: missing.rows.map((row) => row.id) },
      });
    }
    await tx.query(
      `insert into aurora_graph_edges (org, from_id, type, to_id, properties, last_seen_at, stale_since)
       select r.org, r.from_id, r.type, r.to_id, r.properties, r.last_seen_at, null
         from jsonb_to_recordset($1::jsonb)
           as r(org text, from_id text, type text, to_id text, properties jsonb, last_seen_at timestamptz)
       on conflict (org, from_id, type, to_id) do update set
         properties = excluded.properties,
         last_seen_at = greatest(aurora_graph_edges.last_seen_at, excluded.last_seen_at),
         stale_since = null`,
      [payload],
    );
  };

  const getNode = async (org: string, id: string): Promise<GraphNode> => {
    assertId(org, 'org');
    assertId(id, 'id');
    await ready();
    const { rows } = await database.query<NodeRow>(`select * from aurora_graph_nodes where org = $1 and id = $2`, [
      org,
      id,
    ]);
    const [row] = rows;
    if (row === undefined)
      throw new NotFoundError({ message: `No node "${id}" in org "${org}".`, details: { org, id } });
    return toNode(row);
  };

  return {
    specificationVersion: 'v1',
    capabilities: { concurrentWriters: database.capabilities.concurrentConnections },
    async upsertNodes(nodes) {
      for (const node of nodes) assertNodeInput(node);
      if (nodes.length === 0) return;
      await ready();
      const rows = dedupe(nodes, nodeKey);
      const now = new Date().toISOString();
      await database.transaction(async (tx) => {
        for (let index = 0; index < rows.length; index += batchSize) {
          await upsertNodeBatch(tx, rows.slice(index, index + batchSize), now);
        }
      });
    },
    async upsertEdges(edges) {
      for (const edge of edges) assertEdgeInput(edge);
      if (edges.length === 0) return;
      await ready();
      const rows = dedupe(edges, edgeKey);
      const now = new Date().toISOString();
      await database.transaction(async (tx) => {
        for (let index = 0; index < rows.length; index += batchSize) {
          await upsertEdgeBatch(tx, rows.slice(index, index + batchSize), now);
        }
      });
    },
    getNode,
    async neighbours(org, id, neighbourOptions: NeighbourOptions = {}) {
      await getNode(org, id);
      const direction = neighbourOptions.direction ?? 'both';
      const limit = neighbourOptions.limit ?? 100;
      if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw invalid('limit is 1–10 000.', 'limit');
      const types = neighbourOptions.types ?? null;
      const sides = [
        ...(direction !== 'in'
          ? [`select e.*, e.to_id as other from aurora_graph_edges e where e.org = $1 and e.from_id = $2`]
          : []),
        ...(direction !== 'out'
          ? [`select e.*, e.from_id as other from aurora_graph_edges e where e.org = $1 and e.to_id = $2`]
          : []),
      ];
      const { rows } = await database.query<EdgeRow & { other: string; node: NodeRow }>(
        `select x.*, to_jsonb(n.*) as node
           from (${sides.join(' union all ')}) x
           join aurora_graph_nodes n on n.org = x.org and n.id = x.other
          where $3::text[] is null or x.type = any($3::text[])
          order by x.type, x.other
          limit $4`,
        [org, id, types, limit],
      );
      return rows.map((row): Neighbour => ({ node: toNode(row.node), edge: toEdge(row) }));
    },
    async paths(org, from, to, pathOptions = {}) {
      await getNode(org, from);
      await getNode(org, to);
      const maxHops = assertHops(pathOptions.maxHops, 6);
      const limit = pathOptions.limit ?? 10;
      const { rows } = await database.query<{ path: string[]; types: string[] }>(
        `with recursive walk(node, path, types, depth) as (
           select $2::text, array[$2::text], array[]::text[], 0
           union all
           select e.to_id, w.path || e.to_id, w.types || e.type, w.depth + 1
             from walk w
             join aurora_graph_edges e on e.org = $1 and e.from_id = w.node
            where w.depth < $4 and w.node <> $3 and not e.to_id = any(w.path)
         )
         select path, types from walk where node = $3 and depth > 0 order by depth, path limit $5`,
        [org, from, to, maxHops, limit],
      );
      const edgeKeys = new Set(
        rows.flatMap((row) =>
          row.types.map((type, index) => `${row.path[index]}\u0000${type}\u0000${row.path[index + 1]}`),
        ),
      );
      const edges = new Map<string, GraphEdge>();
      if (edgeKeys.size > 0) {
        const triples = [...edgeKeys].map((key) => key.split('\u0000'));
        const found = await database.query<EdgeRow>(
          `select e.* from aurora_graph_edges e
             join unnest($2::text[], $3::text[], $4::text[]) as k(from_id, type, to_id)
               on e.from_id = k.from_id and e.type = k.type and e.to_id = k.to_id
            where e.org = $1`,
          [org, triples.map((t) => t[0]), triples.map((t) => t[1]), triples.map((t) => t[2])],
        );
        for (const row of found.rows) edges.set(`${row.from_id}\u0000${row.type}\u0000${row.to_id}`, toEdge(row));
      }
      return rows.map((row): GraphPath => ({
        nodes: row.path,
        edges: row.types.flatMap((type, index) => {
          const edge = edges.get(`${row.path[index]}\u0000${type}\u0000${row.path[index + 1]}`);
          return edge === undefined ? [] : [edge];
        }),
      }));
    },
    async blastRadius(org, id, radiusOptions = {}) {
      await getNode(org, id);
      const maxHops = assertHops(radiusOptions.maxHops, 3);
      const { rows } = await database.query<NodeRow & { distance: number }>(
        `with recursive dependents(id, distance) as (
           select e.from_id, 1 from aurora_graph_edges e where e.org = $1 and e.to_id = $2
           union
           select e.from_id, d.distance + 1
             from dependents d
             join aurora_graph_edges e on e.org = $1 and e.to_id = d.id
            where d.distance < $3
         ), nearest as (
           select id, min(distance) as distance from dependents where id <> $2 group by id
         )
         select n.*, nearest.distance from nearest
           join aurora_graph_nodes n on n.org = $1 and n.id = nearest.id
          order by nearest.distance, n.id`,
        [org, id, maxHops],
      );
      return rows.map((row): BlastRadiusEntry => ({ node: toNode(row), distance: Number(row.distance) }));
    },
    async markStale(org, notSeenSince) {
      assertId(org, 'org');
      await ready();
      return database.transaction(async (tx) => {
        await tx.query(
          `update aurora_graph_edges set stale_since = now()
            where org = $1 and last_seen_at < $2 and stale_since is null`,
          [org, notSeenSince],
        );
        const result = await tx.query(
          `update aurora_graph_nodes set stale_since = now()
            where org = $1 and last_seen_at < $2 and stale_since is null`,
          [org, notSeenSince],
        );
        return result.rowCount;
      });
    },
    async deleteStale(org, staleBefore) {
      assertId(org, 'org');
      await ready();
      return database.transaction(async (tx) => {
        await tx.query(`delete from aurora_graph_edges where org = $1 and stale_since < $2`, [org, staleBefore]);
        const result = await tx.query(`delete from aurora_graph_nodes where org = $1 and stale_since < $2`, [
          org,
          staleBefore,
        ]);
        return result.rowCount;
      });
    },
    async countByLabel(org) {
      assertId(org, 'org');
      await ready();
      const { rows } = await database.query<{ label: string; count: string | number }>(
        `select label, count(*) as count from aurora_graph_nodes, unnest(labels) as label
          where org = $1 group by label order by label`,
        [org],
      );
      return Object.fromEntries(rows.map((row) => [row.label, Number(row.count)]));
    },
    close: () => Promise.resolve(),
  };
}
