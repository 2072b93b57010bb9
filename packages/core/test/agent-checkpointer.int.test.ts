/**
 * The Database checkpointer against LangGraph's saver contract (the expectations of
 * `@langchain/langgraph-checkpoint-validation`: put/getTuple/list/putWrites/deleteThread),
 * and a real interrupt → resume graph, on PostgreSQL and PGlite.
 */
import { Annotation, Command, END, START, StateGraph, interrupt } from '@langchain/langgraph';
import {
  TASKS,
  emptyCheckpoint,
  uuid6,
  type Checkpoint,
  type CheckpointMetadata,
  type CheckpointTuple,
} from '@langchain/langgraph-checkpoint';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabaseCheckpointer, type DatabaseCheckpointer } from '../src/agent/database-checkpointer.js';
import { InvalidInputError } from '../src/errors/errors.js';
import type { Database } from '../src/storage/database/database.js';
import { BACKENDS, countingDatabase } from './support/agent-harness.js';

function checkpointAt(step: number, values: Record<string, unknown> = {}): Checkpoint {
  return {
    ...emptyCheckpoint(),
    id: uuid6(step),
    channel_values: values,
    channel_versions: Object.fromEntries(Object.keys(values).map((key) => [key, step + 1])),
  };
}

function metadata(step: number, source: CheckpointMetadata['source'] = 'loop'): CheckpointMetadata {
  return { source, step, parents: {} };
}

async function collect(iterable: AsyncIterable<CheckpointTuple>): Promise<CheckpointTuple[]> {
  const out: CheckpointTuple[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

for (const backend of BACKENDS) {
  describe.skipIf(backend.skip !== undefined)(
    `DatabaseCheckpointer on ${backend.name}${backend.skip ? ` (skipped: ${backend.skip})` : ''}`,
    () => {
      let handle: { database: Database; close(): Promise<void> };
      let saver: DatabaseCheckpointer;

      beforeAll(async () => {
        handle = await backend.open();
        saver = createDatabaseCheckpointer({ database: handle.database });
        await saver.setup();
      }, 60_000);
      afterAll(async () => handle?.close());

      it('put then getTuple returns the checkpoint, its metadata, parent and config', async () => {
        const thread = 'put-get';
        const first = checkpointAt(1, { messages: ['a'] });
        const firstConfig = await saver.put(
          { configurable: { thread_id: thread, checkpoint_ns: '' } },
          first,
          metadata(1, 'input'),
          {},
        );
        expect(firstConfig).toEqual({
          configurable: { thread_id: thread, checkpoint_ns: '', checkpoint_id: first.id },
        });
        const second = checkpointAt(2, { messages: ['a', 'b'] });
        await saver.put(firstConfig, second, metadata(2), {});

        const latest = await saver.getTuple({ configurable: { thread_id: thread } });
        expect(latest?.checkpoint).toEqual(second);
        expect(latest?.metadata).toEqual(metadata(2));
        expect(latest?.config.configurable?.checkpoint_id).toBe(second.id);
        expect(latest?.parentConfig?.configurable?.checkpoint_id).toBe(first.id);
        expect(latest?.pendingWrites).toEqual([]);

        const byId = await saver.getTuple({
          configurable: { thread_id: thread, checkpoint_ns: '', checkpoint_id: first.id },
        });
        expect(byId?.checkpoint).toEqual(first);
        expect(byId?.parentConfig).toBeUndefined();

        expect(await saver.getTuple({ configurable: { thread_id: 'nobody' } })).toBeUndefined();
        expect(await saver.getTuple({ configurable: { thread_id: thread, checkpoint_id: uuid6(99) } })).toBeUndefined();
      });

      it('put on the same id replaces it; namespaces are separate', async () => {
        const thread = 'replace';
        const checkpoint = checkpointAt(1, { v: 1 });
        await saver.put({ configurable: { thread_id: thread } }, checkpoint, metadata(1), {});
        await saver.put(
          { configurable: { thread_id: thread } },
          { ...checkpoint, channel_values: { v: 2 } },
          metadata(1),
          {},
        );
        await saver.put(
          { configurable: { thread_id: thread, checkpoint_ns: 'child' } },
          checkpointAt(5, { v: 9 }),
          metadata(5),
          {},
        );
        expect((await saver.getTuple({ configurable: { thread_id: thread } }))?.checkpoint.channel_values).toEqual({
          v: 2,
        });
        expect(
          (await saver.getTuple({ configurable: { thread_id: thread, checkpoint_ns: 'child' } }))?.checkpoint
            .channel_values,
        ).toEqual({ v: 9 });
      });

      it('putWrites stores pending writes in writesSortKey order; regular writes are kept once, special ones replaced', async () => {
        const thread = 'writes';
        const config = await saver.put({ configurable: { thread_id: thread } }, checkpointAt(1), metadata(1), {});
        await saver.putWrites(
          config,
          [
            ['b', 2],
            ['a', 1],
          ],
          'task-2',
          '~__pregel_pull, two',
        );
        await saver.putWrites(config, [['c', 3]], 'task-1', '~__pregel_pull, one');
        await saver.putWrites(config, [['a', 'ignored']], 'task-2', '~__pregel_pull, two');
        await saver.putWrites(config, [['__error__', 'first']], 'task-3');
        await saver.putWrites(config, [['__error__', 'second']], 'task-3');
        const tuple = await saver.getTuple(config);
        expect(tuple?.pendingWrites).toEqual([
          ['task-3', '__error__', 'second'],
          ['task-1', 'c', 3],
          ['task-2', 'b', 2],
          ['task-2', 'a', 1],
        ]);
        await expect(saver.putWrites({ configurable: { thread_id: thread } }, [['a', 1]], 't')).rejects.toSatisfy(
          InvalidInputError.isInstance,
        );
      });

      it('the checkpoints and writes of one turn share an insert; reads see them; a bad row fails alone', async () => {
        const { database: counting, statements } = countingDatabase(handle.database);
        const batched = createDatabaseCheckpointer({ database: counting });
        await batched.setup();
        statements.length = 0;
        const threads = Array.from({ length: 30 }, (_, index) => `turn-${index}`);
        // Not awaited one by one: as 30 runs ending in the same turn would.
        const configs = await Promise.all(
          threads.map((thread, index) =>
            batched.put({ configurable: { thread_id: thread } }, checkpointAt(1, { n: index }), metadata(1), {}),
          ),
        );
        expect(statements.filter((sql) => sql.startsWith('insert into aurora_checkpoints'))).toHaveLength(1);
        await Promise.all(
          configs.map((config, index) =>
            batched.putWrites(
              config,
              [
                ['v', index],
                ['__error__', index],
              ],
              'task',
            ),
          ),
        );
        expect(statements.filter((sql) => sql.startsWith('insert into aurora_checkpoint_writes'))).toHaveLength(2);
        // Handed in, not awaited: the read still sees it.
        const pending = batched.put(
          { configurable: { thread_id: 'turn-0' } },
          checkpointAt(2, { n: 'later' }),
          metadata(2),
          {},
        );
        expect((await batched.getTuple({ configurable: { thread_id: 'turn-0' } }))?.checkpoint.channel_values).toEqual({
          n: 'later',
        });
        await pending;
        const tuple = await batched.getTuple(configs[7]!);
        expect(tuple?.checkpoint.channel_values).toEqual({ n: 7 });
        expect(tuple?.pendingWrites).toEqual([
          ['task', '__error__', 7],
          ['task', 'v', 7],
        ]);
        // PostgreSQL text refuses NUL: that row fails, and only its caller hears of it.
        const results = await Promise.allSettled([
          batched.put({ configurable: { thread_id: 'good-a' } }, checkpointAt(1), metadata(1), {}),
          batched.put({ configurable: { thread_id: 'bad\u0000thread' } }, checkpointAt(1), metadata(1), {}),
          batched.put({ configurable: { thread_id: 'good-b' } }, checkpointAt(1), metadata(1), {}),
        ]);
        expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
        for (const thread of ['good-a', 'good-b'])
          expect(await batched.getTuple({ configurable: { thread_id: thread } })).toBeDefined();
      });

      it('a thread said to be new is read without a statement, once; its first put ends the hint', async () => {
        const { database: counting, statements } = countingDatabase(handle.database);
        const hinted = createDatabaseCheckpointer({ database: counting });
        await hinted.setup();
        const selects = () => statements.filter((sql) => sql.startsWith('select thread_id')).length;
        // A thread that has a checkpoint: the hint is consumed by one read, the next one reads it.
        await hinted.put({ configurable: { thread_id: 'hint-old' } }, checkpointAt(1, { n: 1 }), metadata(1), {});
        hinted.expectNewThread('hint-old');
        statements.length = 0;
        expect(await hinted.getTuple({ configurable: { thread_id: 'hint-old' } })).toBeUndefined();
        expect(selects()).toBe(0);
        expect((await hinted.getTuple({ configurable: { thread_id: 'hint-old' } }))?.checkpoint.channel_values).toEqual(
          {
            n: 1,
          },
        );
        expect(selects()).toBe(1);
        // A put ends the hint: the read that follows sees it.
        hinted.expectNewThread('hint-new');
        const stored = await hinted.put(
          { configurable: { thread_id: 'hint-new' } },
          checkpointAt(1, { n: 2 }),
          metadata(1),
          {},
        );
        expect((await hinted.getTuple({ configurable: { thread_id: 'hint-new' } }))?.checkpoint.channel_values).toEqual(
          {
            n: 2,
          },
        );
        // A read of a given checkpoint never uses the hint; forgetNewThread ends it.
        hinted.expectNewThread('hint-new');
        expect(await hinted.getTuple(stored)).toBeDefined();
        hinted.forgetNewThread('hint-new');
        expect(await hinted.getTuple({ configurable: { thread_id: 'hint-new' } })).toBeDefined();
      });

      it('list: newest first, by thread, namespace, before, limit and metadata filter', async () => {
        const thread = 'list';
        let config = { configurable: { thread_id: thread, checkpoint_ns: '' } } as {
          configurable: Record<string, unknown>;
        };
        const ids: string[] = [];
        for (let step = 1; step <= 4; step += 1) {
          const checkpoint = checkpointAt(10 + step, { step });
          ids.push(checkpoint.id);
          const meta = { ...metadata(step, step === 1 ? 'input' : 'loop'), ...(step === 4 ? { tag: 'x' } : {}) };
          config = (await saver.put(config, checkpoint, meta, {})) as typeof config;
        }
        await saver.put(
          { configurable: { thread_id: 'list-other' } },
          checkpointAt(50),
          { ...metadata(1), tag: 'x' } as CheckpointMetadata,
          {},
        );

        const all = await collect(saver.list({ configurable: { thread_id: thread } }));
        expect(all.map((t) => t.checkpoint.id)).toEqual([...ids].reverse());
        const limited = await collect(saver.list({ configurable: { thread_id: thread } }, { limit: 2 }));
        expect(limited.map((t) => t.checkpoint.id)).toEqual([ids[3], ids[2]]);
        const before = await collect(
          saver.list({ configurable: { thread_id: thread } }, { before: { configurable: { checkpoint_id: ids[2] } } }),
        );
        expect(before.map((t) => t.checkpoint.id)).toEqual([ids[1], ids[0]]);
        const filtered = await collect(
          saver.list({ configurable: { thread_id: thread } }, { filter: { source: 'input' } }),
        );
        expect(filtered.map((t) => t.checkpoint.id)).toEqual([ids[0]]);
        const tagged = await collect(saver.list({ configurable: {} }, { filter: { tag: 'x' } }));
        expect(tagged.map((t) => String(t.config.configurable?.thread_id)).sort()).toEqual(['list', 'list-other']);
        expect(await collect(saver.list({ configurable: { thread_id: thread } }, { limit: 0 }))).toEqual([]);
      });

      it('deleteThread removes its checkpoints and writes and nothing else', async () => {
        const config = await saver.put({ configurable: { thread_id: 'doomed' } }, checkpointAt(1), metadata(1), {});
        await saver.putWrites(config, [[TASKS, { x: 1 }]], 'task');
        const kept = await saver.put({ configurable: { thread_id: 'kept' } }, checkpointAt(1), metadata(1), {});
        await saver.deleteThread('doomed');
        expect(await saver.getTuple({ configurable: { thread_id: 'doomed' } })).toBeUndefined();
        const rows = await handle.database.query("select 1 from aurora_checkpoint_writes where thread_id = 'doomed'");
        expect(rows.rowCount).toBe(0);
        expect((await saver.getTuple(kept))?.checkpoint.id).toBe(kept.configurable?.checkpoint_id);
      });

      it('runs a graph that interrupts, and resumes it from the stored checkpoint in a new saver', async () => {
        const State = Annotation.Root({
          log: Annotation<string[]>({ reducer: (a, b) => [...a, ...b], default: () => [] }),
        });
        let sideEffects = 0;
        const build = (checkpointer: DatabaseCheckpointer) =>
          new StateGraph(State)
            .addNode('ask', () => {
              const answer = interrupt<string, string>('approve?');
              sideEffects += 1;
              return { log: [`answer:${answer}`] };
            })
            .addEdge(START, 'ask')
            .addEdge('ask', END)
            .compile({ checkpointer });
        const config = { configurable: { thread_id: 'graph' } };
        const first = await build(saver).invoke({ log: ['start'] }, config);
        const interrupts = (first as { __interrupt__?: { value: unknown }[] }).__interrupt__;
        expect(interrupts?.[0]?.value).toBe('approve?');
        expect(sideEffects).toBe(0);
        const fresh = createDatabaseCheckpointer({ database: handle.database });
        const resumed = await build(fresh).invoke(new Command({ resume: 'yes' }), config);
        expect(resumed.log).toEqual(['start', 'answer:yes']);
        expect(sideEffects).toBe(1);
      });
    },
  );
}
