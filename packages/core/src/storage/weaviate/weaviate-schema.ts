import { createHash } from 'node:crypto';
import type { MetadataFilter, MetadataValue } from '../vector/vector-store.js';
import { invalid } from '../vector/vector-validation.js';

/**
 * How a VectorStore collection maps onto a Weaviate class. Every chunk is one object with
 * self-provided vector (`vectorizer: none`, HNSW, cosine) and these properties:
 *
 * - `chunkId`, `org`: text, `field` tokenization (exact match), filterable, not searchable;
 * - `text`: text, `word` tokenization, searchable (BM25 and hybrid run on it only);
 * - `metadataJson`: the metadata as JSON, neither filterable nor searchable (round-trip only);
 * - `metadataTerms`: text[] with `field` tokenization, one term per metadata entry,
 *   `JSON.stringify(key) + '=' + JSON.stringify(value)` — so `{rank: 2}` is `"rank"=2` and
 *   never matches `{rank: '2'}` (`"rank"="2"`). A metadata filter becomes `containsAny` on
 *   these terms, server-side, for any key without declaring one property per key.
 */
export const PROPERTIES = {
  chunkId: 'chunkId',
  org: 'org',
  text: 'text',
  metadataJson: 'metadataJson',
  metadataTerms: 'metadataTerms',
} as const;

/** The properties a search returns (never the terms). */
export const RETURNED_PROPERTIES = [PROPERTIES.chunkId, PROPERTIES.text, PROPERTIES.metadataJson];

const PREFIX = /^[A-Z][A-Za-z0-9]{0,30}$/;

/** `kb` → `Aurora_kb`: Weaviate class names start with a capital letter. */
export function className(prefix: string, collection: string): string {
  return `${prefix}_${collection}`;
}

export function assertPrefix(prefix: unknown): asserts prefix is string {
  if (typeof prefix !== 'string' || !PREFIX.test(prefix)) {
    throw invalid('collectionPrefix starts with a capital letter, then up to 30 letters or digits.');
  }
}

const DESCRIPTION = /^Aurora VectorStore collection \(dimension (\d+), cosine\)/;

export const describeDimension = (dimension: number): string =>
  `Aurora VectorStore collection (dimension ${dimension}, cosine)`;

/** The dimension recorded in a class description, or undefined for a class Aurora did not create. */
export function dimensionFromDescription(description: string | undefined): number | undefined {
  const match = DESCRIPTION.exec(description ?? '');
  return match === null ? undefined : Number(match[1]);
}

const field = { dataType: ['text'], tokenization: 'field', indexFilterable: true, indexSearchable: false };

/** The class definition sent to `POST /v1/schema`. */
export function classDefinition(name: string, dimension: number, tenants: boolean, hnsw: HnswSettings = {}) {
  return {
    class: name,
    description: describeDimension(dimension),
    vectorizer: 'none',
    vectorIndexType: 'hnsw',
    vectorIndexConfig: {
      distance: 'cosine',
      ...(hnsw.efConstruction === undefined ? {} : { efConstruction: hnsw.efConstruction }),
      ...(hnsw.maxConnections === undefined ? {} : { maxConnections: hnsw.maxConnections }),
      ...(hnsw.ef === undefined ? {} : { ef: hnsw.ef }),
    },
    multiTenancyConfig: { enabled: tenants, ...(tenants ? { autoTenantCreation: true } : {}) },
    properties: [
      { name: PROPERTIES.chunkId, ...field },
      { name: PROPERTIES.org, ...field },
      {
        name: PROPERTIES.text,
        dataType: ['text'],
        tokenization: 'word',
        indexFilterable: false,
        indexSearchable: true,
      },
      { name: PROPERTIES.metadataJson, dataType: ['text'], indexFilterable: false, indexSearchable: false },
      { name: PROPERTIES.metadataTerms, ...field, dataType: ['text[]'] },
    ],
  };
}

export interface HnswSettings {
  readonly efConstruction?: number;
  readonly maxConnections?: number;
  readonly ef?: number;
}

/** The filter term for one metadata entry. */
export const metadataTerm = (key: string, value: MetadataValue): string =>
  `${JSON.stringify(key)}=${JSON.stringify(value)}`;

export const metadataTerms = (metadata: Readonly<Record<string, MetadataValue>>): string[] =>
  Object.entries(metadata).map(([key, value]) => metadataTerm(key, value));

/** One `containsAny` term list per filter key (AND across keys); validates the filter. */
export function filterTerms(filter: MetadataFilter | undefined): string[][] {
  if (filter === undefined) return [];
  if (typeof filter !== 'object' || filter === null || Array.isArray(filter)) throw invalid('A filter is an object.');
  return Object.entries(filter).map(([key, condition]) => {
    const values: unknown[] =
      typeof condition === 'object' && condition !== null && 'in' in condition
        ? Array.isArray(condition.in)
          ? condition.in
          : (() => {
              throw invalid('An "in" filter takes a list.');
            })()
        : [condition];
    for (const value of values) {
      if (!(value === null || ['string', 'number', 'boolean'].includes(typeof value))) {
        throw invalid('A filter value is a string, number, boolean or null.');
      }
    }
    return values.map((value) => metadataTerm(key, value as MetadataValue));
  });
}

/** The namespace of Aurora's chunk UUIDs (a fixed random UUID). */
const NAMESPACE = 'f3c5a3f2-9a7e-4d8b-b1a4-6f1e2d9c7b50';

/** RFC 4122 UUIDv5 of `name` in `namespace`. */
export function uuidV5(name: string, namespace = NAMESPACE): string {
  const hash = createHash('sha1')
    .update(Buffer.from(namespace.replaceAll('-', ''), 'hex'))
    .update(name, 'utf8')
    .digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The Weaviate object id of chunk `id` in `org`: deterministic, so an upsert replaces. */
export const chunkUuid = (org: string, id: string): string => uuidV5(JSON.stringify([org, id]));
