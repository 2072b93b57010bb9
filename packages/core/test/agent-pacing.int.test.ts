/**
 * `stepEndsPerTurn`: a model step whose stream has ended waits for its turn of the event loop
 * before its bookkeeping (its message, usage, checkpoint and the run's end), and the runs still
 * complete with every event. On PostgreSQL and PGlite with the scripted model.
 */
import { expect, it } from 'vitest';
import type { RunEvent } from '../src/events/run-event.js';
import { describeOnBackends, finish, ofType } from './support/agent-harness.js';

describeOnBackends('agent step pacing', ({ harness }) => {
  it('with stepEndsPerTurn, a step goes on in a later turn than its last token; every run completes', async () => {
    const h = await harness({
      agent: { stepEndsPerTurn: 1 },
      turns: [{ text: 'All healthy.' }],
      repeatLast: true,
    });
    // Counts the turns of the event loop while the runs go on.
    let turns = 0;
    let counting = true;
    const tick = (): void => {
      turns++;
      if (counting) setImmediate(tick);
    };
    setImmediate(tick);
    const lastToken = new Map<string, number>();
    const completedAt = new Map<string, number>();
    const onEvent = (event: RunEvent): void => {
      if (event.type === 'token.streamed') lastToken.set(event.runId, turns);
      if (event.type === 'message.completed') completedAt.set(event.runId, turns);
    };
    try {
      const runs = await Promise.all(
        Array.from({ length: 6 }, () => h.agent.run({ org: 'acme', message: 'status?', onEvent })),
      );
      const results = await Promise.all(runs.map((handle) => finish(handle)));
      for (const { result, events } of results) {
        expect(result.status).toBe('completed');
        expect(ofType(events, 'message.completed')).toHaveLength(1);
        expect(completedAt.get(result.runId)!).toBeGreaterThan(lastToken.get(result.runId)!);
      }
    } finally {
      counting = false;
    }
  });
});
