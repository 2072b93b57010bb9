/**
 * The agent's session and run rows on PostgreSQL and PGlite: a session is created once, in one
 * statement, and reported as new only to the call that created it; another org's session is
 * NotFound whether asked to create it or not. Sessions whose ids the agent made up, and runs,
 * started together share one insert each.
 */
import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { createAgentStore } from '../src/agent/agent-store.js';
import { createDatabaseCheckpointer } from '../src/agent/database-checkpointer.js';
import { NotFoundError } from '../src/errors/errors.js';
import { countingDatabase, createHarness, describeOnBackends, finish } from './support/agent-harness.js';

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
    // Created concurrently by three calls each: exactly one of them created it, and the others
    // find it (the one that waited on the other's insert reads it in a statement of its own).
    const raced = Array.from({ length: 20 }, () => randomUUID());
    const created = await Promise.all(
      raced.map((id) => Promise.all([1, 2, 3].map(() => store.ensureSession('acme', id, true)))),
    );
    for (const calls of created) expect(calls.filter(Boolean)).toHaveLength(1);
    const { rows } = await database().query<{ n: number }>(
      'select count(*)::int as n from aurora_agent_sessions where id = any($1::text[])',
      [raced],
    );
    expect(rows[0]?.n).toBe(20);
  });

  /** A migrated store whose statements are recorded, and a session of org acme in it. */
  const countedStore = async () => {
    const { database: counting, statements } = countingDatabase(database());
    const store = createAgentStore(counting);
    await store.migrate();
    const sessionId = randomUUID();
    await store.ensureSession('acme', sessionId, true);
    return { store, statements, sessionId };
  };

  it('setStatus: runs changed in one turn share an update; two changes of one run merge as written in order', async () => {
    const { store, statements, sessionId } = await countedStore();
    const runs = Array.from({ length: 20 }, () => randomUUID());
    for (const id of runs)
      await store.createRun({ id, org: 'acme', sessionId, model: 'scripted', status: 'running', holder: 'a' });
    statements.length = 0;
    await Promise.all(runs.map((id, index) => store.setStatus(id, 'completed', index + 1)));
    expect(statements.filter((sql) => sql.startsWith('update aurora_agent_runs'))).toHaveLength(1);
    for (const [index, id] of runs.entries())
      expect(await store.getRun('acme', id)).toMatchObject({ status: 'completed', lastSeq: index + 1, holder: 'a' });
    // Same run twice in one turn: the later status, the earlier seq kept where the later has none.
    await Promise.all([store.setStatus(runs[0]!, 'running', 40, 'b'), store.setStatus(runs[0]!, 'paused')]);
    expect(await store.getRun('acme', runs[0]!)).toMatchObject({ status: 'paused', lastSeq: 40, holder: 'b' });
    // An unknown run changes nothing and fails nothing, as the single update did.
    await store.setStatus(randomUUID(), 'failed');
  });

  it('createRun: runs created in one turn share an insert; a duplicate id fails only its caller', async () => {
    const { store, statements, sessionId } = await countedStore();
    const ids = Array.from({ length: 12 }, () => randomUUID());
    statements.length = 0;
    await Promise.all(
      ids.map((id) => store.createRun({ id, org: 'acme', sessionId, model: 'scripted', status: 'running' })),
    );
    expect(statements.filter((sql) => sql.startsWith('insert into aurora_agent_runs'))).toHaveLength(1);
    for (const id of ids) expect(await store.getRun('acme', id)).toMatchObject({ sessionId, status: 'running' });
    const fresh = randomUUID();
    const results = await Promise.allSettled([
      store.createRun({ id: ids[0]!, org: 'acme', sessionId, model: 'scripted', status: 'running' }),
      store.createRun({ id: fresh, org: 'acme', sessionId, model: 'scripted', status: 'running', input: 'hi' }),
    ]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'fulfilled']);
    expect(await store.getRun('acme', fresh)).toMatchObject({ input: 'hi' });
  });

  it('createSession: sessions made up in one turn share an insert; a duplicate id fails only its caller', async () => {
    const { store, statements } = await countedStore();
    const ids = Array.from({ length: 12 }, () => randomUUID());
    statements.length = 0;
    await Promise.all(ids.map((id) => store.createSession('acme', id)));
    expect(statements.filter((sql) => sql.startsWith('insert into aurora_agent_sessions'))).toHaveLength(1);
    for (const id of ids) expect(await store.ensureSession('acme', id, false)).toBe(false);
    await expect(store.ensureSession('globex', ids[0]!, false)).rejects.toSatisfy(NotFoundError.isInstance);
    const fresh = randomUUID();
    const results = await Promise.allSettled([
      store.createSession('acme', ids[0]!),
      store.createSession('acme', fresh),
    ]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'fulfilled']);
    expect(await store.ensureSession('acme', fresh, false)).toBe(false);
  });

  it('runs in new sessions started together share the session insert and the run insert', async () => {
    const { database: counting, statements } = countingDatabase(database());
    const h = await createHarness(counting, { turns: [{ text: 'Fine.' }], repeatLast: true });
    try {
      await h.agent.run({ org: 'acme', message: 'warm-up' }).then(finish);
      statements.length = 0;
      const handles = await Promise.all(
        Array.from({ length: 8 }, () => h.agent.run({ org: 'acme', message: 'Status?' })),
      );
      const results = await Promise.all(handles.map((handle) => finish(handle)));
      expect(new Set(results.map(({ result }) => result.sessionId)).size).toBe(8);
      for (const { result } of results) expect(result.status).toBe('completed');
      const count = (start: string) => statements.filter((sql) => sql.startsWith(start)).length;
      expect(count('insert into aurora_agent_sessions')).toBe(1);
      expect(count('insert into aurora_agent_runs')).toBe(1);
      // No look-up of a session whose id the call made up.
      expect(count('with inserted as')).toBe(0);
    } finally {
      await h.close();
    }
  });

  it('a run in a session it creates reads no checkpoint; the next run in that session reads the first', async () => {
    const { database: counting, statements } = countingDatabase(database());
    const h = await createHarness(counting, {
      turns: [{ text: 'First answer.' }, (messages) => ({ text: `I had ${messages.length} messages` })],
    });
    try {
      const checkpointReads = () => statements.filter((sql) => sql.startsWith('select thread_id')).length;
      const first = await finish(await h.agent.run({ org: 'acme', message: 'One?' }));
      expect(first.result.status).toBe('completed');
      expect(checkpointReads()).toBe(0);
      const second = await finish(
        await h.agent.run({ org: 'acme', sessionId: first.result.sessionId, message: 'Two?' }),
      );
      expect(checkpointReads()).toBeGreaterThan(0);
      // System prompt, the first exchange and the new message.
      expect(second.result.text).toBe('I had 4 messages');
    } finally {
      await h.close();
    }
  });

  it("a new session's first message goes straight to the model: two checkpoints for a one-turn run, the first holding it", async () => {
    const h = await createHarness(database(), {
      turns: [{ text: 'First answer.' }, (messages) => ({ text: `I had ${messages.length} messages` })],
    });
    try {
      const first = await finish(await h.agent.run({ org: 'acme', message: 'One?' }));
      expect(first.result.status).toBe('completed');
      const sessionId = first.result.sessionId;
      const checkpoints = async () =>
        (
          await database().query<{ source: string; step: number }>(
            `select metadata_json->>'source' as source, (metadata_json->>'step')::int as step
             from aurora_checkpoints where thread_id = $1 order by checkpoint_id`,
            [sessionId],
          )
        ).rows;
      // The input (step -1) and the model's turn: no `__start__` superstep between them.
      expect(await checkpoints()).toEqual([
        { source: 'input', step: -1 },
        { source: 'loop', step: 0 },
      ]);
      // The input checkpoint holds the message a run taken over would start again from.
      const tuples = [];
      for await (const tuple of createDatabaseCheckpointer({ database: database() }).list({
        configurable: { thread_id: sessionId },
      }))
        tuples.push(tuple);
      const input = tuples.at(-1)!.checkpoint.channel_values as { messages: { content: unknown }[] };
      expect(input.messages.map((message) => message.content)).toEqual(['One?']);
      // A new session's message is not stored a second time as writes to a checkpoint that
      // never existed.
      const writes = await database().query<{ n: number }>(
        `select count(*)::int as n from aurora_checkpoint_writes where thread_id = $1 and task_id = $2`,
        [sessionId, '00000000-0000-0000-0000-000000000000'],
      );
      expect(writes.rows[0]?.n).toBe(0);
      const second = await finish(await h.agent.run({ org: 'acme', sessionId, message: 'Two?' }));
      expect(second.result.text).toBe('I had 4 messages');
      // A later run in the session goes through `__start__`, which discards what the last run
      // left pending (see the supersede test in agent-limits): input, `__start__`, model.
      expect((await checkpoints()).map((row) => row.step)).toEqual([-1, 0, 1, 2, 3]);
    } finally {
      await h.close();
    }
  });
});
