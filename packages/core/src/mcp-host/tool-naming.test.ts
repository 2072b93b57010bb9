import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors/errors.js';
import {
  assertPluginName,
  MAX_TOOL_NAME_LENGTH,
  namespaceToolNames,
  sanitizeToolName,
  shortHash,
} from './tool-naming.js';

describe('tool naming', () => {
  it('prefixes the plugin name and keeps clean names as they are', () => {
    expect(namespaceToolNames('aws', ['list_buckets', 'get-object'])).toEqual(
      new Map([
        ['list_buckets', 'aws__list_buckets'],
        ['get-object', 'aws__get-object'],
      ]),
    );
  });

  it('sanitises to [A-Za-z0-9_-]', () => {
    expect(sanitizeToolName('s3.get object/v2')).toBe('s3_get_object_v2');
    expect(sanitizeToolName('ünïcode✓')).toBe('_n_code_');
    expect(sanitizeToolName('')).toBe('_');
    const names = namespaceToolNames('p', ['a.b', 'x y']);
    for (const name of names.values()) expect(name).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('truncates long names to 64 characters with a stable hash suffix', () => {
    const long = 'describe_'.repeat(12);
    const name = namespaceToolNames('plugin-name', [long]).get(long) ?? '';
    expect(name).toHaveLength(MAX_TOOL_NAME_LENGTH);
    expect(name.startsWith('plugin-name__describe_')).toBe(true);
    expect(name.endsWith(`_${shortHash(long)}`)).toBe(true);
    expect(namespaceToolNames('plugin-name', [long]).get(long)).toBe(name);
    const other = `${long}x`;
    expect(namespaceToolNames('plugin-name', [other]).get(other)).not.toBe(name);
  });

  it('resolves collisions deterministically, whatever the listing order', () => {
    const a = namespaceToolNames('p', ['a.b', 'a_b', 'a b']);
    const b = namespaceToolNames('p', ['a b', 'a_b', 'a.b']);
    expect(a).toEqual(b);
    expect(a.get('a_b')).toBe('p__a_b');
    expect(new Set(a.values()).size).toBe(3);
    for (const name of a.values()) expect(name.length).toBeLessThanOrEqual(MAX_TOOL_NAME_LENGTH);
  });

  it('resolves collisions between truncated names', () => {
    const base = 'x'.repeat(80);
    const names = namespaceToolNames('p', [`${base}1`, `${base}2`]);
    expect(new Set(names.values()).size).toBe(2);
  });

  it('validates plugin names', () => {
    expect(() => assertPluginName('aws-prod')).not.toThrow();
    for (const bad of ['Aws', '1aws', 'a_b', 'a'.repeat(16), 'aurora', '', 7]) {
      expect(() => assertPluginName(bad)).toThrow(InvalidInputError);
    }
  });
});
