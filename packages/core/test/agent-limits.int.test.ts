/**
 * Budgets, loop guard, context trimming, large results, sessions, cancel, org isolation,
 * elicitation and the canary secret, on PostgreSQL and PGlite with the real MCP host and
 * confirmation service and a scripted model.
 */
import { ToolMessage, type BaseMessage } from '@langchain/core/messages';
import { expect, it } from 'vitest';
import { readResultPage } from '../src/agent/tool-results.js';
import { AuroraError } from '../src/errors/aurora-error.js';
import { NotFoundError } from '../src/errors/errors.js';
import type { RunEvent } from '../src/events/run-event.js';
import { describeOnBackends, CANARY, OPERATOR, finish, ofType } from './support/agent-harness.js';

const lastTool = (messages: readonly BaseMessage[]): ToolMessage | undefined =>
  [...messages].reverse().find((message): message is ToolMessage => ToolMessage.isInstance(message));
const text = (message: BaseMessage | undefined): string =>
  typeof message?.content === 'string' ? message.content : JSON.stringify(message?.content ?? '');
const varying = (_: unknown, info: { call: number }) => ({
  toolCalls: [{ name: 'ops__get_status', args: { service: `svc-${info.call}` } }],
});

describeOnBackends('agent limits', ({ harness, database }) => {
  it('step budget: the run ends budget-exceeded with the model-written summary', async () => {
    const h = await harness({
      agent: { budgets: { maxSteps: 2 } },
      turns: [varying, varying, { text: 'Found: svc-0 and svc-1 are degraded.' }],
    });
    const { result, events } = await finish(await h.agent.run({ org: 'acme', message: 'investigate' }));
    expect(result).toMatchObject({
      status: 'budget-exceeded',
      summary: 'Found: svc-0 and svc-1 are degraded.',
      steps: 2,
    });
    expect(h.calls).toHaveLength(2);
    expect(events.at(-1)).toMatchObject({
      type: 'run.finished',
      status: 'budget-exceeded',
      summary: result.summary,
    });
    // The summary call gets no tools.
    expect(h.model.calls[2]?.tools).toEqual([]);
  });

  it('token budget: when the summary call fails, the summary is built from the tool results', async () => {
    const h = await harness({
      agent: { budgets: { maxTokens: 1000 } },
      turns: [
        {
          toolCalls: [{ name: 'ops__get_status', args: { service: 'db' } }],
          usage: { inputTokens: 600, outputTokens: 500 },
        },
        { error: 'provider down' },
      ],
    });
    const { result } = await finish(await h.agent.run({ org: 'acme', message: 'investigate' }));
    expect(result.status).toBe('budget-exceeded');
    expect(result.summary).toContain('token budget (1000)');
    expect(result.summary).toContain('service db is degraded');
    expect(result.usage).toMatchObject({ inputTokens: 600, outputTokens: 500 });
  });

  it('wall-time and cost budgets end the run with a summary', async () => {
    const slow = await harness({
      agent: { budgets: { maxWallMs: 100 } },
      turns: [
        { delayMs: 150, toolCalls: [{ name: 'ops__get_status', args: { service: 'a' } }] },
        { text: 'Slow but found a.' },
      ],
    });
    const wall = await finish(await slow.agent.run({ org: 'acme', message: 'go' }));
    expect(wall.result).toMatchObject({ status: 'budget-exceeded', summary: 'Slow but found a.' });

    const pricey = await harness({
      agent: { budgets: { maxCostUsd: 1 }, cost: () => 0.6 },
      turns: [varying, varying, { text: 'Expensive summary.' }],
    });
    const cost = await finish(await pricey.agent.run({ org: 'acme', message: 'go' }));
    expect(cost.result).toMatchObject({ status: 'budget-exceeded', summary: 'Expensive summary.', steps: 2 });
    expect(cost.result.usage.costUsd).toBeCloseTo(1.2 + 0.6);
    expect(ofType(cost.events, 'usage.recorded').map((event) => event.costUsd)).toEqual([0.6, 0.6, 0.6]);
  });

  it('loop guard: the same call with the same result maxRepeats times ends loop-detected', async () => {
    const h = await harness({
      turns: [
        { toolCalls: [{ name: 'ops__same_status', args: { service: 'x' } }] },
        { toolCalls: [{ name: 'ops__same_status', args: { service: 'x' } }] },
        { toolCalls: [{ name: 'ops__same_status', args: { service: 'x' } }] },
        { text: 'x stays degraded; no progress from polling.' },
      ],
    });
    const { result } = await finish(await h.agent.run({ org: 'acme', message: 'watch x' }));
    expect(result).toMatchObject({
      status: 'loop-detected',
      summary: 'x stays degraded; no progress from polling.',
    });
    expect(h.calls).toHaveLength(3);
  });

  it('history is loaded on the next turn of a session, and history() returns it', async () => {
    const h = await harness({
      turns: [
        { text: 'The checkout service is degraded.' },
        (messages) => ({ text: `I had ${messages.length} messages` }),
      ],
    });
    const first = await finish(await h.agent.run({ org: 'acme', message: 'How is checkout?' }));
    const second = await finish(
      await h.agent.run({ org: 'acme', sessionId: first.result.sessionId, message: 'And now?' }),
    );
    expect(second.result.text).toBe('I had 4 messages');
    expect(h.model.calls[1]?.messages.map(text).slice(1)).toEqual([
      'How is checkout?',
      'The checkout service is degraded.',
      'And now?',
    ]);
    const history = await h.agent.history('acme', first.result.sessionId);
    expect(history.map((message) => [message.role, message.text])).toEqual([
      ['user', 'How is checkout?'],
      ['assistant', 'The checkout service is degraded.'],
      ['user', 'And now?'],
      ['assistant', 'I had 4 messages'],
    ]);
  });

  it('context: old turns are trimmed and replaced by a model-written summary', async () => {
    const long = 'x'.repeat(800);
    const h = await harness({
      agent: { context: { maxTokens: 150, keepLastMessages: 1, summarize: true } },
      turns: [{ text: 'first answer' }, { text: 'SUMMARY: user sent a long x string' }, { text: 'second answer' }],
    });
    const first = await finish(await h.agent.run({ org: 'acme', message: long }));
    await finish(await h.agent.run({ org: 'acme', sessionId: first.result.sessionId, message: 'short question' }));
    const main = h.model.calls[2]!;
    expect(main.messages.map(text).slice(1)).toEqual(['short question']);
    expect(text(main.messages[0])).toContain(
      'Summary of the earlier conversation:\nSUMMARY: user sent a long x string',
    );
    expect(text(h.model.calls[1]?.messages[1])).toContain(long);
    // History keeps everything.
    expect(await h.agent.history('acme', first.result.sessionId)).toHaveLength(4);
  });

  it('an oversized result is cut, kept whole, and paged with aurora__read_result', async () => {
    const h = await harness({
      agent: { resultBudgetChars: 200 },
      turns: [
        { toolCalls: [{ name: 'ops__big_log', args: { lines: 100 } }] },
        (messages) => {
          const handle = /"handle": "([^"]+)"/.exec(text(lastTool(messages)))?.[1] ?? 'missing';
          return { toolCalls: [{ name: 'aurora__read_result', args: { handle, offset: 200, limit: 200 } }] };
        },
        (messages) => ({ text: text(lastTool(messages)) }),
      ],
    });
    const { result, events } = await finish(await h.agent.run({ org: 'acme', message: 'show the log' }));
    const finished = ofType(events, 'tool-call.finished');
    expect(finished[0]?.truncated).toMatchObject({ totalChars: 100 * 11 - 1 });
    expect(finished[0]?.result.startsWith('line 00000\n')).toBe(true);
    expect(finished[0]?.result).toContain('[cut: showing characters 0–200 of 1099');
    expect(result.text?.startsWith('ne 00018\nline 00019')).toBe(true);
    expect(result.text).toContain('next offset 400');
    expect(h.model.calls[0]?.tools).toContain('aurora__read_result');
    const handle = finished[0]!.truncated!.handle;
    await expect(readResultPage(h.objects, 'other-org', { handle }, 200)).rejects.toSatisfy(NotFoundError.isInstance);
  });

  it('cancel: a running run ends cancelled; a paused run has its confirmations cancelled', async () => {
    let modelCalled: () => void = () => undefined;
    const inModel = new Promise<void>((resolve) => {
      modelCalled = resolve;
    });
    const h = await harness({
      turns: [
        () => {
          modelCalled();
          return { delayMs: 5000, text: 'never' };
        },
        { toolCalls: [{ name: 'ops__delete_instance', args: { id: 'i-1' } }] },
      ],
    });
    const running = await h.agent.run({ org: 'acme', message: 'slow' });
    await inModel;
    await h.agent.cancel('acme', running.runId);
    const cancelled = await finish(running);
    expect(cancelled.result.status).toBe('cancelled');
    expect(cancelled.events.at(-1)).toMatchObject({ type: 'run.finished', status: 'cancelled' });
    expect(ofType(cancelled.events, 'message.completed')).toEqual([]);

    const paused = await finish(await h.agent.run({ org: 'acme', message: 'delete i-1' }));
    expect(paused.result.status).toBe('paused');
    await h.agent.cancel('acme', paused.result.runId);
    expect(await h.confirmations.listPending('acme', paused.result.runId)).toEqual([]);
    await expect(h.agent.resume({ org: 'acme', runId: paused.result.runId })).rejects.toSatisfy(
      (error: unknown) => AuroraError.isInstance(error) && error.code === 'CONFLICT',
    );
    expect(h.calls).toEqual([]);
  });

  it('a new message in the session of a paused run supersedes it: its call never runs nor asks again', async () => {
    const h = await harness({
      turns: [
        { toolCalls: [{ name: 'ops__delete_instance', args: { id: 'i-1' } }] },
        (messages) => ({ text: `Fine, ${messages.length} messages and no deletion.` }),
      ],
    });
    const paused = await finish(await h.agent.run({ org: 'acme', message: 'delete i-1' }));
    expect(paused.result.status).toBe('paused');
    const next = await finish(
      await h.agent.run({ org: 'acme', sessionId: paused.result.sessionId, message: 'Never mind, leave it.' }),
    );
    expect(next.result.error).toBeUndefined();
    expect(next.result.status).toBe('completed');
    expect(next.result.text).toMatch(/^Fine, \d+ messages and no deletion\.$/);
    // Only the model's turn: no approval node again, no confirmation asked, no tool call.
    expect(next.events.map((event) => event.type)).not.toContain('confirmation.requested');
    expect(next.events.map((event) => event.type)).not.toContain('tool-call.started');
    expect(h.model.calls).toHaveLength(2);
    expect(await h.confirmations.listPending('acme', paused.result.runId)).toEqual([]);
    expect(await h.confirmations.listPending('acme', next.result.runId)).toEqual([]);
    await expect(h.agent.resume({ org: 'acme', runId: paused.result.runId })).rejects.toSatisfy(
      (error: unknown) => AuroraError.isInstance(error) && error.code === 'CONFLICT',
    );
    expect(h.calls).toEqual([]);
    const history = await h.agent.history('acme', paused.result.sessionId);
    expect(history.filter((message) => message.role === 'user').map((message) => message.text)).toEqual([
      'delete i-1',
      'Never mind, leave it.',
    ]);
  });

  it("org isolation: another org's session and run do not exist for it", async () => {
    const h = await harness({ turns: [{ toolCalls: [{ name: 'ops__delete_instance', args: { id: 'i-9' } }] }] });
    const { result } = await finish(await h.agent.run({ org: 'acme', message: 'delete i-9' }));
    const notFound = NotFoundError.isInstance;
    await expect(h.agent.history('globex', result.sessionId)).rejects.toSatisfy(notFound);
    await expect(h.agent.resume({ org: 'globex', runId: result.runId })).rejects.toSatisfy(notFound);
    await expect(h.agent.cancel('globex', result.runId)).rejects.toSatisfy(notFound);
    await expect(h.agent.run({ org: 'globex', sessionId: result.sessionId, message: 'hi' })).rejects.toSatisfy(
      notFound,
    );
    expect(await h.confirmations.listPending('acme', result.runId)).toHaveLength(1);
  });

  it("a plugin's elicitation surfaces as a confirmation and is answered by the operator's decision", async () => {
    const h = await harness({
      turns: [{ toolCalls: [{ name: 'ops__ask_user', args: {} }] }, (messages) => ({ text: text(lastTool(messages)) })],
    });
    const handle = await h.agent.run({ org: 'acme', message: 'roll out' });
    const events: RunEvent[] = [];
    for await (const event of handle.events) {
      events.push(event);
      if (event.type === 'confirmation.requested') {
        expect(event).toMatchObject({ reason: 'elicitation', summary: 'Proceed with the rollout?', plugin: 'ops' });
        await h.confirmations.decide({
          org: 'acme',
          confirmationId: event.confirmationId,
          decision: 'approve',
          principal: OPERATOR,
        });
      }
    }
    const result = await handle.done;
    expect(result.text).toBe('user said accept');
    expect(ofType(events, 'confirmation.resolved')[0]).toMatchObject({ decision: 'approved' });
    expect(h.calls).toEqual([{ tool: 'ask_user', args: { action: 'accept' } }]);
  });

  it('the canary secret never reaches the model input, the events, the logs, the checkpoints or the run row', async () => {
    const h = await harness({
      turns: [
        { toolCalls: [{ name: 'ops__read_secret_config', args: {} }] },
        (messages) => ({ text: `Config says: ${text(lastTool(messages))}` }),
      ],
    });
    const { events, result } = await finish(
      await h.agent.run({ org: 'acme', message: `my token is ${CANARY}, check the config` }),
    );
    expect(result.status).toBe('completed');
    expect(result.text).toBe('Config says: db password is [REDACTED]');
    const received = JSON.stringify(h.model.calls.map((call) => call.messages.map(text)));
    expect(received).toContain('my token is [REDACTED]');
    expect(received).not.toContain(CANARY);
    expect(JSON.stringify(events)).not.toContain(CANARY);
    expect(JSON.stringify(h.logs)).not.toContain(CANARY);
    expect(JSON.stringify(await h.agent.history('acme', result.sessionId))).not.toContain(CANARY);
    const leaked = await database().query(
      `select 1 from aurora_checkpoints where position($1 in convert_from(checkpoint, 'UTF8')) > 0
         union all select 1 from aurora_checkpoint_writes where position($1 in convert_from(value, 'UTF8')) > 0
         union all select 1 from aurora_agent_runs where position($1 in coalesce(input, '')) > 0`,
      [CANARY],
    );
    expect(leaked.rowCount).toBe(0);
    // The run's stored message (what a restart would start from) is the redacted one.
    const stored = await database().query<{ input: string }>('select input from aurora_agent_runs where id = $1', [
      result.runId,
    ]);
    expect(stored.rows[0]?.input).toBe('my token is [REDACTED], check the config');
  });
});
