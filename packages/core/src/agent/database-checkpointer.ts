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

/**
 * A LangGraph checkpoint saver on core's `Database` (PostgreSQL or PGlite). Checkpoints and
 * pending writes are stored with LangGraph's serializer as bytea; metadata is also kept as
 * jsonb for `list({ filter })`. Writes come back in `writesSortKey` order.
 */
export class DatabaseCheckpointer extends BaseCheckpointSaver {
  readonly database: Database;
  private migrated: Promise<void> | undefined;
  /** Messages' JSON kept between writes; only with the default (JSON) serializer. */
  private readonly messages: MessageJsonCache | undefined;

  constructor(options: DatabaseCheckpointerOptions) {
    super(options.serde);
    this.database = options.database;
    this.messages = options.serde === undefined ? new MessageJsonCache() : undefined;
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
    const ns = (config.configurable?.checkpoint_ns as string | undefined) ?? '';
    const checkpointId = (config.configurable?.checkpoint_id as string | undefined) || undefined;
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

  override async put(
    config: RunnableConfig,
    checkpoint: Checkpoint,
    metadata: CheckpointMetadata,
    _newVersions: ChannelVersions,
  ): Promise<RunnableConfig> {
    await this.setup();
    const threadId = requireString(config.configurable?.thread_id, 'thread_id');
    const ns = (config.configurable?.checkpoint_ns as string | undefined) ?? '';
    const parent = (config.configurable?.checkpoint_id as string | undefined) || null;
    const [[type, body], [metadataType, metadataBody]] = await Promise.all([
      this.serde.dumpsTyped(this.messages ? this.messages.checkpoint(checkpoint) : checkpoint),
      this.serde.dumpsTyped(metadata),
    ]);
    await this.database.query(
      `insert into aurora_checkpoints (thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, type, checkpoint,
         metadata_type, metadata, metadata_json)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb)
       on conflict (thread_id, checkpoint_ns, checkpoint_id) do update set
         parent_checkpoint_id = excluded.parent_checkpoint_id, type = excluded.type, checkpoint = excluded.checkpoint,
         metadata_type = excluded.metadata_type, metadata = excluded.metadata, metadata_json = excluded.metadata_json`,
      [threadId, ns, checkpoint.id, parent, type, body, metadataType, metadataBody, metadataJson(metadata)],
    );
    return { configurable: { thread_id: threadId, checkpoint_ns: ns, checkpoint_id: checkpoint.id } };
  }

  override async putWrites(
    config: RunnableConfig,
    writes: PendingWrite[],
    taskId: string,
    taskPath?: string,
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
    // Special writes (negative idx: errors, interrupts) replace; regular writes are kept once.
    const groups = [serialized.filter((w) => w.idx < 0), serialized.filter((w) => w.idx >= 0)];
    for (const [group, special] of [
      [groups[0]!, true],
      [groups[1]!, false],
    ] as const) {
      if (group.length === 0) continue;
      const params: unknown[] = [threadId, ns, checkpointId, taskId, taskPath ?? ''];
      const values = group.map((write) => {
        params.push(write.idx, write.channel, write.type, write.body);
        const n = params.length;
        return `($1, $2, $3, $4, $${n - 3}, $${n - 2}, $${n - 1}, $${n}, $5)`;
      });
      await this.database.query(
        `insert into aurora_checkpoint_writes (thread_id, checkpoint_ns, checkpoint_id, task_id, idx, channel, type, value, task_path)
         values ${values.join(', ')}
         on conflict (thread_id, checkpoint_ns, checkpoint_id, task_id, idx) do ${
           special
             ? 'update set channel = excluded.channel, type = excluded.type, value = excluded.value, task_path = excluded.task_path'
             : 'nothing'
         }`,
        params,
      );
    }
  }

  override async deleteThread(threadId: string): Promise<void> {
    await this.setup();
    requireString(threadId, 'thread_id');
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
