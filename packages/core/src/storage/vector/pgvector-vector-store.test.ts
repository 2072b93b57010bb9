import { describe, expect, it } from 'vitest';
import { filterSql, fuse } from './pgvector-vector-store.js';

describe('filterSql', () => {
  it('turns equality into jsonb containment and "in" into a membership test, all parameterised', () => {
    const params: unknown[] = ['org'];
    const sql = filterSql({ source: 'runbook', rank: 2, kind: { in: ['a', 1, true] } }, params);
    expect(sql).toBe(
      'metadata @> $2::jsonb and metadata @> $3::jsonb and exists (select 1 from jsonb_array_elements($5::jsonb) v where v = metadata -> $4::text)',
    );
    expect(params).toEqual(['org', '{"source":"runbook"}', '{"rank":2}', 'kind', '["a",1,true]']);
    expect(filterSql(undefined, params)).toBe('true');
  });

  it('never interpolates a key or value into the SQL', () => {
    const params: unknown[] = [];
    const sql = filterSql({ "x'; drop table t; --": "y'" }, params);
    expect(sql).not.toContain('drop');
    expect(params[0]).toContain('drop table');
  });
});

describe('fuse', () => {
  const match = (id: string, score: number) => ({ id, text: id, metadata: {}, score });
  it('weights normalised vector and keyword scores by alpha', () => {
    const vector = [match('a', 0.9), match('b', 0.5)];
    const keyword = [match('b', 3), match('c', 1)];
    expect(fuse(vector, keyword, 1, 3).map((m) => m.id)).toEqual(['a', 'b', 'c']);
    expect(fuse(vector, keyword, 0, 3).map((m) => m.id)).toEqual(['b', 'a', 'c']);
    const half = fuse(vector, keyword, 0.5, 3);
    // a and b tie at 0.5 (ties break by id); c has neither signal.
    expect(half.map((m) => [m.id, m.score])).toEqual([
      ['a', 0.5],
      ['b', 0.5],
      ['c', 0],
    ]);
    expect(half.map((m) => m.score).every((score) => score >= 0 && score <= 1)).toBe(true);
  });
});
