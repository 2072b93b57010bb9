import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import {
  ForbiddenError,
  InvalidInputError,
  NotFoundError,
  UniqueViolationError,
  type Database,
  type Migration,
} from '@aurora-ops/core';
import { createTurnBatch, valuesList } from '@aurora-ops/core/internal';

/** Roles, weakest first. An operator may approve destructive calls; an admin also manages the org. */
export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const hasRole = (role: Role, atLeast: Role): boolean => ROLES.indexOf(role) >= ROLES.indexOf(atLeast);

/** Who is calling: from a session JWT or an API key. Every query the server makes is scoped by `org`. */
export interface Principal {
  readonly userId: string;
  readonly org: string;
  readonly role: Role;
  readonly email: string;
  readonly via: 'session' | 'api-key';
}

export interface User {
  readonly id: string;
  readonly org: string;
  readonly email: string;
  readonly role: Role;
  readonly createdAt: string;
  readonly disabled: boolean;
}

export interface ApiKey {
  readonly id: string;
  readonly org: string;
  readonly userId: string;
  readonly name: string;
  /** The first characters of the key (`aur_ab12cd34`), to recognise it; the key itself is shown once. */
  readonly prefix: string;
  readonly role: Role;
  readonly createdAt: string;
  readonly lastUsedAt?: string;
}

export const AUTH_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'orgs, users, api keys, one-time tokens',
    up: `
      create table aurora_orgs (
        id text primary key,
        name text not null,
        created_at timestamptz not null default now()
      );
      create table aurora_users (
        id text primary key,
        org text not null references aurora_orgs (id) on delete cascade,
        email text not null unique,
        password_hash text,
        role text not null check (role in ('viewer', 'operator', 'admin')),
        disabled boolean not null default false,
        created_at timestamptz not null default now()
      );
      create index aurora_users_org on aurora_users (org);
      create table aurora_api_keys (
        id text primary key,
        org text not null references aurora_orgs (id) on delete cascade,
        user_id text not null references aurora_users (id) on delete cascade,
        name text not null,
        prefix text not null,
        hash text not null unique,
        role text not null check (role in ('viewer', 'operator', 'admin')),
        created_at timestamptz not null default now(),
        last_used_at timestamptz,
        revoked_at timestamptz
      );
      create index aurora_api_keys_org on aurora_api_keys (org);
      create table aurora_one_time_tokens (
        hash text primary key,
        purpose text not null check (purpose in ('login', 'websocket')),
        org text not null,
        user_id text not null references aurora_users (id) on delete cascade,
        expires_at timestamptz not null
      );`,
  },
  {
    version: 2,
    name: 'one-time tokens carry the role and means of the principal they were issued to',
    // Null in the tokens issued before (they live 60 s): the user's role, as then.
    up: `
      alter table aurora_one_time_tokens
        add column role text check (role in ('viewer', 'operator', 'admin')),
        add column via text check (via in ('session', 'api-key'));`,
  },
];

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
const token = (prefix: string): string => `${prefix}${randomBytes(24).toString('base64url')}`;

type UserRow = {
  id: string;
  org: string;
  email: string;
  role: Role;
  disabled: boolean;
  created_at: Date | string;
  password_hash: string | null;
};

type TokenRow = UserRow & {
  token_hash: string;
  token_purpose: string;
  token_expires_at: Date | string;
  token_role: Role | null;
  token_via: Principal['via'] | null;
};

type ApiKeyRow = UserRow & { key_id: string; key_role: Role; key_hash: string; key_used: Date | string | null };

/** One caller's look-up in a shared statement, and what the statement found for it. */
interface Lookup<R> {
  readonly hash: string;
  readonly purpose?: string;
  found?: R;
}

/** Rows per shared statement (7 parameters each for a token insert: 3 500 in all). */
const ROWS_PER_STATEMENT = 500;

const toUser = (row: UserRow): User => ({
  id: row.id,
  org: row.org,
  email: row.email,
  role: row.role,
  disabled: row.disabled,
  createdAt: new Date(row.created_at).toISOString(),
});

const normaliseEmail = (email: string): string => email.trim().toLowerCase();

/** A hash that takes as long as a real verification, so unknown emails are not told apart by timing. */
let dummyHash: Promise<string> | undefined;

export interface AuthStore {
  migrate(): Promise<void>;
  /** Creates the org and its first admin when no user exists yet. Returns a one-time login token then. */
  bootstrap(options?: {
    orgId?: string;
    orgName?: string;
    email?: string;
  }): Promise<{ loginToken: string; user: User } | undefined>;
  createOrg(id: string, name: string): Promise<void>;
  createUser(input: { org: string; email: string; role: Role; password?: string }): Promise<User>;
  listUsers(org: string): Promise<User[]>;
  getUser(org: string, id: string): Promise<User>;
  updateUser(org: string, id: string, change: { role?: Role; disabled?: boolean; password?: string }): Promise<User>;
  /** Email + password → principal, or `undefined` (never says which part was wrong). */
  verifyPassword(email: string, password: string): Promise<Principal | undefined>;
  /**
   * A single-use token (login link or WebSocket connection), valid `ttlMs`. It carries the
   * principal's role and means when given: whoever uses it gets no more than that role (an API
   * key of role viewer opens a viewer's WebSocket), nor more than the user's role at that time.
   * Without a role, the user's role.
   */
  issueOneTimeToken(
    purpose: 'login' | 'websocket',
    principal: { org: string; userId: string; role?: Role; via?: Principal['via'] },
    ttlMs: number,
  ): Promise<string>;
  /** Consumes a single-use token: the first caller gets the principal, any later one `undefined`. */
  consumeOneTimeToken(purpose: 'login' | 'websocket', value: string): Promise<Principal | undefined>;
  createApiKey(principal: Principal, input: { name: string; role?: Role }): Promise<{ key: string; apiKey: ApiKey }>;
  listApiKeys(org: string): Promise<ApiKey[]>;
  revokeApiKey(org: string, id: string): Promise<void>;
  verifyApiKey(value: string): Promise<Principal | undefined>;
  principalFor(org: string, userId: string): Promise<Principal | undefined>;
}

export function createAuthStore(database: Database): AuthStore {
  let migrated: Promise<unknown> | undefined;
  const ready = () => (migrated ??= database.migrate(AUTH_MIGRATIONS, { namespace: 'server-auth' }));

  // The statements of a WebSocket connect (API key, token issued, token used) are shared by the
  // calls of one turn of the event loop, as clients reconnecting together after a deploy make
  // them; each caller gets only what its own hash found. See createTurnBatch (core): while one
  // statement is in flight, the calls of the following turns share the next.
  const tokenInserts = createTurnBatch<unknown[]>({
    maxRows: ROWS_PER_STATEMENT,
    write: async (rows) => {
      await database.query(
        `insert into aurora_one_time_tokens (hash, purpose, org, user_id, expires_at, role, via)
         values ${valuesList(rows.length, 7)}`,
        rows.flat(),
      );
    },
  });
  const tokenUses = createTurnBatch<Lookup<TokenRow>>({
    maxRows: ROWS_PER_STATEMENT,
    maxInFlight: 4,
    write: async (lookups) => {
      // Used up and its user read in one statement; a disabled user's token is used up too.
      const { rows } = await database.query<TokenRow>(
        `with used as (
           delete from aurora_one_time_tokens t using unnest($1::text[], $2::text[]) as wanted(hash, purpose)
           where t.hash = wanted.hash and t.purpose = wanted.purpose
           returning t.hash, t.purpose, t.org, t.user_id, t.expires_at, t.role, t.via)
         select u.*, used.hash as token_hash, used.purpose as token_purpose, used.expires_at as token_expires_at,
                used.role as token_role, used.via as token_via
         from used join aurora_users u on u.id = used.user_id and u.org = used.org and not u.disabled`,
        [lookups.map((lookup) => lookup.hash), lookups.map((lookup) => lookup.purpose)],
      );
      const found = new Map(rows.map((row) => [`${row.token_purpose}\u0000${row.token_hash}`, row]));
      for (const lookup of lookups) {
        const key = `${lookup.purpose}\u0000${lookup.hash}`;
        lookup.found = found.get(key);
        // Single use: of two callers with the same token in one statement, only the first gets it.
        found.delete(key);
      }
    },
  });
  const apiKeys = createTurnBatch<Lookup<ApiKeyRow>>({
    maxRows: ROWS_PER_STATEMENT,
    maxInFlight: 4,
    write: async (lookups) => {
      const { rows } = await database.query<ApiKeyRow>(
        `select u.*, k.id as key_id, k.role as key_role, k.hash as key_hash, k.last_used_at as key_used
           from aurora_api_keys k join aurora_users u on u.id = k.user_id
          where k.hash = any($1::text[]) and k.revoked_at is null and not u.disabled`,
        [[...new Set(lookups.map((lookup) => lookup.hash))]],
      );
      const found = new Map(rows.map((row) => [row.key_hash, row]));
      for (const lookup of lookups) lookup.found = found.get(lookup.hash);
      // last_used_at is for humans reviewing keys: refreshed at most once a minute, once per key
      // however many callers used it, off the requests' path.
      const stale = rows.filter((row) => !row.key_used || Date.now() - new Date(row.key_used).getTime() > 60_000);
      if (stale.length > 0) {
        void database
          .query('update aurora_api_keys set last_used_at = now() where id = any($1::text[])', [
            stale.map((row) => row.key_id),
          ])
          .catch(() => undefined);
      }
    },
  });

  const principalOf = (row: UserRow, via: Principal['via'], role: Role = row.role): Principal => ({
    userId: row.id,
    org: row.org,
    email: row.email,
    role: hasRole(row.role, role) ? role : row.role,
    via,
  });

  const store: AuthStore = {
    async migrate() {
      await ready();
    },
    async bootstrap(options = {}) {
      await ready();
      return database.transaction(async (tx) => {
        await tx.query('lock table aurora_users in exclusive mode');
        const { rows } = await tx.query<{ n: string | number }>('select count(*) as n from aurora_users');
        if (Number(rows[0]?.n ?? 0) > 0) return undefined;
        const org = options.orgId ?? 'default';
        await tx.query('insert into aurora_orgs (id, name) values ($1, $2) on conflict (id) do nothing', [
          org,
          options.orgName ?? 'Default',
        ]);
        const id = randomUUID();
        const email = normaliseEmail(options.email ?? 'admin@localhost');
        const inserted = await tx.query<UserRow>(
          `insert into aurora_users (id, org, email, role) values ($1, $2, $3, 'admin') returning *`,
          [id, org, email],
        );
        const loginToken = token('aurl_');
        await tx.query(
          `insert into aurora_one_time_tokens (hash, purpose, org, user_id, expires_at) values ($1, 'login', $2, $3, $4)`,
          [sha256(loginToken), org, id, new Date(Date.now() + 24 * 3_600_000)],
        );
        return { loginToken, user: toUser(inserted.rows[0] as UserRow) };
      });
    },
    async createOrg(id, name) {
      await ready();
      await database.query('insert into aurora_orgs (id, name) values ($1, $2)', [id, name]);
    },
    async createUser(input) {
      await ready();
      if (input.password !== undefined && input.password.length < 12) {
        throw new InvalidInputError({
          message: 'A password needs at least 12 characters.',
          details: { field: 'password' },
        });
      }
      const passwordHash = input.password === undefined ? null : await hash(input.password);
      try {
        const { rows } = await database.query<UserRow>(
          'insert into aurora_users (id, org, email, password_hash, role) values ($1, $2, $3, $4, $5) returning *',
          [randomUUID(), input.org, normaliseEmail(input.email), passwordHash, input.role],
        );
        return toUser(rows[0] as UserRow);
      } catch (error) {
        if (UniqueViolationError.isInstance(error)) {
          throw new UniqueViolationError({
            message: 'A user with this email already exists.',
            details: { field: 'email' },
          });
        }
        throw error;
      }
    },
    async listUsers(org) {
      await ready();
      const { rows } = await database.query<UserRow>(
        'select * from aurora_users where org = $1 order by created_at, id',
        [org],
      );
      return rows.map(toUser);
    },
    async getUser(org, id) {
      await ready();
      const { rows } = await database.query<UserRow>('select * from aurora_users where org = $1 and id = $2', [
        org,
        id,
      ]);
      if (!rows[0]) throw new NotFoundError({ message: 'No such user in this org.', details: { resource: 'user' } });
      return toUser(rows[0]);
    },
    async updateUser(org, id, change) {
      await ready();
      if (change.password !== undefined && change.password.length < 12) {
        throw new InvalidInputError({
          message: 'A password needs at least 12 characters.',
          details: { field: 'password' },
        });
      }
      const passwordHash = change.password === undefined ? undefined : await hash(change.password);
      const { rows } = await database.query<UserRow>(
        `update aurora_users set
           role = coalesce($3, role),
           disabled = coalesce($4, disabled),
           password_hash = coalesce($5, password_hash)
         where org = $1 and id = $2 returning *`,
        [org, id, change.role ?? null, change.disabled ?? null, passwordHash ?? null],
      );
      if (!rows[0]) throw new NotFoundError({ message: 'No such user in this org.', details: { resource: 'user' } });
      return toUser(rows[0]);
    },
    async verifyPassword(email, password) {
      await ready();
      const { rows } = await database.query<UserRow>('select * from aurora_users where email = $1', [
        normaliseEmail(email),
      ]);
      const row = rows[0];
      if (!row?.password_hash || row.disabled) {
        dummyHash ??= hash('aurora-timing-equaliser');
        await verify(await dummyHash, password).catch(() => false);
        return undefined;
      }
      const ok = await verify(row.password_hash, password).catch(() => false);
      return ok ? principalOf(row, 'session') : undefined;
    },
    async issueOneTimeToken(purpose, principal, ttlMs) {
      await ready();
      const value = token(purpose === 'login' ? 'aurl_' : 'aurw_');
      // The token carries the role and means of the principal it is issued to: an API key of
      // role viewer gets a viewer's WebSocket, not its user's role.
      await tokenInserts.add([
        sha256(value),
        purpose,
        principal.org,
        principal.userId,
        new Date(Date.now() + ttlMs),
        principal.role ?? null,
        principal.via ?? null,
      ]);
      return value;
    },
    async consumeOneTimeToken(purpose, value) {
      await ready();
      const lookup: Lookup<TokenRow> = { hash: sha256(value), purpose };
      await tokenUses.add(lookup);
      const row = lookup.found;
      if (!row || new Date(row.token_expires_at).getTime() < Date.now()) return undefined;
      // Never more than the user's role now (principalOf caps it), nor than the token's.
      return principalOf(row, row.token_via ?? 'session', row.token_role ?? row.role);
    },
    async createApiKey(principal, input) {
      await ready();
      const role = input.role ?? principal.role;
      if (!hasRole(principal.role, role)) {
        throw new ForbiddenError({ message: `A ${principal.role} cannot create a key with role ${role}.` });
      }
      const key = token('aurk_');
      const id = randomUUID();
      const { rows } = await database.query<{ created_at: Date | string }>(
        `insert into aurora_api_keys (id, org, user_id, name, prefix, hash, role) values ($1, $2, $3, $4, $5, $6, $7)
         returning created_at`,
        [id, principal.org, principal.userId, input.name, key.slice(0, 12), sha256(key), role],
      );
      return {
        key,
        apiKey: {
          id,
          org: principal.org,
          userId: principal.userId,
          name: input.name,
          prefix: key.slice(0, 12),
          role,
          createdAt: new Date(rows[0]?.created_at ?? Date.now()).toISOString(),
        },
      };
    },
    async listApiKeys(org) {
      await ready();
      const { rows } = await database.query<{
        id: string;
        org: string;
        user_id: string;
        name: string;
        prefix: string;
        role: Role;
        created_at: Date | string;
        last_used_at: Date | string | null;
      }>('select * from aurora_api_keys where org = $1 and revoked_at is null order by created_at, id', [org]);
      return rows.map((row) => ({
        id: row.id,
        org: row.org,
        userId: row.user_id,
        name: row.name,
        prefix: row.prefix,
        role: row.role,
        createdAt: new Date(row.created_at).toISOString(),
        ...(row.last_used_at ? { lastUsedAt: new Date(row.last_used_at).toISOString() } : {}),
      }));
    },
    async revokeApiKey(org, id) {
      await ready();
      const { rowCount } = await database.query(
        'update aurora_api_keys set revoked_at = now() where org = $1 and id = $2 and revoked_at is null',
        [org, id],
      );
      if (!rowCount)
        throw new NotFoundError({ message: 'No such API key in this org.', details: { resource: 'api-key' } });
    },
    async verifyApiKey(value) {
      await ready();
      if (!value.startsWith('aurk_')) return undefined;
      const digest = sha256(value);
      const lookup: Lookup<ApiKeyRow> = { hash: digest };
      await apiKeys.add(lookup);
      const row = lookup.found;
      if (!row || !timingSafeEqual(Buffer.from(row.key_hash), Buffer.from(digest))) return undefined;
      return principalOf(row, 'api-key', row.key_role);
    },
    async principalFor(org, userId) {
      await ready();
      const { rows } = await database.query<UserRow>(
        'select * from aurora_users where org = $1 and id = $2 and not disabled',
        [org, userId],
      );
      return rows[0] ? principalOf(rows[0], 'session') : undefined;
    },
  };
  return store;
}
