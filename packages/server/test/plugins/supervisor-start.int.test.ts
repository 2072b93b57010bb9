/**
 * Start-up of real stdio plugins: dependency order (each plugin logs when it serves, and a
 * dependent exits if its dependency's marker file is missing), a cycle or an unknown dependency
 * rejected before anything starts, and one plugin failing to start without stopping the others:
 * its dependent waits with a lastError naming it, and both come up once it can start.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError } from '@aurora-ops/core';
import { createMcpHost, type McpHost } from '@aurora-ops/core/mcp-host';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPluginSupervisor, type PluginSupervisor, type SupervisorEvent } from '../../src/plugins/index.js';
import { processTag, stdioPlugin, taggedPids, until } from '../support/plugins/stdio-plugin.js';

const context = { org: 'acme' };
const tag = processTag();

let host: McpHost | undefined;
let supervisor: PluginSupervisor | undefined;
let directory: string;
beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'aurora-supervisor-'));
});
afterEach(async () => {
  await supervisor?.close();
  await host?.close();
  supervisor = undefined;
  host = undefined;
  rmSync(directory, { recursive: true, force: true });
  expect(taggedPids(tag)).toEqual([]);
});

describe('supervisor start-up', () => {
  it('starts plugins in dependency order, whatever the configuration order', async () => {
    const log = join(directory, 'start.log');
    const file = (name: string): string => join(directory, `${name}.ready`);
    const target = (host = createMcpHost());
    const events: SupervisorEvent[] = [];
    supervisor = createPluginSupervisor({
      host: target,
      plugins: [
        stdioPlugin('app', {
          tag,
          dependsOn: ['cache', 'db'],
          env: { AURORA_TEST_START_LOG: log, AURORA_TEST_REQUIRES: file('cache') },
        }),
        stdioPlugin('cache', {
          tag,
          dependsOn: ['db'],
          env: { AURORA_TEST_START_LOG: log, AURORA_TEST_REQUIRES: file('db'), AURORA_TEST_PROVIDES: file('cache') },
        }),
        stdioPlugin('db', { tag, env: { AURORA_TEST_START_LOG: log, AURORA_TEST_PROVIDES: file('db') } }),
        stdioPlugin('solo', { tag, env: { AURORA_TEST_START_LOG: log } }),
      ],
      onEvent: (event) => events.push(event),
    });
    await supervisor.start();

    const order = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((line) => line.split(' ')[0]);
    expect(order.filter((name) => name !== 'solo')).toEqual(['db', 'cache', 'app']);
    expect(order).toHaveLength(4);
    const started = events.filter((event) => event.type === 'plugin.started').map((event) => event.plugin);
    expect(started.filter((name) => name !== 'solo')).toEqual(['db', 'cache', 'app']);
    expect(supervisor.status().map((status) => [status.name, status.state, status.dependsOn])).toEqual([
      ['app', 'ready', ['cache', 'db']],
      ['cache', 'ready', ['db']],
      ['db', 'ready', []],
      ['solo', 'ready', []],
    ]);
    expect(supervisor.ready()).toEqual({
      ok: true,
      plugins: [
        { name: 'app', ok: true },
        { name: 'cache', ok: true },
        { name: 'db', ok: true },
        { name: 'solo', ok: true },
      ],
    });
    expect((await target.callTool('app__echo', { text: 'hi' }, context)).text).toBe('hi');
  });

  it('rejects a cycle with a ConfigurationError naming it, before starting anything', async () => {
    const target = (host = createMcpHost());
    supervisor = createPluginSupervisor({
      host: target,
      plugins: [
        stdioPlugin('free', { tag }),
        stdioPlugin('a', { tag, dependsOn: ['c'] }),
        stdioPlugin('b', { tag, dependsOn: ['a'] }),
        stdioPlugin('c', { tag, dependsOn: ['b'] }),
      ],
    });
    const error = await supervisor.start().catch((e: unknown) => e);
    expect(ConfigurationError.isInstance(error)).toBe(true);
    expect((error as ConfigurationError).message).toBe('Plugin dependencies form a cycle: a → c → b → a.');
    expect((error as ConfigurationError).details).toMatchObject({ cycle: ['a', 'c', 'b', 'a'] });
    expect(target.status()).toEqual([]);
    expect(taggedPids(tag)).toEqual([]);
  });

  it('rejects an unknown dependency with a ConfigurationError naming both plugins', async () => {
    const target = (host = createMcpHost());
    supervisor = createPluginSupervisor({
      host: target,
      plugins: [stdioPlugin('app', { tag, dependsOn: ['nope'] })],
    });
    await expect(supervisor.start()).rejects.toSatisfy(
      (error: unknown) =>
        ConfigurationError.isInstance(error) &&
        error.message === 'Plugin "app" depends on "nope", which is not configured.',
    );
    expect(target.status()).toEqual([]);
  });

  it('keeps going when one plugin cannot start; its dependent waits and both start once it can', async () => {
    const broken = join(directory, 'broken');
    writeFileSync(broken, 'yes');
    const target = (host = createMcpHost());
    supervisor = createPluginSupervisor({
      host: target,
      plugins: [
        stdioPlugin('db', { tag, env: { AURORA_TEST_FAIL_IF: broken } }),
        stdioPlugin('app', { tag, dependsOn: ['db'] }),
        stdioPlugin('solo', { tag }),
      ],
      health: { watchIntervalMs: 50 },
      // Retries 2 s apart: the assertions on the failed state run well before the next attempt.
      restart: { baseDelayMs: 2_000, maxDelayMs: 2_000, jitter: 0 },
    });
    await supervisor.start();

    expect(supervisor.get('solo').state).toBe('ready');
    const db = supervisor.get('db');
    expect(db.state).toBe('failed');
    expect(db.lastError).toMatchObject({ code: 'UNAVAILABLE', message: 'Could not connect to plugin "db" (stdio).' });
    expect(db.retryAt).toMatch(/^\d{4}-/);
    const app = supervisor.get('app');
    expect(app.state).toBe('connecting');
    expect(app.lastError?.message).toBe(
      'Plugin "app" is waiting for its dependency "db" (failed: Could not connect to plugin "db" (stdio).).',
    );
    expect(app.lastError?.details).toMatchObject({ waitingFor: ['db'] });
    const readiness = supervisor.ready();
    expect(readiness.ok).toBe(false);
    expect(readiness.plugins.map((plugin) => [plugin.name, plugin.ok])).toEqual([
      ['db', false],
      ['app', false],
      ['solo', true],
    ]);
    expect(target.listTools().map((tool) => tool.plugin)).not.toContain('app');

    rmSync(broken);
    expect(existsSync(broken)).toBe(false);
    await until('db and app ready', () => supervisor!.ready().ok);
    expect(supervisor.get('app')).toMatchObject({ state: 'ready', crashes: 0, restarts: 0 });
    expect((await target.callTool('app__echo', { text: 'late' }, context)).text).toBe('late');
  });
});
