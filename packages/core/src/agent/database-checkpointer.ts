import type { RunnableConfig } from '@langchain/core/runnables';
import {
  BaseCheckpointSaver,
  WRITES_IDX_MAP,
  type ChannelVersions,
  type Checkpoint,
  type CheckpointListOptions,
  type CheckpointMetadata,
  type CheckpointPendingWrite,
  type CheckpointTuple,
  type PendingWrite,
  type SerializerProtocol,
} from '@langchain/langgraph-checkpoint';
import { InvalidInputError } from '../errors/errors.js';
import type { Database, Migration, Row } from '../storage/database/database.js';
import { createTurnBatch, valuesList, type TurnBatch } from '../storage/database/turn-batch.js';
import { MessageJsonCache } from './message-json-cache.js';

export interface DatabaseCheckpointerOptions {
  /** PostgreSQL or PGlite: tables `aurora_checkpoints` and `aurora_checkpoint_writes` (namespace `core-checkpoints`). */
  readonly database: Database;
  /** Defaults to LangGraph's `JsonPlusSerializer`. */
  readonly serde?: SerializerProtocol;
}

export const CHECKPOINT_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'checkpoints and writes',
    up: `
      create table aurora_checkpoints (
        thread_id text not null,
        checkpoint_ns text not null default '',
        checkpoint_id text not null,
        parent_checkpoint_id text,
        type text not null,
        checkpoint bytea not null,
        metadata_type text not null,
        metadata bytea not null,
        metadata_json jsonb not null,
        created_at timestamptz not null default now(),
        primary key (thread_id, checkpoint_ns, checkpoint_id)
      );
      create table aurora_checkpoint_writes (
        thread_id text not null,
        checkpoint_ns text not null default '',
        checkpoint_id text not null,
        task_id text not null,
        idx integer not null,
        channel text not null,
        type text not null,
        value bytea not null,
        task_path text not null default '',
        primary key (thread_id, checkpoint_ns, checkpoint_id, task_id, idx)
      );`,
  },
];

interface CheckpointRow extends Row {
  readonly thread_id: string;
  readonly checkpoint_ns: string;
  readonly checkpoint_id: string;
  readonly parent_checkpoint_id: string | null;
  readonly type: string;
  readonly checkpoint: Uint8Array;
  readonly metadata_type: string;
  readonly metadata: Uint8Array;
}

interface WriteRow extends Row {
  readonly checkpoint_id: string;
  readonly task_id: string;
  readonly channel: string;
  readonly type: string;
  readonly value: Uint8Array;
}

const SELECT_CHECKPOINT = `select thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, type, checkpoint,
  metadata_type, metadata from aurora_checkpoints`;
// C collation orders by code point, as `compareWritesSortKeys` requires.
const WRITES_ORDER = 'order by task_path collate "C", task_id collate "C", idx';

function requireString(value: unknown, field: string, allowEmpty = false): string {
  if (typeof value !== 'string' || (!allowEmpty && value === '')) {
    throw new InvalidInputError({
      message: `Checkpoint config is missing "configurable.${field}".`,
      details: { field },
    });
  }
  return value;
}

function metadataJson(metadata: CheckpointMetadata): string {
  try {
    // \u0000 is not allowed in jsonb text; the JSON is only used for `list({ filter })`.
    return JSON.stringify(metadata ?? {}).replace(/\\u0000/g, '');
  } catch {
    return '{}';
  }
}

/** Parameters per row: 9 for a checkpoint and for a write. */
const COLUMNS = 9;
/** LangGraph's task id for writes that belong to no task (a Command's update; not exported). */
const NULL_TASK_ID = '00000000-0000-0000-0000-000000000000';
/** Rows per insert: 4 500 parameters, well inside PostgreSQL's 65 535. */
const ROWS_PER_INSERT = 500;

/**
 * A LangGraph checkpoint saver on core's `Database` (PostgreSQL or PGlite). Checkpoints and
 * pending writes are stored with LangGraph's serializer as bytea; metadata is also kept as
 * jsonb for `list({ filter })`. Writes come back in `writesSortKey` order.
 *
 * The checkpoints put in one turn of the event loop, by every run of the process, go out as one
 * insert, and so do their writes: runs that start or end together cost a few statements, not
 * five each. A read of a thread first waits for what was handed in for it.
 */
export class DatabaseCheckpointer extends BaseCheckpointSaver {
  readonly database: Database;
  private migrated: Promise<void> | undefined;
  /** Messages' JSON kept between writes; only with the default (JSON) serializer. */
  private readonly messages: MessageJsonCache | undefined;
  private readonly checkpoints: TurnBatch<unknown[]>;
  /** Special writes (negative idx: errors, interrupts) replace; regular writes are kept once. */
  private readonly specialWrites: TurnBatch<unknown[]>;
  private readonly regularWrites: TurnBatch<unknown[]>;
  /** The puts of checkpoints and writes not yet stored, per thread. */
  private readonly pending = new Map<string, Set<Promise<unknown>>>();
  /** Threads known to have no checkpoint yet (`expectNewThread`). */
  private readonly fresh = new Set<string>();
  /** Threads of `fresh` that were read as having none, their first checkpoint not put yet. */
  private readonly unsaved = new Set<string>();

  constructor(options: DatabaseCheckpointerOptions) {
    super(options.serde);
    const database = options.database;
    this.database = database;
    this.messages = options.serde === undefined ? new MessageJsonCache() : undefined;
    this.checkpoints = createTurnBatch<unknown[]>({
      maxRows: ROWS_PER_INSERT,
      key: (row) => `${row[0] as string}\u0000${row[1] as string}\u0000${row[2] as string}`,
      duplicates: 'last',
      write: async (rows) => {
        await database.query(
          `insert into aurora_checkpoints (thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, type, checkpoint,
             metadata_type, metadata, metadata_json)
           values ${valuesList(rows.length, COLUMNS, { 9: (param) => `${param}::jsonb` })}
           on conflict (thread_id, checkpoint_ns, checkpoint_id) do update set
             parent_checkpoint_id = excluded.parent_checkpoint_id, type = excluded.type, checkpoint = excluded.checkpoint,
             metadata_type = excluded.metadata_type, metadata = excluded.metadata, metadata_json = excluded.metadata_json`,
          rows.flat(),
        );
      },
    });
    const writes = (special: boolean): TurnBatch<unknown[]> =>
      createTurnBatch<unknown[]>({
        maxRows: ROWS_PER_INSERT,
        key: (row) => row.slice(0, 5).join('\u0000'),
        duplicates: special ? 'last' : 'first',
        write: async (rows) => {
          await database.query(
            `insert into aurora_checkpoint_writes (thread_id, checkpoint_ns, checkpoint_id, task_id, idx, channel, type, value, task_path)
             values ${valuesList(rows.length, COLUMNS)}
             on conflict (thread_id, checkpoint_ns, checkpoint_id, task_id, idx) do ${
               special
                 ? 'update set channel = excluded.channel, type = excluded.type, value = excluded.value, task_path = excluded.task_path'
                 : 'nothing'
             }`,
            rows.flat(),
          );
        },
      });
    this.specialWrites = writes(true);
    this.regularWrites = writes(false);
  }

  /**
   * Says that the thread has no checkpoint (its session was created a moment ago): the next read
   * of its latest checkpoint answers "none" without a statement. The hint ends with that read,
   * with the thread's first put, or with `forgetNewThread`.
   */
  expectNewThread(threadId: string): void {
    this.fresh.add(threadId);
  }

  forgetNewThread(threadId: string): void {
    this.fresh.delete(threadId);
    this.unsaved.delete(threadId);
  }

  /** Tracks a put's promise under its thread until it settles. */
  private track<T>(threadId: string, stored: Promise<T>): Promise<T> {
    this.fresh.delete(threadId);
    let set = this.pending.get(threadId);
    if (!set) this.pending.set(threadId, (set = new Set()));
    set.add(stored);
    const forget = (): void => {
      set.delete(stored);
      if (set.size === 0 && this.pending.get(threadId) === set) this.pending.delete(threadId);
    };
    stored.then(forget, forget);
    return stored;
  }

  /**
   * Resolves once what was handed in so far for the thread (or, without one, for every thread)
   * is stored or has failed: a read sees this process's own writes.
   */
  private async settled(threadId?: string): Promise<void> {
    const sets = threadId === undefined ? [...this.pending.values()] : [this.pending.get(threadId) ?? []];
    await Promise.allSettled(sets.flatMap((set) => [...set]));
  }

  /** Applies the migrations (once per instance); every method calls it. */
  setup(): Promise<void> {
    this.migrated ??= this.database
      .migrate(CHECKPOINT_MIGRATIONS, { namespace: 'core-checkpoints' })
      .then(() => undefined)
      .catch((error: unknown) => {
        this.migrated = undefined;
        throw error;
      });
    return this.migrated;
  }

  override async getTuple(config: RunnableConfig): Promise<CheckpointTuple | undefined> {
    await this.setup();
    const threadId = requireString(config.configurable?.thread_id, 'thread_id');
    await this.settled(threadId);
    const ns = (config.configurable?.checkpoint_ns as string | undefined) ?? '';
    const checkpointId = (config.configurable?.checkpoint_id as string | undefined) || undefined;
    if (!checkpointId && this.fresh.delete(threadId)) {
      this.unsaved.add(threadId);
      return undefined;
    }
    const { rows } = checkpointId
      ? await this.database.query<CheckpointRow>(
          `${SELECT_CHECKPOINT} where thread_id = $1 and checkpoint_ns = $2 and checkpoint_id = $3`,
          [threadId, ns, checkpointId],
        )
      : await this.database.query<CheckpointRow>(
          `${SELECT_CHECKPOINT} where thread_id = $1 and checkpoint_ns = $2 order by checkpoint_id desc limit 1`,
          [threadId, ns],
        );
    const row = rows[0];
    if (!row) return undefined;
    const writes = await this.database.query<WriteRow>(
      `select checkpoint_id, task_id, channel, type, value from aurora_checkpoint_writes
       where thread_id = $1 and checkpoint_ns = $2 and checkpoint_id = $3 ${WRITES_ORDER}`,
      [threadId, ns, row.checkpoint_id],
    );
    return this.toTuple(row, writes.rows);
  }

  override async *list(config: RunnableConfig, options?: CheckpointListOptions): AsyncGenerator<CheckpointTuple> {
    await this.setup();
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (clause: string, value: unknown): void => {
      params.push(value);
      where.push(clause.replace('?', `$${params.length}`));
    };
    const configurable = config.configurable ?? {};
    if (configurable.thread_id !== undefined) add('thread_id = ?', requireString(configurable.thread_id, 'thread_id'));
    if (configurable.checkpoint_ns !== undefined)
      add('checkpoint_ns = ?', requireString(configurable.checkpoint_ns, 'checkpoint_ns', true));
    if (configurable.checkpoint_id)
      add('checkpoint_id = ?', requireString(configurable.checkpoint_id, 'checkpoint_id'));
    const before = options?.before?.configurable?.checkpoint_id as string | undefined;
    if (before) add('checkpoint_id < ?', before);
    if (options?.filter && Object.keys(options.filter).length > 0)
      add('metadata_json @> ?::jsonb', JSON.stringify(options.filter));
    const limit = options?.limit;
    if (limit !== undefined && limit <= 0) return;
    await this.settled(configurable.thread_id === undefined ? undefined : (configurable.thread_id as string));
    const sql = `${SELECT_CHECKPOINT} ${where.length ? `where ${where.join(' and ')}` : ''}
      order by thread_id, checkpoint_ns, checkpoint_id desc ${limit !== undefined ? `limit ${Math.floor(limit)}` : ''}`;
    const { rows } = await this.database.query<CheckpointRow>(sql, params);
    for (const row of rows) {
      const writes = await this.database.query<WriteRow>(
        `select checkpoint_id, task_id, channel, type, value from aurora_checkpoint_writes
         where thread_id = $1 and checkpoint_ns = $2 and checkpoint_id = $3 ${WRITES_ORDER}`,
        [row.thread_id, row.checkpoint_ns, row.checkpoint_id],
      );
      yield await this.toTuple(row, writes.rows);
    }
  }

  override put(
    config: RunnableConfig,
    checkpoint: Checkpoint,
    metadata: CheckpointMetadata,
    _newVersions: ChannelVersions,
  ): Promise<RunnableConfig> {
    const threadId = config.configurable?.thread_id as unknown;
    if (typeof threadId !== 'string') return this.putCheckpoint(config, checkpoint, metadata);
    this.unsaved.delete(threadId);
    // Tracked from the call on, serialization included: a read that follows sees it.
    return this.track(threadId, this.putCheckpoint(config, checkpoint, metadata));
  }

  private async putCheckpoint(
    config: RunnableConfig,
    checkpoint: Checkpoint,
    metadata: CheckpointMetadata,
  ): Promise<RunnableConfig> {
    await this.setup();
    const threadId = requireString(config.configurable?.thread_id, 'thread_id');
    const ns = (config.configurable?.checkpoint_ns as string | undefined) ?? '';
    const parent = (config.configurable?.checkpoint_id as string | undefined) || null;
    const [[type, body], [metadataType, metadataBody]] = await Promise.all([
      this.serde.dumpsTyped(this.messages ? this.messages.checkpoint(checkpoint) : checkpoint),
      this.serde.dumpsTyped(metadata),
    ]);
    await this.checkpoints.add([
      threadId,
      ns,
      checkpoint.id,
      parent,
      type,
      body,
      metadataType,
      metadataBody,
      metadataJson(metadata),
    ]);
    return { configurable: { thread_id: threadId, checkpoint_ns: ns, checkpoint_id: checkpoint.id } };
  }

  override putWrites(config: RunnableConfig, writes: PendingWrite[], taskId: string, taskPath?: string): Promise<void> {
    const threadId = config.configurable?.thread_id as unknown;
    if (typeof threadId !== 'string') return this.putPendingWrites(config, writes, taskId, taskPath);
    // A Command's update on a new thread (a new session's first run) is written against the
    // empty checkpoint LangGraph starts from, which is never stored; the same update is in the
    // input checkpoint put right after. Rows for it would be read by nothing.
    if (taskId === NULL_TASK_ID && this.unsaved.has(threadId)) return Promise.resolve();
    return this.track(threadId, this.putPendingWrites(config, writes, taskId, taskPath));
  }

  private async putPendingWrites(
    config: RunnableConfig,
    writes: PendingWrite[],
    taskId: string,
    taskPath: string | undefined,
  ): Promise<void> {
    if (writes.length === 0) return;
    await this.setup();
    const threadId = requireString(config.configurable?.thread_id, 'thread_id');
    const ns = (config.configurable?.checkpoint_ns as string | undefined) ?? '';
    const checkpointId = requireString(config.configurable?.checkpoint_id, 'checkpoint_id');
    const serialized = await Promise.all(
      writes.map(async ([channel, value], index) => {
        const [type, body] = await this.serde.dumpsTyped(this.messages ? this.messages.swap(value) : value);
        return { channel, type, body, idx: WRITES_IDX_MAP[channel] ?? index };
      }),
    );
    await Promise.all(
      serialized.map(({ idx, channel, type, body }) =>
        (idx < 0 ? this.specialWrites : this.regularWrites).add([
          threadId,
          ns,
          checkpointId,
          taskId,
          idx,
          channel,
          type,
          body,
          taskPath ?? '',
        ]),
      ),
    );
  }

  override async deleteThread(threadId: string): Promise<void> {
    await this.setup();
    requireString(threadId, 'thread_id');
    await this.settled(threadId);
    await this.database.transaction(async (tx) => {
      await tx.query('delete from aurora_checkpoint_writes where thread_id = $1', [threadId]);
      await tx.query('delete from aurora_checkpoints where thread_id = $1', [threadId]);
    });
  }

  private async toTuple(row: CheckpointRow, writes: readonly WriteRow[]): Promise<CheckpointTuple> {
    const [checkpoint, metadata, pendingWrites] = await Promise.all([
      this.serde.loadsTyped(row.type, row.checkpoint) as Promise<Checkpoint>,
      this.serde.loadsTyped(row.metadata_type, row.metadata) as Promise<CheckpointMetadata>,
      Promise.all(
        writes.map(async (write): Promise<CheckpointPendingWrite> => [
          write.task_id,
          write.channel,
          (await this.serde.loadsTyped(write.type, write.value)) as unknown,
        ]),
      ),
    ]);
    const configurable = { thread_id: row.thread_id, checkpoint_ns: row.checkpoint_ns };
    return {
      config: { configurable: { ...configurable, checkpoint_id: row.checkpoint_id } },
      checkpoint,
      metadata,
      pendingWrites,
      ...(row.parent_checkpoint_id
        ? { parentConfig: { configurable: { ...configurable, checkpoint_id: row.parent_checkpoint_id } } }
        : {}),
    };
  }
}

/** A LangGraph `BaseCheckpointSaver` on core's Database. */
export function createDatabaseCheckpointer(options: DatabaseCheckpointerOptions): DatabaseCheckpointer {
  return new DatabaseCheckpointer(options);
}
