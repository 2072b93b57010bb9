import { ConfigurationError } from '@aurora-ops/core';
import { describe, expect, it } from 'vitest';
import { dependencyOrder } from './dependency-order.js';

function failure(run: () => unknown): ConfigurationError {
  try {
    run();
  } catch (error) {
    if (ConfigurationError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a ConfigurationError');
}

describe('dependencyOrder', () => {
  it('puts dependencies first and otherwise keeps configuration order', () => {
    expect(
      dependencyOrder([
        { name: 'app', dependsOn: ['cache', 'db'] },
        { name: 'solo' },
        { name: 'cache', dependsOn: ['db'] },
        { name: 'db' },
      ]),
    ).toEqual(['db', 'cache', 'app', 'solo']);
    expect(dependencyOrder([{ name: 'b' }, { name: 'a' }])).toEqual(['b', 'a']);
    expect(dependencyOrder([])).toEqual([]);
  });

  it('names the plugins of a cycle, a self-dependency and an unknown dependency', () => {
    const cycle = failure(() =>
      dependencyOrder([{ name: 'x' }, { name: 'a', dependsOn: ['b'] }, { name: 'b', dependsOn: ['a'] }]),
    );
    expect(cycle.message).toBe('Plugin dependencies form a cycle: a → b → a.');
    expect(cycle.details).toEqual({ setting: 'plugins.dependsOn', cycle: ['a', 'b', 'a'] });
    expect(failure(() => dependencyOrder([{ name: 'a', dependsOn: ['a'] }])).message).toBe(
      'Plugin dependencies form a cycle: a → a.',
    );
    const unknown = failure(() => dependencyOrder([{ name: 'app', dependsOn: ['db'] }]));
    expect(unknown.message).toBe('Plugin "app" depends on "db", which is not configured.');
    expect(unknown.details).toMatchObject({ plugin: 'app', dependency: 'db' });
  });

  it('rejects a name configured twice', () => {
    expect(failure(() => dependencyOrder([{ name: 'a' }, { name: 'a' }])).message).toBe(
      'Plugin "a" is configured twice.',
    );
  });
});
