import { EDGE_TYPE, invalid, MAX_HOPS } from '../graph/graph-validation.js';

/*
 * Every query the Neo4j/Memgraph adapter sends. Values are always parameters and every
 * MATCH names `org: $org`. Two things Cypher cannot take as parameters are written into the
 * text, each only after validation: a relationship type (`[A-Z][A-Z0-9_]{0,63}`) and a
 * variable-length bound (an integer 1–10).
 *
 * The model: one `:AuroraNode {org, id, labels, properties, lastSeenAt, staleSince}` per
 * node, where `labels` is a list of strings, `properties` the JSON text of the properties
 * (exact round trip, null values included), and times are epoch milliseconds (integers).
 * An edge is a relationship of its own type carrying `{org, properties, lastSeenAt,
 * staleSince}`.
 */

export type GraphFlavor = 'neo4j' | 'memgraph';

/** The label every stored node carries; the (org, id) uniqueness constraint is on it. */
export const NODE_LABEL = 'AuroraNode';

/** Idempotent schema statements, run once per store in auto-commit transactions. */
export function schemaStatements(flavor: GraphFlavor): readonly string[] {
  if (flavor === 'memgraph') {
    return [
      `CREATE CONSTRAINT ON (n:${NODE_LABEL}) ASSERT n.org, n.id IS UNIQUE`,
      `CREATE INDEX ON :${NODE_LABEL}(org)`,
      `CREATE INDEX ON :${NODE_LABEL}(id)`,
    ];
  }
  return [
    `CREATE CONSTRAINT aurora_graph_node_key IF NOT EXISTS FOR (n:${NODE_LABEL}) REQUIRE (n.org, n.id) IS UNIQUE`,
    `CREATE INDEX aurora_graph_node_org IF NOT EXISTS FOR (n:${NODE_LABEL}) ON (n.org)`,
  ];
}

/** A relationship type for query text; throws `InvalidInputError` unless it is safe. */
export function relationshipType(type: string): string {
  if (!EDGE_TYPE.test(type)) throw invalid('An edge type matches [A-Z][A-Z0-9_]{0,63}.', 'type');
  return `\`${type}\``;
}

function hopCount(hops: number): number {
  if (!Number.isInteger(hops) || hops < 1 || hops > MAX_HOPS) throw invalid(`maxHops is 1–${MAX_HOPS}.`, 'maxHops');
  return hops;
}

const nodeMap = (n: string): string =>
  `{id: ${n}.id, labels: ${n}.labels, properties: ${n}.properties, lastSeenAt: ${n}.lastSeenAt, staleSince: ${n}.staleSince}`;

const later = (target: string): string =>
  `CASE WHEN ${target}.lastSeenAt IS NULL OR ${target}.lastSeenAt < row.lastSeenAt THEN row.lastSeenAt ELSE ${target}.lastSeenAt END`;

/** `$org`, `$rows: [{id, labels, properties, lastSeenAt}]`. */
export const UPSERT_NODES = `UNWIND $rows AS row
MERGE (n:${NODE_LABEL} {org: $org, id: row.id})
SET n.labels = row.labels, n.properties = row.properties, n.lastSeenAt = ${later('n')}, n.staleSince = null`;

/** `$org`, `$ids`: the ids (at most five) that name no node in the org. */
export const MISSING_NODES = `UNWIND $ids AS nodeId
OPTIONAL MATCH (n:${NODE_LABEL} {org: $org, id: nodeId})
WITH nodeId, n WHERE n IS NULL
RETURN nodeId AS id ORDER BY id LIMIT 5`;

/** `$org`, `$rows: [{from, to, properties, lastSeenAt}]`, all of one type. */
export function upsertEdges(type: string): string {
  return `UNWIND $rows AS row
MATCH (a:${NODE_LABEL} {org: $org, id: row.from})
MATCH (b:${NODE_LABEL} {org: $org, id: row.to})
MERGE (a)-[r:${relationshipType(type)}]->(b)
SET r.org = $org, r.properties = row.properties, r.lastSeenAt = ${later('r')}, r.staleSince = null
RETURN count(r) AS count`;
}

/** `$org`, `$id`. */
export const GET_NODE = `MATCH (n:${NODE_LABEL} {org: $org, id: $id}) RETURN ${nodeMap('n')} AS node`;

/** `$org`, `$id`, `$types` (null for all), `$limit`; `direction` picks the pattern. */
export function neighbours(direction: 'out' | 'in'): string {
  const [left, right] = direction === 'out' ? ['-', '->'] : ['<-', '-'];
  const pattern = `(a:${NODE_LABEL} {org: $org, id: $id})${left}[r]${right}(b:${NODE_LABEL} {org: $org})`;
  return `MATCH ${pattern}
WHERE ($types IS NULL OR type(r) IN $types)
RETURN type(r) AS relType, b.id AS other, ${nodeMap('b')} AS node,
       {type: type(r), properties: r.properties, lastSeenAt: r.lastSeenAt} AS edge
ORDER BY relType, other
LIMIT $limit`;
}

/**
 * Simple paths of exactly `hops` relationships from `$from` to `$to` following direction,
 * ordered by their node ids (`$separator` joins them into one sortable key), at most `$limit`.
 */
export function pathsOfLength(hops: number): string {
  return `MATCH p = (a:${NODE_LABEL} {org: $org, id: $from})-[*${hopCount(hops)}..${hopCount(hops)}]->(b:${NODE_LABEL} {org: $org, id: $to})
WHERE all(n IN nodes(p) WHERE n.org = $org AND size([m IN nodes(p) WHERE m.id = n.id]) = 1)
WITH p, [n IN nodes(p) | n.id] AS ids
WITH p, ids, reduce(key = '', nodeId IN ids | key + nodeId + $separator) AS sortKey
ORDER BY sortKey
LIMIT $limit
RETURN ids, [r IN relationships(p) | {type: type(r), properties: r.properties, lastSeenAt: r.lastSeenAt}] AS edges`;
}

/** One breadth-first step of the blast radius: the dependents of `$frontier` not in `$seen`. */
export const DEPENDENTS = `UNWIND $frontier AS targetId
MATCH (t:${NODE_LABEL} {org: $org, id: targetId})<-[]-(d:${NODE_LABEL})
WHERE d.org = $org AND NOT d.id IN $seen
WITH DISTINCT d
RETURN ${nodeMap('d')} AS node`;

/** `$org`, `$cutoff`, `$now`. */
export const MARK_STALE_EDGES = `MATCH (:${NODE_LABEL} {org: $org})-[r]->(:${NODE_LABEL} {org: $org})
WHERE r.lastSeenAt < $cutoff AND r.staleSince IS NULL
SET r.staleSince = $now`;

export const MARK_STALE_NODES = `MATCH (n:${NODE_LABEL} {org: $org})
WHERE n.lastSeenAt < $cutoff AND n.staleSince IS NULL
SET n.staleSince = $now
RETURN count(n) AS count`;

/** `$org`, `$before`. */
export const DELETE_STALE_EDGES = `MATCH (:${NODE_LABEL} {org: $org})-[r]->(:${NODE_LABEL} {org: $org})
WHERE r.staleSince < $before
DELETE r`;

export const COUNT_STALE_NODES = `MATCH (n:${NODE_LABEL} {org: $org}) WHERE n.staleSince < $before RETURN count(n) AS count`;

export const DELETE_STALE_NODES = `MATCH (n:${NODE_LABEL} {org: $org}) WHERE n.staleSince < $before DETACH DELETE n`;

/** `$org`. */
export const COUNT_BY_LABEL = `MATCH (n:${NODE_LABEL} {org: $org})
UNWIND n.labels AS label
RETURN label, count(*) AS count
ORDER BY label`;
