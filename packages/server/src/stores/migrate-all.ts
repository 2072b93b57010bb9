import {
  AUDIT_MIGRATIONS,
  CONFIRMATION_MIGRATIONS,
  GRAPH_MIGRATIONS,
  QUEUE_MIGRATIONS,
  VECTOR_MIGRATIONS,
  type Database,
  type Migration,
  type MigrationReport,
} from '@aurora-ops/core';
import { AGENT_MIGRATIONS, CHECKPOINT_MIGRATIONS, USAGE_MIGRATIONS } from '@aurora-ops/core/agent';
import { AUTH_MIGRATIONS } from '../auth/auth-store.js';
import { CHAT_MIGRATIONS } from '../chat/run-manager.js';
import { ORG_MIGRATIONS } from '../orgs/org-store.js';

/** Every schema the server uses, by namespace, in the order `aurora migrate` applies them. */
export function serverMigrations(options: {
  vectors: boolean;
  queue: boolean;
  graph: boolean;
}): [string, readonly Migration[]][] {
  return [
    ['server-auth', AUTH_MIGRATIONS],
    ['server-orgs', ORG_MIGRATIONS],
    ['core-agent', AGENT_MIGRATIONS],
    ['server-chat', CHAT_MIGRATIONS],
    ['core-checkpoints', CHECKPOINT_MIGRATIONS],
    ['core-confirmation', CONFIRMATION_MIGRATIONS],
    ['core-audit', AUDIT_MIGRATIONS],
    ['core-model-usage', USAGE_MIGRATIONS],
    ...(options.queue ? ([['core-queue', QUEUE_MIGRATIONS]] as [string, readonly Migration[]][]) : []),
    ...(options.graph ? ([['core-graph', GRAPH_MIGRATIONS]] as [string, readonly Migration[]][]) : []),
    ...(options.vectors ? ([['core-vector', VECTOR_MIGRATIONS]] as [string, readonly Migration[]][]) : []),
  ];
}

export async function migrateAll(
  database: Database,
  options: { vectors: boolean; queue: boolean; graph: boolean },
  onApplied?: (namespace: string, migration: { version: number; name: string; ms: number }) => void,
): Promise<MigrationReport[]> {
  const reports: MigrationReport[] = [];
  for (const [namespace, migrations] of serverMigrations(options)) {
    reports.push(
      await database.migrate(migrations, {
        namespace,
        ...(onApplied ? { onApplied: (migration) => onApplied(namespace, migration) } : {}),
      }),
    );
  }
  return reports;
}
