/**
 * The auth store's WebSocket-connect statements under a reconnect storm, on PGlite and
 * PostgreSQL: the API key look-ups, token inserts and token uses of one turn of the event loop
 * share one statement each, and each caller still gets only its own principal: another org's
 * key or token never answers for it, a token is used once however many callers present it
 * together, and a revoked key, an unknown key and an expired token get nothing.
 */
import type { Database } from '@aurora-ops/core';
import { testDatabaseBackends } from '@aurora-ops/core/testing/postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthStore, type AuthStore, type Principal } from '../src/auth/auth-store.js';

const backends = await testDatabaseBackends();

/** Counts statements by their first words. */
function counting(database: Database): { database: Database; count(start: string): number; reset(): void } {
  const statements: string[] = [];
  const wrapped = Object.create(database) as Database;
  wrapped.query = (sql: string, params?: readonly unknown[]) => {
    statements.push(sql.replace(/\s+/g, ' ').trim());
    return database.query(sql, params);
  };
  return {
    database: wrapped,
    count: (start) => statements.filter((sql) => sql.startsWith(start)).length,
    reset: () => statements.splice(0),
  };
}

for (const backend of backends) {
  describe.skipIf(backend.skip !== undefined)(
    `auth store connect statements on ${backend.name}${backend.skip ? ` (skipped: ${backend.skip})` : ''}`,
    () => {
      let opened: { database: Database; close(): Promise<void> };
      let statements: ReturnType<typeof counting>;
      let auth: AuthStore;
      const principals: Principal[] = [];

      beforeAll(async () => {
        opened = await backend.open();
        statements = counting(opened.database);
        auth = createAuthStore(statements.database);
        await auth.migrate();
        // Three orgs, an operator and a viewer in each.
        for (const org of ['acme', 'globex', 'initech']) {
          await auth.createOrg(org, org);
          for (const role of ['operator', 'viewer'] as const) {
            const user = await auth.createUser({ org, email: `${role}@${org}.test`, role });
            principals.push({ userId: user.id, org, email: user.email, role, via: 'session' });
          }
        }
      }, 60_000);
      afterAll(async () => opened?.close());

      it('tokens issued and used together share one insert and one delete; each caller gets its own principal', async () => {
        statements.reset();
        const issued = await Promise.all(
          principals.map((principal) => auth.issueOneTimeToken('websocket', principal, 60_000)),
        );
        expect(statements.count('insert into aurora_one_time_tokens')).toBe(1);
        const used = await Promise.all(issued.map((value) => auth.consumeOneTimeToken('websocket', value)));
        expect(statements.count('with used as ( delete from aurora_one_time_tokens')).toBe(1);
        expect(used.map((principal) => [principal?.org, principal?.userId, principal?.role])).toEqual(
          principals.map((principal) => [principal.org, principal.userId, principal.role]),
        );
        // Used up: a second use in a later turn gets nothing.
        expect(await Promise.all(issued.map((value) => auth.consumeOneTimeToken('websocket', value)))).toEqual(
          issued.map(() => undefined),
        );
      });

      it('a token presented by several callers in the same turn is used once', async () => {
        const value = await auth.issueOneTimeToken('websocket', principals[0]!, 60_000);
        const other = await auth.issueOneTimeToken('websocket', principals[2]!, 60_000);
        statements.reset();
        const used = await Promise.all([
          ...Array.from({ length: 5 }, () => auth.consumeOneTimeToken('websocket', value)),
          auth.consumeOneTimeToken('websocket', other),
          // The same value for the other purpose is another token: it does not exist.
          auth.consumeOneTimeToken('login', value),
        ]);
        expect(statements.count('with used as ( delete from aurora_one_time_tokens')).toBe(1);
        expect(used.slice(0, 5).filter((principal) => principal !== undefined)).toEqual([
          expect.objectContaining({ org: 'acme', userId: principals[0]!.userId }),
        ]);
        expect(used[5]).toMatchObject({ org: 'globex', userId: principals[2]!.userId });
        expect(used[6]).toBeUndefined();
      });

      it('a token past its time is used up and gets nothing, beside a live one in the same statement', async () => {
        const expired = await auth.issueOneTimeToken('websocket', principals[1]!, -1);
        const live = await auth.issueOneTimeToken('websocket', principals[1]!, 60_000);
        const [late, fresh] = await Promise.all([
          auth.consumeOneTimeToken('websocket', expired),
          auth.consumeOneTimeToken('websocket', live),
        ]);
        expect(late).toBeUndefined();
        expect(fresh).toMatchObject({ org: 'acme', role: 'viewer', via: 'session' });
      });

      it('API keys verified together share one select; each gets its own org and role, revoked and unknown keys nothing', async () => {
        const keys = await Promise.all(
          principals.map((principal, index) =>
            auth.createApiKey(principal, {
              name: `k${index}`,
              ...(index % 2 === 0 ? { role: 'viewer' as const } : {}),
            }),
          ),
        );
        const revoked = keys[4]!;
        await auth.revokeApiKey('initech', revoked.apiKey.id);
        statements.reset();
        const presented = [...keys.map(({ key }) => key), ...keys.map(({ key }) => key), 'aurk_unknown'];
        const verified = await Promise.all(presented.map((key) => auth.verifyApiKey(key)));
        expect(statements.count('select u.*, k.id as key_id')).toBe(1);
        const expected = principals.map((principal, index) =>
          index === 4 ? undefined : [principal.org, principal.userId, index % 2 === 0 ? 'viewer' : principal.role],
        );
        const got = verified.map((principal) =>
          principal ? [principal.org, principal.userId, principal.role] : undefined,
        );
        expect(got).toEqual([...expected, ...expected, undefined]);
        // last_used_at: one update for the keys used, not one per caller.
        await new Promise((resolve) => setTimeout(resolve, 200));
        expect(statements.count('update aurora_api_keys set last_used_at')).toBe(1);
        const { rows } = await opened.database.query<{ n: number }>(
          'select count(*)::int as n from aurora_api_keys where last_used_at is not null',
        );
        expect(rows[0]?.n).toBe(principals.length - 1);
      });
    },
  );
}
