import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors/errors.js';
import { canonicalJson, CANONICAL_JSON_MAX_DEPTH } from './canonical-json.js';

describe('canonicalJson', () => {
  it('sorts object keys recursively and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, 1, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[3,1,{"y":2,"z":1}]},"b":1}',
    );
    expect(canonicalJson({ b: 1, a: 2 })).toBe(canonicalJson({ a: 2, b: 1 }));
    expect(canonicalJson([2, 1])).not.toBe(canonicalJson([1, 2]));
  });

  it('writes primitives as JSON does', () => {
    expect(canonicalJson('a"b\n\u0000')).toBe(JSON.stringify('a"b\n\u0000'));
    expect(canonicalJson(1.5e3)).toBe('1500');
    expect(canonicalJson(-0)).toBe('0');
    expect(canonicalJson(true)).toBe('true');
    expect(canonicalJson(null)).toBe('null');
    expect(canonicalJson(Object.assign(Object.create(null) as object, { x: 1 }))).toBe('{"x":1}');
  });

  it('distinguishes a string from a number and nesting from flat text', () => {
    expect(canonicalJson({ a: '1' })).not.toBe(canonicalJson({ a: 1 }));
    expect(canonicalJson(['a,b'])).not.toBe(canonicalJson(['a', 'b']));
  });

  const rejected: [string, unknown, string][] = [
    ['a function', { run: () => 1 }, '$.run'],
    ['undefined in an object', { a: undefined }, '$.a'],
    ['undefined in an array', [1, undefined], '$[1]'],
    ['an array hole', [1, , 3], '$[1]'], // eslint-disable-line no-sparse-arrays
    ['NaN', { n: Number.NaN }, '$.n'],
    ['Infinity', { n: Number.POSITIVE_INFINITY }, '$.n'],
    ['a bigint', { n: 1n }, '$.n'],
    ['a symbol', { s: Symbol('x') }, '$.s'],
    ['a Date', { d: new Date(0) }, '$.d'],
    ['a Map', { m: new Map() }, '$.m'],
    ['a class instance', { c: new (class Thing {})() }, '$.c'],
    ['a top-level undefined', undefined, '$'],
  ];
  for (const [name, value, path] of rejected) {
    it(`rejects ${name} with a typed error naming the path`, () => {
      let caught: unknown;
      try {
        canonicalJson(value);
      } catch (error) {
        caught = error;
      }
      expect(InvalidInputError.isInstance(caught)).toBe(true);
      expect((caught as InvalidInputError).details.path).toBe(path);
    });
  }

  it('rejects cycles and excessive depth, but not a shared (acyclic) object', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => canonicalJson(cyclic)).toThrow(/circular/);
    let deep: unknown = 1;
    for (let level = 0; level <= CANONICAL_JSON_MAX_DEPTH; level += 1) deep = [deep];
    expect(() => canonicalJson(deep)).toThrow(/nesting/);
    const shared = { x: 1 };
    expect(canonicalJson({ a: shared, b: shared })).toBe('{"a":{"x":1},"b":{"x":1}}');
  });

  it('never quotes the rejected value', () => {
    const secret = 'hunter2-super-secret';
    try {
      canonicalJson({ password: secret, bad: () => secret });
      expect.unreachable();
    } catch (error) {
      expect(JSON.stringify((error as InvalidInputError).toJSON())).not.toContain(secret);
    }
  });
});
