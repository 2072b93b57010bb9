/**
 * A stdio plugin (a real child process) killed with SIGKILL ten times in a row while a chat
 * session uses it: each time the supervisor brings it back and the session's next run calls
 * the new process.
 */
import { resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startHarness, type Harness } from './support/server-harness.js';

const plugin = resolve(import.meta.dirname, 'support/plugins/stdio-plugin.mjs');
let harness: Harness;

beforeAll(async () => {
  harness = await startHarness({
    plugins: [{ name: 'std', transport: { kind: 'stdio', command: process.execPath, args: [plugin] } }],
  });
}, 120_000);
afterAll(async () => {
  await harness?.close();
});

const pidOf = () => harness.server.runtime.plugins.get('std').pid;

it('is back after each of 10 kills, and the same chat session keeps working', async () => {
  const client = await harness.connect(harness.users.operator);
  let sessionId: string | undefined;
  const ask = async () => {
    const acceptedSoFar = () => client.received.filter((m) => m.type === 'run.accepted');
    const before = acceptedSoFar().length;
    client.send({ type: 'message.send', text: 'which pid serves you?', ...(sessionId ? { sessionId } : {}) });
    await client.waitFor((m) => m.type === 'run.accepted' && acceptedSoFar().length > before);
    const accepted = acceptedSoFar()[before];
    sessionId = accepted.sessionId;
    const done = await client.waitFor((m) => m.type === 'run.finished' && m.runId === accepted.runId, 30_000);
    const message = client.received.find((m) => m.type === 'message.completed' && m.runId === accepted.runId);
    return { status: done.status, text: String(message?.text ?? '') };
  };

  const first = await ask();
  expect(first.status).toBe('completed');
  const pids = new Set<number>([pidOf()!]);
  for (let kill = 1; kill <= 10; kill++) {
    const before = pidOf()!;
    process.kill(before, 'SIGKILL');
    let after: number | undefined;
    for (let attempt = 0; attempt < 300; attempt++) {
      const status = harness.server.runtime.plugins.get('std');
      if (status.state === 'ready' && status.pid !== undefined && status.pid !== before) {
        after = status.pid;
        break;
      }
      await new Promise((done) => setTimeout(done, 50));
    }
    expect(after, `back after kill ${kill}`).toBeDefined();
    pids.add(after!);
    const answer = await ask();
    expect(answer.status).toBe('completed');
    expect(answer.text).toContain(String(after));
  }
  expect(pids.size).toBe(11);
  expect(harness.server.runtime.plugins.get('std').crashes).toBe(10);
  const listed = await harness.api('/api/v1/plugins', { token: harness.users.viewer.token });
  expect(listed.body.plugins.find((p: { name: string }) => p.name === 'std')).toMatchObject({
    crashes: 10,
    state: 'ready',
  });
  const history = await harness.api(`/api/v1/sessions/${sessionId}/messages`, { token: harness.users.viewer.token });
  expect(history.body.messages.filter((m: { role: string }) => m.role === 'user')).toHaveLength(11);
});
