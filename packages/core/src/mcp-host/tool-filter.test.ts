import { describe, expect, it } from 'vitest';
import { globToRegExp, matchesAnyGlob, toolPassesFilter } from './tool-filter.js';

describe('tool filters', () => {
  it('matches globs with * and ? and escapes the rest', () => {
    expect(globToRegExp('get_*').test('get_item')).toBe(true);
    expect(globToRegExp('get_*').test('list_items')).toBe(false);
    expect(globToRegExp('item?').test('items')).toBe(true);
    expect(globToRegExp('item?').test('item')).toBe(false);
    expect(globToRegExp('a.b').test('axb')).toBe(false);
    expect(matchesAnyGlob('delete_item', ['get_*', 'delete_*'])).toBe(true);
  });

  it('applies allow, then deny, then readOnly', () => {
    expect(toolPassesFilter('delete_item', 'destructive', undefined)).toBe(true);
    expect(toolPassesFilter('get_item', 'read', { allow: ['get_*'] })).toBe(true);
    expect(toolPassesFilter('list_items', 'read', { allow: ['get_*'] })).toBe(false);
    expect(toolPassesFilter('get_secret', 'read', { allow: ['get_*'], deny: ['*secret*'] })).toBe(false);
    expect(toolPassesFilter('update_item', 'write', { readOnly: true })).toBe(false);
    expect(toolPassesFilter('get_item', 'read', { readOnly: true })).toBe(true);
  });
});
