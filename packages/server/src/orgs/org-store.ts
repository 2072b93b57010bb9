import { randomUUID } from 'node:crypto';
import { NotFoundError, type Database, type Migration, type PolicyRule } from '@aurora-ops/core';
import { parseJson } from '@aurora-ops/core/internal';

/** Per-org settings the API manages: policy rules (tool risk overrides, allow/deny) and connectors. */
export const ORG_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'policies and connectors',
    up: `
      create table aurora_policies (
        org text primary key,
        rules jsonb not null,
        updated_by text,
        updated_at timestamptz not null default now()
      );
      create table aurora_connectors (
        id text primary key,
        org text not null,
        kind text not null,
        name text not null,
        reference text not null,
        created_by text,
        created_at timestamptz not null default now(),
        unique (org, kind)
      );`,
  },
];

/** A stored connection: the credentials live in the SecretStore; only their reference is kept here. */
export interface Connector {
  readonly id: string;
  readonly org: string;
  readonly kind: string;
  readonly name: string;
  readonly reference: string;
  readonly createdAt: string;
}

export interface OrgStore {
  migrate(): Promise<void>;
  policy(org: string): Promise<PolicyRule[]>;
  setPolicy(org: string, rules: readonly PolicyRule[], by: string): Promise<void>;
  listConnectors(org: string): Promise<Connector[]>;
  getConnector(org: string, id: string): Promise<Connector>;
  /** One connector per kind and org: saving again replaces it. */
  saveConnector(input: { org: string; kind: string; name: string; reference: string; by: string }): Promise<Connector>;
  deleteConnector(org: string, id: string): Promise<Connector>;
}

type ConnectorRow = {
  id: string;
  org: string;
  kind: string;
  name: string;
  reference: string;
  created_at: Date | string;
};

const toConnector = (row: ConnectorRow): Connector => ({
  id: row.id,
  org: row.org,
  kind: row.kind,
  name: row.name,
  reference: row.reference,
  createdAt: new Date(row.created_at).toISOString(),
});

const notFound = () =>
  new NotFoundError({ message: 'No such connector in this org.', details: { resource: 'connector' } });

export function createOrgStore(database: Database): OrgStore {
  let migrated: Promise<unknown> | undefined;
  const ready = () => (migrated ??= database.migrate(ORG_MIGRATIONS, { namespace: 'server-orgs' }));
  return {
    async migrate() {
      await ready();
    },
    async policy(org) {
      await ready();
      const { rows } = await database.query<{ rules: PolicyRule[] | string }>(
        'select rules from aurora_policies where org = $1',
        [org],
      );
      const rules = rows[0]?.rules ?? [];
      return typeof rules === 'string' ? (parseJson(rules, 'Stored policy rules') as PolicyRule[]) : rules;
    },
    async setPolicy(org, rules, by) {
      await ready();
      await database.query(
        `insert into aurora_policies (org, rules, updated_by) values ($1, $2, $3)
         on conflict (org) do update set rules = excluded.rules, updated_by = excluded.updated_by, updated_at = now()`,
        [org, JSON.stringify(rules), by],
      );
    },
    async listConnectors(org) {
      await ready();
      const { rows } = await database.query<ConnectorRow>(
        'select * from aurora_connectors where org = $1 order by kind',
        [org],
      );
      return rows.map(toConnector);
    },
    async getConnector(org, id) {
      await ready();
      const { rows } = await database.query<ConnectorRow>(
        'select * from aurora_connectors where org = $1 and id = $2',
        [org, id],
      );
      if (!rows[0]) throw notFound();
      return toConnector(rows[0]);
    },
    async saveConnector(input) {
      await ready();
      const { rows } = await database.query<ConnectorRow>(
        `insert into aurora_connectors (id, org, kind, name, reference, created_by) values ($1, $2, $3, $4, $5, $6)
         on conflict (org, kind) do update set name = excluded.name, reference = excluded.reference
         returning *`,
        [randomUUID(), input.org, input.kind, input.name, input.reference, input.by],
      );
      return toConnector(rows[0] as ConnectorRow);
    },
    async deleteConnector(org, id) {
      await ready();
      const { rows } = await database.query<ConnectorRow>(
        'delete from aurora_connectors where org = $1 and id = $2 returning *',
        [org, id],
      );
      if (!rows[0]) throw notFound();
      return toConnector(rows[0]);
    },
  };
}
