/**
 * Replays that start while a run is streaming: tokens go out at once and are stored with the
 * next batch, so a subscriber that joins mid-stream must not lose the tokens published but not
 * yet stored. Two run managers on one PGlite database and one event bus stand for two
 * replicas; the real agent, confirmation service and event writer; a model that streams five
 * tokens, waits for the test, then streams five more. Also: a run's tokens are stored as
 * ranges, and a replay from the middle of a range returns exactly what follows.
 */
import type { CallbackManagerForLLMRun } from '@langchain/core/callbacks/manager';
import { BaseChatModel, type BaseChatModelCallOptions } from '@langchain/core/language_models/chat_models';
import { AIMessageChunk, type BaseMessage } from '@langchain/core/messages';
import { ChatGenerationChunk, type ChatResult } from '@langchain/core/outputs';
import {
  createConfirmationService,
  createMemoryAuditSink,
  createSecretRedactor,
  type ConfirmationService,
  type Database,
  type RunEvent,
} from '@aurora-ops/core';
import { createAgent } from '@aurora-ops/core/agent';
import { createMcpHost, type McpHost } from '@aurora-ops/core/mcp-host';
import { createPgliteDatabase } from '@aurora-ops/core/storage/pglite';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryEventBus, type EventBus } from '../src/chat/event-bus.js';
import { operator, until } from './support/wait.js';
import { createRunManager, type RunManager } from '../src/chat/run-manager.js';

/** Streams `a0 … a4`, waits for `release()`, then `b0 … b4`; after `hold()`, waits to begin. */
class PausingModel extends BaseChatModel {
  private gate: { promise: Promise<void>; release: () => void } = PausingModel.gate();
  private opening: Promise<void> = Promise.resolve();

  /** The next stream waits before its first token until the returned function is called. */
  hold(): () => void {
    const { promise, release } = PausingModel.gate();
    this.opening = promise;
    return () => {
      this.opening = Promise.resolve();
      release();
    };
  }

  private static gate() {
    let release = (): void => undefined;
    const promise = new Promise<void>((resolve) => (release = resolve));
    return { promise, release };
  }

  release(): void {
    this.gate.release();
    this.gate = PausingModel.gate();
  }

  _llmType(): string {
    return 'pausing';
  }

  override async _generate(messages: BaseMessage[], options: this['ParsedCallOptions']): Promise<ChatResult> {
    let text = '';
    for await (const chunk of this._streamResponseChunks(messages, options)) text += chunk.text;
    return { generations: [{ text, message: new AIMessageChunk({ content: text }) }] };
  }

  override async *_streamResponseChunks(
    _messages: BaseMessage[],
    _options: BaseChatModelCallOptions,
    runManager?: CallbackManagerForLLMRun,
  ): AsyncGenerator<ChatGenerationChunk> {
    const gate = this.gate.promise;
    await this.opening;
    for (const prefix of ['a', 'b']) {
      if (prefix === 'b') await gate;
      for (let index = 0; index < 5; index++) {
        const text = `${prefix}${index} `;
        yield new ChatGenerationChunk({ text, message: new AIMessageChunk({ content: text }) });
        await runManager?.handleLLMNewToken(text);
      }
    }
  }
}

describe('replay while a run streams', () => {
  let database: Database;
  let confirmations: ConfirmationService;
  let host: McpHost;
  let bus: EventBus;
  const model = new PausingModel({});
  const managers: RunManager[] = [];

  const manager = async (options: { eventFlushMs?: number; replayGapWaitMs?: number }): Promise<RunManager> => {
    const agent = createAgent({
      model,
      modelName: 'pausing',
      host,
      confirmations,
      database,
      redactor: createSecretRedactor(),
    });
    const runs = createRunManager({ agent, database, confirmations, bus, ...options });
    await runs.migrate();
    managers.push(runs);
    return runs;
  };

  /** Subscribes from seq 0 and collects what arrives. */
  const follow = async (runs: RunManager, runId: string) => {
    const events: RunEvent[] = [];
    const stop = await runs.subscribe(operator, runId, 0, (event) => events.push(event));
    return { events, stop, tokens: () => events.filter((event) => event.type === 'token.streamed').length };
  };

  beforeAll(() => {
    database = createPgliteDatabase({ vector: false });
    host = createMcpHost();
    bus = createMemoryEventBus();
    confirmations = createConfirmationService({
      database,
      key: 'replay-test-key-0123456789abcdef0123456789abcdef',
      audit: createMemoryAuditSink(),
    });
  });
  afterEach(async () => {
    model.release();
    for (const runs of managers.splice(0)) await runs.close();
  });
  afterAll(async () => {
    await host?.close();
    await database?.close();
  });

  const summary = (events: readonly RunEvent[]) => events.map((event) => `${event.seq}:${event.type}`);
  const isConsecutive = (events: readonly RunEvent[]) => events.every((event, index) => event.seq === index + 1);

  it('a client that reconnects to the replica holding the run gets the tokens not yet stored', async () => {
    // Tokens would only be stored with a batch a minute away, or with the next other event.
    const runs = await manager({ eventFlushMs: 60_000 });
    const { runId } = await runs.send(operator, { text: 'stream please' });
    const first = await follow(runs, runId);
    await until(() => first.tokens() === 5, 'the first five tokens');

    const again = await follow(runs, runId);
    expect(summary(again.events)).toEqual(summary(first.events));
    expect(again.events.filter((event) => event.type === 'token.streamed').map((event) => event.text)).toEqual([
      'a0 ',
      'a1 ',
      'a2 ',
      'a3 ',
      'a4 ',
    ]);

    model.release();
    await until(() => again.events.at(-1)?.type === 'run.finished', 'the run to finish');
    expect(summary(again.events)).toEqual(summary(first.events));
    expect(isConsecutive(again.events)).toBe(true);
    first.stop();
    again.stop();
  }, 30_000);

  it('a client on another replica gets every token, in order, once', async () => {
    const holder = await manager({ eventFlushMs: 60_000 });
    const other = await manager({ replayGapWaitMs: 5_000 });
    // The sender's own listener, attached before the first event: no replay on the holder asks
    // it to store what is pending. The model begins once run.started is out (stored before it is
    // published), so its tokens are live and unstored when the other replica reads.
    const open = model.hold();
    const heard: RunEvent[] = [];
    const { runId, unsubscribe } = await holder.send(
      operator,
      { text: 'stream please' },
      { onEvent: (event) => heard.push(event) },
    );
    const direct = {
      events: heard,
      stop: () => unsubscribe?.(),
      tokens: () => heard.filter((event) => event.type === 'token.streamed').length,
    };
    await until(() => heard.some((event) => event.type === 'run.started'), 'run.started');
    open();
    await until(() => direct.tokens() === 5, 'the first five tokens');

    // The other replica finds run.started stored, not the five tokens: they are on the holder's
    // batch. When the next token arrives it reads again until the store has caught up.
    const remote = await follow(other, runId);
    expect(remote.tokens()).toBe(0);
    model.release();
    await until(() => remote.events.at(-1)?.type === 'run.finished', 'the run to finish on the other replica');
    expect(summary(remote.events)).toEqual(summary(direct.events));
    expect(isConsecutive(remote.events)).toBe(true);
    expect(remote.tokens()).toBe(10);
    direct.stop();
    remote.stop();
  }, 30_000);

  it('stores a run of tokens as one row and replays from the middle of it', async () => {
    const runs = await manager({});
    const { runId } = await runs.send(operator, { text: 'stream please' });
    const live = await follow(runs, runId);
    await until(() => live.tokens() === 5, 'the first five tokens');
    model.release();
    await until(() => live.events.at(-1)?.type === 'run.finished', 'the run to finish');
    live.stop();

    const { rows } = await database.query<{ seq: number; last_seq: number | null; type: string }>(
      'select seq, last_seq, type from aurora_run_events where run_id = $1 order by seq',
      [runId],
    );
    const ranges = rows.filter((row) => row.last_seq !== null);
    expect(ranges.length).toBeGreaterThan(0);
    expect(ranges.every((row) => row.type === 'token.streamed')).toBe(true);
    expect(rows.length).toBeLessThan(live.events.length);

    const stored = await runs.events(operator, runId);
    expect(summary(stored)).toEqual(summary(live.events));
    const middle = ranges[0]!.seq + 1;
    const after = await runs.events(operator, runId, middle);
    expect(summary(after)).toEqual(summary(live.events.filter((event) => event.seq > middle)));
  }, 30_000);
});
