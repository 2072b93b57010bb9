import { generateUuid5 } from 'weaviate-client';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../errors/errors.js';
import {
  chunkUuid,
  classDefinition,
  className,
  dimensionFromDescription,
  filterTerms,
  metadataTerms,
  uuidV5,
} from './weaviate-schema.js';

describe('weaviate-schema', () => {
  it('uuidV5 agrees with the uuid package (via weaviate-client) and chunk ids are per org', () => {
    const dns = '6ba7b810-9dad-11d1-80b4-00c04fd430c8';
    for (const name of ['a', 'chunk-1', 'ünïcode ✓']) expect(uuidV5(name, dns)).toBe(generateUuid5(name));
    expect(chunkUuid('acme', 'x')).toBe(chunkUuid('acme', 'x'));
    expect(chunkUuid('acme', 'x')).not.toBe(chunkUuid('acme2', 'x'));
    // No ambiguity between (org, id) splits.
    expect(chunkUuid('a', 'b/c')).not.toBe(chunkUuid('a/b', 'c'));
  });

  it('records the dimension in the class description and reads it back', () => {
    const definition = classDefinition(className('Aurora', 'kb'), 384, false);
    expect(definition.class).toBe('Aurora_kb');
    expect(dimensionFromDescription(definition.description)).toBe(384);
    expect(dimensionFromDescription('some other class')).toBeUndefined();
    expect(dimensionFromDescription(undefined)).toBeUndefined();
  });

  it('metadata terms are typed: 2 and "2" differ, null is its own term', () => {
    expect(metadataTerms({ rank: 2, label: '2', draft: false, gone: null })).toEqual([
      '"rank"=2',
      '"label"="2"',
      '"draft"=false',
      '"gone"=null',
    ]);
    expect(filterTerms({ rank: 2, source: { in: ['a', 'b'] } })).toEqual([
      ['"rank"=2'],
      ['"source"="a"', '"source"="b"'],
    ]);
    expect(filterTerms({ rank: '2' })).toEqual([['"rank"="2"']]);
    expect(filterTerms({ 'a"=b': 'c' })).toEqual([['"a\\"=b"="c"']]);
    expect(() => filterTerms({ x: { in: 'no' } } as never)).toThrow(InvalidInputError);
    expect(() => filterTerms({ x: [1] } as never)).toThrow(InvalidInputError);
  });
});
