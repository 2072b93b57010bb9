import { InvalidInputError } from '../../errors/errors.js';
import type { EdgeInput, NodeInput, Properties } from './graph-store.js';

/*
 * Input validation shared by every GraphStore adapter, so that they all reject the same
 * inputs with the same errors. The label and edge-type patterns also make those names safe
 * to place in query text where a backend cannot take them as parameters (Cypher).
 */

export const LABEL = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
export const EDGE_TYPE = /^[A-Z][A-Z0-9_]{0,63}$/;
export const MAX_HOPS = 10;

export function invalid(message: string, reason: string): InvalidInputError {
  return new InvalidInputError({ message, details: { reason } });
}

export function assertId(value: unknown, what: string): asserts value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 512) {
    throw invalid(`${what} is a string of 1–512 characters.`, what);
  }
}

export function assertProperties(properties: unknown): asserts properties is Properties {
  if (typeof properties !== 'object' || properties === null || Array.isArray(properties)) {
    throw invalid('properties is an object.', 'properties');
  }
  for (const value of Object.values(properties as Record<string, unknown>)) {
    const ok =
      value === null ||
      ['string', 'boolean'].includes(typeof value) ||
      (typeof value === 'number' && Number.isFinite(value)) ||
      (Array.isArray(value) &&
        (value.every((item) => typeof item === 'string') ||
          value.every((item) => typeof item === 'number' && Number.isFinite(item))));
    if (!ok)
      throw invalid('A property is a string, number, boolean, null, or a list of strings or of numbers.', 'property');
  }
}

export function assertHops(hops: number | undefined, fallback: number): number {
  const value = hops ?? fallback;
  if (!Number.isInteger(value) || value < 1 || value > MAX_HOPS) throw invalid(`maxHops is 1–${MAX_HOPS}.`, 'maxHops');
  return value;
}

/** A node as `upsertNodes` accepts it: ids, labels, properties and an optional valid date. */
export function assertNodeInput(node: NodeInput): void {
  assertId(node.org, 'org');
  assertId(node.id, 'id');
  if (
    !Array.isArray(node.labels) ||
    !node.labels.every((label: unknown) => typeof label === 'string' && LABEL.test(label))
  ) {
    throw invalid('Labels match [A-Za-z][A-Za-z0-9_]{0,63}.', 'label');
  }
  assertProperties(node.properties);
  if (node.lastSeenAt !== undefined && Number.isNaN(new Date(node.lastSeenAt).getTime())) {
    throw invalid('lastSeenAt is a valid date.', 'lastSeenAt');
  }
}

/** An edge as `upsertEdges` accepts it: ids, a `[A-Z][A-Z0-9_]*` type and optional properties. */
export function assertEdgeInput(edge: EdgeInput): void {
  assertId(edge.org, 'org');
  assertId(edge.from, 'from');
  assertId(edge.to, 'to');
  if (typeof edge.type !== 'string' || !EDGE_TYPE.test(edge.type)) {
    throw invalid('An edge type matches [A-Z][A-Z0-9_]{0,63}.', 'type');
  }
  if (edge.properties !== undefined) assertProperties(edge.properties);
}

/** Keeps the last row per key and sorts by key, so concurrent writers lock rows in one order. */
export function dedupe<T>(rows: readonly T[], key: (row: T) => string): T[] {
  const byKey = new Map<string, T>();
  for (const row of rows) byKey.set(key(row), row);
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, row]) => row);
}

export const nodeKey = (node: NodeInput): string => `${node.org}\u0000${node.id}`;
export const edgeKey = (edge: EdgeInput): string => `${edge.org}\u0000${edge.from}\u0000${edge.type}\u0000${edge.to}`;
