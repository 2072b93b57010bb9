import { InvalidInputError } from '../../errors/errors.js';
import type { SearchOptions } from './vector-store.js';

/**
 * Input validation shared by every VectorStore adapter, so they reject the same inputs with
 * the same typed errors before anything reaches a backend.
 */
const COLLECTION = /^[a-z][a-z0-9_]{0,62}$/;

export const invalid = (message: string, details: Record<string, string | number> = {}): InvalidInputError =>
  new InvalidInputError({ message, details });

export function assertCollectionName(name: string): void {
  if (typeof name !== 'string' || !COLLECTION.test(name))
    throw invalid('A collection name matches [a-z][a-z0-9_]{0,62}.');
}

export function assertOrg(org: unknown): asserts org is string {
  if (typeof org !== 'string' || org.length === 0 || org.length > 128)
    throw invalid('org is a string of 1–128 characters.');
}

export function assertVector(vector: readonly number[] | Float32Array, dimension: number): void {
  if (vector.length !== dimension) {
    throw invalid(`The vector has ${vector.length} dimensions; the collection has ${dimension}.`, {
      expected: dimension,
      got: vector.length,
    });
  }
  for (const value of vector) if (!Number.isFinite(value)) throw invalid('A vector holds a non-finite number.');
}

export function assertMetadata(metadata: unknown): void {
  if (metadata === undefined) return;
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata))
    throw invalid('metadata is an object.');
  for (const value of Object.values(metadata as Record<string, unknown>)) {
    if (!(value === null || ['string', 'number', 'boolean'].includes(typeof value))) {
      throw invalid('A metadata value is a string, number, boolean or null.');
    }
  }
}

/** Checks the org and k of a search; returns k (default 10). */
export const validateSearch = (searchOptions: SearchOptions): number => {
  assertOrg(searchOptions.org);
  const k = searchOptions.k ?? 10;
  if (!Number.isInteger(k) || k < 1 || k > 1000) throw invalid('k is an integer 1–1000.');
  return k;
};
