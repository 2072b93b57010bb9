/**
 * The query semantics of the fake Weaviate (see fake-weaviate-server.ts): gRPC filter
 * evaluation, brute-force cosine distance, a BM25 score over `word`-tokenized text, and
 * hybrid `relativeScore` fusion. Written from Weaviate's documentation:
 * https://weaviate.io/developers/weaviate/api/graphql/filters,
 * https://weaviate.io/developers/weaviate/search/bm25,
 * https://weaviate.io/developers/weaviate/search/hybrid (relativeScore fusion).
 */
import { ServerError, Status } from 'nice-grpc';
import {
  Filters_Operator,
  type Filters,
  type Vectors,
} from '../../node_modules/weaviate-client/dist/node/esm/proto/v1/base.js';

export interface FakeProperty {
  readonly name: string;
  readonly dataType: string[];
  readonly tokenization?: string;
  readonly indexFilterable?: boolean;
  readonly indexSearchable?: boolean;
}

export interface FakeObject {
  readonly uuid: string;
  readonly properties: Record<string, unknown>;
  readonly vector: number[];
}

export interface Scored {
  readonly object: FakeObject;
  readonly score: number;
}

/** Weaviate's `word` tokenization: split on anything not a letter or digit, lowercase. */
export const words = (text: string): string[] =>
  text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word.length > 0);

/** Weaviate's `en` stopword preset (the common part of it). */
const STOPWORDS = new Set(
  'a an and are as at be but by for if in into is it no not of on or such that the their then there these they this to was will with'.split(
    ' ',
  ),
);

/** A float32 little-endian vector from bytes, as the client serialises vectors. */
export function vectorFromBytes(bytes: Uint8Array): number[] {
  const copy = Buffer.from(bytes);
  return Array.from(new Float32Array(copy.buffer, copy.byteOffset, copy.byteLength / 4));
}

/** The single vector of a request, wherever this client version put it. */
export function requestVector(source: {
  vector?: number[];
  vectorBytes?: Uint8Array;
  vectors?: Vectors[];
}): number[] | undefined {
  if (source.vectors !== undefined && source.vectors.length > 0) return vectorFromBytes(source.vectors[0]!.vectorBytes);
  if (source.vectorBytes !== undefined && source.vectorBytes.length > 0) return vectorFromBytes(source.vectorBytes);
  if (source.vector !== undefined && source.vector.length > 0) return source.vector;
  return undefined;
}

export function cosineDistance(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i += 1) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  if (na === 0 || nb === 0) return 1;
  return 1 - dot / Math.sqrt(na * nb);
}

const invalid = (message: string): ServerError => new ServerError(Status.INVALID_ARGUMENT, message);

function filterValues(filter: Filters): unknown[] {
  if (filter.valueText !== undefined) return [filter.valueText];
  if (filter.valueInt !== undefined) return [filter.valueInt];
  if (filter.valueNumber !== undefined) return [filter.valueNumber];
  if (filter.valueBoolean !== undefined) return [filter.valueBoolean];
  return (
    filter.valueTextArray?.values ??
    filter.valueIntArray?.values ??
    filter.valueNumberArray?.values ??
    filter.valueBooleanArray?.values ??
    []
  );
}

/** Whether `object` matches a gRPC filter; unknown or unfilterable properties are errors, as in Weaviate. */
export function matches(filter: Filters, object: FakeObject, schema: readonly FakeProperty[]): boolean {
  switch (filter.operator) {
    case Filters_Operator.OPERATOR_AND:
      return filter.filters.every((inner) => matches(inner, object, schema));
    case Filters_Operator.OPERATOR_OR:
      return filter.filters.some((inner) => matches(inner, object, schema));
    case Filters_Operator.OPERATOR_NOT:
      return !matches(filter.filters[0]!, object, schema);
    case Filters_Operator.OPERATOR_EQUAL:
    case Filters_Operator.OPERATOR_NOT_EQUAL:
    case Filters_Operator.OPERATOR_CONTAINS_ANY:
    case Filters_Operator.OPERATOR_CONTAINS_ALL: {
      const name = filter.target?.property ?? filter.on[0];
      if (name === undefined) throw invalid('filter has no target property');
      const wanted = filterValues(filter);
      let present: unknown[];
      let tokenization = 'field';
      if (name === '_id') {
        present = [object.uuid];
      } else {
        const property = schema.find((candidate) => candidate.name === name);
        if (property === undefined) throw invalid(`no such prop with name '${name}' found in class`);
        if (property.indexFilterable === false)
          throw invalid(`Filtering by property '${name}' requires inverted index`);
        tokenization = property.tokenization ?? 'word';
        const value = object.properties[name];
        present = value === undefined || value === null ? [] : Array.isArray(value) ? value : [value];
      }
      const same = (a: unknown, b: unknown): boolean => {
        if (typeof a === 'string' && typeof b === 'string') {
          if (tokenization === 'field') return a.trim() === b.trim();
          const have = new Set(words(a));
          return words(b).every((word) => have.has(word));
        }
        return a === b;
      };
      const found = (value: unknown): boolean => present.some((item) => same(item, value));
      if (filter.operator === Filters_Operator.OPERATOR_EQUAL) return wanted.length > 0 && wanted.every(found);
      if (filter.operator === Filters_Operator.OPERATOR_NOT_EQUAL) return !wanted.every(found);
      if (filter.operator === Filters_Operator.OPERATOR_CONTAINS_ANY) return wanted.some(found);
      return wanted.every(found);
    }
    default:
      throw invalid(`filter operator ${filter.operator} is not implemented by this fake`);
  }
}

/** Okapi BM25 (k1 1.2, b 0.75, Weaviate's defaults) over the searchable `properties`; score > 0 only. */
export function bm25(query: string, objects: readonly FakeObject[], properties: readonly string[]): Scored[] {
  const terms = [...new Set(words(query).filter((word) => !STOPWORDS.has(word)))];
  if (terms.length === 0 || objects.length === 0) return [];
  const documents = objects.map((object) =>
    properties.flatMap((name) => {
      const value = object.properties[name];
      return typeof value === 'string' ? words(value) : [];
    }),
  );
  const average = documents.reduce((sum, tokens) => sum + tokens.length, 0) / documents.length || 1;
  const k1 = 1.2;
  const b = 0.75;
  const scored: Scored[] = [];
  documents.forEach((tokens, index) => {
    let score = 0;
    for (const term of terms) {
      const frequency = tokens.filter((token) => token === term).length;
      if (frequency === 0) continue;
      const containing = documents.filter((document) => document.includes(term)).length;
      const idf = Math.log(1 + (documents.length - containing + 0.5) / (containing + 0.5));
      score += (idf * frequency * (k1 + 1)) / (frequency + k1 * (1 - b + (b * tokens.length) / average));
    }
    if (score > 0) scored.push({ object: objects[index]!, score });
  });
  return scored.sort((x, y) => y.score - x.score || (x.object.uuid < y.object.uuid ? -1 : 1));
}

/** Nearest first, by cosine distance. */
export function nearest(vector: readonly number[], objects: readonly FakeObject[]): Scored[] {
  return objects
    .map((object) => ({ object, score: cosineDistance(vector, object.vector) }))
    .sort((x, y) => x.score - y.score || (x.object.uuid < y.object.uuid ? -1 : 1));
}

/**
 * Weaviate's `relativeScore` fusion: each result list is min-max normalised to [0, 1]
 * (a list whose scores are all equal gets 1), weighted by alpha (vector) and 1 − alpha
 * (keyword), and summed per object.
 */
export function relativeScoreFusion(vector: readonly Scored[], keyword: readonly Scored[], alpha: number): Scored[] {
  const normalise = (list: readonly Scored[], higherIsBetter: boolean): Map<string, number> => {
    const values = list.map((entry) => (higherIsBetter ? entry.score : -entry.score));
    const max = Math.max(...values);
    const min = Math.min(...values);
    return new Map(list.map((entry, i) => [entry.object.uuid, max === min ? 1 : (values[i]! - min) / (max - min)]));
  };
  const v = normalise(vector, false);
  const k = normalise(keyword, true);
  const byId = new Map<string, FakeObject>();
  for (const entry of [...vector, ...keyword]) byId.set(entry.object.uuid, entry.object);
  return [...byId.values()]
    .map((object) => ({ object, score: alpha * (v.get(object.uuid) ?? 0) + (1 - alpha) * (k.get(object.uuid) ?? 0) }))
    .sort((x, y) => y.score - x.score || (x.object.uuid < y.object.uuid ? -1 : 1));
}
