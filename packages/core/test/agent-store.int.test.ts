/**
 * The agent's session and run rows on PostgreSQL and PGlite: a session is created once, in one
 * statement, and reported as new only to the call that created it; another org's session is
 * NotFound whether asked to create it or not.
 */
import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { createAgentStore } from '../src/agent/agent-store.js';
import { NotFoundError } from '../src/errors/errors.js';
import { describeOnBackends } from './support/agent-harness.js';

describeOnBackends('agent store sessions', ({ database }) => {
  it('ensureSession creates once, says so once, and keeps other orgs out', async () => {
    const store = createAgentStore(database());
    await store.migrate();
    const sessionId = randomUUID();
    await expect(store.ensureSession('acme', sessionId, false)).rejects.toSatisfy(NotFoundError.isInstance);
    expect(await store.ensureSession('acme', sessionId, true)).toBe(true);
    expect(await store.ensureSession('acme', sessionId, true)).toBe(false);
    expect(await store.ensureSession('acme', sessionId, false)).toBe(false);
    await expect(store.ensureSession('globex', sessionId, true)).rejects.toSatisfy(NotFoundError.isInstance);
    await expect(store.ensureSession('globex', sessionId, false)).rejects.toSatisfy(NotFoundError.isInstance);
    // Created concurrently by two calls: exactly one of them created it.
    const raced = randomUUID();
    const created = await Promise.all([1, 2, 3].map(() => store.ensureSession('acme', raced, true)));
    expect(created.filter(Boolean)).toHaveLength(1);
    const { rows } = await database().query<{ n: number }>(
      'select count(*)::int as n from aurora_agent_sessions where id = $1',
      [raced],
    );
    expect(rows[0]?.n).toBe(1);
  });
});
