/**
 * The agent's core path on PostgreSQL and PGlite, with the real MCP host, the real
 * confirmation service and a scripted model: read tools run without pause; non-read tools
 * pause, run exactly once with exactly the approved arguments after approval, and never on
 * rejection, expiry, tampering, replay or anything a tool result says.
 */
import { HumanMessage, ToolMessage, type BaseMessage } from '@langchain/core/messages';
import { expect, it } from 'vitest';
import { createDatabaseCheckpointer } from '../src/agent/database-checkpointer.js';
import { AuroraError } from '../src/errors/aurora-error.js';
import type { RunEvent } from '../src/events/run-event.js';
import { waitFor } from '../src/testing/index.js';
import { describeOnBackends, approvePending, createHarness, finish, ofType } from './support/agent-harness.js';

const lastToolText = (messages: readonly BaseMessage[]): string => {
  const last = [...messages].reverse().find((message) => ToolMessage.isInstance(message));
  return typeof last?.content === 'string' ? last.content : '';
};

describeOnBackends('agent confirmations', ({ harness, database }) => {
  it('a read tool runs without pause and the answer streams', async () => {
    const h = await harness({
      turns: [
        { toolCalls: [{ name: 'ops__get_status', args: { service: 'checkout' } }] },
        (messages) => ({ text: `Checkout: ${lastToolText(messages)}` }),
      ],
    });
    const { events, result } = await finish(
      await h.agent.run({ org: 'acme', user: 'bob', message: 'How is checkout?' }),
    );
    expect(result.status).toBe('completed');
    expect(result.text).toBe('Checkout: service checkout is degraded: p99 latency 2.3s');
    expect(h.calls).toEqual([{ tool: 'get_status', args: { service: 'checkout' } }]);
    expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
    expect(events[0]).toMatchObject({ type: 'run.started', org: 'acme', user: 'bob', model: 'scripted:test' });
    expect(events.at(-1)).toMatchObject({ type: 'run.finished', status: 'completed', steps: 2 });
    expect(ofType(events, 'tool-call.started')[0]).toMatchObject({
      tool: 'ops__get_status',
      plugin: 'ops',
      risk: 'read',
    });
    expect(ofType(events, 'tool-call.finished')[0]).toMatchObject({
      ok: true,
      result: expect.stringContaining('degraded'),
    });
    expect(
      ofType(events, 'token.streamed')
        .map((event) => event.text)
        .join(''),
    ).toBe(result.text);
    expect(ofType(events, 'usage.recorded')).toHaveLength(2);
    expect(ofType(events, 'confirmation.requested')).toEqual([]);
    expect(h.model.calls[0]?.tools).toContain('ops__delete_instance');
  });

  it('onEvent receives every event synchronously from run.started on; events iterated later replay the same', async () => {
    const h = await harness({
      turns: [
        { toolCalls: [{ name: 'ops__get_status', args: { service: 'checkout' } }] },
        (messages) => ({ text: `Checkout: ${lastToolText(messages)}` }),
      ],
    });
    const heard: RunEvent[] = [];
    const handle = await h.agent.run({
      org: 'acme',
      message: 'How is checkout?',
      onEvent: (event) => heard.push(event),
    });
    // Emitted before run() returned, while nothing had iterated the handle's events.
    expect(heard[0]).toMatchObject({ type: 'run.started', runId: handle.runId });
    const result = await handle.done;
    expect(result.status).toBe('completed');
    expect(heard.map((event) => event.seq)).toEqual(heard.map((_, index) => index + 1));
    expect(heard.at(-1)).toMatchObject({ type: 'run.finished', status: 'completed' });
    // Iterated only now, after the run has ended: the whole invocation, from the buffer.
    const replayed: RunEvent[] = [];
    for await (const event of handle.events) replayed.push(event);
    expect(replayed).toEqual(heard);

    // Kept nowhere (eventBuffer 0): onEvent has every event; iterating says they are gone.
    const lean = await harness({ turns: [{ text: 'ok' }], agent: { eventBuffer: 0 } });
    const leanHeard: RunEvent[] = [];
    const leanHandle = await lean.agent.run({ org: 'acme', message: 'hi', onEvent: (event) => leanHeard.push(event) });
    expect((await leanHandle.done).status).toBe('completed');
    expect(leanHeard.map((event) => event.type)).toContain('run.finished');
    let error: unknown;
    try {
      for await (const event of leanHandle.events) leanHeard.push(event);
    } catch (caught) {
      error = caught;
    }
    expect(AuroraError.isInstance(error) && error.code).toBe('EXPIRED');
  });

  it('when run.finished is emitted, the run row already has its final status and last seq', async () => {
    const h = await harness({ turns: [{ text: 'ok' }] });
    let read: Promise<unknown> | undefined;
    const handle = await h.agent.run({
      org: 'acme',
      message: 'hi',
      onEvent: (event) => {
        // Read at once, as a client that sees the event and then asks for the run would.
        if (event.type === 'run.finished')
          read = database()
            .query('select status, last_seq from aurora_agent_runs where id = $1', [event.runId])
            .then(({ rows }) => ({ ...rows[0], seq: event.seq }));
      },
    });
    expect((await handle.done).status).toBe('completed');
    const row = (await read) as { status: string; last_seq: number; seq: number };
    expect(row).toMatchObject({ status: 'completed', last_seq: row.seq });
  });

  it('a destructive tool pauses; approve → resume runs it once with the exact arguments; a replayed resume does not', async () => {
    const h = await harness({
      turns: [
        { toolCalls: [{ name: 'ops__delete_instance', args: { id: 'i-0abc' } }] },
        (messages) => ({ text: `Done: ${lastToolText(messages)}` }),
      ],
    });
    const first = await finish(await h.agent.run({ org: 'acme', message: 'Delete i-0abc' }));
    expect(first.result.status).toBe('paused');
    expect(h.calls).toEqual([]);
    const requested = ofType(first.events, 'confirmation.requested');
    expect(requested).toHaveLength(1);
    expect(requested[0]).toMatchObject({
      tool: 'ops__delete_instance',
      plugin: 'ops',
      arguments: { id: 'i-0abc' },
      risk: 'destructive',
      reason: 'risk',
    });
    expect(first.events.at(-1)).toMatchObject({ type: 'run.finished', status: 'paused' });

    await approvePending(h.confirmations, 'acme', first.result.runId);
    const resumed = await finish(await h.agent.resume({ org: 'acme', runId: first.result.runId }));
    expect(resumed.result.status).toBe('completed');
    expect(resumed.result.text).toBe('Done: deleted i-0abc');
    expect(h.calls).toEqual([{ tool: 'delete_instance', args: { id: 'i-0abc' } }]);
    expect(resumed.events[0]).toMatchObject({ type: 'run.started', resumed: true, seq: first.events.length + 1 });
    expect(ofType(resumed.events, 'confirmation.resolved')[0]).toMatchObject({ decision: 'approved', by: 'olive' });

    await expect(h.agent.resume({ org: 'acme', runId: first.result.runId })).rejects.toSatisfy(
      (error: unknown) => AuroraError.isInstance(error) && error.code === 'CONFLICT',
    );
    expect(h.calls).toHaveLength(1);
  });

  it('progress notifications become tool-call.progressed events', async () => {
    const h = await harness({
      turns: [{ toolCalls: [{ name: 'ops__slow_scan', args: {} }] }, { text: 'scanned' }],
    });
    const { events } = await finish(await h.agent.run({ org: 'acme', message: 'scan' }));
    const started = ofType(events, 'tool-call.started')[0]!;
    expect(ofType(events, 'tool-call.progressed')).toMatchObject([
      { toolCallId: started.toolCallId, progress: 1, total: 2, message: 'scanned 1 of 2' },
      { toolCallId: started.toolCallId, progress: 2, total: 2, message: 'scanned 2 of 2' },
    ]);
  });

  it('a restarted agent (new host, new process state) resumes the paused run from the database', async () => {
    const turns = [
      { toolCalls: [{ name: 'ops__delete_instance', args: { id: 'i-restart' } }] },
      (messages: readonly BaseMessage[]) => ({ text: `After restart: ${lastToolText(messages)}` }),
    ];
    const before = await createHarness(database(), { turns });
    const first = await finish(await before.agent.run({ org: 'acme', message: 'Delete i-restart' }));
    expect(first.result.status).toBe('paused');
    await before.close();
    // The new process has a fresh scripted model: skip the turn the old one used.
    const after = await harness({ turns: [turns[1]!] });
    await approvePending(after.confirmations, 'acme', first.result.runId);
    const resumed = await finish(await after.agent.resume({ org: 'acme', runId: first.result.runId }));
    expect(resumed.result).toMatchObject({ status: 'completed', text: 'After restart: deleted i-restart' });
    expect([...before.calls, ...after.calls]).toEqual([{ tool: 'delete_instance', args: { id: 'i-restart' } }]);
  });

  it('with requireToken, the approval token handed to resume lets the call run once', async () => {
    const h = await harness({
      requireToken: true,
      turns: [
        { toolCalls: [{ name: 'ops__delete_instance', args: { id: 'i-token' } }] },
        (messages) => ({ text: lastToolText(messages) }),
      ],
    });
    const first = await finish(await h.agent.run({ org: 'acme', message: 'Delete i-token' }));
    const confirmationId = ofType(first.events, 'confirmation.requested')[0]!.confirmationId;
    const token = await approvePending(h.confirmations, 'acme', first.result.runId);
    const resumed = await finish(
      await h.agent.resume({ org: 'acme', runId: first.result.runId, tokens: { [confirmationId]: token } }),
    );
    expect(resumed.result.text).toBe('deleted i-token');
    expect(h.calls).toEqual([{ tool: 'delete_instance', args: { id: 'i-token' } }]);
  });

  it('a run left running by a dead process resumes from its last checkpoint without redoing finished tool calls', async () => {
    let reachedSecondTurn: () => void = () => undefined;
    const second = new Promise<void>((resolve) => {
      reachedSecondTurn = resolve;
    });
    const crashed = await createHarness(database(), {
      turns: [
        { toolCalls: [{ name: 'ops__get_status', args: { service: 'payments' } }] },
        () => {
          reachedSecondTurn();
          return new Promise<never>(() => undefined); // the process "dies" here
        },
      ],
    });
    const handle = await crashed.agent.run({ org: 'acme', message: 'payments?' });
    await second;
    // A new process picks the run up (the old one never finishes it).
    const after = await harness({ turns: [(messages) => ({ text: `Recovered: ${lastToolText(messages)}` })] });
    // LangGraph writes checkpoints without waiting for them (durability "async"), and this
    // "dead" process is still alive: wait until its tool step's checkpoint is stored.
    await waitFor(
      async () => (await after.agent.history('acme', handle.sessionId)).some((message) => message.role === 'tool'),
      'the dead process checkpointed its tool step',
    );
    const started = await after.agent.resume({ org: 'acme', runId: handle.runId });
    const resumed = await finish(started);
    expect(resumed.result).toMatchObject({
      status: 'completed',
      text: 'Recovered: service payments is degraded: p99 latency 2.3s',
    });
    expect(crashed.calls).toHaveLength(1);
    expect(after.calls).toEqual([]);
    await crashed.agent.cancel('acme', handle.runId);
    await crashed.close();
  });

  it('a run whose process died before its first checkpoint starts again from its stored message', async () => {
    // The dead process's checkpoint writes never land: the run row exists, no checkpoint does.
    let kill: (reason: Error) => void = () => undefined;
    const dead = new Promise<never>((_, reject) => {
      kill = reject;
    });
    dead.catch(() => undefined);
    const checkpointer = createDatabaseCheckpointer({ database: database() });
    await checkpointer.setup();
    checkpointer.put = () => dead;
    checkpointer.putWrites = () => dead;
    let modelCalled: () => void = () => undefined;
    const called = new Promise<void>((resolve) => {
      modelCalled = resolve;
    });
    const crashed = await createHarness(database(), {
      agent: { checkpointer },
      turns: [
        () => {
          modelCalled();
          return dead;
        },
      ],
    });
    const handle = await crashed.agent.run({ org: 'acme', message: 'Is payments healthy?' });
    await called;
    const after = await harness({
      turns: [
        (messages) => ({
          text: `Restarted with: ${messages
            .filter((message) => HumanMessage.isInstance(message))
            .map((message) => message.text)
            .join(' | ')}`,
        }),
      ],
    });
    const resumed = await finish(await after.agent.resume({ org: 'acme', runId: handle.runId }));
    expect(resumed.result).toMatchObject({ status: 'completed', text: 'Restarted with: Is payments healthy?' });
    expect(resumed.events[0]).toMatchObject({ type: 'run.started', resumed: true });
    const history = await after.agent.history('acme', handle.sessionId);
    expect(history.map((message) => message.role)).toEqual(['user', 'assistant']);
    // Restarted once: a second resume finds the run finished.
    await expect(after.agent.resume({ org: 'acme', runId: handle.runId })).rejects.toSatisfy(
      (error: unknown) => AuroraError.isInstance(error) && error.code === 'CONFLICT',
    );
    kill(new Error('the process is gone'));
    await crashed.close();
  });

  it('close({ handOver }) leaves a run running, its stream ended without run.finished, for another process', async () => {
    let reachedSecondTurn: () => void = () => undefined;
    const second = new Promise<void>((resolve) => {
      reachedSecondTurn = resolve;
    });
    const closing = await createHarness(database(), {
      turns: [
        { toolCalls: [{ name: 'ops__get_status', args: { service: 'payments' } }] },
        () => {
          reachedSecondTurn();
          return { text: 'never said', delayMs: 60_000 };
        },
      ],
    });
    const handle = await closing.agent.run({ org: 'acme', message: 'payments?' });
    const events: RunEvent[] = [];
    const drained = (async () => {
      for await (const event of handle.events) events.push(event);
    })();
    await second;
    await waitFor(
      async () => (await closing.agent.history('acme', handle.sessionId)).some((message) => message.role === 'tool'),
      'the tool step checkpoint',
    );
    await closing.agent.close({ handOver: true });
    expect(await handle.done).toMatchObject({ status: 'handed-over' });
    await drained;
    expect(events.map((event) => event.type)).not.toContain('run.finished');
    await closing.close();

    const after = await harness({ turns: [(messages) => ({ text: `Taken over: ${lastToolText(messages)}` })] });
    const resumed = await finish(await after.agent.resume({ org: 'acme', runId: handle.runId }));
    expect(resumed.result).toMatchObject({
      status: 'completed',
      text: 'Taken over: service payments is degraded: p99 latency 2.3s',
    });
    expect(resumed.events[0]).toMatchObject({ type: 'run.started', resumed: true, seq: events.length + 1 });
    expect(closing.calls).toHaveLength(1);
    expect(after.calls).toEqual([]);
  });

  for (const earlier of [false, true]) {
    it(`a run handed over in its first model turn starts again from its message (${earlier ? 'a session with an earlier run' : 'a new session'})`, async () => {
      let reachedModel: () => void = () => undefined;
      const waiting = new Promise<void>((resolve) => {
        reachedModel = resolve;
      });
      const closing = await createHarness(database(), {
        turns: [
          ...(earlier ? [{ text: 'Earlier answer.' }] : []),
          () => {
            reachedModel();
            return { text: 'never said', delayMs: 60_000 };
          },
        ],
      });
      const sessionId = earlier
        ? (await finish(await closing.agent.run({ org: 'acme', message: 'First?' }))).result.sessionId
        : undefined;
      const handle = await closing.agent.run({ org: 'acme', message: 'Second?', ...(sessionId ? { sessionId } : {}) });
      const drained = finish(handle);
      await waiting;
      await waitFor(
        async () =>
          (await closing.agent.history('acme', handle.sessionId)).some((message) => message.text === 'Second?'),
        'the input checkpoint',
      );
      await closing.agent.close({ handOver: true });
      expect((await drained).result.status).toBe('handed-over');
      await closing.close();

      const after = await harness({
        turns: [
          (messages) => ({
            text: messages
              .filter((message) => HumanMessage.isInstance(message))
              .map((message) => (typeof message.content === 'string' ? message.content : '?'))
              .join(' | '),
          }),
        ],
      });
      const resumed = await finish(await after.agent.resume({ org: 'acme', runId: handle.runId }));
      expect(resumed.result).toMatchObject({ status: 'completed', text: earlier ? 'First? | Second?' : 'Second?' });
      expect(resumed.events[0]).toMatchObject({ type: 'run.started', resumed: true });
    });
  }

  it('rejection: the model is told it did not run', async () => {
    const h = await harness({
      turns: [
        { toolCalls: [{ name: 'ops__scale', args: { service: 'api', replicas: 0 } }] },
        (messages) => ({ text: lastToolText(messages) }),
      ],
    });
    const first = await finish(await h.agent.run({ org: 'acme', message: 'Scale api to 0' }));
    expect(ofType(first.events, 'confirmation.requested')[0]).toMatchObject({ risk: 'write' });
    await approvePending(h.confirmations, 'acme', first.result.runId, 'reject');
    const resumed = await finish(await h.agent.resume({ org: 'acme', runId: first.result.runId }));
    expect(resumed.result.text).toMatch(/^Not run: .*rejected/);
    expect(ofType(resumed.events, 'confirmation.resolved')[0]).toMatchObject({ decision: 'rejected' });
    expect(h.calls).toEqual([]);
  });

  it('an expired request: the model is told, nothing runs', async () => {
    const h = await harness({
      ttlMs: 50,
      turns: [
        { toolCalls: [{ name: 'ops__delete_instance', args: { id: 'i-late' } }] },
        (messages) => ({ text: lastToolText(messages) }),
      ],
    });
    const first = await finish(await h.agent.run({ org: 'acme', message: 'Delete i-late' }));
    await new Promise((resolve) => setTimeout(resolve, 120));
    const resumed = await finish(await h.agent.resume({ org: 'acme', runId: first.result.runId }));
    expect(resumed.result.text).toMatch(/^Not run: .*expired/);
    expect(h.calls).toEqual([]);
  });

  it('resuming before a decision pauses again; nothing runs', async () => {
    const h = await harness({
      turns: [{ toolCalls: [{ name: 'ops__delete_instance', args: { id: 'i-wait' } }] }, { text: 'ok' }],
    });
    const first = await finish(await h.agent.run({ org: 'acme', message: 'Delete i-wait' }));
    const early = await finish(await h.agent.resume({ org: 'acme', runId: first.result.runId }));
    expect(early.result.status).toBe('paused');
    expect(h.calls).toEqual([]);
    await approvePending(h.confirmations, 'acme', first.result.runId);
    const resumed = await finish(await h.agent.resume({ org: 'acme', runId: first.result.runId }));
    expect(resumed.result.status).toBe('completed');
    expect(h.calls).toEqual([{ tool: 'delete_instance', args: { id: 'i-wait' } }]);
  });

  it('altered arguments cannot use the approval (a tampered checkpoint is refused)', async () => {
    const h = await harness({
      turns: [
        { toolCalls: [{ name: 'ops__delete_instance', args: { id: 'i-approved' } }] },
        (messages) => ({ text: lastToolText(messages) }),
      ],
    });
    const first = await finish(await h.agent.run({ org: 'acme', message: 'Delete i-approved' }));
    await approvePending(h.confirmations, 'acme', first.result.runId);
    // Someone with database access swaps the arguments in the stored pending call.
    const saver = createDatabaseCheckpointer({ database: database() });
    const tuple = await saver.getTuple({ configurable: { thread_id: first.result.sessionId } });
    const values = tuple!.checkpoint.channel_values as {
      run: { awaiting: { arguments: Record<string, unknown> }[] };
    };
    values.run.awaiting[0]!.arguments = { id: 'i-production-db' };
    await saver.put(
      tuple!.parentConfig ?? { configurable: { thread_id: first.result.sessionId } },
      tuple!.checkpoint,
      tuple!.metadata!,
      {},
    );
    const resumed = await finish(await h.agent.resume({ org: 'acme', runId: first.result.runId }));
    expect(resumed.result.text).toMatch(/^Not run: .*mismatch/);
    expect(h.calls).toEqual([]);
  });

  it('a tool result saying "approved" or carrying a fake confirmation.respond runs nothing', async () => {
    const h = await harness({
      turns: [
        { toolCalls: [{ name: 'ops__injection', args: {} }] },
        { toolCalls: [{ name: 'ops__delete_instance', args: { id: 'i-victim' } }] },
        { text: 'unreachable' },
      ],
    });
    const { events, result } = await finish(await h.agent.run({ org: 'acme', message: 'check' }));
    expect(result.status).toBe('paused');
    expect(h.calls.map((call) => call.tool)).toEqual(['injection']);
    expect(ofType(events, 'confirmation.requested')).toHaveLength(1);
    expect(await h.confirmations.listPending('acme', result.runId)).toHaveLength(1);
  });

  it('policy: deny never runs, allow runs a destructive tool without pause', async () => {
    const h = await harness({
      policy: [
        { tool: 'ops__delete_instance', when: { id: '"i-keep' }, action: 'deny' },
        { tool: 'ops__delete_instance', when: { id: '"i-scratch' }, action: 'allow' },
      ],
      turns: [
        {
          toolCalls: [
            { name: 'ops__delete_instance', args: { id: 'i-keep-1' } },
            { name: 'ops__delete_instance', args: { id: 'i-scratch-1' } },
          ],
        },
        (messages) => ({
          text: messages
            .filter((message) => ToolMessage.isInstance(message))
            .map((message) => (typeof message.content === 'string' ? message.content : ''))
            .join(' | '),
        }),
      ],
    });
    const { result, events } = await finish(await h.agent.run({ org: 'acme', message: 'clean up' }));
    expect(result.status).toBe('completed');
    expect(result.text).toBe('Not run: ops__delete_instance was denied by policy. | deleted i-scratch-1');
    expect(h.calls).toEqual([{ tool: 'delete_instance', args: { id: 'i-scratch-1' } }]);
    expect(ofType(events, 'confirmation.requested')).toEqual([]);
  });
});
