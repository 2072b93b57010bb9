/**
 * Crashes of a real stdio plugin (`node stdio-plugin.mjs`): SIGKILL ten times in a row and it is
 * back each time with a new pid serving calls; a call in flight when it dies fails with a typed
 * retryable error; when the host has given up reconnecting the supervisor brings it back itself;
 * no child outlives close(). Prints the median kill → serving time (not asserted).
 */
import { performance } from 'node:perf_hooks';
import { AuroraError, ConnectionLostError } from '@aurora-ops/core';
import { createMcpHost, type McpHost } from '@aurora-ops/core/mcp-host';
import { afterEach, describe, expect, it } from 'vitest';
import { createPluginSupervisor, type PluginSupervisor, type SupervisorEvent } from '../../src/plugins/index.js';
import { alive, median, processTag, sleep, stdioPlugin, taggedPids, until } from '../support/plugins/stdio-plugin.js';

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

async function whoami(target: McpHost): Promise<number> {
  const outcome = await target.callTool('inv__whoami', {}, context);
  return Number(outcome.text);
}

describe('a stdio plugin that crashes', () => {
  it('is back after each of 10 SIGKILLs in a row, with crashes = 10 and calls working', async () => {
    // The host's default reconnect policy (200 ms base): the figure printed is the default one.
    const target = (host = createMcpHost());
    const events: SupervisorEvent[] = [];
    supervisor = createPluginSupervisor({
      host: target,
      plugins: [stdioPlugin('inv', { tag })],
      health: { watchIntervalMs: 50 },
      onEvent: (event) => events.push(event),
    });
    await supervisor.start();
    const pids = [supervisor.get('inv').pid!];
    expect(await whoami(target)).toBe(pids[0]);
    const servingAgainMs: number[] = [];
    const errorsWhileDown = new Map<string, number>();

    for (let kill = 1; kill <= 10; kill++) {
      const oldPid = pids.at(-1)!;
      const killedAt = performance.now();
      process.kill(oldPid, 'SIGKILL');
      let servedBy = oldPid;
      while (servedBy === oldPid) {
        try {
          servedBy = await whoami(target);
        } catch (error) {
          expect(AuroraError.isInstance(error)).toBe(true);
          const code = (error as AuroraError).code;
          errorsWhileDown.set(code, (errorsWhileDown.get(code) ?? 0) + 1);
          await sleep(10);
        }
      }
      servingAgainMs.push(performance.now() - killedAt);
      expect(alive(oldPid)).toBe(false);
      expect(pids).not.toContain(servedBy);
      pids.push(servedBy);
      expect((await target.callTool('inv__echo', { text: `after kill ${kill}` }, context)).text).toBe(
        `after kill ${kill}`,
      );
      await until(`crash and return ${kill} counted`, () => {
        const status = supervisor!.get('inv');
        return status.crashes === kill && status.restarts === kill;
      });
      expect(supervisor.get('inv').pid).toBe(servedBy);
    }

    const status = supervisor.get('inv');
    expect(status).toMatchObject({ state: 'ready', crashes: 10, restarts: 10, reconnects: 10, enabled: true });
    expect(status.lastError?.code).toBe('UNAVAILABLE');
    expect(status.lastCrashAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(status.stderrTail?.some((line) => line.includes(`serving pid=${pids.at(-1)}`))).toBe(true);
    expect(events.filter((event) => event.type === 'plugin.crashed').map((event) => event.pid)).toEqual(
      pids.slice(0, 10),
    );
    expect(events.filter((event) => event.type === 'plugin.restarted').map((event) => event.pid)).toEqual(
      pids.slice(1),
    );
    expect(supervisor.ready().ok).toBe(true);

    const sorted = servingAgainMs.map((ms) => Math.round(ms));
    console.info(
      `plugin kill → serving again (stdio, host default reconnect): median ${median(servingAgainMs).toFixed(0)} ms ` +
        `over 10 kills [${sorted.join(', ')}]; errors while down: ${JSON.stringify(Object.fromEntries(errorsWhileDown))}`,
    );

    await supervisor.close();
    await until('children gone', () => taggedPids(tag).length === 0, 10_000);
    expect(pids.filter(alive)).toEqual([]);
  });

  it('fails a call in flight when the child dies with a typed retryable error, then serves again', async () => {
    const target = (host = createMcpHost());
    supervisor = createPluginSupervisor({
      host: target,
      plugins: [stdioPlugin('inv', { tag })],
      health: { watchIntervalMs: 50 },
    });
    await supervisor.start();
    const pid = supervisor.get('inv').pid!;
    const pending = target.callTool('inv__slow', { ms: 30_000 }, context).catch((error: unknown) => error);
    await sleep(200);
    process.kill(pid, 'SIGKILL');
    const error = await pending;
    expect(ConnectionLostError.isInstance(error)).toBe(true);
    expect((error as ConnectionLostError).code).toBe('UNAVAILABLE');
    expect((error as ConnectionLostError).retryable).toBe(true);
    await until('back', () => supervisor!.get('inv').state === 'ready' && supervisor!.get('inv').crashes === 1);
    expect(await whoami(target)).not.toBe(pid);
  });

  it('comes back when the host has given up reconnecting (the supervisor reconnects on its own backoff)', async () => {
    const target = (host = createMcpHost({ reconnect: { maxAttempts: 0 } }));
    const events: SupervisorEvent[] = [];
    supervisor = createPluginSupervisor({
      host: target,
      plugins: [stdioPlugin('inv', { tag })],
      health: { watchIntervalMs: 50 },
      restart: { baseDelayMs: 50, maxDelayMs: 400 },
      onEvent: (event) => events.push(event),
    });
    await supervisor.start();
    const pids = [supervisor.get('inv').pid!];
    for (let kill = 1; kill <= 3; kill++) {
      process.kill(pids.at(-1)!, 'SIGKILL');
      await until(`back after kill ${kill}`, () => {
        const status = supervisor!.get('inv');
        return status.state === 'ready' && status.restarts === kill;
      });
      const servedBy = await whoami(target);
      expect(pids).not.toContain(servedBy);
      pids.push(servedBy);
    }
    // The host never reconnected: every return was the supervisor's disconnect + connect.
    expect(supervisor.get('inv')).toMatchObject({ crashes: 3, restarts: 3, reconnects: 0 });
    expect(events.filter((event) => event.type === 'plugin.restarted')).toHaveLength(3);
    await supervisor.close();
    expect(target.status()).toEqual([]);
    expect(pids.filter(alive)).toEqual([]);
    expect(taggedPids(tag)).toEqual([]);
  });
});
