import { isInt } from 'neo4j-driver';
import { DataCorruptedError } from '../../errors/errors.js';
import { parseJson } from '../../internal/json.js';
import type { GraphEdge, GraphNode, Properties } from '../graph/graph-store.js';

/*
 * From Bolt values to GraphStore values. Integers arrive as the driver's `Integer` (the
 * default), as `number` (`disableLosslessIntegers`) or as `bigint` (`useBigInt`): all three
 * are accepted, so a caller's own driver works whatever its settings.
 */

/** A node as the Cypher in this adapter returns it: a plain map, never a Bolt Node. */
export interface NodeMap {
  readonly id: unknown;
  readonly labels: unknown;
  readonly properties: unknown;
  readonly lastSeenAt: unknown;
  readonly staleSince: unknown;
}

/** An edge as the Cypher in this adapter returns it. */
export interface EdgeMap {
  readonly type: unknown;
  readonly properties: unknown;
  readonly lastSeenAt: unknown;
}

const corrupted = (what: string): DataCorruptedError =>
  new DataCorruptedError({ message: `The graph server returned an unreadable ${what}.`, details: { what } });

export function toNumber(value: unknown, what = 'number'): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (isInt(value)) return value.toNumber();
  throw corrupted(what);
}

const toDate = (value: unknown, what: string): Date => new Date(toNumber(value, what));

function toProperties(value: unknown): Properties {
  if (typeof value !== 'string') throw corrupted('properties');
  const parsed = parseJson(value, 'Stored graph properties');
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw corrupted('properties');
  return parsed as Properties;
}

export function toStrings(value: unknown, what: string): string[] {
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) throw corrupted(what);
  return value;
}

export function toNode(org: string, value: unknown): GraphNode {
  if (typeof value !== 'object' || value === null) throw corrupted('node');
  const map = value as NodeMap;
  if (typeof map.id !== 'string') throw corrupted('node id');
  return {
    id: map.id,
    org,
    labels: toStrings(map.labels, 'labels'),
    properties: toProperties(map.properties),
    lastSeenAt: toDate(map.lastSeenAt, 'lastSeenAt'),
    staleSince: map.staleSince === null || map.staleSince === undefined ? null : toDate(map.staleSince, 'staleSince'),
  };
}

export function toEdge(org: string, from: string, to: string, value: unknown): GraphEdge {
  if (typeof value !== 'object' || value === null) throw corrupted('edge');
  const map = value as EdgeMap;
  if (typeof map.type !== 'string') throw corrupted('edge type');
  return {
    org,
    from,
    to,
    type: map.type,
    properties: toProperties(map.properties),
    lastSeenAt: toDate(map.lastSeenAt, 'lastSeenAt'),
  };
}
