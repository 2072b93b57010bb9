/**
 * Operator controls on real stdio plugins: disable (child stopped, tools gone), enable (back),
 * restart (new child, counted as a restart and not a crash), the typed errors for unknown or
 * disabled plugins, a plugin configured disabled, and close() leaving no process behind.
 */
import { InvalidInputError, NotFoundError } from '@aurora-ops/core';
import { createMcpHost, type McpHost } from '@aurora-ops/core/mcp-host';
import { afterEach, describe, expect, it } from 'vitest';
import { createPluginSupervisor, type PluginSupervisor, type SupervisorEvent } from '../../src/plugins/index.js';
import { alive, processTag, stdioPlugin, taggedPids } from '../support/plugins/stdio-plugin.js';

const context = { org: 'acme' };
const tag = processTag();

let host: McpHost | undefined;
let supervisor: PluginSupervisor | undefined;
afterEach(async () => {
  await supervisor?.close();
  await host?.close();
  supervisor = undefined;
  host = undefined;
});

const pluginsOf = (target: McpHost): string[] => [...new Set(target.listTools().map((tool) => tool.plugin))].sort();

describe('supervisor controls', () => {
  it('disable removes the tools and stops the child; enable brings them back; restart replaces the child', async () => {
    const target = (host = createMcpHost());
    const events: SupervisorEvent[] = [];
    supervisor = createPluginSupervisor({
      host: target,
      plugins: [stdioPlugin('inv', { tag }), stdioPlugin('other', { tag })],
      onEvent: (event) => events.push(event),
    });
    await supervisor.start();
    expect(pluginsOf(target)).toEqual(['inv', 'other']);
    const firstPid = supervisor.get('inv').pid!;

    const disabled = await supervisor.disable('inv');
    expect(disabled).toMatchObject({ name: 'inv', enabled: false, state: 'closed', toolCount: 0 });
    expect(disabled.pid).toBeUndefined();
    expect(alive(firstPid)).toBe(false);
    expect(pluginsOf(target)).toEqual(['other']);
    await expect(target.callTool('inv__echo', { text: 'x' }, context)).rejects.toSatisfy(NotFoundError.isInstance);
    expect(supervisor.ready()).toMatchObject({
      ok: true,
      plugins: [{ name: 'inv', ok: true, detail: 'disabled' }, {}],
    });
    await expect(supervisor.restart('inv')).rejects.toSatisfy(InvalidInputError.isInstance);
    expect((await supervisor.disable('inv')).enabled).toBe(false); // idempotent

    const enabled = await supervisor.enable('inv');
    expect(enabled).toMatchObject({ enabled: true, state: 'ready', crashes: 0, restarts: 0 });
    expect(enabled.pid).not.toBe(firstPid);
    expect(pluginsOf(target)).toEqual(['inv', 'other']);
    expect((await target.callTool('inv__whoami', {}, context)).text).toBe(String(enabled.pid));

    const restarted = await supervisor.restart('inv');
    expect(restarted).toMatchObject({ state: 'ready', crashes: 0, restarts: 1 });
    expect(restarted.pid).not.toBe(enabled.pid);
    expect(alive(enabled.pid!)).toBe(false);
    expect((await target.callTool('inv__whoami', {}, context)).text).toBe(String(restarted.pid));
    expect(supervisor.get('other')).toMatchObject({ state: 'ready', restarts: 0 });

    expect(events.filter((event) => event.plugin === 'inv').map((event) => event.type)).toEqual([
      'plugin.started',
      'plugin.disabled',
      'plugin.enabled',
      'plugin.started',
      'plugin.restarted',
    ]);
    const pids = supervisor.status().map((status) => status.pid!);
    await supervisor.close();
    expect(pids.filter(alive)).toEqual([]);
    expect(target.status()).toEqual([]);
    expect(taggedPids(tag)).toEqual([]);
  });

  it('leaves a plugin configured disabled stopped until enabled, and names unknown plugins', async () => {
    const target = (host = createMcpHost());
    supervisor = createPluginSupervisor({
      host: target,
      plugins: [stdioPlugin('off', { tag, enabled: false }), stdioPlugin('app', { tag, dependsOn: ['off'] })],
    });
    await supervisor.start();
    expect(supervisor.get('off')).toMatchObject({ enabled: false, state: 'closed' });
    expect(supervisor.get('app').state).toBe('connecting');
    expect(supervisor.get('app').lastError?.message).toBe(
      'Plugin "app" is waiting for its dependency "off" (disabled).',
    );
    expect(target.status()).toEqual([]);
    expect(() => supervisor!.get('nope')).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
    await expect(supervisor.restart('nope')).rejects.toSatisfy(NotFoundError.isInstance);

    await supervisor.enable('off');
    // The dependent starts on the next watch tick once its dependency is ready.
    const deadline = Date.now() + 20_000;
    while (supervisor.get('app').state !== 'ready' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(supervisor.ready().ok).toBe(true);
    expect(pluginsOf(target)).toEqual(['app', 'off']);
  });
});
