import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigurationError } from '../errors/errors.js';
import { definePlugin, qualifiedToolName } from './define-plugin.js';
import { defineTool, type ToolSpec } from './define-tool.js';

type Extra = Partial<Omit<ToolSpec<z.ZodObject, undefined>, 'output'>> & { output?: z.ZodObject };

const tool = (name: string, extra: Extra = {}) =>
  defineTool<z.ZodObject, undefined>({
    name,
    description: 'A tool.',
    input: z.object({}),
    risk: 'read',
    handler: () => 'ok',
    ...(extra as object),
  });

function configurationError(fn: () => unknown): ConfigurationError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(ConfigurationError.isInstance(caught), String(caught)).toBe(true);
  return caught as ConfigurationError;
}

describe('defineTool', () => {
  it('accepts a valid tool and freezes it with its credential slots', () => {
    const defined = tool('ec2_describe_instance', { credentials: ['aws'] });
    expect(defined.kind).toBe('aurora.tool');
    expect(defined.credentials).toEqual(['aws']);
    expect(Object.isFrozen(defined)).toBe(true);
  });

  it.each([['Bad'], ['1tool'], ['with-dash'], ['a'.repeat(49)], ['']])('rejects the name %j', (name) => {
    expect(configurationError(() => tool(name)).details.setting).toBe('name');
  });

  it('rejects a risk outside read, write, destructive', () => {
    expect(configurationError(() => tool('x', { risk: 'safe' as never })).details.setting).toBe('risk');
  });

  it('rejects a non-object input or output schema', () => {
    expect(configurationError(() => tool('x', { input: z.string() as never })).details.setting).toBe('input');
    expect(configurationError(() => tool('x', { output: z.array(z.string()) as never })).details.setting).toBe(
      'output',
    );
  });

  it('rejects an empty description, a bad timeout and a repeated slot', () => {
    expect(configurationError(() => tool('x', { description: ' ' })).details.setting).toBe('description');
    expect(configurationError(() => tool('x', { timeoutMs: 0 })).details.setting).toBe('timeoutMs');
    expect(configurationError(() => tool('x', { credentials: ['a', 'a'] })).details.setting).toBe('credentials');
  });

  it('takes a connection test only as a read tool callable with no arguments', () => {
    expect(tool('whoami', { connectionTest: true }).connectionTest).toBe(true);
    expect(tool('list', { connectionTest: true, input: z.object({ max: z.number().optional() }) }).connectionTest).toBe(
      true,
    );
    const write = configurationError(() => tool('x', { connectionTest: true, risk: 'write' }));
    expect(write.details.setting).toBe('connectionTest');
    expect(write.message).toContain('read tool');
    const needsArguments = configurationError(() =>
      tool('x', { connectionTest: true, input: z.object({ region: z.string() }) }),
    );
    expect(needsArguments.message).toContain('accept {}');
    expect(configurationError(() => tool('x', { connectionTest: 'yes' as never })).details.setting).toBe(
      'connectionTest',
    );
  });
});

describe('definePlugin', () => {
  const base = { name: 'aws', version: '0.1.0', tools: [tool('describe')] };

  it('takes at most one connection test', () => {
    expect(definePlugin({ ...base, tools: [tool('a', { connectionTest: true }), tool('b')] }).tools).toHaveLength(2);
    const twice = configurationError(() =>
      definePlugin({ ...base, tools: [tool('a', { connectionTest: true }), tool('b', { connectionTest: true })] }),
    );
    expect(twice.message).toContain('both the connection test');
  });

  it('accepts a valid plugin', () => {
    const plugin = definePlugin({ ...base, credentials: { aws: { description: 'AWS keys' } } });
    expect(plugin.kind).toBe('aurora.plugin');
    expect(plugin.tools.map((t) => t.name)).toEqual(['describe']);
    expect(qualifiedToolName(plugin.name, 'describe')).toBe('aws__describe');
  });

  it.each([['AWS'], ['a'.repeat(16)], ['-x'], ['x_y']])('rejects the plugin name %j', (name) => {
    expect(configurationError(() => definePlugin({ ...base, name })).details.setting).toBe('name');
  });

  it('rejects a bad version, no tools, duplicate tools and tools not from defineTool', () => {
    expect(configurationError(() => definePlugin({ ...base, version: 'latest' })).details.setting).toBe('version');
    expect(configurationError(() => definePlugin({ ...base, tools: [] })).details.setting).toBe('tools');
    expect(configurationError(() => definePlugin({ ...base, tools: [tool('a'), tool('a')] })).message).toContain(
      'two tools are named "a"',
    );
    expect(configurationError(() => definePlugin({ ...base, tools: [{ name: 'raw' } as never] })).message).toContain(
      'defineTool',
    );
  });

  it('rejects a qualified name over 64 characters', () => {
    const long = tool('t'.repeat(48));
    expect(configurationError(() => definePlugin({ ...base, name: 'p'.repeat(15), tools: [long] })).message).toContain(
      'longer than 64',
    );
    expect(definePlugin({ ...base, name: 'p'.repeat(14), tools: [long] }).tools).toHaveLength(1);
  });

  it('rejects a tool slot the plugin does not declare, and bad slot declarations', () => {
    const needsAws = tool('describe', { credentials: ['aws'] });
    expect(configurationError(() => definePlugin({ ...base, tools: [needsAws] })).message).toContain(
      'does not declare',
    );
    expect(
      configurationError(() => definePlugin({ ...base, credentials: { AWS: { description: 'x' } } })).details.setting,
    ).toBe('credentials');
    expect(
      configurationError(() => definePlugin({ ...base, credentials: { aws: { description: '' } } })).details.setting,
    ).toBe('credentials');
  });
});
