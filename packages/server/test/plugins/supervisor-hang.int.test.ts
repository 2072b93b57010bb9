/**
 * A hung stdio plugin: after SIGUSR1 the test plugin stops reading stdin and ignores SIGTERM.
 * Health pings time out `failuresBeforeRestart` times in a row, the supervisor SIGKILLs the pid,
 * the host reconnects, and the plugin serves again from a new process.
 */
import { createMcpHost, type McpHost } from '@aurora-ops/core/mcp-host';
import { afterEach, describe, expect, it } from 'vitest';
import { createPluginSupervisor, type PluginSupervisor, type SupervisorEvent } from '../../src/plugins/index.js';
import { alive, processTag, stdioPlugin, taggedPids, until } from '../support/plugins/stdio-plugin.js';

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

describe('a stdio plugin that hangs', () => {
  it('is detected by health pings, killed with SIGKILL and back', async () => {
    const target = (host = createMcpHost({ reconnect: { baseDelayMs: 50 } }));
    const events: SupervisorEvent[] = [];
    supervisor = createPluginSupervisor({
      host: target,
      plugins: [stdioPlugin('inv', { tag })],
      health: { intervalMs: 100, timeoutMs: 500, failuresBeforeRestart: 3, watchIntervalMs: 50 },
      onEvent: (event) => events.push(event),
    });
    await supervisor.start();
    const pid = supervisor.get('inv').pid!;
    await until('a health ping answered', () => supervisor!.get('inv').lastPingMs !== undefined);

    process.kill(pid, 'SIGUSR1');
    await until('ping failures seen', () => supervisor!.get('inv').consecutivePingFailures > 0);
    expect(supervisor.ready().ok).toBe(false);
    expect(supervisor.ready().plugins[0]?.detail).toMatch(/health ping\(s\) failed: .*did not answer a ping/);

    await until('back with a new pid', () => {
      const status = supervisor!.get('inv');
      return status.state === 'ready' && status.pid !== undefined && status.pid !== pid;
    });
    // It ignored SIGTERM and kept stdout open: only the supervisor's SIGKILL ends it.
    expect(alive(pid)).toBe(false);
    const hung = events.find((event) => event.type === 'plugin.hung');
    expect(hung).toMatchObject({ plugin: 'inv', pid, error: { code: 'TIMEOUT' } });
    expect(events.map((event) => event.type)).toEqual([
      'plugin.started',
      'plugin.hung',
      'plugin.crashed',
      'plugin.restarted',
    ]);
    const status = supervisor.get('inv');
    expect(status).toMatchObject({ crashes: 1, restarts: 1, consecutivePingFailures: 0 });
    expect(status.stderrTail).toContain('inv: hanging');
    const outcome = await target.callTool('inv__whoami', {}, context);
    expect(Number(outcome.text)).toBe(status.pid);
    await until('ready again', () => supervisor!.ready().ok);

    await supervisor.close();
    expect(taggedPids(tag)).toEqual([]);
  });
});
